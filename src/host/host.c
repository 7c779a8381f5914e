/* SPDX-License-Identifier: MIT */
/*
 * host.c - the balloon's host device (QEMU's virtio-balloon, reduced to
 * what pagelab needs).
 *
 * The host owns the guest's RAM: a memfd of memory_bytes + one page (the
 * last frame is the guest's zero page and never takes part). It keeps its
 * own bitmap of the pfns the guest handed over, so it needs to trust the
 * guest for nothing:
 *
 *   INFLATE  every pfn in range, not yet inflated and not twice in the
 *            batch; then the bits are set and the pfns, sorted and merged
 *            into ranges of neighbours, are punched out of the memfd with
 *            fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): the
 *            operating system really gets the memory back, and the guest
 *            reads zeros when it touches the page again.
 *   DEFLATE  every pfn inflated and not twice in the batch; the bits are
 *            cleared. Nothing is copied: the hole fills with zeros on
 *            first touch.
 *   REPORT   free blocks of the guest, none of them inflated and no two
 *            overlapping: punched.
 *
 * A message that fails any check changes nothing, is answered with an
 * errno and logged on one line; a header the stream cannot be followed
 * past (a length beyond the maximum) closes the connection. Messages are
 * handled one at a time and an INFLATE or REPORT is answered once its
 * pages are punched, so a deflate is acknowledged only after the punch of
 * every earlier inflate of the same pfn, and reported blocks go back to
 * the guest's free lists only once discarded. (Answering an INFLATE before
 * punching would overlap the punch with the guest's next batch, but a
 * punch while another thread of the guest's mm runs costs TLB shootdowns
 * that eat the gain: measured, no faster.)
 *
 * Peers are not trusted to read either. A reply waits at most the send
 * timeout for room, then the peer is dropped (one log line; its unread
 * requests are discarded); interrupts never wait: they coalesce while the
 * guest's socket is full. Dropping the guest's connection punches nothing,
 * since that guest may still be running on its RAM (only the guest's own
 * close releases it). A connection that has not said what it is within the
 * handshake time is closed, and when the table is full a newcomer takes the
 * place of the oldest such connection.
 *
 * host_released_bytes is measured, not counted: for every run of inflated
 * pfns, the bytes the memfd has no data for (lseek SEEK_DATA/SEEK_HOLE).
 *
 * Locking: host->lock protects everything in struct balloon_host except
 * the poll loop's private copy of the descriptors; the serving thread holds
 * it while it handles a message (punches included), other threads while
 * they read the state or add a connection. It is a leaf: nothing else is
 * taken inside it.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "core/bitmap.h"
#include "core/core.h"
#include "host/host.h"

#define HOST_MAX_CONTROL	(HOST_MAX_CONNS - 2)	/* one slot for the guest, one to say hello */
#define HOST_STATS_TIMEOUT_MS	1000	/* a CTL_STATS waits this long for fresh stats */

enum host_conn_kind {
	CONN_NEW,		/* nothing received yet */
	CONN_GUEST,		/* said HELLO */
	CONN_CONTROL,		/* sent a CTL_* request */
};

struct host_conn {
	int fd;
	enum host_conn_kind kind;
	bool awaiting_stats;		/* a CTL_STATS waits for the guest's STATS */
	uint64_t stats_deadline_ms;
	uint64_t id;			/* unique for the host's life */
	uint64_t hello_deadline_ms;	/* CONN_NEW: it must say who it is by then */
	unsigned int pending_irqs;	/* the guest's: BIT(type - IRQ_CONFIG) not sent yet */
	size_t have;			/* bytes of the message being read */
	unsigned char buf[BALLOON_MSG_HDR_SIZE + BALLOON_MSG_MAX_PAYLOAD];
};

