#!/bin/sh
# knobs.sh PAGELAB DIR - no kernel-backend run leaves a knob changed,
# however it ends: one that fails (exit 1), one killed by SIGTERM (the
# signal guard gives back), one killed by SIGKILL (the next run gives back,
# before anything else), and one killed by SIGKILL given back by
# `pagelab restore`. After each, every knob (and the tracefs mount state)
# is as before, and no process of the run is left.
set -u
pagelab=$1
dir=$2
. "$dir/lib.sh"
need_kernel
tmp=$(mktemp -d)
runner=
# However this test ends, nothing of a run is left: a sleeper still running
# gives back on SIGTERM, and what a killed one left is given back here.
cleanup() {
	[ -n "$runner" ] && kill -TERM "$runner" 2>/dev/null && wait "$runner"
	"$pagelab" restore >/dev/null
	rm -rf "$tmp"
}
at_exit cleanup
knobs >"$tmp/before"

# 1. A run that fails.
"$pagelab" run "$dir/knobs_fail.scn" --backend kernel >"$tmp/out" 2>&1
status=$?
if [ "$status" != 1 ]; then
	cat "$tmp/out"
	echo "FAIL: the failing run exited $status, not 1"
	exit 1
fi
grep -q 'expect failed: vmstat.nr_free_pages == 0' "$tmp/out" || { cat "$tmp/out"; exit 1; }
same_knobs "$tmp/before" "a run that failed"

# Start knobs_sleep.scn in the background; once it has changed the knobs,
# print its pid and its children's (the zygote and the scenario's processes).
start_sleeper() {
	scans=$(($(cat /sys/kernel/mm/ksm/full_scans) + 3))	# past the scenario's ksm wait
	"$pagelab" run "$dir/knobs_sleep.scn" --backend kernel --trace "$tmp/trace" \
		>"$tmp/out" 2>&1 &
	runner=$!
	wait_knob /sys/kernel/mm/ksm/run 1
	until [ "$(cat /sys/kernel/mm/ksm/full_scans)" -ge "$scans" ]; do sleep 0.05; done
	zygote=$(pgrep -P "$runner")
	until [ "$(pgrep -P "$zygote" | wc -l)" = 2 ]; do sleep 0.05; done	# p and c
	children=$(pgrep -P "$zygote" | tr '\n' ' ')
}

# 2. SIGTERM: the run gives everything back itself, and exits of the signal.
start_sleeper
kill -TERM "$runner"
wait "$runner"
status=$?
[ "$status" = 143 ] || { cat "$tmp/out"; echo "FAIL: SIGTERM: exit $status, not 143"; exit 1; }
wait_gone "$zygote" $children
same_knobs "$tmp/before" "a run killed by SIGTERM"
[ ! -e "$journal" ] || { echo "FAIL: SIGTERM left a journal"; exit 1; }

# 3. SIGKILL: the processes die with the runner; the knobs stay changed
# until the next run, which gives them back before it runs anything.
start_sleeper
kill -KILL "$runner"
wait "$runner"
wait_gone "$zygote" $children
echo "ok: SIGKILL: no process of the run is left"
[ "$(cat /proc/sys/vm/nr_hugepages)" = 2 ] || { echo "FAIL: SIGKILL: no knob was left to give back"; exit 1; }
grep -q '^knob	/proc/sys/vm/nr_hugepages	' "$journal" || { echo "FAIL: no journal"; exit 1; }
"$pagelab" run "$dir/proc.scn" --backend kernel >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
grep -q '^pagelab: gave back what a killed run left: knob /proc/sys/vm/nr_hugepages=' "$tmp/out" ||
	{ cat "$tmp/out"; echo "FAIL: the next run did not say it gave back"; exit 1; }
same_knobs "$tmp/before" "a run killed by SIGKILL, then the next run"

# 4. SIGKILL, then pagelab restore.
start_sleeper
kill -KILL "$runner"
wait "$runner"
wait_gone "$zygote" $children
"$pagelab" restore >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
grep -q '^pagelab: gave back knob /sys/kernel/mm/ksm/run=' "$tmp/out" || { cat "$tmp/out"; exit 1; }
same_knobs "$tmp/before" "a run killed by SIGKILL, then pagelab restore"
"$pagelab" restore | grep -q '^pagelab: nothing to give back' || exit 1
echo "ok: pagelab restore with nothing left"
