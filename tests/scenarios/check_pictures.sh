#!/bin/sh
# check_pictures.sh PAGELAB [FILE [ARGS...]] - run a scenario (the built-in
# one without FILE) with --html and --svg, and check both with a real XML
# parser (xmllint): the SVG chart and the HTML page must be well-formed, the
# page must fetch nothing (no http(s) reference but XML namespace names, no
# src=, href=, url(, @import, <link or <script), and it must have its five
# panels, the stacked area of free memory by order, and on the sim backend a
# map cell for every pageblock of every report. With CHECK_THP=1 in the
# environment, the run must have THPs: some map cell's census lists thp
# frames, and every such cell draws them in the legend's THP colour.
set -u
pagelab=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "check_pictures: $*"
	exit 1
}
"$pagelab" run "$@" --html "$dir/p.html" --svg "$dir/p.svg" >"$dir/out.txt" ||
	fail "the run failed: $(tail -5 "$dir/out.txt")"
command -v xmllint >/dev/null || fail "xmllint not found (scripts/deps.sh installs libxml2-utils)"
xmllint --noout "$dir/p.svg" || fail "the SVG chart is not well-formed XML"
xmllint --noout "$dir/p.html" || fail "the HTML page is not well-formed XHTML"
sed 's/xmlns="[^"]*"//g' "$dir/p.html" >"$dir/bare.html"
if grep -n -i -E 'https?:|src=|href=|url\(|@import|<link|<script' "$dir/bare.html" | head -3 |
	grep .; then
	fail "the HTML page refers to something outside itself"
fi
for panel in "Free memory by order" "Physical memory at each report" "Balloon" "KSM" \
	"Migration and compaction" "Huge pages"; do
	grep -q "<h2 id=\"[a-z]*\">$panel</h2>" "$dir/p.html" || fail "no panel '$panel'"
done
orders=$(grep -c '^<polygon' "$dir/p.svg")
[ "$orders" -ge 2 ] || fail "the SVG has $orders bands of free memory by order"
# The HTML page draws it twice: in pages (as the SVG) and in shares.
[ "$(grep -c '^<polygon' "$dir/p.html")" -eq $((2 * orders)) ] ||
	fail "the HTML's charts of free memory by order differ from the SVG's"
# The map: reports x pageblocks cells (the machine line gives the pageblocks).
reports=$(grep -c '^<figure>' "$dir/p.html")
cells=$(grep -c '^<g><title>pageblock ' "$dir/p.html")
blocks=$(grep -o '[0-9]* pageblocks of' "$dir/p.html" | head -1 | cut -d' ' -f1)
[ "$reports" -ge 2 ] || fail "$reports maps of physical memory"
[ "$cells" -eq $((reports * blocks)) ] ||
	fail "$cells map cells for $reports reports of $blocks pageblocks"
if [ "${CHECK_THP:-0}" = 1 ]; then
	color=$(sed -n 's/.*background:\(#[0-9a-f]*\);opacity:1"><\/i>THP .*/\1/p' "$dir/p.html")
	[ -n "$color" ] || fail "the map's legend has no THP colour"
	grep '^<g><title>pageblock [^<]*, thp [0-9]' "$dir/p.html" >"$dir/thp_cells"
	[ -s "$dir/thp_cells" ] || fail "no map cell has thp frames"
	if grep -v "fill=\"$color\"" "$dir/thp_cells" | head -1 | grep .; then
		fail "a map cell with thp frames does not draw them ($color)"
	fi
fi
exit 0