struct balloon_host {
	pthread_mutex_t lock;
	int memfd;
	uint64_t memory_bytes;
	unsigned long nr_pages;		/* guest RAM pages: valid pfns */
	uint64_t features;		/* offered */
	uint64_t driver_features;	/* accepted by the live driver */
	bool driver_live;		/* FEATURES received on the guest connection */
	unsigned long *inflated;	/* bitmap of nr_pages bits */
	unsigned long nr_inflated;
	uint32_t num_pages;		/* config: the target */
	uint32_t actual;		/* config: as the guest wrote it */
	struct virtio_balloon_stat stats[VIRTIO_BALLOON_S_NR];
	unsigned int nr_stats;
	uint64_t stats_time_ms;		/* when they arrived; 0: never */
	uint64_t reported_bytes;
	uint32_t rejected;
	bool punch_failed;		/* logged once */
	int listen_fd;
	char *socket_path;
	struct host_conn *conns[HOST_MAX_CONNS];	/* oldest first */
	unsigned int nr_conns;
	uint64_t last_conn_id;
	unsigned int send_timeout_ms;
	unsigned int handshake_timeout_ms;
	bool ram_in_use;		/* a dropped guest may still run on the RAM */
	int wake_fd;			/* eventfd: stop, or a new connection */
	bool stop;			/* atomic */
	bool threaded;
	pthread_t thread;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void __attribute__((format(printf, 2, 3))) host_log(struct balloon_host *h,
							   const char *fmt, ...)
{
	char line[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pagelab host: %s\n", line);
}

static const char *const conn_kind_names[] = { "new connection", "guest", "control client" };

/* ------------------------------------------------------------------ */
/* The inflated set                                                    */

/* Give [pfn, pfn + nr) back to the operating system. */
static void punch(struct balloon_host *h, unsigned long pfn, unsigned long nr)
{
	if (!fallocate(h->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		       (off_t)pfn << PAGE_SHIFT, (off_t)nr << PAGE_SHIFT))
		return;
	if (!h->punch_failed)
		host_log(h, "cannot punch pfns %#lx+%lu out of the guest's RAM: %s "
			 "(memory stays allocated)", pfn, nr, strerror(errno));
	h->punch_failed = true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Punch @nr pfns, sorted and merged into runs of neighbours. */
static void punch_pfns(struct balloon_host *h, uint32_t *pfns, uint32_t nr)
{
	qsort(pfns, nr, sizeof(*pfns), cmp_u32);
	for (uint32_t i = 0; i < nr;) {
		uint32_t j = i + 1;

		while (j < nr && pfns[j] == pfns[j - 1] + 1)
			j++;
		punch(h, pfns[i], j - i);
		i = j;
	}
}

/* Bytes of [start, end) the memfd holds no data for. */
static uint64_t hole_bytes(int fd, off_t start, off_t end)
{
	uint64_t data = 0;
	off_t off = start;

	while (off < end) {
		off_t d = lseek(fd, off, SEEK_DATA), hole;

		if (d < 0 || d >= end)
			break;
		hole = lseek(fd, d, SEEK_HOLE);
		if (hole < 0)
			hole = end;
		data += min(hole, end) - d;
		off = hole;
	}
	return (end - start) - data;
}

/* Context: host->lock held. */
static uint64_t released_bytes(struct balloon_host *h)
{
	uint64_t bytes = 0;

	for (unsigned long pfn = find_next_bit(h->inflated, h->nr_pages, 0); pfn < h->nr_pages;) {
		unsigned long end = find_next_zero_bit(h->inflated, h->nr_pages, pfn);

		bytes += hole_bytes(h->memfd, (off_t)pfn << PAGE_SHIFT, (off_t)end << PAGE_SHIFT);
		pfn = find_next_bit(h->inflated, h->nr_pages, end);
	}
	return bytes;
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

static struct host_conn *guest_conn(struct balloon_host *h)
{
	for (unsigned int i = 0; i < h->nr_conns; i++)
		if (h->conns[i]->kind == CONN_GUEST && h->conns[i]->fd >= 0)
			return h->conns[i];
	return NULL;
}

/*
 * The guest's connection is closed: the device resets for the next guest.
 * @release: the guest closed it (its process ended, or it left): its RAM
 *	is punched. Otherwise the host dropped a guest that may still be
 *	running on that RAM: nothing is punched until the next HELLO.
 */
static void guest_reset(struct balloon_host *h, bool release)
{
	if (release) {
		host_log(h, "the guest disconnected (%lu pages were inflated); its RAM is released",
			 h->nr_inflated);
		punch(h, 0, h->nr_pages);
	} else {
		host_log(h, "dropped the guest's connection (%lu pages were inflated); its RAM is "
			 "left as it is, as the guest may still be running", h->nr_inflated);
	}
	h->ram_in_use = !release;
	bitmap_zero(h->inflated, h->nr_pages);
	h->nr_inflated = 0;
	h->driver_live = false;
	h->driver_features = 0;
	h->actual = 0;
}

/* Close @c; @peer_gone: it was the peer that closed or reset it. */
static void conn_close(struct balloon_host *h, struct host_conn *c, bool peer_gone)
{
	if (c->fd < 0)
		return;
	if (c->kind == CONN_GUEST)
		guest_reset(h, peer_gone);
	close(c->fd);
	c->fd = -1;
}

/* A peer that cannot take what the host sends: one line, and it is closed. */
static void conn_drop(struct balloon_host *h, struct host_conn *c, int err)
{
	host_log(h, "the %s does not take its replies (%s); closing it",
		 conn_kind_names[c->kind], strerror(-err));
	conn_close(h, c, false);
}

/* Send, or drop a peer that cannot take it. Context: host->lock held. */
static void conn_reply(struct balloon_host *h, struct host_conn *c, uint16_t request,
		       int status, const void *payload, uint32_t len, int pass_fd)
{
	int err;

	if (c->fd < 0)
		return;
	err = balloon_msg_send_reply(c->fd, request, status, payload, len, pass_fd);
	if (err)
		conn_drop(h, c, err);
}

/*
 * Send the guest's pending interrupts its socket has room for, without
 * waiting: a guest that reads its socket only now and then (a paused or
 * deterministic one) finds them when it does. Context: host->lock held.
 */
static void flush_irqs(struct balloon_host *h, struct host_conn *g)
{
	for (unsigned int t = BALLOON_MSG_IRQ_CONFIG; t <= BALLOON_MSG_IRQ_STATS; t++) {
		unsigned int bit = BIT(t - BALLOON_MSG_IRQ_CONFIG);
		int err;

		if (!(g->pending_irqs & bit))
			continue;
		err = balloon_msg_try_send(g->fd, t);
		if (err == -EAGAIN)
			return;
		if (err) {
			conn_drop(h, g, err);
			return;
		}
		g->pending_irqs &= ~bit;
	}
}

/*
 * Raise an interrupt in the guest. Interrupts of one type coalesce while
 * the guest's socket is full, as a virtio interrupt does: the guest reads
 * the config or sends stats once for all of them.
 */
static void send_irq(struct balloon_host *h, uint16_t type)
{
	struct host_conn *g = guest_conn(h);

	if (!g || !h->driver_live)
		return;
	g->pending_irqs |= BIT(type - BALLOON_MSG_IRQ_CONFIG);
	flush_irqs(h, g);
}

static void reject(struct balloon_host *h, struct host_conn *c, uint16_t type, int err,
		   const char *why)
{
	h->rejected++;
	host_log(h, "rejected %s from the %s: %s", balloon_msg_name(type),
		 conn_kind_names[c->kind], why);
	if (type != BALLOON_MSG_REPLY && type != BALLOON_MSG_IRQ_CONFIG &&
	    type != BALLOON_MSG_IRQ_STATS)
		conn_reply(h, c, type, err, NULL, 0, -1);
}

/* Free the closed connections. Context: host->lock held. */
static void conns_reap(struct balloon_host *h)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < h->nr_conns; i++) {
		if (h->conns[i]->fd >= 0)
			h->conns[n++] = h->conns[i];
		else
			free(h->conns[i]);
	}
	h->nr_conns = n;
}

static unsigned int nr_conns_of(struct balloon_host *h, enum host_conn_kind kind)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < h->nr_conns; i++)
		n += h->conns[i]->kind == kind && h->conns[i]->fd >= 0;
	return n;
}

