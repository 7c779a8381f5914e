/* SPDX-License-Identifier: MIT */
/*
 * stress_balloon.c - seeded stress of the balloon against migration: the
 * race of the 2026 "remove dependency on page lock" change, where
 * isolation finds a balloon page through page->private under
 * balloon_pages_lock while the driver deflates it.
 *
 * A 128 MiB, 2-cpu machine with its balloon worker and kcompactd running.
 * Per round, the main thread moves the host's target ITER times (anywhere
 * from empty to 60% of memory, sometimes waiting for it, sometimes not),
 * so the worker inflates and deflates in batches of 256 all the time,
 * while:
 *   - a scanner thread probes random frames and isolates every balloon
 *     page it meets (isolate_movable_ops_page), holds a few, then migrates
 *     them (migrate_pages, ASYNC or SYNC) or puts them back;
 *   - a compactor thread runs whole-zone compaction (compact_memory),
 *     whose migrate scanner isolates balloon pages too;
 *   - a user thread allocates and fills pages up to the watermark, so the
 *     deflate-on-OOM notifier runs under the others, checks them and frees
 *     them: a page handed to the host while in use would read back zeros.
 *
 * Between rounds every thread is parked, the balloon reaches a random
 * target, and then: the invariant checker (each balloon page on the list
 * or isolated, counts agree); the host's inflated set equals the guest's
 * list exactly; the host refused nothing (a page handed over twice, or a
 * deflate of a page it does not have, would be refused and freeze the
 * balloon); every inflated page is a hole in the host's memfd (a balloon
 * page written after it was handed over would show as data). At the end
 * the balloon empties and free memory is back to what it was at boot: no
 * page lost. A double free BUGs in the allocator.
 *
 * Environment: PAGELAB_STRESS_ROUNDS, PAGELAB_STRESS_ITER (target moves
 * per round), PAGELAB_STRESS_SEED. Sanitizer builds default to less.
 */
#include "lib/stress.h"
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "drivers/channel.h"
#include "host/host.h"
#include "drivers/virtio_balloon.h"
#include "compact/compaction.h"

#ifdef PAGELAB_SANITIZED
#define DEFAULT_ROUNDS	4
#define DEFAULT_ITER	400
#else
#define DEFAULT_ROUNDS	8
#define DEFAULT_ITER	600
#endif
#define DEFAULT_SEED	0xba1100c0ffeeUL

#define STRESS_MEMORY	(128UL << 20)
#define MAX_HELD	16		/* balloon pages the scanner holds isolated */
#define USER_MAX	4096		/* pages the user thread holds */
#define WAIT_MS		20000

struct helper {
	pthread_t thread;
	uint64_t rng;
	long ops, hits;
	long missed;		/* a balloon page deflated under the scanner */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool park;		/* helpers must park */
	bool stop;		/* helpers must return */
	int parked;
} ctl = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Park while asked to; false once the helpers must return. */
static bool helper_continue(void)
{
	bool go;

	pthread_mutex_lock(&ctl.lock);
	if (ctl.park && !ctl.stop) {
		ctl.parked++;
		pthread_cond_broadcast(&ctl.cond);
		while (ctl.park && !ctl.stop)
			pthread_cond_wait(&ctl.cond, &ctl.lock);
		ctl.parked--;
	}
	go = !ctl.stop;
	pthread_mutex_unlock(&ctl.lock);
	return go;
}

static void park_helpers(int n)
{
	pthread_mutex_lock(&ctl.lock);
	ctl.park = true;
	while (ctl.parked < n)
		pthread_cond_wait(&ctl.cond, &ctl.lock);
	pthread_mutex_unlock(&ctl.lock);
}

static void release_helpers(bool stop)
{
	pthread_mutex_lock(&ctl.lock);
	ctl.park = false;
	ctl.stop = stop;
	pthread_cond_broadcast(&ctl.cond);
	pthread_mutex_unlock(&ctl.lock);
}

/* ------------------------------------------------------------------ */
/* The helpers                                                         */

static void scanner_flush(struct helper *h, struct list_head *held)
{
	unsigned int succeeded = 0;

	if (list_empty(held))
		return;
	if (splitmix64(&h->rng) % 3) {
		enum migrate_mode mode = splitmix64(&h->rng) & 1 ? MIGRATE_SYNC : MIGRATE_ASYNC;

		if (migrate_pages(held, alloc_migration_target, NULL, 0, mode, MR_COMPACTION,
				  &succeeded))
			putback_movable_pages(held);
	} else {
		putback_movable_pages(held);
	}
	INIT_LIST_HEAD(held);
}

/* Isolate balloon pages found at random, racing with their deflation. */
static void *scanner_fn(void *arg)
{
	struct helper *h = arg;
	LIST_HEAD(held);
	int nr_held = 0;

	cpu_bind_current(0);
	while (helper_continue()) {
		for (int i = 0; i < 256; i++) {
			struct page *page = pfn_to_page(splitmix64(&h->rng) % machine.max_pfn);

			h->ops++;
			if (!PageOffline(page) || !page_has_movable_ops(page) ||
			    PageMovableOpsIsolated(page))
				continue;
			if (!isolate_movable_ops_page(page, 0)) {
				h->missed++;
				continue;
			}
			h->hits++;
			list_add_tail(&page->lru, &held);
			if (++nr_held == MAX_HELD)
				break;
		}
		if (splitmix64(&h->rng) & 1)
			sleep_us(splitmix64(&h->rng) % 200);
		scanner_flush(h, &held);
		nr_held = 0;
	}
	return NULL;
}

static void *compactor_fn(void *arg)
{
	struct helper *h = arg;

	cpu_bind_current(1);
	while (helper_continue()) {
		sysctl_compact_memory();
		h->ops++;
		sleep_us(splitmix64(&h->rng) % 3000);
	}
	return NULL;
}

