#!/bin/sh
# compare.sh PAGELAB DIR SCENARIO [COUNTER] - `pagelab compare` on SCENARIO
# (a file of DIR, or a path relative to it): both backends run it, every expect and check holds on both (exit
# 0), the comparison shows every expect, every report's counters and the
# free memory in blocks of pageblock order or more on each side, the JSON
# has both reports and the comparison, COUNTER (default
# vmstat.pgmigrate_success) is above 0 on both sides at the end, and no knob
# is left changed. The sim
# side runs --deterministic (its sleeps are virtual). To compare another
# scenario, register one more test with its file (cmake/tests.cmake).
set -u
pagelab=$1
dir=$2
scn=$dir/$3
. "$dir/lib.sh"
need_kernel
tmp=$(mktemp -d)
at_exit '"$pagelab" restore >/dev/null; rm -rf "$tmp"'
knobs >"$tmp/before"
"$pagelab" compare "$scn" --deterministic --json "$tmp/cmp.json" >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/out"
[ "$status" = 0 ] || { cat "$tmp/err"; echo "FAIL: exit $status"; exit 1; }
same_knobs "$tmp/before" "pagelab compare"
grep -q '^sim: PASS$' "$tmp/out" && grep -q '^kernel: PASS$' "$tmp/out" || exit 1
expects=$(grep -c '^expect ' "$scn")
[ "$(grep -c '^  line [0-9]*: [^ ]* [=!<>]* [-0-9]* ' "$tmp/out")" = "$expects" ] ||
	{ echo "FAIL: not every expect is compared"; exit 1; }
reports=$(($(grep -c '^report' "$scn") + 1))	# and "end"
[ "$(grep -c '^    kernel  [0-9]* of [0-9]* free pages' "$tmp/out")" = "$reports" ] ||
	{ echo "FAIL: not every report shows the kernel's free memory"; exit 1; }
grep -q '^    sim     [0-9]* of [0-9]* free pages (.*); since the previous report' "$tmp/out" || exit 1
python3 - "$tmp/cmp.json" "$reports" "${4:-vmstat.pgmigrate_success}" <<'PY' || { echo "FAIL: the JSON comparison"; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sim"]["backend"] == "sim" and d["kernel"]["backend"] == "kernel"
assert d["kernel"]["machine"]["kernel_release"]
c = d["comparison"]
assert len(c["reports"]) == int(sys.argv[2])
assert all(e["sim"]["ok"] and e["kernel"]["ok"] for e in c["expects"])
assert all(k["sim"] and k["kernel"] for k in c["checks"])
assert c["pass"] == {"sim": True, "kernel": True}
row = {r["name"]: r for r in c["reports"][-1]["counters"]}[sys.argv[3]]
assert row["sim"] > 0 and row["kernel"] > 0 and row["difference"] == row["kernel"] - row["sim"]
PY
echo "ok: the comparison of $3"