/*
 * The table is full: close the oldest connection that has not said who it
 * is yet, so that idle connections never lock the guest or an operator
 * out. Return: false if every connection is the guest or a control client.
 */
static bool evict_newcomer(struct balloon_host *h)
{
	for (unsigned int i = 0; i < h->nr_conns; i++) {
		struct host_conn *c = h->conns[i];

		if (c->kind != CONN_NEW || c->fd < 0)
			continue;
		host_log(h, "closed a new connection that had not said who it is, to make "
			 "room for another (%d are open)", HOST_MAX_CONNS);
		conn_close(h, c, false);
		conns_reap(h);
		return true;
	}
	return false;
}

/* Context: host->lock held; no caller holds a pointer to a closed connection. */
static int conn_add(struct balloon_host *h, int fd)
{
	struct timeval tv = { .tv_sec = h->send_timeout_ms / 1000,
			      .tv_usec = h->send_timeout_ms % 1000 * 1000 };
	struct host_conn *c;
	int err;

	conns_reap(h);
	if (h->nr_conns == HOST_MAX_CONNS && !evict_newcomer(h)) {
		host_log(h, "refused a connection: %d are open already", HOST_MAX_CONNS);
		close(fd);
		return -EMFILE;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		err = -errno;
		host_log(h, "refused a connection: cannot bound its send time: %s", strerror(-err));
		close(fd);
		return err;
	}
	c = kzalloc(sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->id = ++h->last_conn_id;
	c->hello_deadline_ms = now_ms() + h->handshake_timeout_ms;
	h->conns[h->nr_conns++] = c;
	return 0;
}

static struct host_conn *conn_by_id(struct balloon_host *h, uint64_t id)
{
	for (unsigned int i = 0; i < h->nr_conns; i++)
		if (h->conns[i]->id == id)
			return h->conns[i]->fd >= 0 ? h->conns[i] : NULL;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Guest requests                                                      */

static void handle_hello(struct balloon_host *h, struct host_conn *c,
			 const struct balloon_msg *m)
{
	unsigned char reply[24];
	uint32_t version = get_le32(m->payload);

	if (c->kind != CONN_NEW)
		return reject(h, c, m->type, -EPROTO, "HELLO twice");
	if (version != BALLOON_PROTOCOL_VERSION)
		return reject(h, c, m->type, -EPROTONOSUPPORT, "unsupported protocol version");
	if (guest_conn(h))
		return reject(h, c, m->type, -EBUSY, "a guest is connected already");
	if (h->ram_in_use) {
		host_log(h, "a new guest takes the RAM of the guest that was dropped: released");
		punch(h, 0, h->nr_pages);
		h->ram_in_use = false;
	}
	c->kind = CONN_GUEST;
	put_le32(reply, BALLOON_PROTOCOL_VERSION);
	put_le32(reply + 4, 0);
	put_le64(reply + 8, h->memory_bytes);
	put_le64(reply + 16, h->features);
	conn_reply(h, c, m->type, 0, reply, sizeof(reply), h->memfd);
}

static void handle_features(struct balloon_host *h, struct host_conn *c,
			    const struct balloon_msg *m)
{
	uint64_t features = get_le64(m->payload);
	char why[96];

	if (features & ~h->features) {
		snprintf(why, sizeof(why), "features %#llx were not offered (%#llx were)",
			 (unsigned long long)features, (unsigned long long)h->features);
		return reject(h, c, m->type, -EINVAL, why);
	}
	if (h->nr_inflated) {
		host_log(h, "a new driver probed with %lu pages still inflated: they are the guest's again",
			 h->nr_inflated);
		bitmap_zero(h->inflated, h->nr_pages);
		h->nr_inflated = 0;
	}
	h->driver_features = features;
	h->driver_live = true;
	h->actual = 0;
	conn_reply(h, c, m->type, 0, NULL, 0, -1);
}

/*
 * INFLATE and DEFLATE: check every pfn against the set, flipping bits as
 * it goes so that a pfn twice in the batch is caught; undo on failure.
 */
static void handle_pfns(struct balloon_host *h, struct host_conn *c, const struct balloon_msg *m)
{
	bool inflate = m->type == BALLOON_MSG_INFLATE;
	uint32_t nr, pfns[VIRTIO_BALLOON_ARRAY_PFNS_MAX];
	char why[160];
	int err = balloon_msg_check_pfns(m, h->nr_pages, why, sizeof(why));

	if (err)
		return reject(h, c, m->type, err, why);
	nr = get_le32(m->payload);
	for (uint32_t i = 0; i < nr; i++) {
		pfns[i] = get_le32(m->payload + 4 + 4 * i);
		if (test_bit(pfns[i], h->inflated) == inflate) {
			snprintf(why, sizeof(why), inflate ?
				 "pfn %#x is inflated already (handed over twice)" :
				 "pfn %#x is not inflated (or twice in the batch)", pfns[i]);
			while (i--)
				__assign_bit(pfns[i], h->inflated, !inflate);
			return reject(h, c, m->type, inflate ? -EEXIST : -ENOENT, why);
		}
		__assign_bit(pfns[i], h->inflated, inflate);
	}
	h->nr_inflated = inflate ? h->nr_inflated + nr : h->nr_inflated - nr;
	if (inflate)
		punch_pfns(h, pfns, nr);
	conn_reply(h, c, m->type, 0, NULL, 0, -1);
}

/* -EPERM with @why set unless the driver accepted @feature (named @name). */
static int check_feature(const struct balloon_host *h, const struct balloon_msg *m,
			 unsigned int feature, const char *name, char *why, size_t why_len)
{
	if (h->driver_features & BIT(feature))
		return 0;
	snprintf(why, why_len, "%s without the %s feature", balloon_msg_name(m->type), name);
	return -EPERM;
}

static void handle_report(struct balloon_host *h, struct host_conn *c,
			  const struct balloon_msg *m)
{
	char why[160];
	int err = balloon_msg_check_report(m, h->nr_pages, why, sizeof(why));
	uint32_t nr;

	if (!err)
		err = check_feature(h, m, VIRTIO_BALLOON_F_REPORTING, "REPORTING", why, sizeof(why));
	if (err)
		return reject(h, c, m->type, err, why);
	nr = get_le32(m->payload);
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t pfn = get_le32(m->payload + 4 + 8 * i);
		uint32_t order = get_le32(m->payload + 8 + 8 * i);
		unsigned long hit = find_next_bit(h->inflated, h->nr_pages, pfn);

		if (hit < pfn + (1UL << order)) {
			snprintf(why, sizeof(why), "reported free block pfn %#x order %u holds "
				 "inflated pfn %#lx", pfn, order, hit);
			return reject(h, c, m->type, -EINVAL, why);
		}
	}
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t order = get_le32(m->payload + 8 + 8 * i);

		punch(h, get_le32(m->payload + 4 + 8 * i), 1UL << order);
		h->reported_bytes += PAGE_SIZE << order;
	}
	conn_reply(h, c, m->type, 0, NULL, 0, -1);
}

