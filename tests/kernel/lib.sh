# lib.sh - what the kernel tests share (sourced, with $pagelab set): the
# skip rule and the host's knobs. A kernel test runs only as root on a kernel with the files
# the backend uses; otherwise it exits 77, which ctest reports as skipped
# (SKIP_RETURN_CODE), not passed.

# The runs use the real journal, so that whatever a test that is itself
# killed leaves is given back by the next run or `pagelab restore`.
unset PAGELAB_KNOB_JOURNAL
journal=/run/pagelab/kernel-journal

need_kernel() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: the kernel tests run as root (they change the host's knobs)"
		exit 77
	fi
	for f in /proc/vmstat /proc/buddyinfo /proc/zoneinfo /proc/sys/vm/compact_memory \
		 /sys/kernel/mm/ksm/run /sys/kernel/mm/transparent_hugepage/enabled; do
		if [ ! -e "$f" ]; then
			echo "SKIP: this kernel has no $f"
			exit 77
		fi
	done
	# Writing a knob's own value back changes nothing, and fails where the
	# host's knobs are read-only (a container).
	for f in /proc/sys/vm/extfrag_threshold /sys/kernel/mm/ksm/pages_to_scan; do
		if ! (v=$(cat "$f") && echo "$v" >"$f") 2>/dev/null; then
			echo "SKIP: $f cannot be written here"
			exit 77
		fi
	done
	# Give back what an earlier killed run left, before taking "before".
	"$pagelab" restore >/dev/null || exit 1
}

# Every writable knob a scenario may change, NAME=VALUE, one per line.
knobs() {
	for f in $(find /sys/kernel/mm/ksm /sys/kernel/mm/transparent_hugepage -maxdepth 2 \
			-type f -perm -u+w | sort) \
		 /proc/sys/vm/compaction_proactiveness /proc/sys/vm/extfrag_threshold \
		 /proc/sys/vm/nr_hugepages /proc/sys/vm/min_free_kbytes \
		 /proc/sys/vm/watermark_scale_factor /proc/sys/vm/compact_unevictable_allowed; do
		printf '%s=%s\n' "$f" "$(cat "$f")"
	done
	if mount | grep -q ' /sys/kernel/tracing type tracefs'; then
		echo "tracefs mounted"
		ls /sys/kernel/tracing/instances
	fi
}

# same_knobs BEFORE WHAT: the knobs now must be those of the file BEFORE.
same_knobs() {
	knobs >"$tmp/after"
	if ! diff -u "$1" "$tmp/after"; then
		echo "FAIL: $2 left the knobs above changed"
		exit 1
	fi
	echo "ok: $2: every knob as before"
}

# wait_knob FILE VALUE: until FILE holds VALUE (a run in the background set it).
wait_knob() {
	until [ "$(cat "$1")" = "$2" ]; do
		sleep 0.05
	done
}

# wait_gone PID...: until none of these processes exists (no orphans).
wait_gone() {
	for p in "$@"; do
		while kill -0 "$p" 2>/dev/null; do
			sleep 0.05
		done
	done
}
