#!/bin/sh
# refusals.sh PAGELAB DIR - the kernel backend refuses, at parse time and
# with the reason, what a program cannot do on the host (refusals.scn, and
# migrate on a host of one NUMA node); exit 2, nothing runs. Needs no root.
set -u
pagelab=$1
dir=$2
f=$dir/refusals.scn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -e /proc/buddyinfo ] || { echo "SKIP: no /proc/buddyinfo"; exit 77; }
"$pagelab" run "$f" --backend kernel >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/err"
[ "$status" = 2 ] && [ ! -s "$tmp/out" ] || { echo "FAIL: exit $status or something ran"; exit 1; }
sim_only="sim backend only (a program cannot allocate the host kernel's pages)"
for want in \
	"$f:5: 'kalloc' allocates kernel memory inside the simulator: $sim_only" \
	"$f:6: 'kfree' allocates kernel memory inside the simulator: $sim_only" \
	"$f:7: 'kcheck' allocates kernel memory inside the simulator: $sim_only" \
	"$f:8: 'balloon' drives the simulated balloon: sim backend only (the host's balloon is inflated by its hypervisor)" \
	"$f:9: 'balloon wait' drives the simulated balloon: sim backend only (the host's balloon is inflated by its hypervisor)" \
	"$f:10: 'extfrag.Normal.order9' reads debugfs's extfrag files, which the kernel backend does not mount: sim backend only" \
	"$f:11: 'compaction.max_free_blocks' is computed from the simulator's page census: sim backend only" \
	"$f:12: 'balloon.target_pages' is the simulated balloon's host: sim backend only (on the kernel, balloon.actual_pages is vmstat.nr_balloon_pages)" \
	"$f:13: 'machine.struct_page_bytes': the host's struct page is not visible from user space" \
	"$f:14: unknown zone 'Movable' (not in this host's /proc/buddyinfo)" \
	"$f:15: 'buddy.Normal.order11': order 11 is above this kernel's max order 10" \
	"$f:16: unknown vmstat counter 'no_such_counter' (not in this kernel's /proc/vmstat)" \
	"$f:17: 'kalloc.k.ok' is a kalloc set's: sim backend only"; do
	grep -Fqx -- "$want" "$tmp/err" || { echo "FAIL: missing: $want"; exit 1; }
done
# Which reason depends on whether this kernel has fail_page_alloc.
grep -q "^$f:18: 'fault fail_page_alloc'.*; sim backend only\$" "$tmp/err" ||
	{ echo "FAIL: fault not refused with its reason"; exit 1; }
[ "$(wc -l <"$tmp/err")" = 14 ] || { echo "FAIL: other errors"; exit 1; }
echo "ok: every refusal"
nodes=$(cat /sys/devices/system/node/online 2>/dev/null || echo 0)
if [ "$nodes" = 0 ]; then
	printf 'process p\np mmap r 1M\np migrate r\n' >"$tmp/m.scn"
	"$pagelab" run "$tmp/m.scn" --backend kernel >"$tmp/out" 2>"$tmp/err"
	status=$?
	grep -Fqx "$tmp/m.scn:3: 'migrate' needs two NUMA nodes: this host has one, where move_pages(2) leaves every page where it is" "$tmp/err" &&
		[ "$status" = 2 ] || { cat "$tmp/err"; echo "FAIL: migrate on one node"; exit 1; }
	echo "ok: migrate refused on one node"
fi
