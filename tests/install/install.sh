#!/bin/sh
# install.sh BUILD_DIR SOURCE_DIR - `make install` into a temporary DESTDIR,
# then build every example against the installed copy with nothing but
# `pkg-config --cflags --libs pagelab` (shared and --static), and run it.
set -eu
build=$1
src=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
prefix=/usr/local

DESTDIR=$dest cmake --install "$build" --prefix "$prefix" >/dev/null
root=$dest$prefix
for f in bin/pagelab include/pagelab/pagelab.h include/pagelab/scenario.h \
	 lib/libpagelab.a lib/pkgconfig/pagelab.pc share/man/man1/pagelab.1 \
	 share/man/man5/pagelab-scenario.5 share/man/man3/libpagelab.3; do
	[ -e "$root/$f" ] || { echo "install: $f is missing" >&2; exit 1; }
done
soname=$(objdump -p "$root/lib/libpagelab.so" | awk '$1 == "SONAME" { print $2 }')
case $soname in
libpagelab.so.[0-9]*) ;;
*) echo "install: libpagelab.so has soname '$soname', not a versioned one" >&2; exit 1 ;;
esac
exported=$(nm -D --defined-only "$root/lib/libpagelab.so" | awk '$2 == "T" && $3 !~ /^pagelab_/' | head -3)
[ -z "$exported" ] || { echo "install: the shared library exports internals: $exported" >&2; exit 1; }
"$root/bin/pagelab" version >/dev/null

export PKG_CONFIG_PATH=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
n=0
for ex in "$src"/examples/*.c; do
	name=$(basename "$ex" .c)
	# shellcheck disable=SC2046
	cc -o "$dest/$name" "$ex" $(pkg-config --cflags --libs pagelab)
	LD_LIBRARY_PATH=$root/lib "$dest/$name" >/dev/null
	# shellcheck disable=SC2046
	cc -o "$dest/$name-static" "$ex" $(pkg-config --cflags pagelab) \
		-Wl,-Bstatic $(pkg-config --static --libs-only-L --libs-only-l pagelab | sed 's/-lpthread//; s/-lm//') \
		-Wl,-Bdynamic -lpthread -lm
	"$dest/$name-static" >/dev/null
	n=$((n + 1))
done
echo "install: $soname, $n example(s) built and run against the installed copy"
