/* SPDX-License-Identifier: MIT */
/*
 * fuzz_guest.c - libFuzzer target: the guest's end of the balloon protocol
 * (drivers/channel.c) against a hostile host. The input is what the host
 * says: byte 0 and 1 (le16) give the length of the device socket's
 * stream, the rest goes to the control socket. Both streams are written
 * before the guest reads anything (the first carries the guest RAM's
 * memfd, as a real host's HELLO reply does) and then half-closed, so the
 * guest meets end of file where a real host would go silent. The guest
 * connects (HELLO, then a CTL_INFO on the control socket), plugs its
 * device in, and makes every kind of request, reading interrupts between;
 * whatever the host said, each call must return, with an answer or an
 * errno, and the connection must come apart cleanly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "drivers/channel.h"

#define FUZZ_MEMORY	(1UL << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfd = memfd_create("fuzz-guest-ram", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, FUZZ_MEMORY + PAGE_SIZE))
		abort();
	return 0;
}

/* Send @len bytes on @fd, the first chunk with @pass_fd attached if >= 0. */
static void host_says(int fd, const uint8_t *data, size_t len, int pass_fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (pass_fd >= 0 && len) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
	}
	if (len && sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		abort();	/* a socket takes far more than a fuzz input */
	shutdown(fd, SHUT_WR);
}

/* Every request of the device and of its control connection, once. */
static void guest_requests(struct balloon_conn *dev)
{
	unsigned char buf[64], reply[256];

	memset(buf, 0, sizeof(buf));
	balloon_conn_request(dev, BALLOON_MSG_GET_CONFIG, NULL, 0, reply, sizeof(reply));
	balloon_conn_take_irqs(dev, true);
	put_le64(buf, BALLOON_FEATURES_SUPPORTED);
	balloon_conn_request(dev, BALLOON_MSG_FEATURES, buf, 8, reply, sizeof(reply));
	put_le32(buf, 1);
	put_le32(buf + 4, 7);
	balloon_conn_request(dev, BALLOON_MSG_INFLATE, buf, 8, reply, sizeof(reply));
	balloon_conn_request(dev, BALLOON_MSG_DEFLATE, buf, 8, reply, sizeof(reply));
	balloon_conn_request(dev, BALLOON_MSG_SET_ACTUAL, buf, 4, reply, sizeof(reply));
	balloon_conn_request(dev, BALLOON_MSG_STATS, buf, 10, reply, sizeof(reply));
	put_le32(buf + 4, 16);
	put_le32(buf + 8, 4);
	balloon_conn_request(dev, BALLOON_MSG_REPORT, buf, 12, reply, sizeof(reply));
	balloon_conn_take_irqs(dev, true);
	put_le64(buf, 64 * PAGE_SIZE);
	balloon_conn_control(dev, BALLOON_MSG_CTL_SET_TARGET, buf, 8, reply, sizeof(reply));
	balloon_conn_control(dev, BALLOON_MSG_CTL_INFO, NULL, 0, reply, sizeof(reply));
	balloon_conn_control(dev, BALLOON_MSG_CTL_STATS, NULL, 0, reply, sizeof(reply));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dev_sv[2], ctl_sv[2], ram = -1;
	uint64_t memory = 0;
	size_t dev_len;
	char msg[256];

	if (size < 2)
		return 0;
	dev_len = data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	dev_len = dev_len < size ? dev_len : size;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, dev_sv) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl_sv))
		abort();
	host_says(dev_sv[1], data, dev_len, memfd);
	host_says(ctl_sv[1], data + dev_len, size - dev_len, -1);
	if (!balloon_connect_sockets(dev_sv[0], ctl_sv[0], msg, sizeof(msg))) {
		balloon_connect_machine_memory(&memory, false, NULL, 0);
		if (!balloon_device_create(memory, false, &ram)) {
			close(ram);
			guest_requests(balloon_device_conn());
			balloon_device_destroy();
		}
		balloon_disconnect();
	}
	close(dev_sv[1]);
	close(ctl_sv[1]);
	return 0;
}
