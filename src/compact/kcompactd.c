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

/*
 * kcompactd_lock guards pgdat->kcompactd: wakeup_kcompactd() (any
 * allocating thread), proactive_compact_trigger() and kcompactd_step()
 * look the daemon up under it, and kcompactd_stop() unpublishes it under
 * it before freeing it, so none of them can reach a daemon being torn
 * down. An untracked leaf, like kd->lock, which nests inside it; never
 * held across compaction. The daemon thread is handed its struct and never
 * looks it up.
 */
static pthread_mutex_t kcompactd_lock = PTHREAD_MUTEX_INITIALIZER;

struct kcompactd {
	pthread_t thread;
	struct pglist_data *pgdat;
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

static void kcompactd_work(struct pglist_data *pgdat, struct kcompactd *kd)
{
	bool proactive;
	int order = kcompactd_take_work(kd, &proactive);

	if (order > 0)
		kcompactd_do_work(pgdat, order);
	if (proactive && READ_ONCE(sysctl_compaction_proactiveness))
		kcompactd_proactive(pgdat, kd);
}

static void *kcompactd(void *arg)
{
	struct kcompactd *kd = arg;

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
		kcompactd_work(kd->pgdat, kd);
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
	kd->pgdat = pgdat;
	kd->threaded = threaded;
	if (threaded && pthread_create(&kd->thread, NULL, kcompactd, kd)) {
		pthread_cond_destroy(&kd->wait);
		pthread_mutex_destroy(&kd->lock);
		free(kd);
		return -EAGAIN;
	}
	pthread_mutex_lock(&kcompactd_lock);
	pgdat->kcompactd = kd;
	pthread_mutex_unlock(&kcompactd_lock);
	return 0;
}

/**
 * kcompactd_stop() - stop the thread (waiting for its current pass) and
 * free the daemon; wakeups racing with it find no daemon.
 * Context: takes kcompactd_lock; sleeps.
 */
void kcompactd_stop(struct pglist_data *pgdat)
{
	struct kcompactd *kd;

	pthread_mutex_lock(&kcompactd_lock);
	kd = pgdat->kcompactd;
	pgdat->kcompactd = NULL;
	pthread_mutex_unlock(&kcompactd_lock);
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
}

/* Run @fn on @pgdat's daemon with kcompactd_lock held, if it has one. */
static void with_kcompactd(struct pglist_data *pgdat, void (*fn)(struct kcompactd *kd, int order),
			   int order)
{
	pthread_mutex_lock(&kcompactd_lock);
	if (pgdat->kcompactd)
		fn(pgdat->kcompactd, order);
	pthread_mutex_unlock(&kcompactd_lock);
}

static void kcompactd_wake(struct kcompactd *kd, int order)
{
	trace_event("mm_compaction_wakeup_kcompactd", "nid=0 order=%d classzone_idx=%-8s",
		    order, "Normal");
	pthread_mutex_lock(&kd->lock);
	if (order > kd->max_order)
		kd->max_order = order;
	pthread_cond_signal(&kd->wait);
	pthread_mutex_unlock(&kd->lock);
}

/**
 * wakeup_kcompactd() - ask kcompactd to compact for an allocation of @order
 * (ignored for order 0, or when compaction could not help).
 * Context: the allocator's slow path; takes kcompactd_lock and the
 * daemon's lock (leaves).
 */
void wakeup_kcompactd(struct pglist_data *pgdat, int order, int highest_zoneidx)
{
	if (order <= 0 || !kcompactd_node_suitable(pgdat, order))
		return;
	with_kcompactd(pgdat, kcompactd_wake, order);
}

static void kcompactd_trigger(struct kcompactd *kd, int unused)
{
	pthread_mutex_lock(&kd->lock);
	kd->proactive_trigger = true;
	pthread_cond_signal(&kd->wait);
	pthread_mutex_unlock(&kd->lock);
}

/** proactive_compact_trigger() - run a proactive check at once. */
void proactive_compact_trigger(struct pglist_data *pgdat)
{
	with_kcompactd(pgdat, kcompactd_trigger, 0);
}

/**
 * kcompactd_step() - deterministic mode: do the work kcompactd would have
 * done, on the calling thread, after @elapsed_ms of virtual time.
 * Context: the runner's thread, between commands (the thread that would
 * stop kcompactd, so the daemon stays while it works); may sleep.
 */
void kcompactd_step(struct pglist_data *pgdat, unsigned long elapsed_ms)
{
	struct kcompactd *kd;

	pthread_mutex_lock(&kcompactd_lock);
	kd = pgdat->kcompactd;
	pthread_mutex_unlock(&kcompactd_lock);
	if (!kd || kd->threaded)
		return;
	pthread_mutex_lock(&kd->lock);
	kd->idle_ms += elapsed_ms;
	pthread_mutex_unlock(&kd->lock);
	kcompactd_work(pgdat, kd);
}
