#!/bin/sh
# check_help.sh PAGELAB MANPAGE COMMAND... - the command line's help, for
# every command the tool has (the list is given here, not read from the
# tool, so that a command left out of its table fails):
# - `pagelab --help` and `pagelab help` exit 0 and list every command;
# - `pagelab help CMD`, `pagelab CMD --help` and `pagelab CMD -h` exit 0
#   and print CMD's usage ("usage: pagelab CMD ..." first);
# - `pagelab bogus` and `pagelab help bogus` exit 2, saying "unknown
#   command" and naming every command, with nothing on stdout;
# - the man page has a synopsis line for every command.
set -u
pagelab=$1
man=$2
shift 2
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail=0

bad() {
	echo "FAIL: $*"
	fail=1
}

# run WANT_STATUS ARGS...: run pagelab, stdout in $out, stderr in $err.
run() {
	want=$1
	shift
	"$pagelab" "$@" >"$out" 2>"$err"
	got=$?
	[ "$got" = "$want" ] || bad "pagelab $*: exit status $got, expected $want"
}

for args in "--help" "help" "-h"; do
	# shellcheck disable=SC2086 # one word each
	run 0 $args
	for cmd in "$@"; do
		grep -Eq "^  $cmd +[a-z]" "$out" || bad "pagelab $args does not list '$cmd'"
	done
done
for cmd in "$@"; do
	for args in "help $cmd" "$cmd --help" "$cmd -h"; do
		# shellcheck disable=SC2086 # words
		run 0 $args
		head -n 1 "$out" | grep -q "^usage: pagelab $cmd\( \|\$\)" ||
			bad "pagelab $args: no 'usage: pagelab $cmd' first: $(head -n 1 "$out")"
		[ -s "$err" ] && bad "pagelab $args wrote on stderr: $(cat "$err")"
	done
	grep -q "^\.B pagelab $cmd\( \|\$\)" "$man" || bad "$man has no synopsis for '$cmd'"
done
for args in "bogus" "help bogus"; do
	# shellcheck disable=SC2086 # words
	run 2 $args
	grep -q "unknown command 'bogus'" "$err" || bad "pagelab $args: no 'unknown command' on stderr"
	for cmd in "$@"; do
		grep -q "[ (]${cmd}[,) ]" "$err" || bad "pagelab $args does not name '$cmd': $(cat "$err")"
	done
	[ -s "$out" ] && bad "pagelab $args wrote on stdout"
done
# A command's own options still work once --help is out of the way.
run 0 version
grep -q "^pagelab [0-9]" "$out" || bad "pagelab version: $(cat "$out")"
exit "$fail"
