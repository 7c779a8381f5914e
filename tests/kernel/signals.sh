#!/bin/sh
# signals.sh PAGELAB DIR - on the host's knobs: a kernel-backend run that
# changed ksm pages_to_scan (to 20, as the KSM selftests do),
# extfrag_threshold and THP's enabled, ended by SIGINT, SIGHUP or SIGTERM,
# gives every knob back and removes the journal before the signal ends it
# (exit 128 + signal); one whose output pipe has no reader any more (its
# ctest was killed) is not killed by its failure message and gives back.
# knobs.sh covers SIGKILL; knob_root.sh the same cases on stand-in files.
set -u
pagelab=$1
dir=$2
. "$dir/lib.sh"
need_kernel
tmp=$(mktemp -d)
runner=
cleanup() {
	[ -n "$runner" ] && kill -TERM "$runner" 2>/dev/null && wait "$runner"
	"$pagelab" restore >/dev/null
	rm -rf "$tmp"
}
at_exit cleanup
knobs >"$tmp/before"

for sig_nr in INT:2 HUP:1 TERM:15; do
	sig=${sig_nr%:*}
	"$pagelab" run "$dir/guard_sleep.scn" --backend kernel >"$tmp/out" 2>&1 &
	runner=$!
	wait_knob /sys/kernel/mm/transparent_hugepage/enabled "[always] madvise never"
	kill -s "$sig" "$runner"
	wait "$runner"
	status=$?
	runner=
	want=$((128 + ${sig_nr#*:}))
	[ "$status" = "$want" ] || { cat "$tmp/out"; echo "FAIL: SIG$sig: exit $status, not $want"; exit 1; }
	same_knobs "$tmp/before" "a run killed by SIG$sig"
	[ ! -e "$journal" ] || { echo "FAIL: SIG$sig left a journal"; exit 1; }
done

python3 - "$pagelab" run "$dir/guard_fail.scn" --backend kernel <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
status = subprocess.call(sys.argv[1:], stdout=w, stderr=w)
sys.exit(status if status >= 0 else 128 - status)
PY
status=$?
[ "$status" = 1 ] || [ "$status" = 141 ] || { echo "FAIL: a broken pipe: exit $status"; exit 1; }
same_knobs "$tmp/before" "a run writing to a broken pipe"
[ ! -e "$journal" ] || { echo "FAIL: a broken pipe left a journal"; exit 1; }
