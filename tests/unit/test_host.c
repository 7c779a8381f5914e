/* SPDX-License-Identifier: MIT */
/*
 * test_host.c - the balloon host against peers that misbehave without
 * breaking the protocol: a peer that never reads its replies (dropped
 * after the send timeout, logged once, and never at the cost of a running
 * guest's RAM), a guest that reads its socket only now and then
 * (interrupts coalesce), connections that never say who they are (a
 * deadline, and room kept for the guest and an operator), and a REPORT
 * that names a block twice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "core/core.h"
#include "drivers/channel.h"
#include "host/host.h"

#define HOST_MEMORY	(4UL << 20)
#define HOST_PAGES	(HOST_MEMORY / PAGE_SIZE)
#define GUARD_SECONDS	10	/* a test that would hang fails after this instead */

static const uint64_t features = BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) |
				 BIT(VIRTIO_BALLOON_F_REPORTING);

struct fixture {
	struct balloon_host *host;
	unsigned char *ram;
	int log_fd, saved_stderr;
	FILE *log;
};

/* How many lines of the host's log so far hold @what ("": print them all). */
static unsigned int log_count(struct fixture *f, const char *what)
{
	char line[512];
	unsigned int n = 0;

	fflush(stderr);
	rewind(f->log);
	while (fgets(line, sizeof(line), f->log)) {
		n += strstr(line, what) != NULL;
		if (!*what)
			fputs(line, stdout);
	}
	fseek(f->log, 0, SEEK_END);
	return n;
}

static int setup_with(struct fixture *f, const struct balloon_host_config *hc)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(balloon_host_create(hc, &f->host), 0);
	f->ram = mmap(NULL, HOST_MEMORY, PROT_READ | PROT_WRITE, MAP_SHARED,
		      balloon_host_memfd(f->host), 0);
	assert_true(f->ram != MAP_FAILED);
	for (unsigned long pfn = 0; pfn < HOST_PAGES; pfn++)
		memset(f->ram + pfn * PAGE_SIZE, (unsigned char)(pfn | 1), PAGE_SIZE);
	/* The host logs from its thread: everything it says goes to a file. */
	f->log = tmpfile();
	assert_non_null(f->log);
	fflush(stderr);
	f->saved_stderr = dup(2);
	dup2(fileno(f->log), 2);
	assert_int_equal(balloon_host_start(f->host), 0);
	return 0;
}

static int setup(void **state)
{
	struct balloon_host_config hc = { .memory_bytes = HOST_MEMORY, .features = features };
	struct fixture *f = malloc(sizeof(*f));

	*state = f;
	return setup_with(f, &hc);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	balloon_host_destroy(f->host);
	log_count(f, "");	/* the host's log, with the test's output */
	fflush(stderr);
	dup2(f->saved_stderr, 2);
	close(f->saved_stderr);
	fclose(f->log);
	munmap(f->ram, HOST_MEMORY);
	free(f);
	return 0;
}

static bool ram_intact(struct fixture *f)
{
	for (unsigned long pfn = 0; pfn < HOST_PAGES; pfn++)
		for (size_t b = 0; b < PAGE_SIZE; b += 512)
			if (f->ram[pfn * PAGE_SIZE + b] != (unsigned char)(pfn | 1))
				return false;
	return true;
}

/* A connection to the host; @small: the host's end can buffer little. */
static int conn(struct fixture *f, bool small)
{
	struct timeval guard = { GUARD_SECONDS, 0 };
	int sv[2], size = 4096;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	if (small)
		assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof(guard)), 0);
	assert_int_equal(balloon_host_add_conn(f->host, sv[1]), 0);
	return sv[0];
}

static int request(int fd, uint16_t type, const void *payload, uint32_t len)
{
	return balloon_control_request(fd, type, payload, len, NULL, 0);
}

