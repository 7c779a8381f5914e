# lib.sh - what the kernel tests share (sourced, with $pagelab set): the
# skip rule and the host's knobs. A kernel test runs only as root on a kernel with the files
# the backend uses; otherwise it exits 77, which ctest reports as skipped
# (SKIP_RETURN_CODE), not passed.

# The runs use the real journal, so that whatever a test that is itself
# killed leaves is given back by the next run or `pagelab restore`. A test
# of stand-in knob files sets knob_root (and exports PAGELAB_KNOB_ROOT)
# after sourcing this file.
unset PAGELAB_KNOB_ROOT PAGELAB_KNOB_JOURNAL
knob_root=
# How long to wait for another kernel test, or another kernel-backend run,
# to let go of the host's knobs.
knob_lock_wait=${knob_lock_wait:-300}
journal_of() { echo "$knob_root/run/pagelab/kernel-journal"; }
journal=$(journal_of)

# at_exit CMD: run CMD however the test ends. dash runs no EXIT trap when
# a signal kills it, so SIGHUP, SIGINT and SIGTERM exit (128 + signal)
# through it; SIGPIPE is ignored, so that a test whose ctest was killed
# (its output pipe has no reader any more) goes on to the end and gives
# back, rather than dying at its next echo with a run's knobs left.
at_exit() {
	trap "$1" EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap '' PIPE
}

# hold_tests_lock: one kernel test at a time on this host, across ctest
# processes and build trees (RESOURCE_LOCK only orders one ctest's tests):
# an flock on kernel-tests.lock, next to the journal, held on fd 9 until
# the test and every run it started have ended.
hold_tests_lock() {
	mkdir -p "$knob_root/run/pagelab" || exit 1
	exec 9>>"$knob_root/run/pagelab/kernel-tests.lock" || exit 1
	if ! flock -w "$knob_lock_wait" 9; then
		echo "FAIL: another kernel test kept the host's knobs for ${knob_lock_wait}s"
		exit 1
	fi
}

# writable_knobs: whether the knobs can be written here (not a container's
# read-only ones), by writing two of them their own value - under the
# kernel-backend runs' lock, so that no live run (another engineer's, or
# another ctest's) changes them between the read and the write, which
# would write its value back after it gave the old one back.
writable_knobs() {
	flock -w "$knob_lock_wait" -E 75 "$(journal_of).lock" sh -c '
		for f in "$1/proc/sys/vm/extfrag_threshold" "$1/sys/kernel/mm/ksm/pages_to_scan"; do
			(v=$(cat "$f") && echo "$v" >"$f") 2>/dev/null || { echo "$f"; exit 1; }
		done' sh "$knob_root"
}

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
	hold_tests_lock
	ro=$(writable_knobs)
	case $? in
	0) ;;
	75) echo "FAIL: a kernel-backend run kept the host's knobs for ${knob_lock_wait}s"
	    exit 1 ;;
	*) echo "SKIP: $ro cannot be written here"
	   exit 77 ;;
	esac
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
