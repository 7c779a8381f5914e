/* SPDX-License-Identifier: MIT */
/*
 * channel.c - the guest's end of the balloon protocol.
 *
 * A machine's balloon device is a struct balloon_conn: two Unix stream
 * sockets to a host and the guest RAM's memfd the host passed with HELLO.
 * The device socket carries the driver's requests, one at a time (conn
 * lock), each answered by one REPLY; interrupts the host sends meanwhile
 * are recorded and signalled on an eventfd the driver's worker polls. The
 * control socket carries the operator's requests (set the target, read the
 * host's numbers), as `pagelab balloon` sends them.
 *
 * The host is either a thread of this process, started at machine boot
 * (the default), or a `pagelab host` process the run connected to with
 * balloon_connect() (--connect); its memory size is then the machine's.
 *
 * A host that goes away (end of file, reset, or a reply that makes no
 * sense) marks the connection dead: every later request fails with
 * -ENOTCONN, and the driver freezes the balloon.
 *
 * Locks: conn->lock and conn->ctl_lock are leaves held across one
 * exchange on their socket (the driver holds balloon_lock around it).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "drivers/channel.h"
#include "host/host.h"

struct balloon_conn {
	int sock;			/* device requests, replies, interrupts */
	int ctl;			/* control requests */
	int memfd;			/* the guest's RAM, from HELLO */
	uint64_t memory_bytes;
	uint64_t host_features;
	int irq_fd;			/* eventfd: an interrupt was recorded, or a kick */
	pthread_mutex_t lock;		/* one exchange at a time on sock */
	pthread_mutex_t ctl_lock;	/* one exchange at a time on ctl */
	unsigned int pending_irqs;	/* atomic: BALLOON_IRQ_* */
	bool dead;			/* atomic: the host has gone */
	struct balloon_host *local;	/* the in-process host, or NULL */
};

static struct balloon_conn *connected;	/* balloon_connect(): --connect */
static struct balloon_conn *device;	/* the live machine's */

/* ------------------------------------------------------------------ */
/* Exchanges                                                           */

static unsigned int irq_bit(uint16_t type)
{
	if (type == BALLOON_MSG_IRQ_CONFIG)
		return BALLOON_IRQ_CONFIG;
	if (type == BALLOON_MSG_IRQ_STATS)
		return BALLOON_IRQ_STATS;
	return 0;
}

/*
 * Send one request and read until its reply, collecting interrupts in
 * *@irqs (NULL: none may come). Return: 0 with the host's *@status and the
 * reply payload in @reply (*@reply_len bytes, at most @cap copied), or a
 * transport error: -ENOTCONN (the host has gone), -EPROTO (it said
 * something that is not an answer).
 */
static int exchange(int fd, uint16_t type, const void *payload, uint32_t len, void *reply,
		    uint32_t cap, int *recv_fd, unsigned int *irqs, int *status,
		    uint32_t *reply_len)
{
	struct balloon_msg m;
	int err = balloon_msg_send(fd, type, payload, len, -1);

	while (!err) {
		err = balloon_msg_recv(fd, &m, recv_fd);
		if (err)
			break;
		if (irqs && irq_bit(m.type)) {
			*irqs |= irq_bit(m.type);
			continue;
		}
		if (m.type != BALLOON_MSG_REPLY || get_le32(m.payload + 4) != type)
			return -EPROTO;
		*status = (int32_t)get_le32(m.payload);
		if (*status > 0 || *status < -4095)
			return -EPROTO;
		*reply_len = m.len - BALLOON_REPLY_HDR_SIZE;
		if (reply)
			memcpy(reply, m.payload + BALLOON_REPLY_HDR_SIZE, min(cap, *reply_len));
		return 0;
	}
	return err == -ENOTCONN ? err : -EPROTO;
}

static void record_irqs(struct balloon_conn *c, unsigned int irqs)
{
	if (!irqs)
		return;
	__atomic_fetch_or(&c->pending_irqs, irqs, __ATOMIC_RELEASE);
	balloon_conn_kick(c);
}

/**
 * balloon_conn_request() - send a device request and wait for its reply.
 * @c: the device.
 * @type: a guest request type.
 * @payload: @len bytes.
 * @reply: receives up to @reply_cap bytes of the reply's payload.
 *
 * Context: takes the conn lock (a leaf) and blocks on the socket.
 * Return: the reply payload's length; the host's -errno if it refused the
 * request; -ENOTCONN if the host has gone (then for good).
 */