static uint64_t fill_word(struct page *page)
{
	return page_to_pfn(page) * 0x9e3779b97f4a7c15ULL | 1;
}

/* Use memory up to the watermark; what is handed out must stay ours. */
static void *user_fn(void *arg)
{
	static struct page *pages[USER_MAX];
	struct helper *h = arg;

	cpu_bind_current(1);
	while (helper_continue()) {
		int nr = 0, want = splitmix64(&h->rng) % USER_MAX;

		while (nr < want && (pages[nr] = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0))) {
			uint64_t *p = page_address(pages[nr]);

			for (size_t w = 0; w < PAGE_SIZE / 8; w += 64)
				p[w] = fill_word(pages[nr]);
			nr++;
		}
		h->ops += nr;
		sleep_us(splitmix64(&h->rng) % 2000);
		while (nr--) {
			uint64_t *p = page_address(pages[nr]);

			for (size_t w = 0; w < PAGE_SIZE / 8; w += 64) {
				if (p[w] == fill_word(pages[nr]))
					continue;
				fprintf(stderr, "pfn %#lx lost its contents while allocated\n",
					page_to_pfn(pages[nr]));
				abort();
			}
			__free_pages(pages[nr], 0);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Checks at quiescent points                                          */

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

static void check_balloon(void)
{
	unsigned long *guest = malloc(machine.max_pfn * sizeof(long));
	unsigned long *host = malloc(machine.max_pfn * sizeof(long));
	struct virtio_balloon_state st;
	unsigned long ng, nh;

	assert_non_null(guest);
	assert_non_null(host);
	assert_invariants();
	assert_int_equal(virtio_balloon_state(&st), 0);
	assert_false(st.host_gone);
	assert_int_equal(st.host.rejected, 0);
	ng = balloon_list_pfns(virtio_balloon_dev_info(), guest, machine.max_pfn);
	nh = balloon_host_inflated_pfns(balloon_device_local_host(), host, machine.max_pfn);
	assert_int_equal(ng, st.actual_pages);
	assert_int_equal(nh, ng);
	assert_int_equal(st.host.inflated_pages, ng);
	qsort(guest, ng, sizeof(long), cmp_ulong);
	for (unsigned long i = 0; i < ng; i++)
		if (guest[i] != host[i])
			fail_msg("guest balloon pfn %#lx, host %#lx", guest[i], host[i]);
	assert_int_equal(st.host_released_bytes, ng * PAGE_SIZE);
	free(guest);
	free(host);
}

static void wait_target(uint64_t pages)
{
	struct virtio_balloon_state st;

	assert_int_equal(virtio_balloon_set_target(pages * PAGE_SIZE), 0);
	assert_int_equal(virtio_balloon_wait(WAIT_MS), 0);
	assert_int_equal(virtio_balloon_state(&st), 0);
	assert_int_equal(st.actual_pages, pages);
}

static void test_balloon_vs_migration(void **state)
{
	struct machine_config cfg = { STRESS_MEMORY, 2, 10, 9 };
	unsigned long rounds = env_ulong("PAGELAB_STRESS_ROUNDS", DEFAULT_ROUNDS);
	unsigned long iter = env_ulong("PAGELAB_STRESS_ITER", DEFAULT_ITER);
	uint64_t rng = env_ulong("PAGELAB_STRESS_SEED", DEFAULT_SEED);
	struct helper helpers[3];
	void *(*fns[3])(void *) = { scanner_fn, compactor_fn, user_fn };
	long free_at_boot, migrated = 0;

	assert_int_equal(machine_init(&cfg), 0);
	/* kcompactd stays asleep, so the checks between rounds are exact. */
	assert_int_equal(sysctl_compaction_proactiveness_set(0), 0);
	drain_all_pages(NULL);
	free_at_boot = global_zone_page_state(NR_FREE_PAGES);
	ctl.park = true;
	for (int i = 0; i < 3; i++) {
		helpers[i] = (struct helper){ .rng = splitmix64(&rng) };
		assert_int_equal(pthread_create(&helpers[i].thread, NULL, fns[i], &helpers[i]), 0);
	}
	park_helpers(3);
	for (unsigned long round = 0; round < rounds; round++) {
		long before = vm_event_sum(BALLOON_MIGRATE);

		release_helpers(false);
		for (unsigned long i = 0; i < iter; i++) {
			uint64_t pages = splitmix64(&rng) % (machine.max_pfn * 6 / 10);

			assert_int_equal(virtio_balloon_set_target(pages * PAGE_SIZE), 0);
			if (!(splitmix64(&rng) % 8))
				virtio_balloon_wait(5);
			else
				sleep_us(splitmix64(&rng) % 1500);
		}
		park_helpers(3);
		wait_target(splitmix64(&rng) % (machine.max_pfn / 2));
		check_balloon();
		migrated += vm_event_sum(BALLOON_MIGRATE) - before;
		print_message("round %lu: %ld balloon pages migrated; the scanner isolated %ld, "
			      "missed %ld; %ld compactions, %ld user pages\n", round,
			      vm_event_sum(BALLOON_MIGRATE) - before, helpers[0].hits,
			      helpers[0].missed, helpers[1].ops, helpers[2].ops);
	}
	release_helpers(true);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(helpers[i].thread, NULL), 0);
	assert_true(migrated > 0);
	assert_true(helpers[0].hits > 0);

	wait_target(0);
	check_balloon();
	assert_int_equal(node_page_state(&contig_page_data, NR_BALLOON_PAGES), 0);
	drain_all_pages(NULL);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), free_at_boot);
	machine_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balloon_vs_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
