/* SPDX-License-Identifier: MIT */
/*
 * protocol.c - the balloon protocol's framing, the shape checks both ends
 * apply to a message before acting on it, and socket I/O (with SCM_RIGHTS
 * for the memfd). Byte layouts are in protocol.h, the rules in
 * docs/balloon.md. Nothing here trusts the peer: every count and length is
 * checked against the bytes that actually arrived.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "core/fault_inject.h"
#include "host/protocol.h"

const char *const virtio_balloon_stat_names[VIRTIO_BALLOON_S_NR] = {
	"swap-in", "swap-out", "major-faults", "minor-faults", "free-memory",
	"total-memory", "available-memory", "disk-caches", "hugetlb-allocations",
	"hugetlb-failures", "oom-kills", "alloc-stalls", "async-scans", "direct-scans",
	"async-reclaims", "direct-reclaims",
};

/**
 * balloon_msg_name() - a message type's name, for log lines.
 * Return: the name, or "unknown".
 */
const char *balloon_msg_name(unsigned int type)
{
	switch (type) {
	case BALLOON_MSG_HELLO:		 return "HELLO";
	case BALLOON_MSG_FEATURES:	 return "FEATURES";
	case BALLOON_MSG_GET_CONFIG:	 return "GET_CONFIG";
	case BALLOON_MSG_SET_ACTUAL:	 return "SET_ACTUAL";
	case BALLOON_MSG_INFLATE:	 return "INFLATE";
	case BALLOON_MSG_DEFLATE:	 return "DEFLATE";
	case BALLOON_MSG_STATS:		 return "STATS";
	case BALLOON_MSG_REPORT:	 return "REPORT";
	case BALLOON_MSG_IRQ_CONFIG:	 return "IRQ_CONFIG";
	case BALLOON_MSG_IRQ_STATS:	 return "IRQ_STATS";
	case BALLOON_MSG_CTL_SET_TARGET: return "CTL_SET_TARGET";
	case BALLOON_MSG_CTL_INFO:	 return "CTL_INFO";
	case BALLOON_MSG_CTL_STATS:	 return "CTL_STATS";
	case BALLOON_MSG_REPLY:		 return "REPLY";
	default:			 return "unknown";
	}
}

/* Exact payload sizes of the fixed-size types; -1: variable, checked apart. */
static long fixed_payload_len(unsigned int type)
{
	switch (type) {
	case BALLOON_MSG_HELLO:
	case BALLOON_MSG_SET_ACTUAL:
		return 4;
	case BALLOON_MSG_FEATURES:
	case BALLOON_MSG_CTL_SET_TARGET:
		return 8;
	case BALLOON_MSG_GET_CONFIG:
	case BALLOON_MSG_IRQ_CONFIG:
	case BALLOON_MSG_IRQ_STATS:
	case BALLOON_MSG_CTL_INFO:
	case BALLOON_MSG_CTL_STATS:
		return 0;
	default:
		return -1;
	}
}

/**
 * balloon_msg_check_header() - decode and check a message header.
 * @hdr: BALLOON_MSG_HDR_SIZE bytes.
 * @type: receives the type.
 * @len: receives the payload length.
 * @why: receives the reason on failure.
 *
 * Context: any. Return: 0; -EMSGSIZE if the length is beyond
 * BALLOON_MSG_MAX_PAYLOAD (the stream cannot be followed any more: close
 * it); -EINVAL for an unknown type, non-zero flags or a length the type
 * does not allow (the payload can be skipped and the request refused).
 */
