#!/bin/sh
# check_layers.sh - fail when a dependency points up pagelab's layers.
#
# usage: check_layers.sh SOURCE_DIR [OBJECT.o ...]
#
# The layers, ground first, are written down in docs/design.md; RANKS below
# is the same list. Two checks:
#  1. every #include "..." in src/ and cli/ names a header of the same
#     layer or a lower one, and a private header (*_internal.h) is
#     included only from its own folder;
#  2. given the library's object files, every symbol one folder uses from
#     another is defined in the same layer or a lower one (so no function
#     call goes up either).
# The one intended upward dependency is the allocator's slow path calling
# direct compaction and waking kcompactd (alloc/page_alloc.c ->
# compact/compaction.h), as in Linux.
set -eu
export LC_ALL=C
src=$1
shift

RANKS='core=0 host=1 internal.h=2 alloc=2 lru=3 vm=4 migrate=5 compact=6 ksm=7 balloon=8 drivers=9 machine=10 pagelab=10 scenario=11 cli=12'
ALLOWED_INCLUDE='alloc/page_alloc.c->compact/compaction.h'
ALLOWED_SYMBOL_PAIR='alloc/page_alloc->compact/compaction alloc/page_alloc->compact/kcompactd'

fail=0
report() {
	echo "check_layers: $*" >&2
	fail=1
}

# Layer of a path such as src/vm/rmap.c, cli/main.c, internal.h, vm/mm.h.
layer_of() {
	p=${1#src/}
	p=${p#include/}
	case $p in
	cli/*) echo cli ;;
	*/*) echo "${p%%/*}" ;;
	*) echo "$p" ;;
	esac
}

rank_of() {
	for kv in $RANKS; do
		if [ "${kv%%=*}" = "$1" ]; then
			echo "${kv#*=}"
			return
		fi
	done
	echo unknown
}

# 1. includes
cd "$src"
n_inc=0
for f in $(find src cli -name '*.[ch]' | sort); do
	from=$(layer_of "$f")
	rfrom=$(rank_of "$from")
	[ "$rfrom" = unknown ] && { report "$f: folder '$from' has no layer in RANKS"; continue; }
	dir=$(dirname "$f")
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		n_inc=$((n_inc + 1))
		if [ -f "$dir/$h" ]; then
			target="$dir/$h"	# relative to the including file
		else
			target=$h
		fi
		target=${target#./}
		to=$(layer_of "$target")
		rto=$(rank_of "$to")
		[ "$rto" = unknown ] && { report "$f: includes \"$h\" of no known layer"; continue; }
		case $h in
		*_internal.h)
			hdir=$(dirname "src/${target#src/}")
			[ "$hdir" = "$dir" ] || report "$f: includes private header \"$h\" of another folder"
			;;
		esac
		rel="${f#src/}->${target#src/}"
		if [ "$rto" -gt "$rfrom" ]; then
			case " $ALLOWED_INCLUDE " in
			*" $rel "*) ;;
			*) report "$f ($from) includes \"$h\" of the higher layer $to" ;;
			esac
		fi
	done
done

# 2. symbols: which object defines each global, then who uses it.
n_sym=0
if [ $# -gt 0 ]; then
	defs=$(mktemp)
	trap 'rm -f "$defs"' EXIT
	for o in "$@"; do
		unit=${o##*/src/}
		unit=${unit%.c.o}
		nm --defined-only "$o" | awk -v u="$unit" '$2 ~ /^[TDBRV]$/ { print $3, u }'
	done | sort -u > "$defs"
	for o in "$@"; do
		unit=${o##*/src/}
		unit=${unit%.c.o}
		from=$(layer_of "$unit")
		rfrom=$(rank_of "$from")
		for pair in $(nm -u "$o" | awk '{ print $2 }' | sort -u |
			join - "$defs" | awk '{ print $2 }' | sort -u); do
			n_sym=$((n_sym + 1))
			to=$(layer_of "$pair")
			rto=$(rank_of "$to")
			if [ "$rto" -gt "$rfrom" ]; then
				case " $ALLOWED_SYMBOL_PAIR " in
				*" $unit->$pair "*) ;;
				*) report "$unit ($from) calls into $pair of the higher layer $to" ;;
				esac
			fi
		done
	done
fi

echo "check_layers: $n_inc includes, $n_sym unit-to-unit symbol uses checked"
exit $fail
