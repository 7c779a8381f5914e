#!/bin/sh
# check_trace.sh PAGELAB FILE PATTERN... - run FILE with --deterministic and
# --trace; the run must pass, every line of the trace must have ftrace's
# layout (`pagelab-TID [CPU] ..... SECONDS: EVENT: FIELDS`), and each
# PATTERN (an extended regular expression) must match at least one line.
set -u
pagelab=$1
file=$2
shift 2
trace=$(mktemp)
trap 'rm -f "$trace"' EXIT
if ! "$pagelab" run "$file" --deterministic --trace "$trace" >/dev/null; then
	echo "the run failed"
	exit 1
fi
layout='^ *pagelab-[0-9]+ +\[[0-9]{3}\] \.\.\.\.\. +[0-9]+\.[0-9]{6}: [a-z_]+: '
if grep -Evq "$layout" "$trace"; then
	echo "lines not in ftrace's layout:"
	grep -Ev "$layout" "$trace" | head -5
	exit 1
fi
fail=0
for pattern in "$@"; do
	if ! grep -Eq -- "$pattern" "$trace"; then
		printf 'no line of the trace matches: %s\n' "$pattern"
		fail=1
	fi
done
exit "$fail"