/* HELLO and FEATURES on @fd: a live driver. */
static void guest_hello(int fd)
{
	unsigned char buf[8];

	put_le32(buf, BALLOON_PROTOCOL_VERSION);
	assert_int_equal(request(fd, BALLOON_MSG_HELLO, buf, 4), 24);
	put_le64(buf, features);
	assert_int_equal(request(fd, BALLOON_MSG_FEATURES, buf, 8), 0);
}

/* Send @n requests of @type (without payload) on @fd in one write, and read nothing. */
static void flood(int fd, uint16_t type, unsigned int n)
{
	size_t len = (size_t)n * BALLOON_MSG_HDR_SIZE;
	unsigned char *buf = calloc(n, BALLOON_MSG_HDR_SIZE);

	assert_non_null(buf);
	for (unsigned int i = 0; i < n; i++)
		put_le16(buf + i * BALLOON_MSG_HDR_SIZE, type);
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), len);
	free(buf);
}

/* Read @fd to its end: whatever the host sent, then its close. */
static void drain_to_eof(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	/* A socket closed with requests still unread resets the peer. */
	if (n < 0)
		assert_int_equal(errno, ECONNRESET);
}

static struct balloon_info info(struct fixture *f)
{
	struct balloon_info i;

	balloon_host_info(f->host, &i);
	return i;
}

/* ------------------------------------------------------------------ */
/* A peer that does not read                                           */

/*
 * A control client sends requests and never reads the replies: once its
 * socket is full the host waits a second, drops it with one log line, and
 * serves the others meanwhile and after.
 */
static void test_nonreader_is_dropped(void **state)
{
	struct fixture *f = *state;
	int bad = conn(f, true), good = conn(f, false), answered;

	assert_int_equal(request(bad, BALLOON_MSG_CTL_INFO, NULL, 0), BALLOON_INFO_WIRE_SIZE);
	flood(bad, BALLOON_MSG_CTL_INFO, 1000);
	answered = request(good, BALLOON_MSG_CTL_INFO, NULL, 0);
	drain_to_eof(bad);
	close(bad);	/* before checking: a host stuck in send() gets free */
	assert_int_equal(answered, BALLOON_INFO_WIRE_SIZE);
	assert_int_equal(request(good, BALLOON_MSG_CTL_INFO, NULL, 0), BALLOON_INFO_WIRE_SIZE);
	assert_int_equal(log_count(f, "does not take its replies"), 1);
	close(good);
}

/*
 * The same with requests the host rejects before reading them (an unknown
 * type): the rejection's reply cannot be sent, the peer is dropped with
 * one line, and nothing more is read from the closed connection.
 */
static void test_nonreader_of_rejections_is_dropped(void **state)
{
	struct fixture *f = *state;
	int bad = conn(f, true), good = conn(f, false), answered;

	flood(bad, 0x7777, 1000);
	answered = request(good, BALLOON_MSG_CTL_INFO, NULL, 0);
	drain_to_eof(bad);
	close(bad);
	assert_int_equal(answered, BALLOON_INFO_WIRE_SIZE);
	assert_int_equal(log_count(f, "does not take its replies"), 1);
	assert_int_equal(log_count(f, "cannot read"), 0);
	close(good);
}

/*
 * The guest itself stops reading: it is dropped, but its RAM is left as it
 * is (it may still be running on it) until another guest says HELLO.
 */
static void test_dropped_guest_keeps_its_ram(void **state)
{
	struct fixture *f = *state;
	int guest = conn(f, true), next, ctl = conn(f, false);
	uint32_t pfn[2] = { 1, 9 };
	unsigned char buf[8];

	assert_int_equal(request(ctl, BALLOON_MSG_CTL_INFO, NULL, 0), BALLOON_INFO_WIRE_SIZE);
	guest_hello(guest);
	put_le32(buf, 1);
	put_le32(buf + 4, pfn[1]);
	assert_int_equal(request(guest, BALLOON_MSG_INFLATE, buf, 8), 0);
	memset(f->ram + pfn[1] * PAGE_SIZE, pfn[1] | 1, PAGE_SIZE);	/* the guest's again */
	flood(guest, BALLOON_MSG_GET_CONFIG, 1000);
	/* Answered once the host is done with the guest's requests. */
	assert_int_equal(request(ctl, BALLOON_MSG_CTL_INFO, NULL, 0), BALLOON_INFO_WIRE_SIZE);
	drain_to_eof(guest);
	close(guest);
	assert_int_equal(info(f).guest_connected, 0);
	assert_true(ram_intact(f));
	assert_int_equal(log_count(f, "does not take its replies"), 1);

	/* A new guest takes the RAM over: now it is released. */
	next = conn(f, false);
	guest_hello(next);
	assert_int_equal(f->ram[pfn[0] * PAGE_SIZE], 0);
	close(next);
	close(ctl);
}

