#!/bin/sh
# check_layers.sh - fail when a dependency points up pagelab's layers.
#
# usage: check_layers.sh SOURCE_DIR [OBJECT_DIR]
#   OBJECT_DIR: where the library's objects are built (a CMake build's
#   CMakeFiles/pagelab_obj.dir); without it only includes are checked.
#
# The layers, ground first, are written down in docs/design.md; RANKS below
# is the same list. Two checks:
#  1. every #include "..." in src/ and cli/ names a header of the same
#     layer or a lower one, and a private header (*_internal.h) is
#     included only from its own folder;
#  2. given the library's objects, every symbol one folder uses from
#     another is defined in the same layer or a lower one (so no function
#     call goes up either).
# The one intended upward dependency is the allocator's slow path calling
# direct compaction and waking kcompactd (alloc/page_alloc.c ->
# compact/compaction.h), as in Linux.
set -eu
export LC_ALL=C
src=$1
objdir=${2:-}

RANKS='core=0 host=1 internal.h=2 alloc=2 lru=3 vm=4 migrate=5 compact=6 ksm=7 balloon=8 drivers=9 machine=10 pagelab=10 scenario=11 cli=12'
ALLOWED='alloc/page_alloc.c->compact/compaction.h alloc/page_alloc->compact/compaction alloc/page_alloc->compact/kcompactd'

# Reads "KIND FROM TO" lines (KIND: include or symbol; paths relative to
# src/, cli files as cli/...) and reports every edge that goes up.
judge() {
	awk -v ranks="$RANKS" -v allowed="$ALLOWED" '
	function layer(p) {
		sub(/^src\//, "", p)
		sub(/^include\//, "", p)
		if (p ~ /\//)
			sub(/\/.*/, "", p)
		return p
	}
	BEGIN {
		n = split(ranks, kv, " ")
		for (i = 1; i <= n; i++) {
			split(kv[i], a, "=")
			rank[a[1]] = a[2]
		}
		n = split(allowed, al, " ")
		for (i = 1; i <= n; i++)
			ok[al[i]] = 1
	}
	{
		kind = $1; from = $2; to = $3
		lf = layer(from); lt = layer(to)
		checked[kind]++
		if (!(lf in rank) || !(lt in rank)) {
			printf "check_layers: %s -> %s: a folder with no layer in RANKS\n", from, to
			bad = 1
			next
		}
		if (kind == "include" && to ~ /_internal\.h$/) {
			fd = from; td = to
			sub(/\/[^\/]*$/, "", fd); sub(/\/[^\/]*$/, "", td)
			if (fd != td) {
				printf "check_layers: %s includes the private header %s of another folder\n", from, to
				bad = 1
			}
		}
		if (rank[lt] > rank[lf] && !((from "->" to) in ok)) {
			printf "check_layers: %s (%s) %s %s of the higher layer %s\n", from, lf,
			       kind == "include" ? "includes" : "calls into", to, lt
			bad = 1
		}
	}
	END {
		printf "check_layers: %d includes, %d unit-to-unit symbol uses checked\n",
		       checked["include"], checked["symbol"]
		exit bad
	}'
}

# Include edges: a header is found beside the including file first, as the
# compiler does, else under src/ (or include/ for the public headers).
includes() {
	cd "$src"
	find src cli -name '*.[ch]' | sort | while read -r f; do
		dir=${f%/*}
		sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
			if [ -f "$dir/$h" ]; then
				to="$dir/$h"
			elif [ -f "src/$h" ]; then
				to="src/$h"
			else
				to="include/$h"
			fi
			echo "include ${f#src/} ${to#src/}"
		done
	done
}

# Symbol edges: for each object, the objects defining what it uses.
symbols() {
	find "$objdir" -path '*/src/*' -name '*.c.o' | sort > "$tmp.objs"
	[ -s "$tmp.objs" ] || { echo "check_layers: no objects under $objdir" >&2; return 1; }
	xargs nm -A --defined-only < "$tmp.objs" |
		awk '$2 ~ /^[TDBRV]$/ { f = $1; sub(/:[^:]*$/, "", f); sub(/.*\/src\//, "", f); sub(/\.c\.o$/, "", f); print $3, f }' |
		sort -u > "$tmp.defs"
	xargs nm -A -u < "$tmp.objs" |
		awk '{ f = $1; sub(/:.*$/, "", f); sub(/.*\/src\//, "", f); sub(/\.c\.o$/, "", f); print $NF, f }' |
		sort -u > "$tmp.uses"
	join "$tmp.uses" "$tmp.defs" | awk '$2 != $3 { print "symbol", $2, $3 }' | sort -u
}

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp".*' EXIT
{
	includes
	[ -z "$objdir" ] || symbols
} | judge
