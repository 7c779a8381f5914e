#!/bin/sh
# record-kmem-trace.sh OUTPUT [COMMAND [ARG...]] - record the kmem page
# events `pagelab replay` reads (mm_page_alloc, mm_page_free,
# mm_page_free_batched, mm_page_alloc_extfrag) while COMMAND runs (default:
# `sleep 5`), into OUTPUT, as /sys/kernel/tracing/trace writes them.
#
# As root. It records in a tracefs instance of its own (the machine's own
# tracing settings are not touched), on a tracefs mount of its own, and
# removes both however it ends. BUFFER_KB (default 16384) is the per-CPU
# buffer; the script says when the buffer overran (events were lost).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 OUTPUT [COMMAND [ARG...]]" >&2; exit 2; }
out=$1
shift
[ $# -ge 1 ] || set -- sleep 5
mnt=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-tracefs.XXXXXX")
inst=$mnt/instances/pagelab-replay-$$
cleanup() {
	if [ -d "$inst" ]; then
		echo 0 >"$inst/tracing_on"
		rmdir "$inst"
	fi
	umount "$mnt" 2>/dev/null || true
	rmdir "$mnt"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount -t tracefs nodev "$mnt"
mkdir "$inst"
echo 0 >"$inst/tracing_on"
echo "${BUFFER_KB:-16384}" >"$inst/buffer_size_kb"
for e in mm_page_alloc mm_page_free mm_page_free_batched mm_page_alloc_extfrag; do
	echo 1 >"$inst/events/kmem/$e/enable"
done
echo 1 >"$inst/tracing_on"
status=0
"$@" || status=$?
echo 0 >"$inst/tracing_on"
cat "$inst/trace" >"$out"
lost=$(cat "$inst"/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }')
echo "record-kmem-trace: $(grep -vc '^#' "$out") events in $out, $lost lost to buffer overruns" >&2
exit "$status"