int balloon_msg_check_header(const unsigned char *hdr, uint16_t *type, uint32_t *len,
			     char *why, size_t why_len)
{
	uint16_t flags = get_le16(hdr + 2);
	long fixed;

	*type = get_le16(hdr);
	*len = get_le32(hdr + 4);
	if (*len > BALLOON_MSG_MAX_PAYLOAD) {
		snprintf(why, why_len, "payload length %u is above the maximum %u", *len,
			 BALLOON_MSG_MAX_PAYLOAD);
		return -EMSGSIZE;
	}
	if (!strcmp(balloon_msg_name(*type), "unknown")) {
		snprintf(why, why_len, "unknown message type %u", *type);
		return -EINVAL;
	}
	if (flags) {
		snprintf(why, why_len, "%s with reserved flags %#x set", balloon_msg_name(*type),
			 flags);
		return -EINVAL;
	}
	fixed = fixed_payload_len(*type);
	if (fixed >= 0 && *len != fixed) {
		snprintf(why, why_len, "%s with a %u-byte payload (it has %ld)",
			 balloon_msg_name(*type), *len, fixed);
		return -EINVAL;
	}
	if (*type == BALLOON_MSG_REPLY && *len < BALLOON_REPLY_HDR_SIZE) {
		snprintf(why, why_len, "REPLY with a %u-byte payload (at least %d)", *len,
			 BALLOON_REPLY_HDR_SIZE);
		return -EINVAL;
	}
	return 0;
}

/*
 * A counted array: le32 nr, then nr entries of @entry bytes, and nothing
 * else; nr in 1..@max.
 */
static int check_counted(const struct balloon_msg *msg, unsigned int entry, unsigned int max,
			 char *why, size_t why_len)
{
	uint32_t nr;

	if (msg->len < 4) {
		snprintf(why, why_len, "%s without a count", balloon_msg_name(msg->type));
		return -EINVAL;
	}
	nr = get_le32(msg->payload);
	if (nr == 0 || nr > max) {
		snprintf(why, why_len, "%s of %u entries (1..%u allowed)",
			 balloon_msg_name(msg->type), nr, max);
		return -E2BIG;
	}
	if (msg->len != 4 + (uint64_t)nr * entry) {
		snprintf(why, why_len, "%s says %u entries but carries %u bytes (expected %u)",
			 balloon_msg_name(msg->type), nr, msg->len, 4 + nr * entry);
		return -EINVAL;
	}
	return 0;
}

/**
 * balloon_msg_check_pfns() - check the shape of an INFLATE or DEFLATE:
 * 1..VIRTIO_BALLOON_ARRAY_PFNS_MAX pfns, the length matching the count,
 * every pfn below @nr_pages. Whether each pfn may be inflated or deflated
 * is the host's business.
 * Context: any. Return: 0, or -EINVAL / -E2BIG / -ERANGE with @why set.
 */
int balloon_msg_check_pfns(const struct balloon_msg *msg, unsigned long nr_pages,
			   char *why, size_t why_len)
{
	int err = check_counted(msg, 4, VIRTIO_BALLOON_ARRAY_PFNS_MAX, why, why_len);
	uint32_t nr;

	if (err)
		return err;
	nr = get_le32(msg->payload);
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t pfn = get_le32(msg->payload + 4 + 4 * i);

		if (pfn >= nr_pages) {
			snprintf(why, why_len, "%s of pfn %#x, beyond memory (%lu pages)",
				 balloon_msg_name(msg->type), pfn, nr_pages);
			return -ERANGE;
		}
	}
	return 0;
}

/*
 * No block of a REPORT may overlap another (the same block twice, or one
 * inside another): the host would count its bytes twice.
 */
static int check_report_overlap(const struct balloon_msg *msg, uint32_t nr, char *why,
				size_t why_len)
{
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t a = get_le32(msg->payload + 4 + 8 * i);
		uint64_t a_end = a + (1ULL << get_le32(msg->payload + 8 + 8 * i));

		for (uint32_t j = i + 1; j < nr; j++) {
			uint64_t b = get_le32(msg->payload + 4 + 8 * j);
			uint64_t b_end = b + (1ULL << get_le32(msg->payload + 8 + 8 * j));

			if (a < b_end && b < a_end) {
				snprintf(why, why_len, "REPORT range pfn %#llx order %u overlaps "
					 "range pfn %#llx order %u of the same report",
					 (unsigned long long)b, get_le32(msg->payload + 8 + 8 * j),
					 (unsigned long long)a, get_le32(msg->payload + 8 + 8 * i));
				return -EINVAL;
			}
		}
	}
	return 0;
}