int balloon_conn_request(struct balloon_conn *c, uint16_t type, const void *payload,
			 uint32_t len, void *reply, uint32_t reply_cap)
{
	unsigned int irqs = 0;
	uint32_t reply_len = 0;
	int err, status = 0;

	pthread_mutex_lock(&c->lock);
	if (__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE))
		err = -ENOTCONN;
	else
		err = exchange(c->sock, type, payload, len, reply, reply_cap, NULL, &irqs,
			       &status, &reply_len);
	if (err)
		__atomic_store_n(&c->dead, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	record_irqs(c, irqs);
	if (err)
		return -ENOTCONN;
	return status ? status : (int)reply_len;
}

/**
 * balloon_control_request() - send a control request on @fd and wait for
 * its reply (see balloon_conn_request() for @reply and the result).
 * Context: blocks on the socket; the caller serialises users of @fd.
 * Return: the reply payload's length, the host's -errno, -ENOTCONN or
 * -EPROTO.
 */
int balloon_control_request(int fd, uint16_t type, const void *payload, uint32_t len,
			    void *reply, uint32_t reply_cap)
{
	uint32_t reply_len = 0;
	int status = 0;
	int err = exchange(fd, type, payload, len, reply, reply_cap, NULL, NULL, &status,
			   &reply_len);

	if (err)
		return err;
	return status ? status : (int)reply_len;
}

/**
 * balloon_conn_control() - a control request on the device's own control
 * connection. Context: takes the conn's ctl lock (a leaf); blocks.
 * Return: as balloon_control_request().
 */
int balloon_conn_control(struct balloon_conn *c, uint16_t type, const void *payload,
			 uint32_t len, void *reply, uint32_t reply_cap)
{
	int err;

	pthread_mutex_lock(&c->ctl_lock);
	err = balloon_control_request(c->ctl, type, payload, len, reply, reply_cap);
	pthread_mutex_unlock(&c->ctl_lock);
	return err;
}

/**
 * balloon_conn_take_irqs() - the interrupts that arrived since the last
 * call, reading any the socket holds if @poll_socket (the driver's worker
 * does when the socket polls readable; that is also how it learns that the
 * host has gone).
 * Context: takes the conn lock (a leaf); never blocks for long.
 * Return: BALLOON_IRQ_* bits.
 */
unsigned int balloon_conn_take_irqs(struct balloon_conn *c, bool poll_socket)
{
	unsigned int irqs = 0;
	uint64_t v;

	if (read(c->irq_fd, &v, sizeof(v)) < 0)
		v = 0;	/* nothing was signalled */
	if (poll_socket) {
		struct pollfd pfd = { c->sock, POLLIN, 0 };
		struct balloon_msg m;

		pthread_mutex_lock(&c->lock);
		while (!__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE) && poll(&pfd, 1, 0) > 0) {
			if (balloon_msg_recv(c->sock, &m, NULL) || !irq_bit(m.type)) {
				__atomic_store_n(&c->dead, true, __ATOMIC_RELEASE);
				break;
			}
			irqs |= irq_bit(m.type);
		}
		pthread_mutex_unlock(&c->lock);
	}
	return irqs | __atomic_exchange_n(&c->pending_irqs, 0, __ATOMIC_ACQUIRE);
}

/** balloon_conn_kick() - wake whoever polls the conn's eventfd. */
void balloon_conn_kick(struct balloon_conn *c)
{
	uint64_t one = 1;

	if (write(c->irq_fd, &one, sizeof(one)) < 0)
		return;	/* saturated: the poller is awake anyway */
}

/** balloon_conn_irq_fd() - the eventfd an interrupt or a kick signals. */
int balloon_conn_irq_fd(const struct balloon_conn *c)
{
	return c->irq_fd;
}

/** balloon_conn_socket() - the device socket, to poll for interrupts. */
int balloon_conn_socket(const struct balloon_conn *c)
{
	return c->sock;
}

/** balloon_conn_features() - the features the host offered. */
uint64_t balloon_conn_features(const struct balloon_conn *c)
{
	return c->host_features;
}

/** balloon_conn_dead() - has the host gone? */
bool balloon_conn_dead(const struct balloon_conn *c)
{
	return __atomic_load_n(&c->dead, __ATOMIC_ACQUIRE);
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */

static struct balloon_conn *conn_alloc(void)
{
	struct balloon_conn *c = kzalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->sock = c->ctl = c->memfd = -1;
	c->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->irq_fd < 0) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->ctl_lock, NULL);
	return c;
}

static void conn_free(struct balloon_conn *c)
{
	if (!c)
		return;
	if (c->local)
		balloon_host_destroy(c->local);	/* stops it first: no reset on close */
	if (c->sock >= 0)
		close(c->sock);
	if (c->ctl >= 0)
		close(c->ctl);
	if (c->memfd >= 0)
		close(c->memfd);
	close(c->irq_fd);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->ctl_lock);
	free(c);
}

