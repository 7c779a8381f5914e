/* SPDX-License-Identifier: MIT */
/*
 * stress_alloc.c - seeded multi-threaded allocator stress.
 *
 * THREADS threads, bound round-robin to the machine's 2 cpus (so threads
 * share per-cpu lists and race for their locks), each run ITER steps of a
 * private xorshift PRNG seeded from SEED: allocate a block (order skewed
 * toward small, random migratetype, sometimes __GFP_ZERO), free a random
 * held block, or drain per-cpu lists. Every page of a held block carries
 * a signature at both ends; it is checked before the block is freed, so a
 * block handed out twice, or freed while held, shows up as a mismatch.
 *
 * At the end every block is freed and the per-cpu lists drained: the
 * invariant checker must pass, the zone must be whole again (16 order-10
 * blocks) and pgalloc/pgfree must match the pages the threads moved.
 *
 * Environment: PAGELAB_STRESS_THREADS, PAGELAB_STRESS_ITER,
 * PAGELAB_STRESS_SEED, and PAGELAB_STRESS_SCALE (multiplies ITER). Under
 * sanitizers the default ITER is smaller (40000 instead of 150000).
 */
#include "lib/stress.h"
#include "unit/alloc_test.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifdef PAGELAB_SANITIZED
#define DEFAULT_ITER	40000UL
#else
#define DEFAULT_ITER	150000UL
#endif
#define DEFAULT_THREADS	4
#define DEFAULT_SEED	0x5eed2026UL
#define MAX_HELD	64

struct held_block {
	struct page *page;
	unsigned int order;
	uint64_t sig;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng;
	unsigned long iters;
	struct held_block held[MAX_HELD];
	int nr_held;
	long pages_allocated, pages_freed, failures;
	char error[160];	/* the first problem seen; the main thread fails the test */
};