/**
 * balloon_msg_check_report() - check the shape of a REPORT: 1..
 * BALLOON_REPORT_MAX_RANGES ranges, each an order of at most 20 aligned to
 * its size and inside the @nr_pages of memory, no two overlapping.
 * Context: any. Return: 0, or -EINVAL / -E2BIG / -ERANGE with @why set.
 */
int balloon_msg_check_report(const struct balloon_msg *msg, unsigned long nr_pages,
			     char *why, size_t why_len)
{
	int err = check_counted(msg, 8, BALLOON_REPORT_MAX_RANGES, why, why_len);
	uint32_t nr;

	if (err)
		return err;
	nr = get_le32(msg->payload);
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t pfn = get_le32(msg->payload + 4 + 8 * i);
		uint32_t order = get_le32(msg->payload + 8 + 8 * i);

		if (order > 20 || pfn & ((1U << order) - 1)) {
			snprintf(why, why_len, "REPORT range pfn %#x order %u is not an aligned block",
				 pfn, order);
			return -EINVAL;
		}
		if ((uint64_t)pfn + (1U << order) > nr_pages) {
			snprintf(why, why_len, "REPORT range pfn %#x order %u is beyond memory",
				 pfn, order);
			return -ERANGE;
		}
	}
	return check_report_overlap(msg, nr, why, why_len);
}

/**
 * balloon_msg_check_stats() - check a STATS payload: whole 10-byte
 * entries, at most VIRTIO_BALLOON_S_NR, known tags, none twice.
 * Context: any. Return: 0, or -EINVAL with @why set.
 */
