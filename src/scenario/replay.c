/* SPDX-License-Identifier: MIT */
/*
 * replay.c - `pagelab replay TRACE`: the kmem page events of a kernel trace
 * (read by kmem_trace.c) replayed into the simulated allocator, with
 * buddyinfo, the debugfs extfrag files and the fallback counts reported at
 * intervals of trace time. docs/replay.md is the user's side.
 *
 * The whole trace is read and checked first (a malformed kmem line is a
 * FILE:LINE: error and nothing runs); then a machine of the trace's size
 * (its highest pfn, or --memory), with as many CPUs as the trace names
 * (up to 64), is built without daemon threads, and each event runs on the
 * simulated CPU of its trace CPU:
 *
 *   mm_page_alloc          alloc_pages() with the event's order and gfp
 *                          flags (the migratetype follows from the flags);
 *                          the trace pfn is mapped to the simulated block.
 *                          Failed allocations of the trace are not replayed.
 *   mm_page_free           frees the simulated block of that trace pfn; a
 *                          pfn with no block was allocated before the trace
 *                          began: counted and skipped.
 *   mm_page_free_batched   the kernel traces mm_page_free for the same page
 *                          just before, so it frees only a block still held
 *                          (a trace without that mm_page_free).
 *   mm_page_alloc_extfrag  counted, beside the replay's own fallbacks.
 *
 * kcompactd runs as trace time passes (kcompactd_step()). At the end every
 * block still held is freed and the machine must give back every page.
 *
 * Deviations (docs/replay.md): __GFP_COMP, __GFP_NOFAIL and __GFP_ZERO are
 * dropped and __GFP_NOWARN added; a free of part of a block (split_page()
 * and tail frees in the kernel) is held back until the whole block is freed.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "machine/machine.h"
#include "compact/compaction.h"
#include "scenario/kmem_trace.h"
#include "scenario/parser_internal.h"
#include "scenario/replay.h"
#include "scenario/runner_internal.h"

#define REPLAY_MAX_ERRORS	20
#define REPLAY_MAX_ORDER	10	/* the machine's, as the kernel's on x86 */
#define REPLAY_PAGEBLOCK_ORDER	9
#define STEP_MAX_MS		500	/* kcompactd_step()'s largest step */
#define GAP_MAX_MS		10000	/* daemon time given to a longer gap */

/* gfp flags the simulated allocator takes from a trace (core/gfp.h). */
#define REPLAY_GFP_KNOWN	(__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE | \
				 __GFP_RECLAIMABLE | __GFP_HIGH | __GFP_IO | __GFP_FS | \
				 __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_WRITE | \
				 __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NORETRY | \
				 __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_HARDWALL | \
				 __GFP_THISNODE | __GFP_ACCOUNT)

BUILD_BUG_ON(KMEM_GFP_MOVABLE != __GFP_MOVABLE);
BUILD_BUG_ON(KMEM_GFP_RECLAIMABLE != __GFP_RECLAIMABLE);

struct replay_event {
	struct kmem_event ev;
	unsigned long line;
};

/* What was read and what the replay did with it. */
struct replay_counts {
	unsigned long lines, ignored, other;
	unsigned long events[KMEM_EXTFRAG + 1];
	unsigned long alloc_failed_trace, alloc_failed_replay, alloc_over_live;
	unsigned long mt_mismatch, unknown_gfp;
	unsigned long free_unknown, free_partial, free_of_failed;
	unsigned long batched_freed, batched_skipped;
	unsigned long extfrag_trace_fragmenting;
	unsigned long time_backwards;
};

/* A block the trace allocated: its trace pfn and the simulated block. */
struct block {
	unsigned long pfn;	/* the trace's first pfn; ~0UL: empty slot */
	struct page *page;	/* NULL: the replay's allocation failed */
	unsigned int order;
	unsigned long freed;	/* pages of it the trace freed so far (partial frees) */
};

/* The live blocks by trace pfn: open addressing, linear probing. */
struct block_table {
	struct block *v;
	unsigned long cap, n;	/* cap: a power of two */
};

