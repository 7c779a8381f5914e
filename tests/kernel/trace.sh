#!/bin/sh
# trace.sh PAGELAB DIR - --trace on the kernel backend: the kernel's own
# compaction and migration events, in the simulator's layout and with its
# event names, with times since the trace began; tracefs mounted and the
# instance made for the run only, and gone afterwards.
set -u
pagelab=$1
dir=$2
. "$dir/lib.sh"
need_kernel
if [ ! -d /sys/kernel/tracing ] || ! grep -qw tracefs /proc/filesystems; then
	echo "SKIP: no tracefs"
	exit 77
fi
tmp=$(mktemp -d)
at_exit '"$pagelab" restore >/dev/null; rm -rf "$tmp"'
knobs >"$tmp/before"
"$pagelab" run "$dir/trace.scn" --backend kernel --trace "$tmp/trace" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; exit 1; }
same_knobs "$tmp/before" "a traced run"
for want in 'mm_compaction_begin: zone_start=0x[0-9a-f]* migrate_pfn=0x[0-9a-f]* free_pfn=0x[0-9a-f]* zone_end=0x[0-9a-f]*, mode=sync$' \
	    'mm_compaction_end: .* status=[a-z_]*$' \
	    'mm_migrate_pages_start: mode=MIGRATE_SYNC reason=compaction$' \
	    'mm_migrate_pages: nr_succeeded=[0-9]* nr_failed=[0-9]* .* reason=compaction$'; do
	grep -q -- "^ *[^ ].*-[0-9]* *\[[0-9]*\] [^ ]* *[0-9]*\.[0-9]\{6\}: $want" "$tmp/trace" ||
		{ head "$tmp/trace"; echo "FAIL: no line matches: $want"; exit 1; }
done
if grep -q 'set_migration_pte\|remove_migration_pte' "$tmp/trace"; then
	echo "FAIL: per-PTE migration events traced"
	exit 1
fi
# Times start near 0: seconds since the trace began, not since boot.
first=$(head -n 1 "$tmp/trace" | sed 's/.*] [^ ]* *\([0-9.]*\):.*/\1/')
awk -v t="$first" 'BEGIN { exit !(t < 60) }' || { echo "FAIL: first time $first"; exit 1; }
echo "ok: $(wc -l <"$tmp/trace") trace lines"
