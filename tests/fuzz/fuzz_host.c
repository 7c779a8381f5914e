/* SPDX-License-Identifier: MIT */
/*
 * fuzz_host.c - libFuzzer target: the balloon host against a hostile peer.
 * One host serves on its own thread for the whole run; each input is the
 * byte stream of one new connection (a would-be guest or control client),
 * written whole and half-closed, then every reply is read until the host
 * closes its end. The host must survive anything, and once
 * the peer has gone it must hold no guest and no inflated page.
 *
 * libFuzzer's SIGALRM (its -timeout watchdog, every timeout/2 + 1 s) is
 * installed without SA_RESTART, so it interrupts this thread's send() and
 * read() with EINTR: both are retried. Taking an interrupted read() for the
 * host's close checked the host before it had seen the peer's EOF, with the
 * guest still connected (fuzz_host stopped once so after a million runs).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "core/compiler.h"
#include "host/host.h"

#define FUZZ_MEMORY	(1UL << 20)	/* 256 pages */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct balloon_host *host;
static int report_fd = 2;	/* stderr, kept before -close_fd_mask=2 silences the host's log */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct balloon_host_config hc = {
		.memory_bytes = FUZZ_MEMORY,
		.features = BALLOON_FEATURES_SUPPORTED,
	};

	report_fd = dup(2);
	if (report_fd < 0 || balloon_host_create(&hc, &host) || balloon_host_start(host))
		abort();
	return 0;
}

/*
 * Write @data, with send() @flags (MSG_DONTWAIT: only what the socket
 * takes now). The host may close early: then the rest is dropped.
 * Return: the bytes written.
 */
static size_t write_all(int fd, const uint8_t *data, size_t size, int flags)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = send(fd, data + done, size - done, MSG_NOSIGNAL | flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	return done;
}

/*
 * Read every reply until the host closes its end. Return: 0 at the end of
 * the stream, or the errno that ended it (ECONNRESET: the host closed it
 * with requests unread).
 */
static int read_until_closed(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return errno;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct balloon_info info;
	unsigned long inflated;
	size_t queued;
	int sv[2], err;

	/*
	 * The input and its end are queued before the host gets the
	 * connection, so that it finds them whole at its first look: the same
	 * input is served the same way at every run, with fewer switches
	 * between the threads. What the socket cannot hold without a reader
	 * (an input beyond its buffer) follows once the host reads.
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	queued = write_all(sv[0], data, size, MSG_DONTWAIT);
	if (queued == size)
		shutdown(sv[0], SHUT_WR);
	if (balloon_host_add_conn(host, sv[1]))
		abort();
	if (queued < size) {
		write_all(sv[0], data + queued, size - queued, 0);
		shutdown(sv[0], SHUT_WR);
	}
	err = read_until_closed(sv[0]);
	close(sv[0]);
	if (err && err != ECONNRESET) {
		dprintf(report_fd, "fuzz_host: reading the replies: %s\n", strerror(err));
		abort();
	}
	/* The host closed the connection: no guest, nothing inflated. */
	balloon_host_info(host, &info);
	inflated = balloon_host_inflated_pfns(host, NULL, 0);
	if (info.guest_connected || info.inflated_pages || inflated) {
		dprintf(report_fd, "fuzz_host: after the host closed the connection (%s): "
			"guest_connected %u, inflated_pages %llu, inflated set %lu, rejected %u\n",
			err ? strerror(err) : "end of stream", info.guest_connected,
			(unsigned long long)info.inflated_pages, inflated, info.rejected);
		abort();
	}
	return 0;
}
