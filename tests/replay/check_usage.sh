#!/bin/sh
# check_usage.sh PAGELAB TRACE - `pagelab replay` refuses bad command lines
# with exit 2 and a message naming what is wrong, before reading anything;
# and reads TRACE (tests/replay/ftrace_hex.trace) from standard input.
set -u
pagelab=$1
trace=$2
fail=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
# expect MESSAGE ARGS...: exit 2 and MESSAGE as a line of stderr.
expect() {
	want=$1
	shift
	"$pagelab" replay "$@" >/dev/null 2>"$err"
	got=$?
	if [ "$got" != 2 ] || ! grep -Fqx -- "$want" "$err"; then
		echo "pagelab replay $*: exit $got, expected 2 and: $want"
		cat "$err"
		fail=1
	fi
}
expect "pagelab replay: missing trace file"
expect "pagelab replay: unknown option '--bogus'" "$trace" --bogus
expect "pagelab replay: unexpected argument 'x' (one trace at a time)" "$trace" x
expect "pagelab replay: bad --interval '0s' (expected a positive integer with ms or s)" \
	"$trace" --interval 0s
expect "pagelab replay: bad --interval '1h' (expected a positive integer with ms or s)" \
	"$trace" --interval 1h
expect "pagelab replay: bad size 'lots' for --memory (expected a positive integer with an optional K, M, G or p)" \
	"$trace" --memory lots
expect "pagelab replay: bad --memory: memory=3145728 bytes is not a multiple of the pageblock size (2048 KiB)" \
	"$trace" --memory 3M
expect "pagelab replay: --json needs a value" "$trace" --json
expect "pagelab replay: cannot open /nonexistent/trace: No such file or directory" /nonexistent/trace
# The trace from standard input, as `-`.
if ! "$pagelab" replay - --memory 8M <"$trace" 2>"$err" | grep -Fqx "pagelab: replay of -: 19 events of 45 lines"; then
	echo "pagelab replay - < $trace: not replayed from standard input"
	cat "$err"
	fail=1
fi
exit "$fail"
