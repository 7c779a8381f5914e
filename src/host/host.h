/* SPDX-License-Identifier: MIT */
/*
 * host.h - the balloon's host device: it owns the guest's RAM (a memfd),
 * serves the protocol of protocol.h to one guest and any number of control
 * clients, and gives inflated and reported memory back to the operating
 * system by punching holes in the memfd. See docs/balloon.md.
 *
 * It runs on a thread of the guest's own process (the default: machine
 * boot starts one) or as the `pagelab host` process, which passes the memfd
 * to the guest over a Unix socket.
 */
#ifndef PAGELAB_BALLOON_HOST_H
#define PAGELAB_BALLOON_HOST_H

#include "host/protocol.h"

struct balloon_host;

/*
 * struct balloon_host_config - what a host is made with.
 * @memory_bytes: the guest's RAM, a multiple of 4 KiB. The memfd is one
 *	page larger: the guest's reserved zero page lives in that last frame.
 * @features: VIRTIO_BALLOON_F_* bits offered to the driver.
 * @socket_path: listen on this Unix socket path for guests and control
 *	clients; NULL: connections are only added with balloon_host_add_conn().
 * @send_timeout_ms: a peer that takes no byte of a reply for this long is
 *	dropped; 0: HOST_SEND_TIMEOUT_MS.
 * @handshake_timeout_ms: a connection that has not said HELLO or sent a
 *	control request this long after it came is closed; 0:
 *	HOST_HANDSHAKE_TIMEOUT_MS.
 */
struct balloon_host_config {
	uint64_t memory_bytes;
	uint64_t features;
	const char *socket_path;
	unsigned int send_timeout_ms;
	unsigned int handshake_timeout_ms;
};

#define HOST_MAX_CONNS			16	/* guest, control clients, newcomers */
#define HOST_SEND_TIMEOUT_MS		1000
#define HOST_HANDSHAKE_TIMEOUT_MS	5000

int balloon_host_create(const struct balloon_host_config *cfg, struct balloon_host **out);
int balloon_host_add_conn(struct balloon_host *h, int fd);
int balloon_host_start(struct balloon_host *h);
int balloon_host_serve(struct balloon_host *h);
void balloon_host_request_stop(struct balloon_host *h);
void balloon_host_stop(struct balloon_host *h);
void balloon_host_destroy(struct balloon_host *h);

int balloon_host_memfd(const struct balloon_host *h);
void balloon_host_info(struct balloon_host *h, struct balloon_info *info);
unsigned long balloon_host_inflated_pfns(struct balloon_host *h, unsigned long *pfns,
					 unsigned long max);

#endif /* PAGELAB_BALLOON_HOST_H */