static void stats_reply(struct balloon_host *h, struct host_conn *c)
{
	unsigned char reply[12 + VIRTIO_BALLOON_S_NR * BALLOON_STAT_WIRE_SIZE];

	put_le64(reply, h->stats_time_ms ? now_ms() - h->stats_time_ms : UINT64_MAX);
	put_le32(reply + 8, h->nr_stats);
	balloon_stats_encode(reply + 12, h->stats, h->nr_stats);
	c->awaiting_stats = false;
	conn_reply(h, c, BALLOON_MSG_CTL_STATS, 0, reply,
		   12 + h->nr_stats * BALLOON_STAT_WIRE_SIZE, -1);
}

static void handle_stats(struct balloon_host *h, struct host_conn *c, const struct balloon_msg *m)
{
	char why[96];
	int err = balloon_msg_check_stats(m, why, sizeof(why));

	if (!err)
		err = check_feature(h, m, VIRTIO_BALLOON_F_STATS_VQ, "STATS_VQ", why, sizeof(why));
	if (err)
		return reject(h, c, m->type, err, why);
	h->nr_stats = balloon_stats_decode(m->payload, m->len, h->stats);
	h->stats_time_ms = now_ms();
	conn_reply(h, c, m->type, 0, NULL, 0, -1);
	for (unsigned int i = 0; i < h->nr_conns; i++)
		if (h->conns[i]->awaiting_stats)
			stats_reply(h, h->conns[i]);
}