int balloon_msg_check_stats(const struct balloon_msg *msg, char *why, size_t why_len)
{
	unsigned int nr = msg->len / BALLOON_STAT_WIRE_SIZE, seen = 0;

	if (msg->len % BALLOON_STAT_WIRE_SIZE || nr > VIRTIO_BALLOON_S_NR) {
		snprintf(why, why_len, "STATS of %u bytes (whole %d-byte entries, at most %d)",
			 msg->len, BALLOON_STAT_WIRE_SIZE, VIRTIO_BALLOON_S_NR);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < nr; i++) {
		uint16_t tag = get_le16(msg->payload + i * BALLOON_STAT_WIRE_SIZE);

		if (tag >= VIRTIO_BALLOON_S_NR || seen & (1U << tag)) {
			snprintf(why, why_len, "STATS with %s tag %u",
				 tag >= VIRTIO_BALLOON_S_NR ? "unknown" : "repeated", tag);
			return -EINVAL;
		}
		seen |= 1U << tag;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Socket I/O                                                          */

/**
 * balloon_socket_addr() - the address of the Unix socket at @path, for
 * the host's bind() and a client's connect().
 * @addr: receives the address (pass sizeof(*addr) as its length).
 * @path: the socket's file system path.
 * @why: receives the reason on failure.
 *
 * Context: any. Return: 0, or -ENAMETOOLONG with @why set if @path does
 * not fit in sun_path.
 */
int balloon_socket_addr(struct sockaddr_un *addr, const char *path, char *why, size_t why_len)
{
	size_t len = strlen(path);

	if (len >= sizeof(addr->sun_path)) {
		snprintf(why, why_len, "the socket path is %zu bytes long; a Unix socket "
			 "address holds at most %zu", len, sizeof(addr->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, path, len + 1);
	return 0;
}

static int io_error(ssize_t n)
{
	if (n == 0 || errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN)
		return -ENOTCONN;
	return -errno;
}

/**
 * balloon_msg_send() - send one message, optionally passing @pass_fd.
 * @fd: a connected Unix stream socket.
 * @type: the message type.
 * @payload: @len bytes (at most BALLOON_MSG_MAX_PAYLOAD).
 * @pass_fd: a file descriptor to pass with SCM_RIGHTS, or -1.
 *
 * Context: may block until the peer reads (the host bounds that with a
 * send timeout); never raises SIGPIPE.
 * Return: 0; -ENOTCONN if the peer has gone; -EIO when fail-nth injects a
 * failure (core/fault_inject.h); another negative errno.
 */
int balloon_msg_send(int fd, uint16_t type, const void *payload, uint32_t len, int pass_fd)
{
	unsigned char hdr[BALLOON_MSG_HDR_SIZE];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)payload, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	size_t left = sizeof(hdr) + len;

	if (len > BALLOON_MSG_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (should_fail_nth(__func__))
		return -EIO;
	put_le16(hdr, type);
	put_le16(hdr + 2, 0);
	put_le32(hdr + 4, len);
	if (pass_fd >= 0) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
	}
	while (left) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(n);
		left -= n;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= n;
		}
	}
	return 0;
}

/**
 * balloon_msg_try_send() - send a message without payload (an interrupt)
 * if the socket has room for it now.
 * @fd: a connected Unix stream socket.
 * @type: the message type.
 *
 * A header is one write of 8 bytes, which a stream socket takes whole or
 * not at all.
 * Context: never blocks; never raises SIGPIPE.
 * Return: 0; -EAGAIN if the socket is full (nothing was sent); -ENOTCONN
 * if the peer has gone; another negative errno.
 */
int balloon_msg_try_send(int fd, uint16_t type)
{
	unsigned char hdr[BALLOON_MSG_HDR_SIZE];
	ssize_t n;

	if (should_fail_nth(__func__))
		return -EIO;
	put_le16(hdr, type);
	put_le16(hdr + 2, 0);
	put_le32(hdr + 4, 0);
	do
		n = send(fd, hdr, sizeof(hdr), MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (n == sizeof(hdr))
		return 0;
	return n < 0 ? io_error(n) : -EPROTO;	/* a torn header: the stream is lost */
}

/**
 * balloon_recv_nowait() - read what has arrived, up to @len bytes.
 * @fd: a connected Unix stream socket.
 * @buf: receives the bytes.
 *
 * Context: never blocks.
 * Return: the number of bytes read (> 0); 0 at end of file; -EAGAIN if
 * nothing is there; another negative errno (-ECONNRESET: the peer has
 * gone; -EIO: fail-nth injected a failure, the bytes read are lost).
 */
ssize_t balloon_recv_nowait(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n > 0 && should_fail_nth(__func__))
		return -EIO;	/* counted only when bytes came, so that polls do not count */
	return n;
}

/**
 * balloon_msg_send_reply() - answer a request: status, the request's type,
 * then @len bytes of @payload.
 * Context: see balloon_msg_send(). Return: as balloon_msg_send().
 */
int balloon_msg_send_reply(int fd, uint16_t request, int status, const void *payload,
			   uint32_t len, int pass_fd)
{
	unsigned char buf[BALLOON_MSG_MAX_PAYLOAD];

	if (len > BALLOON_MSG_MAX_PAYLOAD - BALLOON_REPLY_HDR_SIZE)
		return -EMSGSIZE;
	put_le32(buf, (uint32_t)status);
	put_le32(buf + 4, request);
	if (len)
		memcpy(buf + BALLOON_REPLY_HDR_SIZE, payload, len);
	return balloon_msg_send(fd, BALLOON_MSG_REPLY, buf, BALLOON_REPLY_HDR_SIZE + len, pass_fd);
}

/* Read exactly @len bytes; keep the first file descriptor passed with them. */
static int recv_exact(int fd, void *buf, size_t len, int *recv_fd)
{
	if (should_fail_nth(__func__))
		return -EIO;
	while (len) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * 4)];
		} control;
		struct iovec iov = { buf, len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf) };
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		struct cmsghdr *cmsg;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(n);
		for (cmsg = CMSG_FIRSTHDR(&mh); cmsg; cmsg = CMSG_NXTHDR(&mh, cmsg)) {
			int nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
				continue;
			for (int i = 0; i < nfds; i++) {
				int passed;

				memcpy(&passed, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
				if (recv_fd && *recv_fd < 0)
					*recv_fd = passed;
				else
					close(passed);
			}
		}
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

/**
 * balloon_msg_recv() - read one whole message, checking its header.
 * @fd: a connected Unix stream socket (blocking).
 * @msg: receives the message.
 * @recv_fd: receives a passed file descriptor (initialise it to -1), or
 *	NULL to close any that arrives.
 *
 * Context: blocks until a whole message arrives.
 * Return: 0; -ENOTCONN if the peer has gone; -EPROTO for a malformed
 * header (the stream is unusable after it); another negative errno.
 */
int balloon_msg_recv(int fd, struct balloon_msg *msg, int *recv_fd)
{
	unsigned char hdr[BALLOON_MSG_HDR_SIZE];
	char why[128];
	int err = recv_exact(fd, hdr, sizeof(hdr), recv_fd);

	if (err)
		return err;
	if (balloon_msg_check_header(hdr, &msg->type, &msg->len, why, sizeof(why)))
		return -EPROTO;
	msg->flags = 0;
	return msg->len ? recv_exact(fd, msg->payload, msg->len, recv_fd) : 0;
}

/* ------------------------------------------------------------------ */
/* Payload encodings                                                   */

/** balloon_stats_encode() - @nr stats as 10-byte wire entries at @p. */
void balloon_stats_encode(unsigned char *p, const struct virtio_balloon_stat *stats,
			  unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++, p += BALLOON_STAT_WIRE_SIZE) {
		put_le16(p, stats[i].tag);
		put_le64(p + 2, stats[i].val);
	}
}

