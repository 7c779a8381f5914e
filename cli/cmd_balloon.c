/* SPDX-License-Identifier: MIT */
/*
 * cmd_balloon.c - `pagelab balloon --connect PATH set SIZE | info | stats`:
 * a control client of a `pagelab host`, as QEMU's monitor has `balloon`,
 * `info balloon` and the guest-stats property. Output is one
 * "name: value" line per number.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "drivers/channel.h"
#include "pagelab/scenario.h"
#include "cmd.h"

const char balloon_usage[] =
	"usage: pagelab balloon --connect PATH set SIZE\n"
	"       pagelab balloon --connect PATH info\n"
	"       pagelab balloon --connect PATH stats\n"
	"\n"
	"Talk to the `pagelab host` listening on PATH:\n"
	"  set SIZE  ask the guest's balloon to hold SIZE (K, M, G or p; clamped to memory)\n"
	"  info      the target, the guest's actual size, the host's inflated pages and\n"
	"            the bytes it measured as given back to the system\n"
	"  stats     the guest's latest memory statistics\n";

static const char *const feature_names[] = {
	[VIRTIO_BALLOON_F_MUST_TELL_HOST] = "must_tell_host",
	[VIRTIO_BALLOON_F_STATS_VQ] = "stats_vq",
	[VIRTIO_BALLOON_F_DEFLATE_ON_OOM] = "deflate_on_oom",
	[VIRTIO_BALLOON_F_FREE_PAGE_HINT] = "free_page_hint",
	[VIRTIO_BALLOON_F_PAGE_POISON] = "page_poison",
	[VIRTIO_BALLOON_F_REPORTING] = "reporting",
};

static int balloon_usage_error(const char *fmt, const char *arg)
{
	fputs("pagelab balloon: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(balloon_usage, stderr);
	return PAGELAB_RUN_ERROR;
}

static int failed(const char *what, int err)
{
	fprintf(stderr, "pagelab balloon: %s: %s\n", what,
		err == -ENOTCONN ? "the host closed the connection" : strerror(-err));
	return PAGELAB_RUN_FAIL;
}

static int do_set(int fd, const char *size)
{
	unsigned char buf[8], reply[8];
	uint64_t bytes;
	int n;

	if (pagelab_parse_size(size, &bytes) || bytes % PAGE_SIZE)
		return balloon_usage_error("bad size '%s' (a multiple of 4K)", size);
	put_le64(buf, bytes);
	n = balloon_control_request(fd, BALLOON_MSG_CTL_SET_TARGET, buf, sizeof(buf), reply,
				    sizeof(reply));
	if (n < (int)sizeof(reply))
		return failed("set", n < 0 ? n : -EPROTO);
	printf("target_pages: %llu\n", (unsigned long long)get_le64(reply));
	return 0;
}

static int do_info(int fd)
{
	unsigned char reply[BALLOON_INFO_WIRE_SIZE];
	struct balloon_info info;
	int n = balloon_control_request(fd, BALLOON_MSG_CTL_INFO, NULL, 0, reply, sizeof(reply));

	if (n < (int)sizeof(reply))
		return failed("info", n < 0 ? n : -EPROTO);
	balloon_info_decode(reply, &info);
	printf("memory_bytes: %llu\n", (unsigned long long)info.memory_bytes);
	printf("target_pages: %llu\n", (unsigned long long)info.target_pages);
	printf("actual_pages: %llu\n", (unsigned long long)info.actual_pages);
	printf("inflated_pages: %llu\n", (unsigned long long)info.inflated_pages);
	printf("host_released_bytes: %llu\n", (unsigned long long)info.released_bytes);
	printf("reported_bytes: %llu\n", (unsigned long long)info.reported_bytes);
	printf("features:");
	for (size_t bit = 0; bit < ARRAY_SIZE(feature_names); bit++)
		if (info.features & BIT(bit))
			printf(" %s", feature_names[bit]);
	printf("\nguest_connected: %u\n", info.guest_connected);
	printf("rejected_messages: %u\n", info.rejected);
	return 0;
}

static int do_stats(int fd)
{
	unsigned char reply[12 + VIRTIO_BALLOON_S_NR * BALLOON_STAT_WIRE_SIZE];
	struct virtio_balloon_stat stats[VIRTIO_BALLOON_S_NR];
	int n = balloon_control_request(fd, BALLOON_MSG_CTL_STATS, NULL, 0, reply, sizeof(reply));
	unsigned int nr;
	uint64_t age;

	if (n < 12)
		return failed("stats", n < 0 ? n : -EPROTO);
	age = get_le64(reply);
	nr = balloon_stats_decode(reply + 12, min((uint32_t)n - 12,
						 get_le32(reply + 8) * BALLOON_STAT_WIRE_SIZE),
				  stats);
	if (age == UINT64_MAX)
		printf("last-update: never\n");
	else
		printf("last-update: %llu ms ago\n", (unsigned long long)age);
	for (unsigned int i = 0; i < nr; i++)
		if (stats[i].tag < VIRTIO_BALLOON_S_NR)
			printf("%s: %llu\n", virtio_balloon_stat_names[stats[i].tag],
			       (unsigned long long)stats[i].val);
	return 0;
}

/**
 * cmd_balloon() - `pagelab balloon`.
 * Context: the process's main thread.
 * Return: 0; PAGELAB_RUN_FAIL if the host cannot be reached or refuses;
 * PAGELAB_RUN_ERROR for bad usage.
 */
int cmd_balloon(int argc, char **argv)
{
	const char *path = NULL, *verb = NULL, *size = NULL;
	char msg[256];
	int fd, ret;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			path = argv[++i];
		} else if (!verb) {
			verb = argv[i];
		} else if (!strcmp(verb, "set") && !size) {
			size = argv[i];
		} else {
			return balloon_usage_error("unexpected argument '%s'", argv[i]);
		}
	}
	if (!path)
		return balloon_usage_error("%s", "--connect PATH is required");
	if (!verb || (strcmp(verb, "set") && strcmp(verb, "info") && strcmp(verb, "stats")))
		return balloon_usage_error("expected set, info or stats, not '%s'", verb ? verb : "");
	if (!strcmp(verb, "set") && !size)
		return balloon_usage_error("%s", "set needs a SIZE");
	fd = balloon_control_open(path, msg, sizeof(msg));
	if (fd < 0) {
		fprintf(stderr, "pagelab balloon: %s\n", msg);
		return PAGELAB_RUN_FAIL;
	}
	if (!strcmp(verb, "set"))
		ret = do_set(fd, size);
	else if (!strcmp(verb, "info"))
		ret = do_info(fd);
	else
		ret = do_stats(fd);
	close(fd);
	return ret;
}
