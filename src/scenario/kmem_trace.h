/* SPDX-License-Identifier: MIT */
/*
 * kmem_trace.h - one line of a kernel trace of the kmem page events, as
 * `pagelab replay` reads it (kmem_trace.c): ftrace text
 * (/sys/kernel/tracing/trace, trace_pipe, `trace-cmd report`) and
 * `perf script` output, with hex (`pfn=0x...`, 4.x and later) or decimal
 * (`pfn=N`, older kernels) page frame numbers and gfp flags printed by name
 * or as a raw mask. docs/replay.md describes the formats.
 */
#ifndef PAGELAB_SCENARIO_KMEM_TRACE_H
#define PAGELAB_SCENARIO_KMEM_TRACE_H

#include <stdbool.h>
#include <stddef.h>

/* What a line is. */
enum kmem_event_type {
	KMEM_NONE,		/* blank, a '#' comment, or a header line */
	KMEM_OTHER,		/* an event of another kind, or a line that is not an event */
	KMEM_ALLOC,		/* kmem:mm_page_alloc */
	KMEM_FREE,		/* kmem:mm_page_free */
	KMEM_FREE_BATCHED,	/* kmem:mm_page_free_batched */
	KMEM_EXTFRAG,		/* kmem:mm_page_alloc_extfrag */
};

/*
 * The kernel's gfp bits that matter to the trace's reader (v6.18 values;
 * these have not moved since v4.x). Names the parser does not know are
 * counted in unknown_gfp and contribute no bit.
 */
#define KMEM_GFP_MOVABLE	0x08UL
#define KMEM_GFP_RECLAIMABLE	0x10UL

/**
 * struct kmem_event - a parsed line.
 * @type: what the line is; the fields below are set for the four events.
 * @cpu: the CPU in brackets ("[001]"), or -1 if the line has none.
 * @time_s: the timestamp in seconds.
 * @pfn: the page frame number (alloc, free, batched free, extfrag).
 * @order: the block's order (alloc, free; 0 for a batched free; the
 *	alloc_order of an extfrag event).
 * @migratetype: alloc: the trace's migratetype= field.
 * @gfp: alloc: the gfp mask, in the kernel's bits.
 * @unknown_gfp: alloc: names in gfp_flags= that the parser does not know.
 * @failed: alloc: the allocation failed (page= is NULL).
 * @fragmenting: extfrag: fragmenting=1.
 */
struct kmem_event {
	enum kmem_event_type type;
	int cpu;
	double time_s;
	unsigned long pfn;
	unsigned int order;
	int migratetype;
	unsigned long gfp;
	unsigned int unknown_gfp;
	bool failed;
	bool fragmenting;
};

/* The longest order a trace line may carry; the replay checks the machine's. */
#define KMEM_ORDER_MAX	31

int kmem_trace_parse_line(const char *line, size_t len, struct kmem_event *ev, char *msg,
			  size_t msglen);
const char *kmem_event_name(enum kmem_event_type type);

#endif /* PAGELAB_SCENARIO_KMEM_TRACE_H */