struct replay {
	const struct scn_replay_options *opts;
	struct replay_event *events;
	unsigned long nevents, cap;
	struct replay_counts c;
	struct block_table blocks;
	unsigned long max_end_pfn;
	int max_cpu;
	uint64_t memory_bytes;
	unsigned int cpus;
	double interval_s, t0, clock_s;
	struct scn_snapshot *snap, *prev;
	FILE *json;
	bool text, first_report;
};

/* ------------------------------------------------------------------ */
/* The block table                                                     */

static unsigned long slot_of(const struct block_table *t, unsigned long pfn)
{
	return (pfn * 0x9E3779B97F4A7C15ULL >> 17) & (t->cap - 1);
}

static struct block *table_find(struct block_table *t, unsigned long pfn)
{
	for (unsigned long i = slot_of(t, pfn); t->v[i].pfn != ~0UL; i = (i + 1) & (t->cap - 1))
		if (t->v[i].pfn == pfn)
			return &t->v[i];
	return NULL;
}

static int table_init(struct block_table *t, unsigned long cap)
{
	t->v = malloc(cap * sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	for (unsigned long i = 0; i < cap; i++)
		t->v[i].pfn = ~0UL;
	t->cap = cap;
	t->n = 0;
	return 0;
}

static void table_put(struct block_table *t, const struct block *b)
{
	unsigned long i = slot_of(t, b->pfn);

	while (t->v[i].pfn != ~0UL)
		i = (i + 1) & (t->cap - 1);
	t->v[i] = *b;
	t->n++;
}

static int table_add(struct block_table *t, const struct block *b)
{
	if (2 * (t->n + 1) > t->cap) {
		struct block_table bigger;

		if (table_init(&bigger, 2 * t->cap))
			return -ENOMEM;
		for (unsigned long i = 0; i < t->cap; i++)
			if (t->v[i].pfn != ~0UL)
				table_put(&bigger, &t->v[i]);
		free(t->v);
		*t = bigger;
	}
	table_put(t, b);
	return 0;
}

/* Empty slot @b, moving back the entries of its probe run (no tombstones). */
static void table_remove(struct block_table *t, struct block *b)
{
	unsigned long hole = b - t->v, i = hole;

	t->v[hole].pfn = ~0UL;
	t->n--;
	for (i = (i + 1) & (t->cap - 1); t->v[i].pfn != ~0UL; i = (i + 1) & (t->cap - 1)) {
		unsigned long home = slot_of(t, t->v[i].pfn);

		/* Move it if its home is not in (hole, i], cyclically. */
		if ((i > hole && (home <= hole || home > i)) ||
		    (i < hole && home <= hole && home > i)) {
			t->v[hole] = t->v[i];
			t->v[i].pfn = ~0UL;
			hole = i;
		}
	}
}

/* The live block that holds trace pfn @pfn, or NULL. */
static struct block *table_holding(struct block_table *t, unsigned long pfn)
{
	for (unsigned int k = 0; k <= REPLAY_MAX_ORDER; k++) {
		struct block *b = table_find(t, pfn & ~((1UL << k) - 1));

		if (b && pfn < b->pfn + (1UL << b->order))
			return b;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Reading the trace                                                   */

static int push_event(struct replay *r, const struct kmem_event *ev, unsigned long line)
{
	if (r->nevents == r->cap) {
		unsigned long cap = r->cap ? 2 * r->cap : 1024;
		struct replay_event *v = realloc(r->events, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->events = v;
		r->cap = cap;
	}
	r->events[r->nevents++] = (struct replay_event){ *ev, line };
	return 0;
}

/* What a read event tells of the machine, and the checks that need it. */
static int note_event(struct replay *r, const struct kmem_event *ev, char *msg, size_t len)
{
	if (ev->type != KMEM_EXTFRAG && ev->order > REPLAY_MAX_ORDER) {
		snprintf(msg, len, "%s: order %u is above the machine's max_order %d",
			 kmem_event_name(ev->type), ev->order, REPLAY_MAX_ORDER);
		return -EINVAL;
	}
	if (!r->nevents)
		r->t0 = ev->time_s;
	r->max_cpu = max(r->max_cpu, ev->cpu);
	if (ev->type != KMEM_EXTFRAG && !(ev->type == KMEM_ALLOC && ev->failed))
		r->max_end_pfn = max(r->max_end_pfn, ev->pfn + (1UL << ev->order));
	return 0;
}

/* One line: counted, kept if it is an event, or an error printed. */
static int read_line(struct replay *r, const char *line, size_t len, unsigned int *errors)
{
	struct kmem_event ev;
	char msg[512];
	int err;

	r->c.lines++;
	err = kmem_trace_parse_line(line, len, &ev, msg, sizeof(msg));
	if (!err && ev.type == KMEM_NONE)
		r->c.ignored++;
	else if (!err && ev.type == KMEM_OTHER)
		r->c.other++;
	else if (!err)
		err = note_event(r, &ev, msg, sizeof(msg));
	if (err) {
		if (++*errors <= REPLAY_MAX_ERRORS)
			fprintf(stderr, "%s:%lu: %s\n", r->opts->trace_path, r->c.lines, msg);
		return 0;
	}
	if (ev.type < KMEM_ALLOC || *errors)
		return 0;
	return push_event(r, &ev, r->c.lines);
}

/* Read and check the whole trace. Return: 0, -EINVAL (errors printed), -errno. */
static int read_trace(struct replay *r)
{
	bool is_stdin = !strcmp(r->opts->trace_path, "-");
	FILE *f = is_stdin ? stdin : fopen(r->opts->trace_path, "r");
	unsigned int errors = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;

	if (!f) {
		err = -errno;
		fprintf(stderr, "pagelab replay: cannot open %s: %s\n", r->opts->trace_path,
			strerror(errno));
		return err;
	}
	while (!err && (len = getline(&line, &cap, f)) >= 0)
		err = read_line(r, line, len, &errors);
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	if (!is_stdin)
		fclose(f);
	if (err)
		fprintf(stderr, "pagelab replay: reading %s: %s\n", r->opts->trace_path,
			strerror(-err));
	if (errors > REPLAY_MAX_ERRORS)
		fprintf(stderr, "%s: %u malformed lines in all\n", r->opts->trace_path, errors);
	return err ? err : errors ? -EINVAL : 0;
}

/* ------------------------------------------------------------------ */
/* The machine                                                         */

/* Build the machine: --memory, or the trace's pfns rounded up to 4 MiB. */
static int build_machine(struct replay *r)
{
	unsigned long block = 1UL << REPLAY_MAX_ORDER;
	struct machine_config cfg = {
		.max_order = REPLAY_MAX_ORDER, .pageblock_order = REPLAY_PAGEBLOCK_ORDER,
		.deterministic = true,
	};
	char msg[256];
	int err;

	cfg.memory_bytes = r->opts->memory_bytes;
	if (!cfg.memory_bytes) {
		/* A pfn of up to 2^52 must not wrap: the check below refuses it. */
		unsigned long pages = min(r->max_end_pfn, 1UL << 40);

		cfg.memory_bytes = (uint64_t)max((pages + block - 1) / block, 1UL) * block *
				   PAGE_SIZE;
	}
	cfg.cpus = min(r->max_cpu + 1, VM_EVENT_CPUS_CAP);
	cfg.cpus = max(cfg.cpus, 1U);
	if (machine_validate_config(&cfg, msg, sizeof(msg))) {
		if (r->opts->memory_bytes)
			fprintf(stderr, "pagelab replay: bad --memory: %s\n", msg);
		else
			fprintf(stderr, "pagelab replay: %s: the machine of the trace's highest pfn "
				"cannot be built: %s (try --memory)\n", r->opts->trace_path, msg);
		return -EINVAL;
	}
	err = machine_init(&cfg);
	if (err) {
		fprintf(stderr, "pagelab replay: cannot build the machine: %s\n", strerror(-err));
		return err;
	}
	r->memory_bytes = cfg.memory_bytes;
	r->cpus = cfg.cpus;
	cpu_bind_current(0);
	drain_all_pages(NULL);
	return 0;
}

static struct zone *normal_zone(void)
{
	return &NODE_DATA(0)->node_zones[ZONE_NORMAL];
}

/* The flags the simulated allocator is given for a traced allocation. */
static gfp_t replay_gfp(const struct kmem_event *ev)
{
	return (ev->gfp & REPLAY_GFP_KNOWN) | __GFP_NOWARN;
}

/* Free the simulated block of @b (if the replay got one) and forget @b. */
static void block_release(struct replay *r, struct block *b)
{
	if (b->page)
		__free_pages(b->page, b->order);
	table_remove(&r->blocks, b);
}

/*
 * Free every live block with its first pfn in [pfn, pfn + 2^order): the
 * caller made sure none starts before @pfn and reaches into the range.
 * Return: how many blocks were freed; *@failed: how many of them had
 * failed in the replay.
 */
static unsigned long release_range(struct replay *r, unsigned long pfn, unsigned int order,
				   unsigned long *failed)
{
	unsigned long end = pfn + (1UL << order), n = 0;
	struct block *b;

	*failed = 0;
	while (pfn < end) {
		b = table_find(&r->blocks, pfn);
		if (!b) {
			pfn++;
			continue;
		}
		pfn += 1UL << b->order;
		*failed += !b->page;
		block_release(r, b);
		n++;
	}
	return n;
}

static int replay_alloc(struct replay *r, const struct kmem_event *ev)
{
	struct block b = { .pfn = ev->pfn, .order = ev->order };
	struct block *holder;
	unsigned long failed;
	gfp_t gfp = replay_gfp(ev);

	r->c.unknown_gfp += ev->unknown_gfp;
	if (ev->failed) {
		r->c.alloc_failed_trace++;
		return 0;
	}
	/* A block still held where the trace allocates: its free was not traced. */
	holder = table_holding(&r->blocks, ev->pfn);
	if (holder) {
		r->c.alloc_over_live++;
		block_release(r, holder);
	}
	r->c.alloc_over_live += release_range(r, ev->pfn, ev->order, &failed);
	if (gfp_migratetype(gfp) != ev->migratetype)
		r->c.mt_mismatch++;
	b.page = alloc_pages(gfp, ev->order);
	r->c.alloc_failed_replay += !b.page;
	if (!table_add(&r->blocks, &b))
		return 0;
	if (b.page)
		__free_pages(b.page, b.order);
	return -ENOMEM;
}

/* 2^@order pages at @pfn of block @b freed: the block goes when all are. */
static void free_part(struct replay *r, struct block *b, unsigned int order)
{
	r->c.free_partial++;
	b->freed += 1UL << order;
	if (b->freed >= 1UL << b->order) {
		r->c.free_of_failed += !b->page;
		block_release(r, b);
	}
}

static void replay_free(struct replay *r, const struct kmem_event *ev)
{
	struct block *holder = table_holding(&r->blocks, ev->pfn);
	unsigned long failed;

	if (holder && holder->order > ev->order) {
		free_part(r, holder, ev->order);
		return;
	}
	if (!release_range(r, ev->pfn, ev->order, &failed))
		r->c.free_unknown++;
	r->c.free_of_failed += failed;
}

static void replay_free_batched(struct replay *r, const struct kmem_event *ev)
{
	struct block *holder = table_holding(&r->blocks, ev->pfn);

	if (!holder) {
		r->c.batched_skipped++;
		return;
	}
	r->c.batched_freed++;
	if (holder->order > ev->order) {
		free_part(r, holder, ev->order);
		return;
	}
	r->c.free_of_failed += !holder->page;
	block_release(r, holder);
}

static int replay_one(struct replay *r, const struct kmem_event *ev)
{
	cpu_bind_current(ev->cpu < 0 ? 0 : ev->cpu % r->cpus);
	r->c.events[ev->type]++;
	switch (ev->type) {
	case KMEM_ALLOC:
		return replay_alloc(r, ev);
	case KMEM_FREE:
		replay_free(r, ev);
		return 0;
	case KMEM_FREE_BATCHED:
		replay_free_batched(r, ev);
		return 0;
	default:
		r->c.extfrag_trace_fragmenting += ev->fragmenting;
		return 0;
	}
}

/*
 * kcompactd's work up to trace time @t (at most GAP_MAX_MS for one gap).
 * A trace's timestamps are any numbers: a gap is converted to whole
 * milliseconds only once bounded, a larger double is no unsigned long.
 */
static void advance_daemons(struct replay *r, double t)
{
	double gap_ms = floor((t - r->clock_s) * 1000);
	unsigned long ms;

	if (!(gap_ms >= 1))
		return;
	r->clock_s += gap_ms / 1000;
	ms = gap_ms < GAP_MAX_MS ? (unsigned long)gap_ms : GAP_MAX_MS;
	cpu_bind_current(0);
	while (ms) {
		unsigned long step = min(ms, (unsigned long)STEP_MAX_MS);

		kcompactd_step(NODE_DATA(0), step);
		ms -= step;
	}
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */

static void json_machine(struct replay *r)
{
	FILE *out = r->json;

	fputs("{\n  \"trace\": ", out);
	scn_json_string(out, r->opts->trace_path);
	fprintf(out, ",\n  \"machine\": {\"memory_bytes\": %" PRIu64 ", \"cpus\": %u, "
		"\"max_order\": %d, \"pageblock_order\": %d, \"zone_pages\": %lu},\n",
		r->memory_bytes, r->cpus, REPLAY_MAX_ORDER, REPLAY_PAGEBLOCK_ORDER,
		normal_zone()->present_pages);
	fprintf(out, "  \"interval_s\": %.3f,\n  \"reports\": [", r->interval_s);
}

static void text_machine(struct replay *r)
{
	printf("pagelab: replay of %s: %lu events of %lu lines\n", r->opts->trace_path,
	       r->nevents, r->c.lines);
	printf("machine: memory_bytes=%" PRIu64 " cpus=%u max_order=%d pageblock_order=%d "
	       "zone_pages=%lu\n", r->memory_bytes, r->cpus, REPLAY_MAX_ORDER,
	       REPLAY_PAGEBLOCK_ORDER, normal_zone()->present_pages);
}

/* Fallbacks so far: the replay's (zone counters) and the trace's. */
static void fallbacks(struct replay *r, unsigned long v[4])
{
	v[0] = __atomic_load_n(&normal_zone()->nr_alloc_extfrag, __ATOMIC_RELAXED);
	v[1] = __atomic_load_n(&normal_zone()->nr_alloc_extfrag_fragmenting, __ATOMIC_RELAXED);
	v[2] = r->c.events[KMEM_EXTFRAG];
	v[3] = r->c.extfrag_trace_fragmenting;
}

/* A report at trace time @t, after @done events. */
static void report(struct replay *r, const char *label, double t, unsigned long done)
{
	struct scn_run run = { 0 };
	struct scn_snapshot *snap = r->snap;
	unsigned long fb[4];

	free(snap->pageblocks);		/* the memory map of the report before last */
	memset(snap, 0, sizeof(*snap));
	scn_backend_sim.snapshot(&run, snap);
	fallbacks(r, fb);
	if (r->text) {
		printf("\nreport \"%s\" at %.3fs (%lu events)\n", label, t, done);
		printf("  fallbacks (mm_page_alloc_extfrag): replay %lu (fragmenting %lu), "
		       "trace %lu (fragmenting %lu)\n", fb[0], fb[1], fb[2], fb[3]);
		scn_report_snapshot_text(snap, r->first_report ? NULL : r->prev, stdout);
	}
	if (r->json) {
		fprintf(r->json, "%s\n    {\n      \"label\": ", r->first_report ? "" : ",");
		scn_json_string(r->json, label);
		fprintf(r->json, ",\n      \"time_s\": %.6f,\n      \"events\": %lu,\n"
			"      \"fallbacks\": {\"replay\": %lu, \"replay_fragmenting\": %lu, "
			"\"trace\": %lu, \"trace_fragmenting\": %lu},\n", t, done, fb[0], fb[1],
			fb[2], fb[3]);
		scn_report_snapshot_json(r->json, snap);
		fputs("    }", r->json);
	}
	r->first_report = false;
	r->snap = r->prev;
	r->prev = snap;
}

static const struct {
	const char *name;
	size_t off;
} count_names[] = {
#define C(name, field) { name, offsetof(struct replay_counts, field) }
	C("lines", lines), C("ignored_lines", ignored), C("other_lines", other),
	C("mm_page_alloc", events[KMEM_ALLOC]), C("mm_page_free", events[KMEM_FREE]),
	C("mm_page_free_batched", events[KMEM_FREE_BATCHED]),
	C("mm_page_alloc_extfrag", events[KMEM_EXTFRAG]),
	C("alloc_failed_in_trace", alloc_failed_trace),
	C("alloc_failed_in_replay", alloc_failed_replay),
	C("alloc_over_live_block", alloc_over_live),
	C("migratetype_not_from_gfp", mt_mismatch), C("unknown_gfp_names", unknown_gfp),
	C("free_before_trace", free_unknown), C("free_partial", free_partial),
	C("free_of_failed_alloc", free_of_failed), C("free_batched_freed", batched_freed),
	C("free_batched_skipped", batched_skipped),
	C("extfrag_trace_fragmenting", extfrag_trace_fragmenting),
	C("time_backwards", time_backwards),
#undef C
};

static unsigned long count_value(const struct replay *r, size_t i)
{
	return *(const unsigned long *)((const char *)&r->c + count_names[i].off);
}

static void summary(struct replay *r, unsigned long live_blocks, unsigned long live_pages)
{
	if (r->text) {
		printf("\nreplay:");
		for (size_t i = 0; i < ARRAY_SIZE(count_names); i++)
			printf("%s %s %lu", i % 4 ? "," : "\n ", count_names[i].name,
			       count_value(r, i));
		printf("\n  held at the end of the trace: %lu blocks, %lu pages\n", live_blocks,
		       live_pages);
	}
	if (!r->json)
		return;
	fputs("\n  ],\n  \"replay\": {", r->json);
	for (size_t i = 0; i < ARRAY_SIZE(count_names); i++)
		fprintf(r->json, "%s\n    \"%s\": %lu", i ? "," : "", count_names[i].name,
			count_value(r, i));
	fprintf(r->json, ",\n    \"held_blocks\": %lu,\n    \"held_pages\": %lu\n  }\n}\n",
		live_blocks, live_pages);
}

/* ------------------------------------------------------------------ */
/* The run                                                             */

static int run_events(struct replay *r)
{
	double last = 0, next = r->interval_s;
	char label[64];
	int err = 0;

	report(r, "start", 0, 0);
	for (unsigned long i = 0; i < r->nevents && !err; i++) {
		const struct kmem_event *ev = &r->events[i].ev;
		double t = ev->time_s - r->t0;

		if (t < last) {
			r->c.time_backwards++;
			t = last;
		}
		if (t >= next) {
			double at = floor(t / r->interval_s) * r->interval_s;

			advance_daemons(r, at);
			snprintf(label, sizeof(label), "t=%.3fs", at);
			report(r, label, at, i);
			/* Past 2^53 intervals, at + interval == at: the next
			 * report is then for the next later time. */
			next = fmax(at + r->interval_s, nextafter(t, INFINITY));
		}
		advance_daemons(r, t);
		last = t;
		err = replay_one(r, ev);
	}
	if (err) {
		fprintf(stderr, "pagelab replay: out of memory for the block table\n");
		return err;
	}
	report(r, "end", last, r->nevents);
	return 0;
}

/* Give back every block still held; the machine must then hold nothing. */
static int finish(struct replay *r, long free_at_boot)
{
	unsigned long blocks = r->blocks.n, pages = 0;
	char msg[512];
	long free_now;
	int err;

	cpu_bind_current(0);
	for (unsigned long i = 0; i < r->blocks.cap; i++) {
		if (r->blocks.v[i].pfn == ~0UL)
			continue;
		pages += 1UL << r->blocks.v[i].order;
		if (r->blocks.v[i].page)
			__free_pages(r->blocks.v[i].page, r->blocks.v[i].order);
		r->blocks.v[i].pfn = ~0UL;
	}
	summary(r, blocks, pages);
	drain_all_pages(NULL);
	err = check_invariants(msg, sizeof(msg));
	free_now = global_zone_page_state(NR_FREE_PAGES);
	if (!err && free_now != free_at_boot) {
		snprintf(msg, sizeof(msg), "%ld pages free after every block was freed, %ld at boot",
			 free_now, free_at_boot);
		err = -EUCLEAN;
	}
	if (err)
		fprintf(stderr, "pagelab replay: invariant check failed: %s\n", msg);
	return err;
}

/* --interval, the JSON file; Return: 0 or PAGELAB_RUN_ERROR (said why). */
static int setup_outputs(struct replay *r)
{
	uint64_t ms = 1000;

	if (r->opts->interval && (scn_parse_duration(r->opts->interval, &ms) || !ms)) {
		fprintf(stderr, "pagelab replay: bad --interval '%s' (expected a positive integer "
			"with ms or s)\n", r->opts->interval);
		return PAGELAB_RUN_ERROR;
	}
	r->interval_s = ms / 1000.0;
	r->text = !r->opts->json_path || strcmp(r->opts->json_path, "-");
	r->first_report = true;
	r->snap = calloc(1, sizeof(*r->snap));
	r->prev = calloc(1, sizeof(*r->prev));
	if (!r->snap || !r->prev || table_init(&r->blocks, 1024)) {
		fprintf(stderr, "pagelab replay: out of memory\n");
		return PAGELAB_RUN_ERROR;
	}
	return 0;
}

static int open_json(struct replay *r)
{
	if (!r->opts->json_path)
		return 0;
	r->json = strcmp(r->opts->json_path, "-") ? fopen(r->opts->json_path, "w") : stdout;
	if (r->json)
		return 0;
	fprintf(stderr, "pagelab replay: cannot write %s: %s\n", r->opts->json_path,
		strerror(errno));
	return -errno;
}

static void replay_free_all(struct replay *r)
{
	if (r->json && r->json != stdout)
		fclose(r->json);
	else if (r->json)
		fflush(r->json);
	free(r->events);
	free(r->blocks.v);
	scn_snapshot_free(r->snap);
	scn_snapshot_free(r->prev);
}

/* Read, build, replay, report, check. */
static int replay_run(struct replay *r)
{
	long free_at_boot;
	int err;

	if (setup_outputs(r))
		return PAGELAB_RUN_ERROR;
	if (read_trace(r) || open_json(r))
		return PAGELAB_RUN_ERROR;
	if (build_machine(r))
		return PAGELAB_RUN_ERROR;
	free_at_boot = global_zone_page_state(NR_FREE_PAGES);
	if (r->text)
		text_machine(r);
	if (r->json)
		json_machine(r);
	err = run_events(r);
	if (!err)
		err = finish(r, free_at_boot);
	machine_exit();
	if (r->json && (fflush(r->json) || ferror(r->json))) {
		fprintf(stderr, "pagelab replay: writing %s failed\n", r->opts->json_path);
		return PAGELAB_RUN_ERROR;
	}
	if (err == -ENOMEM)
		return PAGELAB_RUN_ERROR;
	return err ? PAGELAB_RUN_INVARIANT : PAGELAB_RUN_PASS;
}

/**
 * scn_replay() - `pagelab replay`: read a trace of the kmem page events,
 * replay it into a machine of its size and report at intervals.
 * @opts: the trace, the machine's memory, the outputs.
 *
 * Errors in the trace are printed as FILE:LINE: message on stderr, and
 * nothing is replayed then.
 * Context: builds and destroys the process's one machine; fails if one
 * exists. Not concurrently with itself or a scenario run.
 * Return: PAGELAB_RUN_PASS; PAGELAB_RUN_ERROR for a bad trace or options,
 * or a machine that cannot be built; PAGELAB_RUN_INVARIANT if the
 * machine's consistency check failed after the replay.
 */
int scn_replay(const struct scn_replay_options *opts)
{
	struct replay r = { .opts = opts, .max_cpu = -1 };
	int status = replay_run(&r);

	replay_free_all(&r);
	return status;
}
