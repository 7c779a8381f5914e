/* SPDX-License-Identifier: MIT */
/*
 * protocol.h - the wire protocol between pagelab's balloon driver (the
 * guest) and its host device, over a Unix stream socket: message framing,
 * the message types and their payloads, the checks every receiver applies,
 * and socket I/O that also carries the guest's RAM (a memfd) with
 * SCM_RIGHTS. docs/balloon.md describes every field; this header is the
 * reference for the byte layout.
 *
 * The protocol stands in for virtio: the inflate and deflate queues become
 * INFLATE and DEFLATE requests (up to VIRTIO_BALLOON_ARRAY_PFNS_MAX pfns of
 * 4 KiB pages), the stats queue STATS, the reporting queue REPORT, config
 * space reads and writes GET_CONFIG and SET_ACTUAL, and interrupts the
 * IRQ_* messages. Every integer is little-endian, as virtio's are.
 */
#ifndef PAGELAB_BALLOON_PROTOCOL_H
#define PAGELAB_BALLOON_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/compiler.h"

#define BALLOON_PROTOCOL_VERSION	1

/* Feature bits (include/uapi/linux/virtio_balloon.h). */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST	0	/* tell the host before reusing a page */
#define VIRTIO_BALLOON_F_STATS_VQ	1	/* memory statistics */
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM	2	/* deflate when the guest runs out */
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT	3	/* not implemented */
#define VIRTIO_BALLOON_F_PAGE_POISON	4	/* not implemented */
#define VIRTIO_BALLOON_F_REPORTING	5	/* free page reporting */
#define BALLOON_FEATURES_SUPPORTED					\
	(BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) | BIT(VIRTIO_BALLOON_F_STATS_VQ) | \
	 BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM) | BIT(VIRTIO_BALLOON_F_REPORTING))

#define VIRTIO_BALLOON_PFN_SHIFT	12
#define VIRTIO_BALLOON_ARRAY_PFNS_MAX	256	/* pfns per INFLATE or DEFLATE */
#define BALLOON_REPORT_MAX_RANGES	32	/* ranges per REPORT */

/* Memory statistics tags (struct virtio_balloon_stat). */
enum virtio_balloon_stat_tag {
	VIRTIO_BALLOON_S_SWAP_IN,	/* bytes */
	VIRTIO_BALLOON_S_SWAP_OUT,	/* bytes */
	VIRTIO_BALLOON_S_MAJFLT,
	VIRTIO_BALLOON_S_MINFLT,
	VIRTIO_BALLOON_S_MEMFREE,	/* bytes */
	VIRTIO_BALLOON_S_MEMTOT,	/* bytes */
	VIRTIO_BALLOON_S_AVAIL,		/* bytes */
	VIRTIO_BALLOON_S_CACHES,	/* bytes */
	VIRTIO_BALLOON_S_HTLB_PGALLOC,
	VIRTIO_BALLOON_S_HTLB_PGFAIL,
	VIRTIO_BALLOON_S_OOM_KILL,
	VIRTIO_BALLOON_S_ALLOC_STALL,
	VIRTIO_BALLOON_S_ASYNC_SCAN,
	VIRTIO_BALLOON_S_DIRECT_SCAN,
	VIRTIO_BALLOON_S_ASYNC_RECLAIM,
	VIRTIO_BALLOON_S_DIRECT_RECLAIM,
	VIRTIO_BALLOON_S_NR
};
extern const char *const virtio_balloon_stat_names[VIRTIO_BALLOON_S_NR];

struct virtio_balloon_stat {
	uint16_t tag;
	uint64_t val;
};
#define BALLOON_STAT_WIRE_SIZE	10	/* le16 tag, le64 val, packed */

/*
 * Message types. Requests get exactly one BALLOON_MSG_REPLY each, in order;
 * interrupts (host to guest) get none.
 */
