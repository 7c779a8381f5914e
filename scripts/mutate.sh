#!/bin/sh
# mutate.sh [LIST] - mutation testing: does the suite catch deliberate bugs?
#
# LIST (default tests/mutations.txt) holds blocks of four lines:
#   name:  a short name
#   file:  one file of the tree
#   sed:   a GNU sed script that breaks it (one expression)
#   tests: a ctest -R regex: the tests that should catch it
# separated by blank lines; lines starting with # are comments.
#
# The tree (the working copy of every file git knows) is copied to a
# temporary directory and built once (RelWithDebInfo, PAGELAB_DEBUG=1, as
# `make` builds). Then, one mutation at a time: apply it, rebuild, run its
# tests, restore the file. A mutation the tests fail on is CAUGHT; one they
# pass is SURVIVED. A sed script that changes nothing (the code moved
# on), or a mutant that does not build, is an error in the list.
# Exit status: 0 if every mutation was caught, 1 otherwise.
# Not part of `make check` (a build and test run per mutation): `make mutate`.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
list=${1:-$root/tests/mutations.txt}
jobs=${JOBS:-2}
[ -r "$list" ] || { echo "mutate.sh: cannot read $list" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-mutate.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
tree=$work/tree
mkdir "$tree"
(cd "$root" && git ls-files -z | xargs -0 tar -cf - ) | tar -xf - -C "$tree"
echo "mutate.sh: building the tree in $tree"
cmake -S "$tree" -B "$tree/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAGELAB_DEBUG=1 >/dev/null
cmake --build "$tree/build" -j"$jobs" >"$work/build.log" 2>&1 ||
	{ tail -20 "$work/build.log"; echo "mutate.sh: the unmutated tree does not build" >&2; exit 2; }

caught=0 survived=0 broken=0 total=0
report=$work/report

# run_one NAME FILE SED TESTS
run_one() {
	total=$((total + 1))
	src=$tree/$2
	if [ ! -f "$src" ]; then
		echo "BROKEN    $1: no file $2" | tee -a "$report"
		broken=$((broken + 1)); return
	fi
	cp "$src" "$work/orig"
	if ! sed -i -e "$3" "$src" 2>"$work/sed.log" || cmp -s "$src" "$work/orig"; then
		cp "$work/orig" "$src"
		echo "BROKEN    $1: the sed script changes nothing in $2" | tee -a "$report"
		broken=$((broken + 1)); return
	fi
	if ! cmake --build "$tree/build" -j"$jobs" >"$work/build.log" 2>&1; then
		cp "$work/orig" "$src"
		echo "BROKEN    $1: the mutant does not build" | tee -a "$report"
		grep -m3 "error" "$work/build.log" || true
		broken=$((broken + 1)); return
	fi
	if (cd "$tree/build" && ctest -R "$4" --timeout 300 >"$work/test.log" 2>&1); then
		echo "SURVIVED  $1 ($2; tests: $4)" | tee -a "$report"
		survived=$((survived + 1))
	else
		echo "caught    $1 by $(grep -E '^[[:space:]]*[0-9]+ - ' "$work/test.log" | sed 's/^[[:space:]]*[0-9]* - \([^ ]*\).*/\1/' | tr '\n' ' ')" |
			tee -a "$report"
		caught=$((caught + 1))
	fi
	cp "$work/orig" "$src"
	touch "$src"
}

name="" file="" script="" tests=""
flush() {
	if [ -n "$name$file$script$tests" ]; then
		if [ -z "$name" ] || [ -z "$file" ] || [ -z "$script" ] || [ -z "$tests" ]; then
			echo "BROKEN    ${name:-?}: a block needs name, file, sed and tests" | tee -a "$report"
			broken=$((broken + 1)); total=$((total + 1))
		else
			run_one "$name" "$file" "$script" "$tests"
		fi
	fi
	name="" file="" script="" tests=""
}
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'#'*) ;;
	'') flush ;;
	name:*) name=$(echo "${line#name:}" | sed 's/^ *//') ;;
	file:*) file=$(echo "${line#file:}" | sed 's/^ *//') ;;
	sed:*) script=$(printf '%s' "${line#sed:}" | sed 's/^ *//') ;;
	tests:*) tests=$(echo "${line#tests:}" | sed 's/^ *//') ;;
	*) echo "mutate.sh: cannot read line: $line" >&2; exit 2 ;;
	esac
done <"$list"
flush
echo "mutate.sh: $total mutations: $caught caught, $survived survived, $broken broken"
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
