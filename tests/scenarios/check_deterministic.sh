#!/bin/sh
# check_deterministic.sh PAGELAB FILE - run FILE twice with --deterministic
# and the same --seed; both runs must pass and write the same JSON report.
set -u
pagelab=$1
file=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for run in 1 2; do
	if ! "$pagelab" run "$file" --deterministic --seed 3 --json "$dir/$run.json" >/dev/null; then
		echo "run $run failed"
		exit 1
	fi
done
if ! cmp "$dir/1.json" "$dir/2.json"; then
	diff "$dir/1.json" "$dir/2.json" | head -40
	exit 1
fi
