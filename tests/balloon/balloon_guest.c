/* SPDX-License-Identifier: MIT */
/*
 * balloon_guest.c - a guest for two_process.sh: a program on the public
 * API whose machine runs on the memory of a separate `pagelab host`.
 *
 *   balloon_guest SOCKET DIR follow     back its RAM, follow the host's
 *	target (set by the script with `pagelab balloon set`): wait for it,
 *	touch DIR/inflated, wait for DIR/go, wait for the new target, exit
 *   balloon_guest SOCKET DIR orphan     inflate 32M itself, touch
 *	DIR/inflated, wait for DIR/go (the script kills the host meanwhile),
 *	then check that the balloon is frozen and the guest runs on
 *   balloon_guest SOCKET DIR mismatch   ask for 128M: must be refused
 *
 * Exit status 0 when every check holds; a failed check says which on
 * stderr and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pagelab/pagelab.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "balloon_guest: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			exit(1);					\
		}							\
	} while (0)

static void wait_for_file(const char *dir, const char *name)
{
	char path[512];
	struct timespec ts = { 0, 20 * 1000000 };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (int i = 0; i < 1500 && access(path, F_OK); i++)
		nanosleep(&ts, NULL);
	CHECK(!access(path, F_OK));
}

static void touch_file(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f);
	fclose(f);
}

/* Back every frame the allocator gives with host memory, then free them. */
static void touch_memory(struct pagelab_machine *m)
{
	static unsigned long pfns[4096];
	int nr = 0;

	while (nr < 4096 && !pagelab_alloc_pages(m, PAGELAB_MOVABLE, 9, &pfns[nr])) {
		for (int i = 0; i < 512; i++)
			memset(pagelab_page_address(m, pfns[nr] + i), 0x5a, 4096);
		nr++;
	}
	CHECK(nr > 0);
	while (nr--)
		CHECK(!pagelab_free_pages(m, pfns[nr], 9));
}

static void wait_target(struct pagelab_machine *m, uint64_t pages)
{
	struct pagelab_balloon_info info;

	CHECK(!pagelab_balloon_wait(m, 20000));
	CHECK(!pagelab_balloon_info(m, &info));
	CHECK(info.target_pages == pages);
	CHECK(info.actual_pages == pages);
	CHECK(info.host_released_bytes >= pages * 4096 / 100 * 95);
	CHECK(!info.host_gone);
}

int main(int argc, char **argv)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	struct pagelab_balloon_info info;
	struct pagelab_machine *m;
	char msg[256];

	CHECK(argc == 4);
	cfg.memory_bytes = 0;		/* the host's */
	cfg.balloon_connect = argv[1];
	if (!strcmp(argv[3], "mismatch")) {
		cfg.memory_bytes = 128 << 20;
		CHECK(pagelab_machine_create(&cfg, &m) == -EINVAL);
		return 0;
	}
	CHECK(!pagelab_machine_create(&cfg, &m));
	touch_memory(m);
	if (!strcmp(argv[3], "follow")) {
		wait_target(m, 16384);		/* 64M, set before the guest came */
		touch_file(argv[2], "inflated");
		wait_for_file(argv[2], "go");
		wait_target(m, 4096);		/* 16M, set while it ran */
	} else {
		CHECK(!strcmp(argv[3], "orphan"));
		CHECK(!pagelab_balloon_set_target(m, 32 << 20));
		wait_target(m, 8192);
		touch_file(argv[2], "inflated");
		wait_for_file(argv[2], "go");
		CHECK(pagelab_balloon_set_target(m, 0) == -ENOTCONN);
		CHECK(!pagelab_balloon_info(m, &info));
		CHECK(info.host_gone && info.actual_pages == 8192);
		CHECK(pagelab_balloon_wait(m, 100) == -ENOTCONN);
		touch_memory(m);		/* the guest runs on */
		CHECK(!pagelab_check(m, msg, sizeof(msg)));
	}
	pagelab_machine_destroy(m);
	return 0;
}