/* HELLO: the host's memory size, features and memfd, all checked. */
static int conn_hello(struct balloon_conn *c, char *msg, size_t len)
{
	unsigned char hello[4], reply[24];
	uint32_t reply_len = 0;
	int err, status = 0;
	struct stat st;

	put_le32(hello, BALLOON_PROTOCOL_VERSION);
	err = exchange(c->sock, BALLOON_MSG_HELLO, hello, sizeof(hello), reply, sizeof(reply),
		       &c->memfd, NULL, &status, &reply_len);
	if (err || status) {
		snprintf(msg, len, "the host %s", err ? "did not answer HELLO" : strerror(-status));
		return err ? err : status;
	}
	c->memory_bytes = get_le64(reply + 8);
	c->host_features = get_le64(reply + 16) & BALLOON_FEATURES_SUPPORTED;
	if (reply_len != sizeof(reply) || get_le32(reply) != BALLOON_PROTOCOL_VERSION ||
	    c->memfd < 0 || !c->memory_bytes || c->memory_bytes % PAGE_SIZE ||
	    fstat(c->memfd, &st) || (uint64_t)st.st_size != c->memory_bytes + PAGE_SIZE) {
		snprintf(msg, len, "the host's HELLO does not describe its memory");
		return -EPROTO;
	}
	return 0;
}

/*
 * The control connection says what it is at once (a CTL_INFO), as the host
 * closes a connection that has not said HELLO or sent a control request
 * within its handshake time.
 */
static int conn_identify_control(struct balloon_conn *c, char *msg, size_t len)
{
	int err = balloon_control_request(c->ctl, BALLOON_MSG_CTL_INFO, NULL, 0, NULL, 0);

	if (err >= 0)
		return 0;
	snprintf(msg, len, "the host did not answer a control request: %s", strerror(-err));
	return err;
}

/* A socket pair: *@end for the guest, the other end served by @host. */
static int local_socket(struct balloon_host *host, int *end)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	*end = sv[0];
	return balloon_host_add_conn(host, sv[1]);
}

static int conn_open_local(uint64_t memory_bytes, bool free_page_reporting,
			   struct balloon_conn **out)
{
	struct balloon_host_config hc = {
		.memory_bytes = memory_bytes,
		.features = BALLOON_LOCAL_FEATURES |
			    (free_page_reporting ? BIT(VIRTIO_BALLOON_F_REPORTING) : 0),
	};
	struct balloon_conn *c = conn_alloc();
	char msg[96];
	int err;

	if (!c)
		return -ENOMEM;
	err = balloon_host_create(&hc, &c->local);
	if (!err)
		err = local_socket(c->local, &c->sock);
	if (!err)
		err = local_socket(c->local, &c->ctl);
	if (!err)
		err = balloon_host_start(c->local);
	if (!err)
		err = conn_hello(c, msg, sizeof(msg));
	if (!err)
		err = conn_identify_control(c, msg, sizeof(msg));
	if (err) {
		conn_free(c);
		return err;
	}
	*out = c;
	return 0;
}

/**
 * balloon_control_open() - connect to a host's socket at @path.
 * @msg: receives a one-line reason on failure.
 *
 * Context: any. Return: the connected socket, or a negative errno
 * (-ENAMETOOLONG if @path does not fit in a socket address).
 */