enum balloon_msg_type {
	/* guest -> host */
	BALLOON_MSG_HELLO = 1,		/* le32 version -> memory, features, memfd */
	BALLOON_MSG_FEATURES = 2,	/* le64 driver features: the driver probed */
	BALLOON_MSG_GET_CONFIG = 3,	/* -> le32 num_pages, le32 actual */
	BALLOON_MSG_SET_ACTUAL = 4,	/* le32 actual */
	BALLOON_MSG_INFLATE = 5,	/* le32 nr, le32 pfns[nr] */
	BALLOON_MSG_DEFLATE = 6,	/* le32 nr, le32 pfns[nr] */
	BALLOON_MSG_STATS = 7,		/* nr x (le16 tag, le64 val) */
	BALLOON_MSG_REPORT = 8,		/* le32 nr, nr x (le32 pfn, le32 order) */
	/* host -> guest interrupts */
	BALLOON_MSG_IRQ_CONFIG = 32,	/* the target changed: read the config */
	BALLOON_MSG_IRQ_STATS = 33,	/* send statistics */
	/* control client -> host */
	BALLOON_MSG_CTL_SET_TARGET = 64,	/* le64 bytes -> le64 target pages */
	BALLOON_MSG_CTL_INFO = 65,		/* -> struct balloon_info */
	BALLOON_MSG_CTL_STATS = 66,		/* -> le64 age_ms, le32 nr, stats */
	/* host -> requester */
	BALLOON_MSG_REPLY = 128,	/* le32 status (0 or -errno), le32 request type, ... */
};

/* Header: le16 type, le16 flags (0), le32 payload length. */
#define BALLOON_MSG_HDR_SIZE		8
#define BALLOON_MSG_MAX_PAYLOAD		2048
#define BALLOON_REPLY_HDR_SIZE		8	/* status, request type */

/* A decoded message: the header fields and the payload bytes. */
struct balloon_msg {
	uint16_t type;
	uint16_t flags;
	uint32_t len;
	unsigned char payload[BALLOON_MSG_MAX_PAYLOAD];
};

/* CTL_INFO's answer; the same numbers the driver and tests read. */
struct balloon_info {
	uint64_t memory_bytes;		/* guest RAM (without the zero-page frame) */
	uint64_t target_pages;		/* config num_pages, clamped to memory */
	uint64_t actual_pages;		/* config actual, as the guest wrote it */
	uint64_t inflated_pages;	/* the host's own set */
	uint64_t released_bytes;	/* holes of the memfd under the inflated pages */
	uint64_t reported_bytes;	/* punched for free page reporting, in total */
	uint64_t features;		/* negotiated (offered, before a driver) */
	uint32_t guest_connected;
	uint32_t rejected;		/* messages refused since the host started */
};
#define BALLOON_INFO_WIRE_SIZE	64

/* Little-endian accessors. */
static inline void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static inline void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static inline uint16_t get_le16(const unsigned char *p)
{
	return p[0] | (uint16_t)p[1] << 8;
}

static inline uint32_t get_le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const unsigned char *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

const char *balloon_msg_name(unsigned int type);
int balloon_msg_check_header(const unsigned char *hdr, uint16_t *type, uint32_t *len,
			     char *why, size_t why_len);
int balloon_msg_check_pfns(const struct balloon_msg *msg, unsigned long nr_pages,
			   char *why, size_t why_len);
int balloon_msg_check_report(const struct balloon_msg *msg, unsigned long nr_pages,
			     char *why, size_t why_len);
int balloon_msg_check_stats(const struct balloon_msg *msg, char *why, size_t why_len);

struct sockaddr_un;
int balloon_socket_addr(struct sockaddr_un *addr, const char *path, char *why, size_t why_len);
int balloon_msg_send(int fd, uint16_t type, const void *payload, uint32_t len, int pass_fd);
int balloon_msg_try_send(int fd, uint16_t type);
ssize_t balloon_recv_nowait(int fd, void *buf, size_t len);
int balloon_msg_send_reply(int fd, uint16_t request, int status, const void *payload,
			   uint32_t len, int pass_fd);
int balloon_msg_recv(int fd, struct balloon_msg *msg, int *recv_fd);

void balloon_stats_encode(unsigned char *p, const struct virtio_balloon_stat *stats,
			  unsigned int nr);
unsigned int balloon_stats_decode(const unsigned char *p, uint32_t len,
				  struct virtio_balloon_stat *stats);
void balloon_info_encode(unsigned char *p, const struct balloon_info *info);
void balloon_info_decode(const unsigned char *p, struct balloon_info *info);

#endif /* PAGELAB_BALLOON_PROTOCOL_H */
