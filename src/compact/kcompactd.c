/* SPDX-License-Identifier: MIT */
/*
 * kcompactd.c - the per-node compaction daemon: background compaction for
 * a high-order allocation that found no free block (woken by the
 * allocator), and proactive compaction every 500 ms when the node's
 * fragmentation score is above its high mark (vm.compaction_proactiveness).
 *
 * The daemon is a real thread ("kcompactd0"). In deterministic mode it is
 * not started: the scenario runner calls kcompactd_step() between commands,
 * with the elapsed virtual time, and the same work runs on its thread.
 *
 * Deviation: there is no kswapd, so the allocator's slow path wakes
 * kcompactd directly where Linux wakes kswapd, which wakes kcompactd once
 * it has reclaimed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "compact/compact_internal.h"

#define HPAGE_FRAG_CHECK_INTERVAL_MSEC	500

struct kcompactd {
	pthread_t thread;
	bool threaded;
	pthread_mutex_t lock;		/* protects the fields below; a leaf */
	pthread_cond_t wait;
	bool stop;
	bool proactive_trigger;
	int max_order;			/* kcompactd_max_order: work to do if > 0 */
	unsigned long timeout_ms;	/* until the next proactive check */
	unsigned long idle_ms;		/* virtual time since the last check */
	unsigned int proactive_defer;	/* skip checks after a pass that did not help */
};

static bool kcompactd_node_suitable(struct pglist_data *pgdat, int order)
{
	struct zone *zone;

	for_each_populated_zone(zone)
		if (compaction_suit_allocation_order(zone, order, ALLOC_WMARK_MIN) ==
		    COMPACT_CONTINUE)
			return true;
	return false;
}

/* kcompactd_do_work(): compact for the order the allocator asked for. */
static void kcompactd_do_work(struct pglist_data *pgdat, int order)
{
	struct zone *zone;

	trace_event("mm_compaction_kcompactd_wake", "nid=0 order=%d classzone_idx=%-8s", order,
		    "Normal");
	count_vm_event(KCOMPACTD_WAKE);
	for_each_populated_zone(zone) {
		struct compact_control cc = {
			.order = order,
			.zone = zone,
			.mode = MIGRATE_SYNC_LIGHT,
			.ignore_skip_hint = false,
			.gfp_mask = GFP_KERNEL,
			.alloc_flags = ALLOC_WMARK_MIN,
		};
		enum compact_result status;

		if (compaction_deferred(zone, order) ||
		    compaction_suit_allocation_order(zone, order, ALLOC_WMARK_MIN) !=
		    COMPACT_CONTINUE)
			continue;
		status = compact_zone(&cc, NULL);
		count_vm_events(KCOMPACTD_MIGRATE_SCANNED, cc.total_migrate_scanned);
		count_vm_events(KCOMPACTD_FREE_SCANNED, cc.total_free_scanned);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(zone, order, false);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			drain_all_pages(zone);
			defer_compaction(zone, order);
		}
	}
}

static bool should_proactive_compact_node(struct pglist_data *pgdat)
{
	return READ_ONCE(sysctl_compaction_proactiveness) &&
	       fragmentation_score_node(pgdat) > fragmentation_score_wmark(false);
}

/* One proactive check; a pass that did not lower the score backs off. */
static void kcompactd_proactive(struct pglist_data *pgdat, struct kcompactd *kd)
{
	unsigned int before;

	if (kd->proactive_defer) {
		kd->proactive_defer--;
		return;
	}
	if (!should_proactive_compact_node(pgdat))
		return;
	before = fragmentation_score_node(pgdat);
	compact_node(pgdat, true);
	if (fragmentation_score_node(pgdat) >= before)
		kd->proactive_defer = COMPACT_MAX_DEFER_SHIFT;
}

/* Take the pending work: returns the order to compact for, or 0. */
static int kcompactd_take_work(struct kcompactd *kd, bool *proactive)
{
	int order;

	pthread_mutex_lock(&kd->lock);
	order = kd->max_order;
	kd->max_order = 0;
	*proactive = kd->proactive_trigger || kd->idle_ms >= HPAGE_FRAG_CHECK_INTERVAL_MSEC;
	if (*proactive) {
		if (kd->proactive_trigger)
			kd->proactive_defer = 0;
		kd->proactive_trigger = false;
		kd->idle_ms = 0;
	}
	pthread_mutex_unlock(&kd->lock);
	return order;
}

static void kcompactd_work(struct pglist_data *pgdat)
{
	struct kcompactd *kd = pgdat->kcompactd;
	bool proactive;
	int order = kcompactd_take_work(kd, &proactive);

	if (order > 0)
		kcompactd_do_work(pgdat, order);
	if (proactive && READ_ONCE(sysctl_compaction_proactiveness))
		kcompactd_proactive(pgdat, kd);
}