static void handle_guest(struct balloon_host *h, struct host_conn *c, const struct balloon_msg *m)
{
	unsigned char reply[8];

	if (m->type != BALLOON_MSG_HELLO && c->kind != CONN_GUEST)
		return reject(h, c, m->type, -EPROTO, "guest request before HELLO");
	if (m->type > BALLOON_MSG_FEATURES && !h->driver_live)
		return reject(h, c, m->type, -EPROTO, "request before the driver sent FEATURES");
	switch (m->type) {
	case BALLOON_MSG_HELLO:
		return handle_hello(h, c, m);
	case BALLOON_MSG_FEATURES:
		return handle_features(h, c, m);
	case BALLOON_MSG_GET_CONFIG:
		put_le32(reply, h->num_pages);
		put_le32(reply + 4, h->actual);
		return conn_reply(h, c, m->type, 0, reply, sizeof(reply), -1);
	case BALLOON_MSG_SET_ACTUAL:
		if (get_le32(m->payload) > h->nr_pages)
			return reject(h, c, m->type, -ERANGE, "actual is beyond memory");
		h->actual = get_le32(m->payload);
		return conn_reply(h, c, m->type, 0, NULL, 0, -1);
	case BALLOON_MSG_INFLATE:
	case BALLOON_MSG_DEFLATE:
		return handle_pfns(h, c, m);
	case BALLOON_MSG_STATS:
		return handle_stats(h, c, m);
	case BALLOON_MSG_REPORT:
		return handle_report(h, c, m);
	}
}

/* ------------------------------------------------------------------ */
/* Control requests                                                    */

static void handle_set_target(struct balloon_host *h, struct host_conn *c,
			      const struct balloon_msg *m)
{
	uint64_t bytes = get_le64(m->payload), pages = bytes >> PAGE_SHIFT;
	unsigned char reply[8];

	if (bytes % PAGE_SIZE)
		return reject(h, c, m->type, -EINVAL, "target is not a multiple of 4 KiB");
	if (pages > h->nr_pages) {
		host_log(h, "target of %llu pages clamped to the guest's memory (%lu pages)",
			 (unsigned long long)pages, h->nr_pages);
		pages = h->nr_pages;
	}
	h->num_pages = pages;
	send_irq(h, BALLOON_MSG_IRQ_CONFIG);
	put_le64(reply, pages);
	conn_reply(h, c, m->type, 0, reply, sizeof(reply), -1);
}

static void info_fill(struct balloon_host *h, struct balloon_info *info)
{
	*info = (struct balloon_info){
		.memory_bytes = h->memory_bytes,
		.target_pages = h->num_pages,
		.actual_pages = h->actual,
		.inflated_pages = h->nr_inflated,
		.released_bytes = released_bytes(h),
		.reported_bytes = h->reported_bytes,
		.features = h->driver_live ? h->driver_features : h->features,
		.guest_connected = guest_conn(h) != NULL,
		.rejected = h->rejected,
	};
}

