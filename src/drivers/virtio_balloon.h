/* SPDX-License-Identifier: MIT */
/*
 * virtio_balloon.h - the balloon driver (drivers/virtio/virtio_balloon.c):
 * it follows the host's target by taking pages from the guest (inflate)
 * and giving them back (deflate), in batches of up to 256 pfns. Machine
 * boot probes it; the scenario runner and the public API drive it through
 * the functions below. See docs/balloon.md.
 */
#ifndef PAGELAB_VIRTIO_BALLOON_H
#define PAGELAB_VIRTIO_BALLOON_H

#include "balloon/balloon.h"
#include "host/protocol.h"

#define VIRTIO_BALLOON_OOM_NR_PAGES	256	/* pages one OOM notification frees */
#define VIRTIO_BALLOON_PUFF_RETRY_MS	200	/* after "Out of puff!" */

/*
 * struct virtio_balloon_state - what the driver and its host say now.
 * @target_pages: the host's target (config num_pages), clamped to memory.
 * @actual_pages: pages in the guest's balloon.
 * @host_released_bytes: measured by the host in its memfd.
 * @host: the host's own numbers (CTL_INFO); valid unless @host_gone.
 * @host_gone: the host went away; the balloon is frozen and the other
 *	fields are the last values known.
 */
struct virtio_balloon_state {
	uint64_t target_pages;
	uint64_t actual_pages;
	uint64_t host_released_bytes;
	struct balloon_info host;
	bool host_gone;
};

int virtio_balloon_probe(bool threaded);
void virtio_balloon_remove(void);

int virtio_balloon_set_target(uint64_t bytes);
int virtio_balloon_wait(unsigned long timeout_ms);
void virtio_balloon_step(unsigned long elapsed_ms);
int virtio_balloon_state(struct virtio_balloon_state *st);
int virtio_balloon_check(char *msg, size_t len);
struct balloon_dev_info *virtio_balloon_dev_info(void);

#endif /* PAGELAB_VIRTIO_BALLOON_H */
