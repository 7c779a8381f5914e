/* SPDX-License-Identifier: MIT */
/*
 * channel.h - the guest's end of the balloon protocol: which host the
 * machine's balloon device talks to (a host thread in this process, or a
 * `pagelab host` reached with --connect), one request at a time with its
 * reply, the host's interrupts, and the operator's control requests.
 */
#ifndef PAGELAB_BALLOON_CHANNEL_H
#define PAGELAB_BALLOON_CHANNEL_H

#include "internal.h"
#include "host/protocol.h"

struct balloon_conn;
struct balloon_host;

/* Interrupt bits balloon_conn_take_irqs() returns. */
#define BALLOON_IRQ_CONFIG	BIT(0)
#define BALLOON_IRQ_STATS	BIT(1)

/* The features the in-process host offers unless told otherwise. */
#define BALLOON_LOCAL_FEATURES						\
	(BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) | BIT(VIRTIO_BALLOON_F_STATS_VQ) | \
	 BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM))

/* --connect: the process's connection to a separate host. */
int balloon_connect(const char *path, char *msg, size_t len);
int balloon_connect_sockets(int sock, int ctl, char *msg, size_t len);
void balloon_disconnect(void);
int balloon_connect_machine_memory(uint64_t *memory_bytes, bool given, char *msg, size_t len);

/* The machine's device, plugged in and out by machine boot. */
int balloon_device_create(uint64_t memory_bytes, bool free_page_reporting, int *memfd);
void balloon_device_destroy(void);
struct balloon_conn *balloon_device_conn(void);
struct balloon_host *balloon_device_local_host(void);

int balloon_conn_request(struct balloon_conn *c, uint16_t type, const void *payload,
			 uint32_t len, void *reply, uint32_t reply_cap);
int balloon_conn_control(struct balloon_conn *c, uint16_t type, const void *payload,
			 uint32_t len, void *reply, uint32_t reply_cap);
unsigned int balloon_conn_take_irqs(struct balloon_conn *c, bool poll_socket);
int balloon_conn_irq_fd(const struct balloon_conn *c);
int balloon_conn_socket(const struct balloon_conn *c);
uint64_t balloon_conn_features(const struct balloon_conn *c);
bool balloon_conn_dead(const struct balloon_conn *c);
void balloon_conn_kick(struct balloon_conn *c);

/* A control client of its own (`pagelab balloon`). */
int balloon_control_open(const char *path, char *msg, size_t len);
int balloon_control_request(int fd, uint16_t type, const void *payload, uint32_t len,
			    void *reply, uint32_t reply_cap);

#endif /* PAGELAB_BALLOON_CHANNEL_H */