/*
 * A guest that reads its socket only between commands, while an operator
 * changes the target thousands of times: the interrupts coalesce instead
 * of filling the socket, and the guest is neither dropped nor punched.
 */
static void test_interrupts_coalesce(void **state)
{
	struct fixture *f = *state;
	int guest = conn(f, true), ctl = conn(f, false), irqs = 0;
	unsigned char buf[8];
	struct balloon_msg m;

	guest_hello(guest);
	for (unsigned int i = 0; i < 3000; i++) {
		put_le64(buf, (uint64_t)(i % 16) * PAGE_SIZE);
		assert_int_equal(request(ctl, BALLOON_MSG_CTL_SET_TARGET, buf, 8), 8);
	}
	assert_int_equal(info(f).guest_connected, 1);
	assert_true(ram_intact(f));
	/* The guest reads at last: interrupts, then the answer to its request. */
	assert_int_equal(balloon_msg_send(guest, BALLOON_MSG_GET_CONFIG, NULL, 0, -1), 0);
	do {
		assert_int_equal(balloon_msg_recv(guest, &m, NULL), 0);
		irqs += m.type == BALLOON_MSG_IRQ_CONFIG;
	} while (m.type != BALLOON_MSG_REPLY);
	assert_true(irqs > 0 && irqs < 3000);
	assert_int_equal(get_le32(m.payload + 8), 2999 % 16);
	assert_int_equal(log_count(f, "does not take its replies"), 0);
	close(guest);
	close(ctl);
}

/* ------------------------------------------------------------------ */
/* Connections that never say who they are                             */

static char socket_dir[64];

static int setup_socket(void **state, unsigned int handshake_ms)
{
	struct balloon_host_config hc = { .memory_bytes = HOST_MEMORY, .features = features,
					  .handshake_timeout_ms = handshake_ms };
	static char path[96];
	struct fixture *f = malloc(sizeof(*f));

	strcpy(socket_dir, "/tmp/pagelab-test-host-XXXXXX");
	assert_non_null(mkdtemp(socket_dir));
	snprintf(path, sizeof(path), "%s/sock", socket_dir);
	hc.socket_path = path;
	*state = f;
	return setup_with(f, &hc);
}

static int setup_socket_default(void **state)
{
	return setup_socket(state, 0);
}

static int setup_socket_quick(void **state)
{
	return setup_socket(state, 1000);
}

static int teardown_socket(void **state)
{
	teardown(state);
	rmdir(socket_dir);
	return 0;
}

static int connect_host(void)
{
	struct timeval guard = { GUARD_SECONDS, 0 };
	char path[96], msg[160];
	int fd;

	snprintf(path, sizeof(path), "%s/sock", socket_dir);
	fd = balloon_control_open(path, msg, sizeof(msg));
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof(guard)), 0);
	return fd;
}

/*
 * Sixteen connections that say nothing, then fourteen control clients:
 * the idle ones give way, a fifteenth control client is refused, and the
 * guest still gets in.
 */