static void handle_control(struct balloon_host *h, struct host_conn *c,
			   const struct balloon_msg *m)
{
	unsigned char reply[BALLOON_INFO_WIRE_SIZE];
	struct balloon_info info;

	if (c->kind == CONN_GUEST)
		return reject(h, c, m->type, -EPERM, "control request on the guest's connection");
	if (c->kind == CONN_NEW && nr_conns_of(h, CONN_CONTROL) >= HOST_MAX_CONTROL) {
		reject(h, c, m->type, -EBUSY, "too many control clients");
		return conn_close(h, c, false);
	}
	c->kind = CONN_CONTROL;
	switch (m->type) {
	case BALLOON_MSG_CTL_SET_TARGET:
		return handle_set_target(h, c, m);
	case BALLOON_MSG_CTL_INFO:
		info_fill(h, &info);
		balloon_info_encode(reply, &info);
		return conn_reply(h, c, m->type, 0, reply, sizeof(reply), -1);
	case BALLOON_MSG_CTL_STATS:
		if (!(h->driver_features & BIT(VIRTIO_BALLOON_F_STATS_VQ)) || !guest_conn(h))
			return stats_reply(h, c);
		c->awaiting_stats = true;
		c->stats_deadline_ms = now_ms() + HOST_STATS_TIMEOUT_MS;
		send_irq(h, BALLOON_MSG_IRQ_STATS);
		return;
	}
}

static void handle_msg(struct balloon_host *h, struct host_conn *c, const struct balloon_msg *m)
{
	if (m->type >= BALLOON_MSG_HELLO && m->type <= BALLOON_MSG_REPORT)
		handle_guest(h, c, m);
	else if (m->type >= BALLOON_MSG_CTL_SET_TARGET && m->type <= BALLOON_MSG_CTL_STATS)
		handle_control(h, c, m);
	else
		reject(h, c, m->type, -EINVAL, "not a request");
}

/*
 * Read what @c has sent and handle every whole message in it. A message
 * is taken apart only once it is complete, so a slow or stalled peer never
 * blocks the host. Context: host->lock held.
 */
static void conn_receive(struct balloon_host *h, struct host_conn *c)
{
	for (;;) {
		size_t want = BALLOON_MSG_HDR_SIZE;
		struct balloon_msg m;
		char why[128];
		ssize_t n;
		int err;

		if (c->have >= BALLOON_MSG_HDR_SIZE)
			want += get_le32(c->buf + 4);
		if (c->have < want) {
			n = balloon_recv_nowait(c->fd, c->buf + c->have, want - c->have);
			if (n == -EAGAIN)
				return;
			if (n < 0 && n != -ECONNRESET) {
				host_log(h, "cannot read from the %s: %s; closing it",
					 conn_kind_names[c->kind], strerror(-n));
				conn_close(h, c, false);
				return;
			}
			if (n <= 0) {
				if (c->have)
					host_log(h, "the %s went away in the middle of a message",
						 conn_kind_names[c->kind]);
				conn_close(h, c, true);
				return;
			}
			c->have += n;
			if (c->have == BALLOON_MSG_HDR_SIZE &&
			    get_le32(c->buf + 4) > BALLOON_MSG_MAX_PAYLOAD) {
				balloon_msg_check_header(c->buf, &m.type, &m.len, why, sizeof(why));
				h->rejected++;
				host_log(h, "rejected a message from the %s: %s; closing the connection",
					 conn_kind_names[c->kind], why);
				conn_close(h, c, false);
				return;
			}
			continue;
		}
		c->have = 0;
		err = balloon_msg_check_header(c->buf, &m.type, &m.len, why, sizeof(why));
		if (err) {
			reject(h, c, m.type, err, why);
		} else {
			m.flags = 0;
			memcpy(m.payload, c->buf + BALLOON_MSG_HDR_SIZE, m.len);
			handle_msg(h, c, &m);
		}
		/* Its reply may have dropped the peer: nothing more is read. */
		if (c->fd < 0)
			return;
	}
}

/* ------------------------------------------------------------------ */
/* The serving loop                                                    */

static void accept_conn(struct balloon_host *h)
{
	int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd >= 0)
		conn_add(h, fd);
}

/* The sooner of @timeout (-1: none) and @deadline, as a poll() timeout. */
static int sooner(int timeout, uint64_t deadline, uint64_t now)
{
	uint64_t left = deadline > now ? deadline - now : 0;

	if (timeout < 0 || left < (uint64_t)timeout)
		return left;
	return timeout;
}

/*
 * Answer the CTL_STATS whose guest did not send fresh stats in time, and
 * close the connections that did not say who they are in time.
 * Return: the poll() timeout until the next deadline, or -1.
 */
