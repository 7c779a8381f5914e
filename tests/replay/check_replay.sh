#!/bin/sh
# check_replay.sh PAGELAB TRACE - run `pagelab replay TRACE` and check what
# the trace's comment lines (or TRACE.expect, for a recorded trace kept as
# the kernel wrote it) announce:
#   # args: ARGS                   more arguments for `pagelab replay`
#   # expect: NAME VALUE           exit 0, and the JSON report's "replay"
#                                  section has "NAME": VALUE
#   # expect-text: LINE            a line of the text report (exact)
#   # expect-reports: N            the text report has N reports, start and
#                                  end included
#   # expect-error: LINE: MESSAGE  exit 2, "TRACE:LINE: MESSAGE" on stderr,
#                                  nothing on stdout
# With python3 at hand, the JSON report must also parse.
set -u
pagelab=$1
trace=$2
specs=$(mktemp)
out=$(mktemp)
err=$(mktemp)
json=$(mktemp)
trap 'rm -f "$specs" "$out" "$err" "$json"' EXIT
grep -h '^# \(args\|expect\|expect-text\|expect-error\|expect-reports\):' "$trace" >"$specs"
[ -f "$trace.expect" ] && grep -h '^# ' "$trace.expect" >>"$specs"
args=$(sed -n 's/^# args: //p' "$specs")
want_error=$(sed -n 's/^# expect-error: //p' "$specs")
# shellcheck disable=SC2086 # $args is a list of arguments
"$pagelab" replay "$trace" --json "$json" $args >"$out" 2>"$err"
got=$?
fail=0
say() {
	printf '%s: %s\n' "$trace" "$*"
	fail=1
}
if [ -n "$want_error" ]; then
	[ "$got" = 2 ] || say "exit status $got, expected 2"
	grep -Fqx -- "$trace:$want_error" "$err" || say "no such line on stderr: $trace:$want_error"
	[ -s "$out" ] && say "something ran: stdout is not empty"
else
	[ "$got" = 0 ] || say "exit status $got, expected 0"
	grep -q '^report "end" at ' "$out" || say "no end report"
	sed -n 's/^# expect: //p' "$specs" | while read -r name value; do
		grep -Fqx "    \"$name\": $value," "$json" || grep -Fqx "    \"$name\": $value" "$json" ||
			{ echo "$trace: replay.$name is not $value: $(grep "\"$name\":" "$json")"; exit 1; }
	done || fail=1
	sed -n 's/^# expect-text: //p' "$specs" | while IFS= read -r line; do
		grep -Fqx -- "$line" "$out" || { echo "$trace: no such line in the report: $line"; exit 1; }
	done || fail=1
	want_reports=$(sed -n 's/^# expect-reports: //p' "$specs")
	reports=$(grep -c '^report "' "$out")
	[ -z "$want_reports" ] || [ "$reports" = "$want_reports" ] ||
		say "$reports reports, expected $want_reports"
	if command -v python3 >/dev/null 2>&1; then
		python3 -m json.tool "$json" >/dev/null || say "the JSON report does not parse"
	fi
fi
if [ "$fail" != 0 ]; then
	echo "--- stdout:"; cat "$out"; echo "--- stderr:"; cat "$err"
fi
exit "$fail"