static void test_idle_connections_give_way(void **state)
{
	struct fixture *f = *state;
	int idle[16], ctl[HOST_MAX_CONNS - 2], extra, guest;
	unsigned char buf[4];

	for (unsigned int i = 0; i < ARRAY_SIZE(idle); i++)
		idle[i] = connect_host();
	for (unsigned int i = 0; i < ARRAY_SIZE(ctl); i++) {
		ctl[i] = connect_host();
		assert_int_equal(request(ctl[i], BALLOON_MSG_CTL_INFO, NULL, 0),
				 BALLOON_INFO_WIRE_SIZE);
	}
	extra = connect_host();
	assert_int_equal(request(extra, BALLOON_MSG_CTL_INFO, NULL, 0), -EBUSY);
	close(extra);
	guest = connect_host();
	put_le32(buf, BALLOON_PROTOCOL_VERSION);
	assert_int_equal(request(guest, BALLOON_MSG_HELLO, buf, 4), 24);
	assert_int_equal(info(f).guest_connected, 1);
	/* The idle ones were closed to make room, but the last (room was left). */
	for (unsigned int i = 0; i < ARRAY_SIZE(idle); i++) {
		if (i + 1 < ARRAY_SIZE(idle))
			drain_to_eof(idle[i]);
		close(idle[i]);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(ctl); i++)
		close(ctl[i]);
	close(guest);
}

/* A connection that says nothing is closed once its handshake time is up. */
static void test_handshake_deadline(void **state)
{
	struct fixture *f = *state;
	int idle = connect_host(), torn = connect_host(), ctl;
	unsigned char hdr[BALLOON_MSG_HDR_SIZE];

	/* Half a HELLO counts as nothing said. */
	put_le16(hdr, BALLOON_MSG_HELLO);
	put_le16(hdr + 2, 0);
	put_le32(hdr + 4, 4);
	assert_int_equal(write(torn, hdr, sizeof(hdr)), sizeof(hdr));
	drain_to_eof(idle);
	drain_to_eof(torn);
	assert_int_equal(log_count(f, "did not say HELLO"), 2);
	/* A control client, once it spoke, has no deadline. */
	ctl = connect_host();
	assert_int_equal(request(ctl, BALLOON_MSG_CTL_INFO, NULL, 0), BALLOON_INFO_WIRE_SIZE);
	usleep(1500 * 1000);
	assert_int_equal(request(ctl, BALLOON_MSG_CTL_INFO, NULL, 0), BALLOON_INFO_WIRE_SIZE);
	close(idle);
	close(torn);
	close(ctl);
}

/* ------------------------------------------------------------------ */
/* REPORT                                                              */

static int report(int fd, unsigned int nr, const uint32_t *pfn_order)
{
	unsigned char buf[4 + 8 * BALLOON_REPORT_MAX_RANGES];

	put_le32(buf, nr);
	for (unsigned int i = 0; i < 2 * nr; i++)
		put_le32(buf + 4 + 4 * i, pfn_order[i]);
	return request(fd, BALLOON_MSG_REPORT, buf, 4 + 8 * nr);
}

/* A block reported twice, or inside another, in one REPORT is refused. */
static void test_report_block_twice(void **state)
{
	struct fixture *f = *state;
	const uint32_t twice[] = { 16, 4, 16, 4 }, nested[] = { 32, 4, 40, 2 },
		       nested_rev[] = { 40, 2, 32, 4 }, disjoint[] = { 16, 4, 32, 4 };
	int guest = conn(f, false);

	guest_hello(guest);
	assert_int_equal(report(guest, 2, twice), -EINVAL);
	assert_int_equal(report(guest, 2, nested), -EINVAL);
	assert_int_equal(report(guest, 2, nested_rev), -EINVAL);
	assert_int_equal(info(f).reported_bytes, 0);
	assert_true(ram_intact(f));
	assert_int_equal(report(guest, 2, disjoint), 0);
	assert_int_equal(info(f).reported_bytes, 32 * PAGE_SIZE);
	close(guest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nonreader_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonreader_of_rejections_is_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dropped_guest_keeps_its_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupts_coalesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_connections_give_way,
						setup_socket_default, teardown_socket),
		cmocka_unit_test_setup_teardown(test_handshake_deadline, setup_socket_quick,
						teardown_socket),
		cmocka_unit_test_setup_teardown(test_report_block_twice, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
