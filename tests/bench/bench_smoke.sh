#!/bin/sh
# SPDX-License-Identifier: MIT
# bench_smoke.sh - a functional run of pagelab-bench (one repetition of
# every benchmark, 0.02 s each, on a 256 MiB machine) so that the benchmark
# code cannot rot: every entry of --list must print a "name: median
# (min..max)" line, --json must write each of them and --baseline must read
# the file back. No figure is compared with any threshold.
# Usage: bench_smoke.sh PAGELAB_BENCH_BINARY
set -eu
bench=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
export PAGELAB_BENCH_REPS=1 PAGELAB_BENCH_SECONDS=0.02 PAGELAB_BENCH_MEMORY_MIB=256
"$bench" --json "$dir/run.json" >"$dir/out" 2>"$dir/err" || { cat "$dir/err"; exit 1; }
"$bench" --list >"$dir/names"
status=0
while read -r name; do
	grep -Eq "^$name: [0-9.]+ \([0-9.]+\.\.[0-9.]+\)\$" "$dir/out" ||
		{ echo "missing or malformed: $name"; status=1; }
	grep -q "\"$name\": {\"median\": " "$dir/run.json" ||
		{ echo "not in the JSON: $name"; status=1; }
done <"$dir/names"
"$bench" --baseline "$dir/run.json" alloc_free.order0.threads1 >"$dir/base" 2>/dev/null
grep -Eq '^alloc_free\.order0\.threads1\.pairs_per_s: .* x[0-9.]+ vs baseline$' "$dir/base" ||
	{ echo "--baseline gave no ratio:"; cat "$dir/base"; status=1; }
[ "$status" = 0 ] || cat "$dir/out"
exit $status
