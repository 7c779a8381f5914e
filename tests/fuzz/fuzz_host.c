/* SPDX-License-Identifier: MIT */
/*
 * fuzz_host.c - libFuzzer target: the balloon host against a hostile peer.
 * One host serves on its own thread for the whole run; each input is the
 * byte stream of one new connection (a would-be guest or control client),
 * written whole, then the connection is half-closed and every reply read
 * until the host closes its end. The host must survive anything, and once
 * the peer has gone it must hold no guest and no inflated page.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "core/compiler.h"
#include "host/host.h"

#define FUZZ_MEMORY	(1UL << 20)	/* 256 pages */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct balloon_host *host;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct balloon_host_config hc = {
		.memory_bytes = FUZZ_MEMORY,
		.features = BALLOON_FEATURES_SUPPORTED,
	};

	if (balloon_host_create(&hc, &host) || balloon_host_start(host))
		abort();
	return 0;
}

/* Write all of @data; the host may close early (then the rest is dropped). */
static void write_all(int fd, const uint8_t *data, size_t size)
{
	while (size) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		data += n;
		size -= n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct balloon_info info;
	char buf[4096];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    balloon_host_add_conn(host, sv[1]))
		abort();
	write_all(sv[0], data, size);
	shutdown(sv[0], SHUT_WR);
	while (read(sv[0], buf, sizeof(buf)) > 0)
		;
	close(sv[0]);
	/* The host closed the connection: no guest, nothing inflated. */
	balloon_host_info(host, &info);
	if (info.guest_connected || info.inflated_pages ||
	    balloon_host_inflated_pfns(host, NULL, 0))
		abort();
	return 0;
}
