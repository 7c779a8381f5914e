#!/bin/sh
# fuzz.sh BUILD_DIR SECONDS - run every libFuzzer target of BUILD_DIR (a
# PAGELAB_FUZZ build: one fuzz_NAME per tests/fuzz/fuzz_NAME.c) first over
# its seeds (tests/fuzz/corpus/NAME) and what earlier runs found
# (BUILD_DIR/fuzz-corpus/NAME), then for SECONDS in all, with
# tests/fuzz/NAME.dict if there is one. Prints the executions of each
# target; a finding (crash, leak, timeout, undefined behaviour) leaves its
# input and log in BUILD_DIR/fuzz-artifacts/ and fails the script.
set -eu
build=$1
seconds=$2
src=$(cd "$(dirname "$0")/.." && pwd)
fail=0
found=0
mkdir -p "$build/fuzz-artifacts"
for target in "$build"/fuzz_*; do
	[ -f "$target" ] && [ -x "$target" ] || continue
	found=1
	name=$(basename "$target")
	work=$build/fuzz-corpus/$name
	log=$build/fuzz-artifacts/$name.log
	mkdir -p "$work"
	set -- -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-close_fd_mask=3 -artifact_prefix="$build/fuzz-artifacts/$name-"
	if [ -f "$src/tests/fuzz/$name.dict" ]; then
		set -- "$@" -dict="$src/tests/fuzz/$name.dict"
	fi
	set -- "$@" "$work"
	if [ -d "$src/tests/fuzz/corpus/$name" ]; then
		set -- "$@" "$src/tests/fuzz/corpus/$name"
	fi
	if "$target" "$@" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		echo "fuzz: $name: $execs executions in $seconds s ($rate/s), no finding"
	else
		echo "fuzz: $name: FINDING, see $log and $build/fuzz-artifacts/$name-*" >&2
		tail -n 60 "$log" >&2
		fail=1
	fi
done
if [ "$found" = 0 ]; then
	echo "fuzz: no fuzz_* target in $build" >&2
	exit 1
fi
exit "$fail"
