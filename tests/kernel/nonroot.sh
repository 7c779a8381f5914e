#!/bin/sh
# nonroot.sh PAGELAB DIR - a user other than root: every line that needs
# root (knobs, compact) is refused at parse time, each with its own error,
# and the run exits 2 with nothing run; a scenario without such lines runs
# unprivileged. Runs as root and drops to nobody with setpriv (or runuser).
set -u
pagelab=$1
dir=$2
. "$dir/lib.sh"
need_kernel
if command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif command -v runuser >/dev/null; then
	as_nobody() { runuser -u nobody -- "$@"; }
else
	echo "SKIP: neither setpriv nor runuser"
	exit 77
fi
if ! as_nobody test -x "$pagelab" || ! as_nobody test -r "$dir/knobs_fail.scn"; then
	echo "SKIP: nobody cannot run $pagelab on $dir"
	exit 77
fi
tmp=$(mktemp -d)
at_exit 'rm -rf "$tmp"'
mkdir "$tmp/nobody"
chmod 777 "$tmp/nobody"
chmod 755 "$tmp"
knobs >"$tmp/before"
as_nobody "$pagelab" run "$dir/knobs_fail.scn" --backend kernel >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/err"
[ "$status" = 2 ] || { echo "FAIL: exit $status, not 2"; exit 1; }
[ ! -s "$tmp/out" ] || { echo "FAIL: something ran"; exit 1; }
f=$dir/knobs_fail.scn
for want in \
	"$f:4: 'ksm' writes /sys/kernel/mm/ksm/pages_to_scan, which needs root (this run is uid 65534)" \
	"$f:5: 'thp' writes /sys/kernel/mm/transparent_hugepage/enabled, which needs root (this run is uid 65534)" \
	"$f:6: 'sysctl' writes /proc/sys/vm/compaction_proactiveness, which needs root (this run is uid 65534)" \
	"$f:11: 'ksm' writes /sys/kernel/mm/ksm/run, which needs root (this run is uid 65534)"; do
	grep -Fqx -- "$want" "$tmp/err" || { echo "FAIL: missing: $want"; exit 1; }
done
[ "$(grep -c 'needs root' "$tmp/err")" = 4 ] || { echo "FAIL: not exactly the 4 lines"; exit 1; }
same_knobs "$tmp/before" "a refused non-root run"
as_nobody "$pagelab" run "$dir/proc.scn" --backend kernel --json "$tmp/nobody/proc.json" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; echo "FAIL: proc.scn as nobody"; exit 1; }
grep -q '"kernel_release"' "$tmp/nobody/proc.json" || exit 1
echo "ok: proc.scn runs as nobody"
