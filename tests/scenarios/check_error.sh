#!/bin/sh
# check_error.sh PAGELAB FILE - run a scenario that must not pass and look
# for the line of stderr that the file's first line announces:
#   # expect-error: LINE: MESSAGE     exit 2, "FILE:LINE: MESSAGE", empty stdout
#   # expect-error: pagelab: MESSAGE  exit 2, "pagelab: MESSAGE", empty stdout
#   # expect-failure: LINE: MESSAGE   exit 1, "FILE:LINE: MESSAGE" (the run went on)
# An optional second line "# args: ..." gives more arguments for `pagelab run`.
set -u
pagelab=$1
file=$2
header=$(head -n 1 "$file")
args=$(sed -n '2s/^# args: //p' "$file")
case $header in
"# expect-error: pagelab: "*)
	status=2 want="pagelab: ${header#"# expect-error: pagelab: "}" ;;
"# expect-error: "*)
	status=2 want="$file:${header#"# expect-error: "}" ;;
"# expect-failure: "*)
	status=1 want="$file:${header#"# expect-failure: "}" ;;
*)
	echo "$file: the first line must be '# expect-error: LINE: message'" >&2
	exit 1 ;;
esac
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
# shellcheck disable=SC2086 # $args is a list of arguments
"$pagelab" run "$file" $args >"$out" 2>"$err"
got=$?
fail=0
if [ "$got" != "$status" ]; then
	echo "exit status $got, expected $status"
	fail=1
fi
if ! grep -Fqx -- "$want" "$err"; then
	printf 'no such line on stderr: %s\n' "$want"
	fail=1
fi
if [ "$status" = 2 ] && [ -s "$out" ]; then
	echo "something ran: stdout is not empty"
	fail=1
fi
if [ "$fail" != 0 ]; then
	echo "--- stderr:"
	cat "$err"
fi
exit "$fail"