int balloon_control_open(const char *path, char *msg, size_t len)
{
	struct sockaddr_un addr;
	char why[96];
	int fd, err = balloon_socket_addr(&addr, path, why, sizeof(why));

	if (err) {
		snprintf(msg, len, "cannot connect: %s", why);	/* @path is too long to show */
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return fd;
	err = -errno;
	if (fd >= 0)
		close(fd);
	snprintf(msg, len, "cannot connect to %s: %s", path, strerror(-err));
	return err;
}

/**
 * balloon_connect_sockets() - balloon_connect() over two sockets already
 * connected to a host: @sock for the device, @ctl for control requests
 * (a fuzzer plays the host this way). HELLO on the first, a CTL_INFO on
 * the second to say what it is.
 * @msg: receives a one-line reason on failure.
 *
 * Context: as balloon_connect(). Return: as balloon_connect(); the sockets
 * belong to the connection from now on, and are closed on failure.
 */
int balloon_connect_sockets(int sock, int ctl, char *msg, size_t len)
{
	bool busy = connected || device;
	struct balloon_conn *c = busy ? NULL : conn_alloc();
	int err;

	if (!c) {
		snprintf(msg, len, busy ? "already connected to a balloon host" : "out of memory");
		close(sock);
		close(ctl);
		return busy ? -EBUSY : -ENOMEM;
	}
	c->sock = sock;
	c->ctl = ctl;
	err = conn_hello(c, msg, len);
	if (!err)
		err = conn_identify_control(c, msg, len);
	if (err) {
		conn_free(c);
		return err;
	}
	connected = c;
	return 0;
}

/**
 * balloon_connect() - connect this process to the `pagelab host` listening
 * at @path (--connect): the next machine boots on its memory and talks to
 * it. Call it before parsing a scenario, so that its machine line can be
 * checked with balloon_connect_machine_memory().
 * @msg: receives a one-line reason on failure.
 *
 * Context: single-threaded setup, no machine alive.
 * Return: 0; -EBUSY if connected already or a machine is alive;
 * -ENAMETOOLONG or the connect(2) error; -EPROTO if the host does not
 * speak the protocol.
 */
int balloon_connect(const char *path, char *msg, size_t len)
{
	int sock, ctl;

	if (connected || device) {
		snprintf(msg, len, "already connected to a balloon host");
		return -EBUSY;
	}
	sock = balloon_control_open(path, msg, len);
	if (sock < 0)
		return sock;
	ctl = balloon_control_open(path, msg, len);
	if (ctl < 0) {
		close(sock);
		return ctl;
	}
	return balloon_connect_sockets(sock, ctl, msg, len);
}

/**
 * balloon_disconnect() - close the --connect connection (the host sees its
 * guest leave and takes the memory back).
 * Context: after machine_exit(); single-threaded.
 */
void balloon_disconnect(void)
{
	if (device == connected)
		return;
	conn_free(connected);
	connected = NULL;
}

static void format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && bytes && !(bytes % 1024) && bytes >= 1024) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[u]);
}

/**
 * balloon_connect_machine_memory() - the machine memory of a run with
 * --connect: the host's. For the scenario parser.
 * @memory_bytes: the scenario's memory; set to the host's unless @given.
 * @given: the scenario has a `machine memory=` of its own.
 * @msg: receives the error line.
 *
 * Context: after balloon_connect(), or without it (then nothing changes).
 * Return: 0; -EINVAL with @msg set if @given and it differs from the
 * host's memory.
 */
int balloon_connect_machine_memory(uint64_t *memory_bytes, bool given, char *msg, size_t len)
{
	char mine[32], host[32];

	if (!connected)
		return 0;
	if (!given) {
		*memory_bytes = connected->memory_bytes;
		return 0;
	}
	if (*memory_bytes == connected->memory_bytes)
		return 0;
	format_size(mine, sizeof(mine), *memory_bytes);
	format_size(host, sizeof(host), connected->memory_bytes);
	snprintf(msg, len, "machine memory=%s disagrees with the balloon host's memory %s "
		 "(with --connect the machine's memory is the host's)", mine, host);
	return -EINVAL;
}

/**
 * balloon_device_create() - plug the machine's balloon device in: the
 * --connect host if there is one, else a new host thread in this process
 * with fresh RAM of @memory_bytes (plus the zero-page frame).
 * @free_page_reporting: the in-process host offers free page reporting.
 * @memfd: receives a descriptor of the guest RAM for the arena to map
 *	(the caller owns it).
 *
 * Context: machine boot, single-threaded.
 * Return: 0; -EINVAL if the --connect host's memory is not
 * @memory_bytes; another negative errno.
 */
int balloon_device_create(uint64_t memory_bytes, bool free_page_reporting, int *memfd)
{
	struct balloon_conn *c = connected;
	int err;

	if (c && c->memory_bytes != memory_bytes)
		return -EINVAL;
	if (!c) {
		err = conn_open_local(memory_bytes, free_page_reporting, &c);
		if (err)
			return err;
	}
	*memfd = fcntl(c->memfd, F_DUPFD_CLOEXEC, 0);
	if (*memfd < 0) {
		err = -errno;
		if (c != connected)
			conn_free(c);
		return err;
	}
	device = c;
	return 0;
}

/**
 * balloon_device_destroy() - unplug the device: an in-process host is
 * stopped and freed; a --connect connection stays for balloon_disconnect().
 * Context: machine_exit(), after the driver was removed.
 */
void balloon_device_destroy(void)
{
	if (device != connected)
		conn_free(device);
	device = NULL;
}

/** balloon_device_conn() - the live machine's device, or NULL. */
struct balloon_conn *balloon_device_conn(void)
{
	return device;
}

/** balloon_device_local_host() - the in-process host, or NULL with --connect. */
struct balloon_host *balloon_device_local_host(void)
{
	return device ? device->local : NULL;
}
