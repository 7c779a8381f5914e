/* SPDX-License-Identifier: MIT */
/*
 * fuzz_replay.c - libFuzzer target: any bytes as a kernel trace for
 * `pagelab replay`. Each line goes to the line reader
 * (kmem_trace_parse_line()), which must say what the line is or give a
 * one-line message, and whose events must hold what it promises (an order
 * within bounds, a block's pfn aligned to its order, a message for every
 * error). Then the whole input is replayed (scn_replay(), on an 8 MiB
 * machine, the JSON report to /dev/null): it must end with PASS or with a
 * FILE:LINE: error, never with the machine's invariant check failing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "pagelab/scenario.h"
#include "scenario/kmem_trace.h"
#include "scenario/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line, size_t len)
{
	struct kmem_event ev;
	char msg[512] = "";
	int err = kmem_trace_parse_line(line, len, &ev, msg, sizeof(msg));

	if (err) {
		if (err != -EINVAL || !msg[0] || strchr(msg, '\n'))
			abort();
		return;
	}
	if (ev.type < KMEM_ALLOC)
		return;
	if (ev.order > KMEM_ORDER_MAX || ev.cpu < -1)
		abort();
	if (ev.type != KMEM_EXTFRAG && !ev.failed && (ev.pfn & ((1UL << ev.order) - 1)))
		abort();
	if ((ev.gfp & KMEM_GFP_MOVABLE) && (ev.gfp & KMEM_GFP_RECLAIMABLE))
		abort();
}

/* The whole input through `pagelab replay`, read from a memfd. */
static void replay(const uint8_t *data, size_t size)
{
	struct scn_replay_options o = { .memory_bytes = 8 << 20, .json_path = "/dev/null" };
	char path[64];
	int fd = memfd_create("fuzz_replay", 0), status;

	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		o.trace_path = path;
		status = scn_replay(&o);
		if (status != PAGELAB_RUN_PASS && status != PAGELAB_RUN_ERROR)
			abort();
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = (nl ? nl : end) - p;

		check_line(p, len);
		p += len + 1;
	}
	replay(data, size);
	return 0;
}
