#!/bin/sh
# two_process.sh PAGELAB BALLOON_GUEST - the balloon with its host in a
# separate process: `pagelab host` owns 256M of guest RAM and passes the
# memfd over a Unix socket; balloon_guest (the public API with
# balloon_connect) maps it as its machine's arena; `pagelab balloon`
# sets the target and reads the host's numbers while the guest runs.
# Then a guest whose host is killed must keep running with its balloon
# frozen, and a guest asking for another memory size must be refused.
# The same with scenarios: `pagelab run FILE --connect SOCK`.
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

# A scenario runs on the host's memory (threaded and deterministic), with
# or without a machine line; a machine line that disagrees is an error.
balloon set 0
cat >"$DIR/guest.scn" <<EOF
machine memory=256M cpus=2
balloon target=64M
balloon wait
expect balloon.actual_pages == 16384
expect balloon.host_released_bytes >= $((16384 * 4096 * 95 / 100))
process p
p mmap heap 8M
p touch heap
balloon target=32M
balloon wait
p check heap
expect balloon.actual_pages == 8192
expect vmstat.balloon_deflate == 8192
EOF
for mode in "" --deterministic; do
	# shellcheck disable=SC2086 # $mode is an optional argument
	"$PAGELAB" run "$DIR/guest.scn" --connect "$SOCK" $mode >"$DIR/guest.log" 2>&1 ||
		fail "scenario guest $mode failed"
	balloon info
	[ "$(value target_pages "$DIR/out")" = 8192 ] || fail "info: $(cat "$DIR/out")"
	[ "$(value inflated_pages "$DIR/out")" = 0 ] || fail "pages left inflated: $(cat "$DIR/out")"
	balloon set 0
done
printf 'expect machine.memory_bytes == 268435456\n' >"$DIR/nomachine.scn"
"$PAGELAB" run "$DIR/nomachine.scn" --connect "$SOCK" >"$DIR/guest.log" 2>&1 ||
	fail "a scenario without a machine line does not get the host's memory"
printf 'machine memory=128M\nballoon target=8M\n' >"$DIR/mismatch.scn"
"$PAGELAB" run "$DIR/mismatch.scn" --connect "$SOCK" >"$DIR/guest.log" 2>&1
[ $? = 2 ] || fail "a scenario with another memory size did not exit 2"
grep -Fqx "$DIR/mismatch.scn:1: machine memory=128M disagrees with the balloon host's memory \
256M (with --connect the machine's memory is the host's)" "$DIR/guest.log" ||
	fail "no clear error for a scenario with another memory size"
"$PAGELAB" run "$DIR/nomachine.scn" --connect "$DIR/nosock" >"$DIR/guest.log" 2>&1
[ $? = 2 ] || fail "--connect to nothing did not exit 2"
grep -q "^pagelab: cannot connect to $DIR/nosock: " "$DIR/guest.log" ||
	fail "no clear error for --connect to nothing"

# The host goes away under a scenario: the balloon commands fail, the run
# goes on and exits 1. (The host is killed within the 5 s sleep.)
cat >"$DIR/orphan.scn" <<EOF
balloon target=32M
balloon wait
sleep 5s
balloon target=0
balloon wait
expect balloon.actual_pages == 8192
EOF
"$PAGELAB" run "$DIR/orphan.scn" --connect "$SOCK" >"$DIR/guest.log" 2>&1 &
GUEST_PID=$!
i=0
while [ $i -lt 500 ]; do
	balloon info
	[ "$(value actual_pages "$DIR/out")" = 8192 ] && break
	sleep 0.02; i=$((i + 1))
done
[ "$(value actual_pages "$DIR/out")" = 8192 ] || fail "the scenario guest did not inflate"
kill -9 "$HOST_PID"
wait "$HOST_PID" 2>/dev/null
HOST_PID=
wait "$GUEST_PID"
[ $? = 1 ] || fail "the orphaned scenario did not exit 1"
grep -Fqx "$DIR/orphan.scn:4: balloon failed: the balloon host has gone away" \
	"$DIR/guest.log" || fail "no clear error for balloon target without a host"
grep -Fqx "$DIR/orphan.scn:5: balloon wait failed: the balloon host has gone away \
(the balloon stays at 8192 pages)" "$DIR/guest.log" ||
	fail "no clear error for balloon wait without a host"
grep -q "expect line 6: balloon.actual_pages == 8192: ok" "$DIR/guest.log" ||
	fail "the orphaned scenario did not run on"
rm -f "$SOCK"
start_host

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