static int expire_deadlines(struct balloon_host *h)
{
	uint64_t now = now_ms();
	int timeout = -1;

	for (unsigned int i = 0; i < h->nr_conns; i++) {
		struct host_conn *c = h->conns[i];

		if (c->fd < 0)
			continue;
		if (c->kind == CONN_NEW && now >= c->hello_deadline_ms) {
			host_log(h, "closed a new connection: it did not say HELLO or send a "
				 "control request within %u ms", h->handshake_timeout_ms);
			conn_close(h, c, false);
			continue;
		}
		if (c->kind == CONN_NEW)
			timeout = sooner(timeout, c->hello_deadline_ms, now);
		if (!c->awaiting_stats)
			continue;
		if (now >= c->stats_deadline_ms)
			stats_reply(h, c);
		else
			timeout = sooner(timeout, c->stats_deadline_ms, now);
	}
	return timeout;
}

/**
 * balloon_host_serve() - serve connections on the calling thread until
 * balloon_host_request_stop().
 * Context: takes host->lock around each message; one serving thread only.
 * Return: 0, or a negative errno if poll() fails.
 */
int balloon_host_serve(struct balloon_host *h)
{
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd fds[HOST_MAX_CONNS + 2];
		uint64_t polled[HOST_MAX_CONNS];
		unsigned int n = 0, nr_polled;
		int timeout;

		pthread_mutex_lock(&h->lock);
		timeout = expire_deadlines(h);
		conns_reap(h);
		fds[n++] = (struct pollfd){ h->wake_fd, POLLIN, 0 };
		if (h->listen_fd >= 0)
			fds[n++] = (struct pollfd){ h->listen_fd, POLLIN, 0 };
		nr_polled = h->nr_conns;
		for (unsigned int i = 0; i < nr_polled; i++) {
			struct host_conn *c = h->conns[i];

			polled[i] = c->id;
			fds[n++] = (struct pollfd){ c->fd, c->pending_irqs ? POLLIN | POLLOUT : POLLIN };
		}
		pthread_mutex_unlock(&h->lock);

		if (poll(fds, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		pthread_mutex_lock(&h->lock);
		if (fds[0].revents) {
			uint64_t v;

			if (read(h->wake_fd, &v, sizeof(v)) < 0)
				v = 0;
		}
		if (h->listen_fd >= 0 && fds[1].revents)
			accept_conn(h);
		for (unsigned int i = 0; i < nr_polled; i++) {
			short revents = fds[n - nr_polled + i].revents;
			struct host_conn *c = conn_by_id(h, polled[i]);

			if (c && (revents & POLLOUT))
				flush_irqs(h, c);
			if (c && c->fd >= 0 && (revents & ~POLLOUT))
				conn_receive(h, c);
		}
		pthread_mutex_unlock(&h->lock);
	}
	return 0;
}

static void wake(struct balloon_host *h)
{
	uint64_t one = 1;

	if (write(h->wake_fd, &one, sizeof(one)) < 0)
		return;	/* the counter is saturated: the loop is awake anyway */
}

/**
 * balloon_host_request_stop() - make balloon_host_serve() return.
 * Context: any, including a signal handler.
 */
void balloon_host_request_stop(struct balloon_host *h)
{
	__atomic_store_n(&h->stop, true, __ATOMIC_RELEASE);
	wake(h);
}

static void *host_thread(void *arg)
{
	balloon_host_serve(arg);
	return NULL;
}

/**
 * balloon_host_start() - serve on a new thread (the in-process host).
 * Context: any. Return: 0, or -EAGAIN if the thread cannot be created.
 */
int balloon_host_start(struct balloon_host *h)
{
	if (pthread_create(&h->thread, NULL, host_thread, h))
		return -EAGAIN;
	h->threaded = true;
	return 0;
}

/**
 * balloon_host_add_conn() - serve @fd, a connected Unix stream socket (the
 * host owns it from now on, even on failure).
 * Context: takes host->lock. Return: 0, -EMFILE or -ENOMEM.
 */
int balloon_host_add_conn(struct balloon_host *h, int fd)
{
	int err;

	pthread_mutex_lock(&h->lock);
	err = conn_add(h, fd);
	pthread_mutex_unlock(&h->lock);
	wake(h);
	return err;
}

/**
 * balloon_host_stop() - the host goes away: stop serving and close every
 * connection, as if its process had died (the guest finds its socket
 * closed; its RAM stays mapped). Idempotent.
 * Context: not on the serving thread.
 */
void balloon_host_stop(struct balloon_host *h)
{
	balloon_host_request_stop(h);
	if (h->threaded) {
		pthread_join(h->thread, NULL);
		h->threaded = false;
	}
	pthread_mutex_lock(&h->lock);
	for (unsigned int i = 0; i < h->nr_conns; i++) {
		if (h->conns[i]->fd >= 0)
			close(h->conns[i]->fd);
		free(h->conns[i]);
	}
	h->nr_conns = 0;
	if (h->listen_fd >= 0) {
		close(h->listen_fd);
		unlink(h->socket_path);
		h->listen_fd = -1;
	}
	pthread_mutex_unlock(&h->lock);
}

/* ------------------------------------------------------------------ */
/* Life cycle and state                                                */

static int listen_on(struct balloon_host *h, const char *path)
{
	struct sockaddr_un addr;
	char why[96];
	int fd, err = balloon_socket_addr(&addr, path, why, sizeof(why));

	if (err) {
		host_log(h, "cannot listen: %s", why);	/* @path is too long to show */
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 8)) {
		err = -errno;
		close(fd);
		return err;
	}
	h->socket_path = kstrdup(path);
	if (!h->socket_path) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	h->listen_fd = fd;
	return 0;
}

