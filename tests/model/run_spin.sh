#!/bin/sh
# run_spin.sh MODEL EXPECT [MACRO...] - check a Promela model with spin.
#
# Generates the verifier (spin -a, with -DMACRO for each MACRO), compiles
# it for a safety search (assertions and invalid end states) and runs it
# over the whole state space. EXPECT is "pass" (no error, full search) or
# "violation" (spin must find a counterexample; its trail is printed).
# Prints the number of states stored.
set -eu
[ $# -ge 2 ] || { echo "usage: run_spin.sh MODEL pass|violation [MACRO...]" >&2; exit 2; }
model=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
expect=$2
shift 2
case $expect in pass|violation) ;; *) echo "run_spin.sh: EXPECT is pass or violation" >&2; exit 2 ;; esac
if ! command -v spin >/dev/null 2>&1; then
	echo "run_spin.sh: spin is not installed (Debian package spin; scripts/deps.sh installs it)" >&2
	exit 1
fi
defs=""
for m in "$@"; do defs="$defs -D$m"; done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$model" "$dir/model.pml"
cd "$dir"
# shellcheck disable=SC2086
spin $defs -a model.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
${CC:-cc} -O2 -DSAFETY -o pan pan.c
./pan -m200000 >pan.log 2>&1 || true
errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.log)
states=$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' pan.log)
echo "spin: $(basename "$model")$defs: $states states stored, ${errors:-?} errors"
if grep -q "max search depth too small" pan.log; then
	echo "run_spin.sh: the search was cut short (depth): raise -m" >&2
	exit 1
fi
if [ "$expect" = pass ]; then
	[ "${errors:-1}" = 0 ] && exit 0
	cat pan.log
	# shellcheck disable=SC2086
	[ -f model.pml.trail ] && spin $defs -t -p model.pml | tail -40
	exit 1
fi
if [ "${errors:-0}" -gt 0 ] && [ -f model.pml.trail ]; then
	grep -E "assertion violated|invalid end state" pan.log || true
	# shellcheck disable=SC2086
	spin $defs -t -p model.pml | grep -E "proc|assert" | tail -25
	exit 0
fi
echo "run_spin.sh: expected a counterexample, spin found none" >&2
cat pan.log
exit 1