static void *kcompactd(void *arg)
{
	struct pglist_data *pgdat = arg;
	struct kcompactd *kd = pgdat->kcompactd;

	for (;;) {
		struct timespec deadline;

		pthread_mutex_lock(&kd->lock);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += HPAGE_FRAG_CHECK_INTERVAL_MSEC * 1000000L;
		deadline.tv_sec += deadline.tv_nsec / 1000000000L;
		deadline.tv_nsec %= 1000000000L;
		while (!kd->stop && !kd->max_order && !kd->proactive_trigger) {
			trace_event("mm_compaction_kcompactd_sleep", "nid=0");
			if (pthread_cond_timedwait(&kd->wait, &kd->lock, &deadline)) {
				kd->idle_ms = HPAGE_FRAG_CHECK_INTERVAL_MSEC;
				break;
			}
		}
		if (kd->stop) {
			pthread_mutex_unlock(&kd->lock);
			return NULL;
		}
		pthread_mutex_unlock(&kd->lock);
		kcompactd_work(pgdat);
	}
}

/**
 * kcompactd_run() - set up kcompactd for @pgdat; start its thread unless
 * @threaded is false (deterministic mode: kcompactd_step() drives it).
 * Context: machine boot. Return: 0 or -ENOMEM / -EAGAIN.
 */
int kcompactd_run(struct pglist_data *pgdat, bool threaded)
{
	struct kcompactd *kd = kzalloc(sizeof(*kd));

	if (!kd)
		return -ENOMEM;
	pthread_mutex_init(&kd->lock, NULL);
	pthread_cond_init(&kd->wait, NULL);
	kd->threaded = threaded;
	pgdat->kcompactd = kd;
	if (threaded && pthread_create(&kd->thread, NULL, kcompactd, pgdat)) {
		pgdat->kcompactd = NULL;
		free(kd);
		return -EAGAIN;
	}
	return 0;
}

/** kcompactd_stop() - stop the thread (waiting for its current pass). */
void kcompactd_stop(struct pglist_data *pgdat)
{
	struct kcompactd *kd = pgdat->kcompactd;

	if (!kd)
		return;
	if (kd->threaded) {
		pthread_mutex_lock(&kd->lock);
		kd->stop = true;
		pthread_cond_signal(&kd->wait);
		pthread_mutex_unlock(&kd->lock);
		pthread_join(kd->thread, NULL);
	}
	pthread_cond_destroy(&kd->wait);
	pthread_mutex_destroy(&kd->lock);
	free(kd);
	pgdat->kcompactd = NULL;
}

/**
 * wakeup_kcompactd() - ask kcompactd to compact for an allocation of @order
 * (ignored for order 0, or when compaction could not help).
 * Context: the allocator's slow path; takes the daemon's lock (a leaf).
 */
void wakeup_kcompactd(struct pglist_data *pgdat, int order, int highest_zoneidx)
{
	struct kcompactd *kd = pgdat->kcompactd;

	if (!kd || order <= 0 || !kcompactd_node_suitable(pgdat, order))
		return;
	trace_event("mm_compaction_wakeup_kcompactd", "nid=0 order=%d classzone_idx=%-8s",
		    order, "Normal");
	pthread_mutex_lock(&kd->lock);
	if (order > kd->max_order)
		kd->max_order = order;
	pthread_cond_signal(&kd->wait);
	pthread_mutex_unlock(&kd->lock);
}

/** proactive_compact_trigger() - run a proactive check at once. */
void proactive_compact_trigger(struct pglist_data *pgdat)
{
	struct kcompactd *kd = pgdat->kcompactd;

	if (!kd)
		return;
	pthread_mutex_lock(&kd->lock);
	kd->proactive_trigger = true;
	pthread_cond_signal(&kd->wait);
	pthread_mutex_unlock(&kd->lock);
}

/**
 * kcompactd_step() - deterministic mode: do the work kcompactd would have
 * done, on the calling thread, after @elapsed_ms of virtual time.
 * Context: the runner's thread, between commands; may sleep.
 */
void kcompactd_step(struct pglist_data *pgdat, unsigned long elapsed_ms)
{
	struct kcompactd *kd = pgdat->kcompactd;

	if (!kd || kd->threaded)
		return;
	pthread_mutex_lock(&kd->lock);
	kd->idle_ms += elapsed_ms;
	pthread_mutex_unlock(&kd->lock);
	kcompactd_work(pgdat);
}
