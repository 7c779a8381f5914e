#!/bin/sh
# knob_root.sh PAGELAB DIR - however a kernel-backend run ends, no knob is
# left changed with no journal, on stand-in knob files
# ($PAGELAB_KNOB_ROOT), so that it runs anywhere, as any user, without
# touching the host's knobs, and deterministically:
#   - SIGINT, SIGTERM, SIGHUP: the run gives every knob back and removes the
#     journal, then exits of the signal (128 + signal);
#   - a pipe nobody reads (the ctest that read the run's output was
#     killed): the run's failure message does not kill it; it ends (exit 1)
#     and gives back;
#   - a run refused the lock (a run is live): exit 2; it touches no knob and
#     leaves the live run's journal as it was, even with
#     $PAGELAB_KNOB_JOURNAL naming another one; `pagelab restore` is
#     refused too;
#   - SIGKILL: the journal stays, and `pagelab restore` gives back;
#   - the kernel tests' own check that the knobs are writable (lib.sh)
#     writes no knob while a run holds them.
set -u
pagelab=$1
dir=$2
. "$dir/lib.sh"
tmp=$(mktemp -d)
runner=
cleanup() {
	[ -n "$runner" ] && kill -TERM "$runner" 2>/dev/null && wait "$runner"
	rm -rf "$tmp"
}
at_exit cleanup
knob_root=$tmp/root
export PAGELAB_KNOB_ROOT="$knob_root"
journal=$(journal_of)
ksm=$knob_root/sys/kernel/mm/ksm
thp=$knob_root/sys/kernel/mm/transparent_hugepage
vm=$knob_root/proc/sys/vm
mkdir -p "$ksm" "$thp" "$vm"
echo 100 >"$ksm/pages_to_scan"
echo 20 >"$ksm/sleep_millisecs"
echo 0 >"$ksm/run"
echo 0 >"$ksm/full_scans"
chmod 444 "$ksm/full_scans"		# a counter
echo 500 >"$vm/extfrag_threshold"
echo 'always [madvise] never' >"$thp/enabled"
echo 1 >"$vm/compact_memory"

fail() {
	[ -f "$tmp/out" ] && cat "$tmp/out"
	echo "FAIL: $*"
	exit 1
}

# Never run a scenario that writes knobs unless this pagelab writes the
# stand-ins: one that ignores PAGELAB_KNOB_ROOT would write the host's.
"$pagelab" restore >"$tmp/out" 2>&1
grep -qF "no journal at $journal" "$tmp/out" || fail "pagelab ignores PAGELAB_KNOB_ROOT"

# given_back WHAT: every stand-in holds its first value, and no journal is left.
given_back() {
	[ "$(cat "$ksm/pages_to_scan") $(cat "$ksm/sleep_millisecs")" = "100 20" ] &&
		[ "$(cat "$vm/extfrag_threshold")" = 500 ] &&
		[ "$(cat "$thp/enabled")" = madvise ] ||
		fail "$1 left a knob changed: $(for f in "$ksm/pages_to_scan" \
			"$ksm/sleep_millisecs" "$vm/extfrag_threshold" "$thp/enabled"; do
			printf '%s=%s ' "${f#"$knob_root"}" "$(cat "$f")"; done)"
	[ ! -e "$journal" ] || fail "$1 left a journal"
	echo "ok: $1: every knob given back, no journal"
	echo 'always [madvise] never' >"$thp/enabled"
}

# Start guard_sleep.scn in the background; return once it changed every knob.
start_sleeper() {
	"$pagelab" run "$dir/guard_sleep.scn" --backend kernel >"$tmp/out" 2>&1 &
	runner=$!
	wait_knob "$thp/enabled" always
}

# 1. SIGINT, SIGTERM, SIGHUP: given back, then the signal ends the run.
for sig_nr in INT:2 TERM:15 HUP:1; do
	sig=${sig_nr%:*}
	start_sleeper
	kill -s "$sig" "$runner"
	wait "$runner"
	status=$?
	runner=
	want=$((128 + ${sig_nr#*:}))
	[ "$status" = "$want" ] || fail "SIG$sig: exit $status, not $want"
	grep -q "giving the host's knobs back" "$tmp/out" || fail "SIG$sig: the guard said nothing"
	given_back "SIG$sig"
done

# 2. A pipe nobody reads: the failure message, written while the knobs are
# changed, does not kill the run; it gives back (the report it prints after
# that may still die of SIGPIPE: nothing is changed any more).
python3 - "$pagelab" run "$dir/guard_fail.scn" --backend kernel <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
status = subprocess.call(sys.argv[1:], stdout=w, stderr=w)
sys.exit(status if status >= 0 else 128 - status)
PY
status=$?
[ "$status" = 1 ] || [ "$status" = 141 ] || fail "a broken pipe: the run ended with $status"
given_back "a run writing to a broken pipe"

# 3. A run refused the lock touches nothing.
start_sleeper
cp "$journal" "$tmp/journal"
grep -q "^knob	$ksm/pages_to_scan	100\$" "$tmp/journal" || fail "the journal lacks pages_to_scan"
for other in "" "$tmp/another-journal"; do
	PAGELAB_KNOB_JOURNAL=$other "$pagelab" run "$dir/guard_fail.scn" --backend kernel \
		>"$tmp/out" 2>&1
	status=$?
	[ "$status" = 2 ] || fail "a second run (PAGELAB_KNOB_JOURNAL=$other): exit $status, not 2"
	grep -q "another kernel-backend run (pid $runner) is using the host's knobs" "$tmp/out" ||
		fail "a second run did not say who holds the knobs"
	[ "$(cat "$ksm/pages_to_scan")" = 20 ] && [ "$(cat "$thp/enabled")" = always ] ||
		fail "a refused run changed a knob"
	cmp -s "$journal" "$tmp/journal" || fail "a refused run changed the live run's journal"
	[ ! -e "$tmp/another-journal" ] || fail "a run wrote another journal"
done
"$pagelab" restore >"$tmp/out" 2>&1 && fail "pagelab restore gave back a live run's knobs"
cmp -s "$journal" "$tmp/journal" || fail "pagelab restore changed a live run's journal"
echo "ok: a refused run and pagelab restore touch neither the knobs nor the journal"

# 4. lib.sh's check that the knobs are writable waits for the lock: with
# the run live (and no wait), it fails and writes nothing.
touch -d '2000-01-01' "$ksm/pages_to_scan" "$vm/extfrag_threshold"
before=$(stat -c %Y "$ksm/pages_to_scan" "$vm/extfrag_threshold")
knob_lock_wait=0 writable_knobs >/dev/null
status=$?
[ "$status" = 75 ] || fail "writable_knobs with a run live: exit $status, not 75 (busy)"
[ "$(stat -c %Y "$ksm/pages_to_scan" "$vm/extfrag_threshold")" = "$before" ] ||
	fail "writable_knobs wrote a knob while a run held them"
echo "ok: lib.sh writes no knob while a run holds them"

# 5. SIGKILL: the journal stays; pagelab restore gives back.
kill -KILL "$runner"
wait "$runner"
runner=
[ "$(cat "$ksm/pages_to_scan")" = 20 ] || fail "SIGKILL: nothing left to give back"
"$pagelab" restore >"$tmp/out" 2>&1 || fail "pagelab restore after SIGKILL"
grep -q "^pagelab: gave back knob $ksm/pages_to_scan=100\$" "$tmp/out" ||
	fail "pagelab restore did not say what it gave back"
given_back "SIGKILL, then pagelab restore"
writable_knobs || fail "writable_knobs with no run live"
echo "ok: lib.sh's check runs once no run holds the knobs"
