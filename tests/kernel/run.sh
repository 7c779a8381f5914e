#!/bin/sh
# run.sh PAGELAB DIR SCENARIO - run SCENARIO (a file of DIR) on the kernel
# backend: every expect and check must hold (exit 0), and no knob may be
# left changed.
set -u
pagelab=$1
dir=$2
. "$dir/lib.sh"
need_kernel
tmp=$(mktemp -d)
at_exit '"$pagelab" restore >/dev/null; rm -rf "$tmp"'
knobs >"$tmp/before"
"$pagelab" run "$dir/$3" --backend kernel >"$tmp/out" 2>&1
status=$?
cat "$tmp/out"
[ "$status" = 0 ] || { echo "FAIL: exit $status"; exit 1; }
same_knobs "$tmp/before" "$3"