/**
 * balloon_stats_decode() - wire entries back to stats (at most
 * VIRTIO_BALLOON_S_NR; the caller checked the payload).
 * Return: the number decoded.
 */
unsigned int balloon_stats_decode(const unsigned char *p, uint32_t len,
				  struct virtio_balloon_stat *stats)
{
	unsigned int nr = min(len / BALLOON_STAT_WIRE_SIZE, (uint32_t)VIRTIO_BALLOON_S_NR);

	for (unsigned int i = 0; i < nr; i++, p += BALLOON_STAT_WIRE_SIZE) {
		stats[i].tag = get_le16(p);
		stats[i].val = get_le64(p + 2);
	}
	return nr;
}

/** balloon_info_encode() - BALLOON_INFO_WIRE_SIZE bytes at @p. */
void balloon_info_encode(unsigned char *p, const struct balloon_info *info)
{
	put_le64(p, info->memory_bytes);
	put_le64(p + 8, info->target_pages);
	put_le64(p + 16, info->actual_pages);
	put_le64(p + 24, info->inflated_pages);
	put_le64(p + 32, info->released_bytes);
	put_le64(p + 40, info->reported_bytes);
	put_le64(p + 48, info->features);
	put_le32(p + 56, info->guest_connected);
	put_le32(p + 60, info->rejected);
}

/** balloon_info_decode() - the inverse of balloon_info_encode(). */
void balloon_info_decode(const unsigned char *p, struct balloon_info *info)
{
	info->memory_bytes = get_le64(p);
	info->target_pages = get_le64(p + 8);
	info->actual_pages = get_le64(p + 16);
	info->inflated_pages = get_le64(p + 24);
	info->released_bytes = get_le64(p + 32);
	info->reported_bytes = get_le64(p + 40);
	info->features = get_le64(p + 48);
	info->guest_connected = get_le32(p + 56);
	info->rejected = get_le32(p + 60);
}