static uint64_t next_rand(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* Mostly order 0, then 1..3, the THP order, and now and then 4..10. */
static unsigned int random_order(struct worker *w)
{
	unsigned int r = next_rand(w) % 64;

	if (r < 32)
		return 0;
	if (r < 50)
		return 1 + r % 3;
	if (r < 54)
		return pageblock_order;
	return 4 + next_rand(w) % (MAX_PAGE_ORDER - 3);
}

static gfp_t random_gfp(struct worker *w)
{
	static const gfp_t types[] = { GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL_RECLAIMABLE,
				       GFP_ATOMIC, GFP_NOWAIT };
	gfp_t gfp = types[next_rand(w) % ARRAY_SIZE(types)];

	return next_rand(w) % 8 ? gfp : gfp | __GFP_ZERO;
}

static uint64_t *page_words(struct page *page, unsigned long i)
{
	return page_address(page + i);
}

#define LAST_WORD (PAGE_SIZE / sizeof(uint64_t) - 1)

static bool __attribute__((format(printf, 2, 3)))
worker_error(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->error[0]) {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool sign_block(struct worker *w, const struct held_block *b, bool zeroed)
{
	for (unsigned long i = 0; i < 1UL << b->order; i++) {
		uint64_t *words = page_words(b->page, i);

		if (zeroed && (words[0] || words[LAST_WORD]))
			return worker_error(w, "__GFP_ZERO block pfn %#lx order %u has data in page %lu",
					    page_to_pfn(b->page), b->order, i);
		words[0] = b->sig + i;
		words[LAST_WORD] = ~(b->sig + i);
	}
	return true;
}

static bool check_block(struct worker *w, const struct held_block *b)
{
	for (unsigned long i = 0; i < 1UL << b->order; i++) {
		uint64_t *words = page_words(b->page, i);

		if (words[0] != b->sig + i || words[LAST_WORD] != ~(b->sig + i))
			return worker_error(w, "block pfn %#lx order %u: page %lu was overwritten",
					    page_to_pfn(b->page), b->order, i);
	}
	if (page_ref_count(b->page) != 1 || page_owner_order(b->page) != (int)b->order)
		return worker_error(w, "block pfn %#lx order %u: refcount %d owner order %d",
				    page_to_pfn(b->page), b->order, page_ref_count(b->page),
				    page_owner_order(b->page));
	return true;
}

static bool do_alloc(struct worker *w)
{
	unsigned int order = random_order(w);
	gfp_t gfp = random_gfp(w);
	struct page *page = alloc_pages(gfp, order);
	struct held_block *b;

	if (!page) {
		w->failures++;
		return true;
	}
	w->pages_allocated += 1L << order;
	b = &w->held[w->nr_held++];
	*b = (struct held_block){ page, order, mix64(next_rand(w) + 0x9e3779b97f4a7c15ULL) };
	if (!IS_ALIGNED(page_to_pfn(page), 1UL << order))
		return worker_error(w, "pfn %#lx is not aligned to order %u", page_to_pfn(page), order);
	return sign_block(w, b, gfp & __GFP_ZERO);
}

/* Free a random block; now and then through a second reference. */
static bool do_free(struct worker *w, int index)
{
	struct held_block b = w->held[index];

	if (!check_block(w, &b))
		return false;
	w->held[index] = w->held[--w->nr_held];
	if (next_rand(w) % 16 == 0) {
		get_page(b.page);
		__free_pages(b.page, b.order);
		if (page_ref_count(b.page) != 1)
			return worker_error(w, "second reference to pfn %#lx was lost",
					    page_to_pfn(b.page));
	}
	__free_pages(b.page, b.order);
	w->pages_freed += 1L << b.order;
	return true;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	bool ok = true;

	cpu_bind_current(w->id % nr_cpu_ids);
	for (unsigned long i = 0; i < w->iters && ok; i++) {
		unsigned int r = next_rand(w) % 100;

		if (r == 0)
			drain_local_pages(NULL);
		else if (r == 1 && w->id == 0)
			drain_all_pages(NULL);
		else if (w->nr_held == MAX_HELD || (w->nr_held && r < 48))
			ok = do_free(w, next_rand(w) % w->nr_held);
		else
			ok = do_alloc(w);
	}
	while (w->nr_held && ok)
		ok = do_free(w, w->nr_held - 1);
	return NULL;
}

static void test_stress_alloc(void **state)
{
	unsigned long threads = env_ulong("PAGELAB_STRESS_THREADS", DEFAULT_THREADS);
	unsigned long iters = env_ulong("PAGELAB_STRESS_ITER", DEFAULT_ITER) *
			      env_ulong("PAGELAB_STRESS_SCALE", 1);
	unsigned long seed = env_ulong("PAGELAB_STRESS_SEED", DEFAULT_SEED);
	struct worker *workers = calloc(threads, sizeof(*workers));
	long allocated = 0, freed = 0, failures = 0;

	fprintf(stderr, "stress_alloc: THREADS=%lu ITER=%lu SEED=%#lx\n", threads, iters, seed);
	for (unsigned int t = 0; t < threads; t++) {
		workers[t].id = t;
		workers[t].rng = mix64(seed + t + 0x9e3779b97f4a7c15ULL) | 1;
		workers[t].iters = iters;
		assert_int_equal(pthread_create(&workers[t].thread, NULL, worker_fn, &workers[t]), 0);
	}
	for (unsigned int t = 0; t < threads; t++) {
		assert_int_equal(pthread_join(workers[t].thread, NULL), 0);
		if (workers[t].error[0])
			fail_msg("thread %u: %s", t, workers[t].error);
		allocated += workers[t].pages_allocated;
		freed += workers[t].pages_freed;
		failures += workers[t].failures;
	}
	fprintf(stderr, "stress_alloc: %ld pages allocated and freed, %ld failed allocations\n",
		allocated, failures);
	free(workers);

	assert_int_equal(allocated, freed);
	assert_int_equal(vm_event_sum(PGALLOC_NORMAL), allocated);
	assert_int_equal(vm_event_sum(PGFREE), TEST_PAGES + freed);
	assert_zone_reassembled();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_stress_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
