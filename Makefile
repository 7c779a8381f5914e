# pagelab: thin wrapper around CMake. See README.md.
#   make          build the CLI and the library (build/)
#   make run      build and run the built-in default scenario
#   make check    build and run every test, plain, ASan+UBSan and TSan
#   make bench    build (optimised) and run the benchmarks (those on the
#                 host's kernel as root only; skipped otherwise, saying so),
#                 writing build-bench/bench.json; BASELINE=file.json prints
#                 each figure's ratio to that saved run
#   make stress   the seeded stress tests, ten times longer
#   make soak     every subsystem at once under TSan for SOAK_MINUTES (10)
#   make fuzz     build the libFuzzer targets (clang) and run each for
#                 FUZZ_SECONDS (default 600); `make check` runs them for
#                 FUZZ_CHECK_SECONDS (default 20) each
#   make install  install the CLI, libraries, headers, pagelab.pc and man
#                 pages under PREFIX (default /usr/local), honouring DESTDIR
#   make mutate   mutation testing: deliberate bugs the tests must catch (slow)
JOBS   ?= $(shell nproc)
CMAKE  ?= cmake
# scripts/deps.sh runs only when a build dependency is missing.
HAVE_DEPS := $(and $(wildcard /usr/include/cmocka.h),$(wildcard /usr/include/xxhash.h),$(shell command -v cmake),\
	$(shell command -v spin),$(shell command -v clang),$(shell command -v xmllint),\
	$(wildcard /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a))

PREFIX ?= /usr/local
FUZZ_SECONDS ?= 600
FUZZ_CHECK_SECONDS ?= 20
SOAK_MINUTES ?= 10

.PHONY: all run check bench stress soak install mutate clean deps fuzz fuzz-build

all: deps
	$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAGELAB_DEBUG=1 >/dev/null
	$(CMAKE) --build build -j$(JOBS)

deps:
	$(if $(HAVE_DEPS),@true,@sh scripts/deps.sh)

run: all
	./build/pagelab run

check: all
	cd build && ctest --output-on-failure -j$(JOBS)
	$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPAGELAB_DEBUG=2 -DPAGELAB_SANITIZE=address >/dev/null
	$(CMAKE) --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS) -L sanitize
	$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DPAGELAB_DEBUG=2 -DPAGELAB_SANITIZE=thread >/dev/null
	$(CMAKE) --build build-tsan -j$(JOBS)
	cd build-tsan && ctest --output-on-failure -j$(JOBS) -L sanitize
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS)

# The libFuzzer build: clang, the library instrumented with ASan and UBSan.
fuzz-build: deps
	$(CMAKE) -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPAGELAB_DEBUG=1 -DPAGELAB_FUZZ=ON >/dev/null
	$(CMAKE) --build build-fuzz -j$(JOBS) --target pagelab_fuzz

fuzz: fuzz-build
	sh scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

bench: deps
	$(CMAKE) -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPAGELAB_DEBUG=0 >/dev/null
	$(CMAKE) --build build-bench -j$(JOBS) --target pagelab-bench pagelab-bench-kernel
	./build-bench/pagelab-bench --json build-bench/bench.json $(if $(BASELINE),--baseline $(BASELINE))
	./build-bench/pagelab-bench-kernel

stress: all
	cd build && PAGELAB_STRESS_SCALE=10 ctest --output-on-failure -L stress --timeout 3600

soak: deps
	$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DPAGELAB_DEBUG=2 -DPAGELAB_SANITIZE=thread >/dev/null
	$(CMAKE) --build build-tsan -j$(JOBS) --target soak pagelab
	cd build-tsan && PAGELAB_BIN=$$PWD/pagelab ./soak $$(($(SOAK_MINUTES) * 60))

install: all
	DESTDIR=$(DESTDIR) $(CMAKE) --install build --prefix $(PREFIX)

mutate: deps
	JOBS=$(JOBS) sh scripts/mutate.sh

clean:
	rm -rf build build-asan build-tsan build-bench build-fuzz
