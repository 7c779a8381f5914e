#!/bin/sh
# two_process.sh PAGELAB BALLOON_GUEST - the balloon with its host in a
# separate process: `pagelab host` owns 256M of guest RAM and passes the
# memfd over a Unix socket; balloon_guest (the public API with
# balloon_connect) maps it as its machine's arena; `pagelab balloon`
# sets the target and reads the host's numbers while the guest runs.
# Then a guest whose host is killed must keep running with its balloon
# frozen, and a guest asking for another memory size must be refused.
set -u
PAGELAB=$1
GUEST=$2
DIR=$(mktemp -d /tmp/pagelab-two-process.XXXXXX)
SOCK=$DIR/sock
HOST_PID=

fail() {
	echo "two_process: $*" >&2
	[ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null
	echo "--- host log" >&2; cat "$DIR/host.log" >&2 2>/dev/null
	echo "--- guest log" >&2; cat "$DIR/guest.log" >&2 2>/dev/null
	rm -rf "$DIR"
	exit 1
}

# value NAME FILE: the value of "NAME: value" in FILE
value() {
	sed -n "s/^$1: //p" "$2"
}

start_host() {
	"$PAGELAB" host --memory 256M --socket "$SOCK" 2>"$DIR/host.log" &
	HOST_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
	[ -S "$SOCK" ] || fail "the host did not come up"
}

balloon() {
	"$PAGELAB" balloon --connect "$SOCK" "$@" >"$DIR/out" || fail "pagelab balloon $* failed"
}

wait_file() {
	i=0
	while [ ! -e "$DIR/$1" ] && [ $i -lt 1000 ]; do
		kill -0 "$GUEST_PID" 2>/dev/null || fail "the guest died before $1"
		sleep 0.02; i=$((i + 1))
	done
	[ -e "$DIR/$1" ] || fail "no $1 from the guest"
}

start_host
balloon info
[ "$(value guest_connected "$DIR/out")" = 0 ] || fail "a guest before any guest"
[ "$(value memory_bytes "$DIR/out")" = 268435456 ] || fail "wrong memory"
balloon set 64M
[ "$(value target_pages "$DIR/out")" = 16384 ] || fail "set 64M: $(cat "$DIR/out")"

# A guest follows the target the operator sets.
"$GUEST" "$SOCK" "$DIR" follow 2>"$DIR/guest.log" &
GUEST_PID=$!
wait_file inflated
balloon info
[ "$(value guest_connected "$DIR/out")" = 1 ] || fail "the guest is not connected"
[ "$(value inflated_pages "$DIR/out")" = 16384 ] || fail "info: $(cat "$DIR/out")"
[ "$(value actual_pages "$DIR/out")" = 16384 ] || fail "info: $(cat "$DIR/out")"
released=$(value host_released_bytes "$DIR/out")
[ "$released" -ge $((16384 * 4096 * 95 / 100)) ] || fail "only $released bytes released"
grep -q "deflate_on_oom" "$DIR/out" || fail "features: $(cat "$DIR/out")"
balloon stats
[ "$(value total-memory "$DIR/out")" = 268435456 ] || fail "stats: $(cat "$DIR/out")"
grep -q "^free-memory: " "$DIR/out" || fail "stats: $(cat "$DIR/out")"
balloon set 16M
touch "$DIR/go"
wait "$GUEST_PID" || fail "the following guest failed"
balloon info
[ "$(value guest_connected "$DIR/out")" = 0 ] || fail "the guest did not leave"
[ "$(value inflated_pages "$DIR/out")" = 0 ] || fail "pages left inflated: $(cat "$DIR/out")"
[ "$(value rejected_messages "$DIR/out")" = 0 ] || fail "the host refused messages"

# A guest asking for memory the host does not have is refused.
"$GUEST" "$SOCK" "$DIR" mismatch 2>"$DIR/guest.log" || fail "a mismatched guest was not refused"
grep -q "disagrees with the balloon host's memory 256M" "$DIR/guest.log" || fail "no clear error"

# The host goes away under a guest: its balloon freezes, it runs on.
rm -f "$DIR/inflated" "$DIR/go"
balloon set 0
"$GUEST" "$SOCK" "$DIR" orphan 2>"$DIR/guest.log" &
GUEST_PID=$!
wait_file inflated
kill -9 "$HOST_PID"
wait "$HOST_PID" 2>/dev/null
HOST_PID=
touch "$DIR/go"
wait "$GUEST_PID" || fail "the orphaned guest failed"
grep -q "virtio_balloon: the host went away; the balloon stays frozen at 8192 pages" \
	"$DIR/guest.log" || fail "no clear log line for the host going away"

# And a clean stop.
rm -f "$SOCK"
start_host
kill -TERM "$HOST_PID"
wait "$HOST_PID" || fail "the host did not stop cleanly on SIGTERM"
[ ! -e "$SOCK" ] || fail "the host left its socket behind"
rm -rf "$DIR"
echo "two_process: ok"