/**
 * balloon_host_create() - a host with fresh, unpopulated guest RAM.
 * @cfg: memory size, offered features, optional socket path.
 * @out: receives the host.
 *
 * Context: any. Return: 0; -EINVAL for a size that is zero, not a multiple
 * of 4 KiB or beyond what 32-bit pfns reach, or features not supported;
 * -EADDRINUSE if the socket path exists; another negative errno.
 */
int balloon_host_create(const struct balloon_host_config *cfg, struct balloon_host **out)
{
	struct balloon_host *h;
	int err = -ENOMEM;

	if (!cfg->memory_bytes || cfg->memory_bytes % PAGE_SIZE ||
	    cfg->memory_bytes >> PAGE_SHIFT > UINT32_MAX ||
	    (cfg->features & ~(uint64_t)BALLOON_FEATURES_SUPPORTED))
		return -EINVAL;
	h = kzalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->memfd = h->wake_fd = h->listen_fd = -1;
	h->memory_bytes = cfg->memory_bytes;
	h->nr_pages = cfg->memory_bytes >> PAGE_SHIFT;
	h->features = cfg->features;
	h->send_timeout_ms = cfg->send_timeout_ms ? cfg->send_timeout_ms : HOST_SEND_TIMEOUT_MS;
	h->handshake_timeout_ms = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms :
				  HOST_HANDSHAKE_TIMEOUT_MS;
	h->inflated = bitmap_zalloc(h->nr_pages);
	if (!h->inflated)
		goto fail;
	h->memfd = memfd_create("pagelab-ram", MFD_CLOEXEC);
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->memfd < 0 || h->wake_fd < 0 || ftruncate(h->memfd, cfg->memory_bytes + PAGE_SIZE)) {
		err = -errno;
		goto fail;
	}
	if (cfg->socket_path) {
		err = listen_on(h, cfg->socket_path);
		if (err)
			goto fail;
	}
	*out = h;
	return 0;
fail:
	balloon_host_destroy(h);
	return err;
}

/**
 * balloon_host_destroy() - stop the host and free it, with the RAM it
 * owns (a guest that mapped the memfd keeps its own mapping).
 * Context: not on the serving thread.
 */
void balloon_host_destroy(struct balloon_host *h)
{
	if (!h)
		return;
	balloon_host_stop(h);
	if (h->memfd >= 0)
		close(h->memfd);
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	free(h->socket_path);
	bitmap_free(h->inflated);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/** balloon_host_memfd() - the guest RAM's memfd, owned by the host. */
int balloon_host_memfd(const struct balloon_host *h)
{
	return h->memfd;
}

/**
 * balloon_host_info() - what CTL_INFO answers, released bytes measured now.
 * Context: takes host->lock.
 */
void balloon_host_info(struct balloon_host *h, struct balloon_info *info)
{
	pthread_mutex_lock(&h->lock);
	info_fill(h, info);
	pthread_mutex_unlock(&h->lock);
}

/**
 * balloon_host_inflated_pfns() - the host's inflated set, ascending.
 * Context: takes host->lock. Return: the number of pfns in the set (only
 * the first @max are written).
 */
unsigned long balloon_host_inflated_pfns(struct balloon_host *h, unsigned long *pfns,
					 unsigned long max)
{
	unsigned long n = 0;

	pthread_mutex_lock(&h->lock);
	for (unsigned long pfn = find_next_bit(h->inflated, h->nr_pages, 0); pfn < h->nr_pages;
	     pfn = find_next_bit(h->inflated, h->nr_pages, pfn + 1)) {
		if (n < max)
			pfns[n] = pfn;
		n++;
	}
	pthread_mutex_unlock(&h->lock);
	return n;
}
