#!/bin/sh
# ksm_outputs.sh PAGELAB FILE - run FILE (a scenario that merges with
# process p alive) deterministically and look for KSM in every output: the
# text report's ksm: section and p's ksm_stat line, the JSON report's ksm
# object with p's lines, and the SVG's second chart with both of its lines.
set -u
pagelab=$1
file=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
if ! "$pagelab" run "$file" --deterministic --svg "$dir/k.svg" >"$dir/out" ||
   ! "$pagelab" run "$file" --deterministic --json "$dir/k.json" >/dev/null; then
	echo "the run failed"
	exit 1
fi
want() {
	if ! grep -Eq -- "$2" "$1"; then
		echo "$1: no line matches: $2"
		fail=1
	fi
}
want "$dir/out" '^  ksm: pages_scanned [0-9]+, pages_shared 1, pages_sharing 127,'
want "$dir/out" '^  ksm_stat p: ksm_rmap_items 64, ksm_zero_pages 0, ksm_merging_pages 64,'
want "$dir/k.json" '^ +"ksm": \{$'
want "$dir/k.json" '^ +"pages_sharing": 127,$'
want "$dir/k.json" '^ +"p\.ksm_merging_pages": 64,$'
want "$dir/k.svg" '>KSM sharing at each report</text>'
want "$dir/k.svg" '>pages_shared</text>'
want "$dir/k.svg" '>pages_sharing</text>'
if [ "$(grep -c '<polyline' "$dir/k.svg")" -lt 2 ]; then
	echo "the SVG has no KSM lines"
	fail=1
fi
[ "$fail" = 0 ] || cat "$dir/out"
exit "$fail"
