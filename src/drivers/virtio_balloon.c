/* SPDX-License-Identifier: MIT */
/*
 * virtio_balloon.c - the balloon driver (drivers/virtio/virtio_balloon.c),
 * talking to its host over the protocol of protocol.h (channel.c).
 *
 * The host sets a target (config num_pages); the driver follows it from
 * its worker thread (update_balloon_size_func): fill_balloon() allocates
 * up to 256 pages, enqueues them in the balloon core and tells the host
 * their pfns (INFLATE); leak_balloon() dequeues up to 256 and tells the
 * host (DEFLATE) before the pages are freed, as MUST_TELL_HOST requires.
 * Both hand the core the whole batch as one list, with
 * balloon_page_list_enqueue() and balloon_page_list_dequeue(); Linux's
 * driver enqueues and dequeues one page at a time, taking the core's lock
 * per page. After each batch it writes config actual. Pages in the
 * balloon are movable: compaction isolates them through the core's
 * movable_ops and virtballoon_migratepage() swaps them at the host
 * (inflate the new page, then deflate the old), or refuses with -EAGAIN
 * when balloon_lock is busy.
 *
 * Negotiated features:
 *   DEFLATE_ON_OOM  an OOM notifier leaks VIRTIO_BALLOON_OOM_NR_PAGES pages
 *                   when an allocation fails; without it, ballooned pages
 *                   leave the zone's managed pages instead.
 *   STATS_VQ        on each IRQ_STATS (and once at probe) the guest's
 *                   statistics, from vmstat, go to the host.
 *   REPORTING       every PAGE_REPORTING_DELAY_MS of daemon time, free
 *                   blocks of pageblock order and up are reported
 *                   (page_reporting.c) and the host punches them.
 *
 * A host that goes away, or refuses a request, freezes the balloon: one
 * log line, then nothing inflates, deflates or migrates any more; the
 * guest runs on with the pages it has.
 *
 * Deterministic machines have no worker: virtio_balloon_step() does its
 * work on the caller's thread, reading the config synchronously, and
 * virtio_balloon_wait() runs the batches inline.
 *
 * Locks: balloon_lock (LOCK_CLASS_BALLOON; a mutex in the kernel) is held
 * for a whole batch, including the host's answer, and serialises fill,
 * leak and migration; balloon_pages_lock (the core's) nests inside it,
 * then the conn lock (a leaf). Migration, which already holds two page
 * locks, only trylocks it. config_lock is held around a config read (then
 * the conn lock); wait_lock only pairs with wait_cond.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "drivers/channel.h"
#include "balloon/page_reporting.h"
#include "drivers/virtio_balloon.h"

#define OOM_VBALLOON_PRIORITY	80

BUILD_BUG_ON(PAGE_REPORTING_CAPACITY > BALLOON_REPORT_MAX_RANGES);

struct virtio_balloon {
	struct balloon_conn *vdev;
	uint64_t features;			/* negotiated */
	struct balloon_dev_info vb_dev_info;
	spinlock_t balloon_lock;
	unsigned int num_pages;			/* in the balloon; written under balloon_lock */
	unsigned int num_pfns;			/* under balloon_lock */
	unsigned int actual;			/* config actual as written; balloon_lock */
	uint32_t pfns[VIRTIO_BALLOON_ARRAY_PFNS_MAX];
	pthread_mutex_t config_lock;		/* one config read at a time */
	unsigned int target;			/* atomic: config num_pages, clamped */
	bool broken;				/* atomic: frozen */
	bool out_of_puff;			/* atomic: the last fill got no page */
	uint64_t released_bytes;		/* atomic: the host's last answer */
	struct notifier_block oom_nb;
	struct page_reporting_dev_info pr_dev_info;
	unsigned long report_idle_ms;		/* the worker's or the stepper's */
	bool threaded;
	bool stop;				/* atomic */
	pthread_t worker;
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
};

static struct virtio_balloon *vb_dev;	/* the machine's, between probe and remove */

static bool virtio_has_feature(const struct virtio_balloon *vb, unsigned int bit)
{
	return vb->features & BIT(bit);
}

static bool balloon_broken(struct virtio_balloon *vb)
{
	return __atomic_load_n(&vb->broken, __ATOMIC_ACQUIRE);
}

static void notify_waiters(struct virtio_balloon *vb)
{
	pthread_mutex_lock(&vb->wait_lock);
	pthread_cond_broadcast(&vb->wait_cond);
	pthread_mutex_unlock(&vb->wait_lock);
}

/* The host went away or refused us: freeze, saying so once. */
static void host_failed(struct virtio_balloon *vb, uint16_t type, int err)
{
	if (__atomic_exchange_n(&vb->broken, true, __ATOMIC_ACQ_REL))
		return;
	if (err == -ENOTCONN)
		fprintf(stderr, "virtio_balloon: the host went away; the balloon stays frozen "
			"at %u pages\n", READ_ONCE(vb->num_pages));
	else
		fprintf(stderr, "virtio_balloon: the host refused %s (%s); the balloon stays "
			"frozen at %u pages\n", balloon_msg_name(type), strerror(-err),
			READ_ONCE(vb->num_pages));
	notify_waiters(vb);
}

/* A device request; a failure freezes the balloon. Return: reply length or -errno. */
static int request(struct virtio_balloon *vb, uint16_t type, const void *payload, uint32_t len,
		   void *reply, uint32_t reply_cap)
{
	int err = balloon_conn_request(vb->vdev, type, payload, len, reply, reply_cap);

	if (err < 0)
		host_failed(vb, type, err);
	return err;
}

/* Send vb->pfns to the host's inflate or deflate queue. Context: balloon_lock held. */
static int tell_host(struct virtio_balloon *vb, uint16_t type)
{
	unsigned char buf[4 + 4 * VIRTIO_BALLOON_ARRAY_PFNS_MAX];

	lockdep_assert_held(&vb->balloon_lock);
	put_le32(buf, vb->num_pfns);
	for (unsigned int i = 0; i < vb->num_pfns; i++)
		put_le32(buf + 4 + 4 * i, vb->pfns[i]);
	return request(vb, type, buf, 4 + 4 * vb->num_pfns, NULL, 0) < 0 ? -ENOTCONN : 0;
}

/* ------------------------------------------------------------------ */
/* Inflate and deflate                                                 */

static unsigned int fill_balloon(struct virtio_balloon *vb, size_t num)
{
	struct page *page, *next;
	unsigned int n = 0;
	LIST_HEAD(pages);

	num = min(num, (size_t)VIRTIO_BALLOON_ARRAY_PFNS_MAX);
	for (; n < num; n++) {
		page = balloon_page_alloc();
		if (!page)
			break;
		list_add_tail(&page->lru, &pages);
	}
	if (n < num && !__atomic_exchange_n(&vb->out_of_puff, true, __ATOMIC_RELAXED))
		fprintf(stderr, "virtio_balloon: Out of puff! Can't get %zu pages\n", num - n);
	else if (n == num)
		__atomic_store_n(&vb->out_of_puff, false, __ATOMIC_RELAXED);
	if (!n)
		return 0;

	spin_lock(&vb->balloon_lock);
	if (balloon_broken(vb)) {
		spin_unlock(&vb->balloon_lock);
		list_for_each_entry_safe(page, next, &pages, lru) {
			list_del(&page->lru);
			put_page(page);
		}
		return 0;
	}
	vb->num_pfns = 0;
	list_for_each_entry(page, &pages, lru)
		vb->pfns[vb->num_pfns++] = page_to_pfn(page);
	balloon_page_list_enqueue(&vb->vb_dev_info, &pages);
	/* A host that did not hear of them leaves them in the frozen balloon. */
	tell_host(vb, BALLOON_MSG_INFLATE);
	/* Last: a waiter that sees the target reached finds the batch done. */
	WRITE_ONCE(vb->num_pages, vb->num_pages + n);
	spin_unlock(&vb->balloon_lock);
	return n;
}

static unsigned int leak_balloon(struct virtio_balloon *vb, size_t num)
{
	struct page *page, *next;
	unsigned int n;
	LIST_HEAD(pages);

	num = min(num, (size_t)VIRTIO_BALLOON_ARRAY_PFNS_MAX);
	spin_lock(&vb->balloon_lock);
	if (balloon_broken(vb)) {
		spin_unlock(&vb->balloon_lock);
		return 0;
	}
	num = min(num, (size_t)vb->num_pages);
	n = balloon_page_list_take(&vb->vb_dev_info, &pages, num);
	vb->num_pfns = 0;
	list_for_each_entry(page, &pages, lru)
		vb->pfns[vb->num_pfns++] = page_to_pfn(page);
	/*
	 * MUST_TELL_HOST: the host hears of the pages before they are reused.
	 * If it cannot, they go back into the (now frozen) balloon: that is
	 * no deflate, and no inflate either, for the counters.
	 */
	if (n && tell_host(vb, BALLOON_MSG_DEFLATE)) {
		balloon_page_list_putback(&vb->vb_dev_info, &pages);
		n = 0;
	}
	balloon_page_list_deflated(n);
	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		put_page(page);
	}
	/*
	 * Last: a waiter that sees the target reached (and then checks the
	 * machine) must not find these pages on their way to the allocator.
	 */
	WRITE_ONCE(vb->num_pages, vb->num_pages - n);
	spin_unlock(&vb->balloon_lock);
	return n;
}

/* Write config actual, if it changed since the last write. */
static void update_balloon_size(struct virtio_balloon *vb)
{
	unsigned char buf[4];

	spin_lock(&vb->balloon_lock);
	if (vb->num_pages != vb->actual && !balloon_broken(vb)) {
		put_le32(buf, vb->num_pages);
		if (request(vb, BALLOON_MSG_SET_ACTUAL, buf, sizeof(buf), NULL, 0) >= 0)
			vb->actual = vb->num_pages;
	}
	spin_unlock(&vb->balloon_lock);
}

/*
 * Read config num_pages (a config space read: synchronous). config_lock
 * makes reads land in the order they were answered: a worker's read that
 * the host answered before a new target must not overwrite the newer
 * value a waiter read after it.
 */
static void read_config(struct virtio_balloon *vb)
{
	unsigned char reply[8];

	pthread_mutex_lock(&vb->config_lock);
	if (request(vb, BALLOON_MSG_GET_CONFIG, NULL, 0, reply, sizeof(reply)) == sizeof(reply))
		WRITE_ONCE(vb->target, min(get_le32(reply), (uint32_t)machine.max_pfn));
	pthread_mutex_unlock(&vb->config_lock);
}

static long towards_target(struct virtio_balloon *vb)
{
	return (long)READ_ONCE(vb->target) - (long)READ_ONCE(vb->num_pages);
}

/*
 * One batch of update_balloon_size_func(). Return: true if it moved; once
 * it does not (the target is reached, or nothing can be done now), config
 * actual is written. Linux writes it after every batch; writing it when a
 * run of batches ends saves a round trip to the host per batch and still
 * tells the host every size the balloon rests at.
 */
static bool update_balloon_size_step(struct virtio_balloon *vb)
{
	long diff = towards_target(vb);
	unsigned int n = 0;

	if (diff && !balloon_broken(vb))
		n = diff > 0 ? fill_balloon(vb, diff) : leak_balloon(vb, -diff);
	if (!n)
		update_balloon_size(vb);
	notify_waiters(vb);
	return n;
}

/* ------------------------------------------------------------------ */
/* Migration                                                           */

/*
 * The host took @newpage but never let go of @page (it refused the
 * DEFLATE, or went away): both are the host's now. The new page joins the
 * (now frozen) balloon beside the old one, which migration puts back;
 * handing it back to the guest would let the guest use memory the host
 * took. The balloon takes a reference of its own; migration drops its.
 * Context: balloon_lock held; @newpage locked by migration.
 */
static void balloon_keep_new_page(struct virtio_balloon *vb, struct page *newpage)
{
	get_page(newpage);
	balloon_page_enqueue(&vb->vb_dev_info, newpage);
	WRITE_ONCE(vb->num_pages, vb->num_pages + 1);
}

/*
 * The core's ->migratepage: the host swaps @page for @newpage. Called
 * with both pages locked; balloon_lock is only trylocked, since a batch
 * holding it may be waiting for the host.
 */
static int virtballoon_migratepage(struct balloon_dev_info *vb_dev_info, struct page *newpage,
				   struct page *page, enum migrate_mode mode)
{
	struct virtio_balloon *vb = container_of(vb_dev_info, struct virtio_balloon, vb_dev_info);
	int err;

	if (!spin_trylock(&vb->balloon_lock))
		return -EAGAIN;
	if (balloon_broken(vb)) {
		spin_unlock(&vb->balloon_lock);
		return -EBUSY;
	}
	/* Inflate the new page first, then deflate the old one. */
	vb->num_pfns = 1;
	vb->pfns[0] = page_to_pfn(newpage);
	err = tell_host(vb, BALLOON_MSG_INFLATE);
	if (!err) {
		vb->pfns[0] = page_to_pfn(page);
		err = tell_host(vb, BALLOON_MSG_DEFLATE);
		if (err)
			balloon_keep_new_page(vb, newpage);
	}
	spin_unlock(&vb->balloon_lock);
	return err ? -EBUSY : 0;
}

/* ------------------------------------------------------------------ */
/* Deflate on OOM, statistics, free page reporting                      */

static int virtio_balloon_oom_notify(struct notifier_block *nb, unsigned long dummy, void *parm)
{
	struct virtio_balloon *vb = container_of(nb, struct virtio_balloon, oom_nb);
	unsigned long *freed = parm;
	unsigned int n = leak_balloon(vb, VIRTIO_BALLOON_OOM_NR_PAGES);

	if (n)
		update_balloon_size(vb);
	*freed += n;
	return NOTIFY_OK;
}

static void update_stat(struct virtio_balloon_stat *stats, unsigned int *idx, uint16_t tag,
			uint64_t val)
{
	stats[(*idx)++] = (struct virtio_balloon_stat){ tag, val };
}

/*
 * The guest's statistics, in tag order. pagelab has no swap, hugetlb, OOM
 * killer or reclaim: those read 0. Available memory is free memory above
 * the high watermarks (there is no reclaimable cache to add).
 */
static unsigned int update_balloon_stats(struct virtio_balloon_stat *stats)
{
	long free = global_zone_page_state(NR_FREE_PAGES), reserve = 0, total = 0;
	unsigned int idx = 0;
	struct zone *zone;

	for_each_populated_zone(zone) {
		reserve += high_wmark_pages(zone);
		total += zone_managed_pages(zone);
	}
	update_stat(stats, &idx, VIRTIO_BALLOON_S_SWAP_IN, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_SWAP_OUT, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_MAJFLT, vm_event_sum(PGMAJFAULT));
	update_stat(stats, &idx, VIRTIO_BALLOON_S_MINFLT, vm_event_sum(PGFAULT));
	update_stat(stats, &idx, VIRTIO_BALLOON_S_MEMFREE, (uint64_t)free << PAGE_SHIFT);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_MEMTOT, (uint64_t)total << PAGE_SHIFT);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_AVAIL,
		    (uint64_t)max(free - reserve, 0L) << PAGE_SHIFT);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_CACHES,
		    (uint64_t)node_page_state(&contig_page_data, NR_FILE_PAGES) << PAGE_SHIFT);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_HTLB_PGALLOC, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_HTLB_PGFAIL, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_OOM_KILL, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_ALLOC_STALL, vm_event_sum(ALLOCSTALL_NORMAL));
	update_stat(stats, &idx, VIRTIO_BALLOON_S_ASYNC_SCAN, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_DIRECT_SCAN, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_ASYNC_RECLAIM, 0);
	update_stat(stats, &idx, VIRTIO_BALLOON_S_DIRECT_RECLAIM, 0);
	return idx;
}

static void stats_handle_request(struct virtio_balloon *vb)
{
	unsigned char buf[VIRTIO_BALLOON_S_NR * BALLOON_STAT_WIRE_SIZE];
	struct virtio_balloon_stat stats[VIRTIO_BALLOON_S_NR];
	unsigned int nr = update_balloon_stats(stats);

	balloon_stats_encode(buf, stats, nr);
	request(vb, BALLOON_MSG_STATS, buf, nr * BALLOON_STAT_WIRE_SIZE, NULL, 0);
}

static int virtballoon_free_page_report(struct page_reporting_dev_info *pr_dev_info,
					const struct page_report_range *ranges, unsigned int nents)
{
	struct virtio_balloon *vb = container_of(pr_dev_info, struct virtio_balloon, pr_dev_info);
	unsigned char buf[4 + 8 * PAGE_REPORTING_CAPACITY];
	int err;

	put_le32(buf, nents);
	for (unsigned int i = 0; i < nents; i++) {
		put_le32(buf + 4 + 8 * i, ranges[i].pfn);
		put_le32(buf + 8 + 8 * i, ranges[i].order);
	}
	err = request(vb, BALLOON_MSG_REPORT, buf, 4 + 8 * nents, NULL, 0);
	return err < 0 ? err : 0;
}

/* Daemon time went by: a reporting pass when one is due. */
static void report_tick(struct virtio_balloon *vb, unsigned long elapsed_ms)
{
	if (!virtio_has_feature(vb, VIRTIO_BALLOON_F_REPORTING) || balloon_broken(vb))
		return;
	vb->report_idle_ms += elapsed_ms;
	if (vb->report_idle_ms < PAGE_REPORTING_DELAY_MS)
		return;
	vb->report_idle_ms = 0;
	page_reporting_process(&vb->pr_dev_info);
}

/* Interrupts: the config changed, or the host wants statistics. */
static void handle_irqs(struct virtio_balloon *vb)
{
	unsigned int irqs = balloon_conn_take_irqs(vb->vdev, !balloon_broken(vb));

	if (balloon_conn_dead(vb->vdev))
		host_failed(vb, BALLOON_MSG_GET_CONFIG, -ENOTCONN);
	if (balloon_broken(vb))
		return;
	if (irqs & BALLOON_IRQ_CONFIG)
		read_config(vb);
	if ((irqs & BALLOON_IRQ_STATS) && virtio_has_feature(vb, VIRTIO_BALLOON_F_STATS_VQ))
		stats_handle_request(vb);
}

/* ------------------------------------------------------------------ */
/* The worker                                                          */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void *balloon_worker(void *arg)
{
	struct virtio_balloon *vb = arg;
	uint64_t last = now_ms();

	while (!__atomic_load_n(&vb->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd fds[2] = {
			{ balloon_conn_irq_fd(vb->vdev), POLLIN, 0 },
			{ balloon_conn_socket(vb->vdev), POLLIN, 0 },
		};
		uint64_t now;
		int timeout = -1;

		handle_irqs(vb);
		if (update_balloon_size_step(vb))
			continue;
		now = now_ms();
		report_tick(vb, now - last);
		last = now;
		if (balloon_broken(vb)) {
			poll(fds, 1, -1);	/* frozen: only a stop wakes us */
			continue;
		}
		if (towards_target(vb))
			timeout = VIRTIO_BALLOON_PUFF_RETRY_MS;
		if (virtio_has_feature(vb, VIRTIO_BALLOON_F_REPORTING)) {
			int due = PAGE_REPORTING_DELAY_MS - vb->report_idle_ms;

			timeout = timeout < 0 ? due : min(timeout, due);
		}
		poll(fds, 2, timeout);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Probe and remove                                                    */

/**
 * virtio_balloon_probe() - bind the driver to the machine's balloon
 * device: negotiate features, register with the balloon core, the OOM
 * notifiers and free page reporting as negotiated, send the first
 * statistics, read the target and start the worker.
 * @threaded: start the worker thread (false: deterministic machines, see
 *	virtio_balloon_step()).
 *
 * A host that is already gone leaves a frozen, empty balloon; the machine
 * boots anyway.
 * Context: machine_init(), after the zones are up.
 * Return: 0, -ENOMEM, or -EAGAIN if the worker cannot be started.
 */
int virtio_balloon_probe(bool threaded)
{
	struct virtio_balloon *vb = kzalloc(sizeof(*vb));
	unsigned char buf[8];

	if (!vb)
		return -ENOMEM;
	vb->vdev = balloon_device_conn();
	vb->features = balloon_conn_features(vb->vdev) & BALLOON_FEATURES_SUPPORTED;
	spin_lock_init(&vb->balloon_lock, LOCK_CLASS_BALLOON);
	pthread_mutex_init(&vb->config_lock, NULL);
	pthread_mutex_init(&vb->wait_lock, NULL);
	pthread_cond_init(&vb->wait_cond, NULL);
	balloon_devinfo_init(&vb->vb_dev_info);
	vb->vb_dev_info.migratepage = virtballoon_migratepage;
	put_le64(buf, vb->features);
	if (request(vb, BALLOON_MSG_FEATURES, buf, sizeof(buf), NULL, 0) >= 0)
		read_config(vb);
	if (virtio_has_feature(vb, VIRTIO_BALLOON_F_DEFLATE_ON_OOM)) {
		vb->oom_nb.notifier_call = virtio_balloon_oom_notify;
		vb->oom_nb.priority = OOM_VBALLOON_PRIORITY;
		register_oom_notifier(&vb->oom_nb);
	} else {
		vb->vb_dev_info.adjust_managed_page_count = true;
	}
	if (virtio_has_feature(vb, VIRTIO_BALLOON_F_STATS_VQ) && !balloon_broken(vb))
		stats_handle_request(vb);
	if (virtio_has_feature(vb, VIRTIO_BALLOON_F_REPORTING)) {
		vb->pr_dev_info.report = virtballoon_free_page_report;
		page_reporting_register(&vb->pr_dev_info);
	}
	vb_dev = vb;
	vb->threaded = threaded;
	if (threaded && pthread_create(&vb->worker, NULL, balloon_worker, vb)) {
		vb->threaded = false;
		virtio_balloon_remove();
		return -EAGAIN;
	}
	return 0;
}

/**
 * virtio_balloon_remove() - unbind the driver: stop the worker, deflate
 * every page (telling the host), unregister. A frozen balloon keeps its
 * pages: they go with the machine.
 * Context: machine_exit(); no other thread uses the machine (so no page
 * is isolated for migration).
 */
void virtio_balloon_remove(void)
{
	struct virtio_balloon *vb = vb_dev;

	if (!vb)
		return;
	if (vb->threaded) {
		__atomic_store_n(&vb->stop, true, __ATOMIC_RELEASE);
		balloon_conn_kick(vb->vdev);
		pthread_join(vb->worker, NULL);
	}
	if (virtio_has_feature(vb, VIRTIO_BALLOON_F_REPORTING))
		page_reporting_unregister(&vb->pr_dev_info);
	if (virtio_has_feature(vb, VIRTIO_BALLOON_F_DEFLATE_ON_OOM))
		unregister_oom_notifier(&vb->oom_nb);
	while (READ_ONCE(vb->num_pages) && leak_balloon(vb, vb->num_pages))
		;
	if (!balloon_broken(vb))
		update_balloon_size(vb);
	vb_dev = NULL;
	pthread_cond_destroy(&vb->wait_cond);
	pthread_mutex_destroy(&vb->wait_lock);
	pthread_mutex_destroy(&vb->config_lock);
	spin_lock_destroy(&vb->balloon_lock);
	free(vb);
}

/* ------------------------------------------------------------------ */
/* Driving it: the scenario runner and the public API                   */

/**
 * virtio_balloon_set_target() - the operator asks the host for a balloon
 * of @bytes (as `pagelab balloon set` does); the host clamps it to memory
 * and interrupts the driver, which follows from its worker (or at the next
 * virtio_balloon_step() / virtio_balloon_wait() of a deterministic
 * machine).
 * Context: any thread; blocks for the host's answer.
 * Return: 0; -EINVAL if @bytes is not a multiple of 4 KiB; -ENODEV without
 * a machine; -ENOTCONN if the host has gone (the balloon is frozen).
 */
int virtio_balloon_set_target(uint64_t bytes)
{
	struct virtio_balloon *vb = vb_dev;
	unsigned char buf[8], reply[8];
	int err;

	if (!vb)
		return -ENODEV;
	if (bytes % PAGE_SIZE)
		return -EINVAL;
	put_le64(buf, bytes);
	err = balloon_conn_control(vb->vdev, BALLOON_MSG_CTL_SET_TARGET, buf, sizeof(buf),
				   reply, sizeof(reply));
	if (err == -ENOTCONN || err == -EPROTO)
		host_failed(vb, BALLOON_MSG_CTL_SET_TARGET, -ENOTCONN);
	if (balloon_broken(vb))
		return -ENOTCONN;
	return err < 0 ? err : 0;
}

/**
 * virtio_balloon_wait() - wait until the balloon holds the host's target.
 * @timeout_ms: how long a threaded machine waits at most.
 *
 * The target is read from the host first. A deterministic machine runs
 * the batches on the calling thread until the target or until a batch
 * gets nowhere (out of memory, or every remaining page isolated).
 * Context: any thread of the machine's user; sleeps.
 * Return: 0; -ETIMEDOUT (threaded) or -EAGAIN (deterministic) if the
 * target was not reached; -ENOTCONN if the balloon is frozen; -ENODEV
 * without a machine.
 */
int virtio_balloon_wait(unsigned long timeout_ms)
{
	struct virtio_balloon *vb = vb_dev;
	struct timespec deadline;

	if (!vb)
		return -ENODEV;
	if (!balloon_broken(vb))
		read_config(vb);
	if (!vb->threaded) {
		while (update_balloon_size_step(vb))
			;
		if (balloon_broken(vb))
			return -ENOTCONN;
		return towards_target(vb) ? -EAGAIN : 0;
	}
	balloon_conn_kick(vb->vdev);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	deadline.tv_sec += deadline.tv_nsec / 1000000000L;
	deadline.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&vb->wait_lock);
	while (!balloon_broken(vb) && towards_target(vb))
		if (pthread_cond_timedwait(&vb->wait_cond, &vb->wait_lock, &deadline))
			break;
	pthread_mutex_unlock(&vb->wait_lock);
	if (balloon_broken(vb))
		return -ENOTCONN;
	return towards_target(vb) ? -ETIMEDOUT : 0;
}

/**
 * virtio_balloon_step() - deterministic machines: the worker's work after
 * @elapsed_ms of virtual time: interrupts, a config read, batches towards
 * the target, and a free page reporting pass every
 * PAGE_REPORTING_DELAY_MS. The scenario runner calls it between commands,
 * as it calls kcompactd_step(). Does nothing on a threaded machine.
 * Context: the machine's driving thread; sleeps on the host.
 */
void virtio_balloon_step(unsigned long elapsed_ms)
{
	struct virtio_balloon *vb = vb_dev;

	if (!vb || vb->threaded)
		return;
	handle_irqs(vb);
	if (!balloon_broken(vb))
		read_config(vb);
	while (update_balloon_size_step(vb))
		;
	report_tick(vb, elapsed_ms);
}

/**
 * virtio_balloon_state() - the balloon's numbers, the host's measured.
 * @st: receives them; with st->host_gone the last values known.
 * Context: any thread; blocks for the host's answer.
 * Return: 0, or -ENODEV without a machine.
 */
int virtio_balloon_state(struct virtio_balloon_state *st)
{
	struct virtio_balloon *vb = vb_dev;
	unsigned char reply[BALLOON_INFO_WIRE_SIZE];
	int n;

	memset(st, 0, sizeof(*st));
	if (!vb)
		return -ENODEV;
	n = balloon_conn_control(vb->vdev, BALLOON_MSG_CTL_INFO, NULL, 0, reply, sizeof(reply));
	if (n >= BALLOON_INFO_WIRE_SIZE) {
		balloon_info_decode(reply, &st->host);
		__atomic_store_n(&vb->released_bytes, st->host.released_bytes, __ATOMIC_RELAXED);
		st->target_pages = min(st->host.target_pages, (uint64_t)machine.max_pfn);
	} else {
		host_failed(vb, BALLOON_MSG_CTL_INFO, n < 0 ? n : -EPROTO);
		st->target_pages = READ_ONCE(vb->target);
	}
	st->host_gone = balloon_broken(vb);
	st->actual_pages = READ_ONCE(vb->num_pages);
	st->host_released_bytes = __atomic_load_n(&vb->released_bytes, __ATOMIC_RELAXED);
	return 0;
}

/**
 * virtio_balloon_check() - the invariant checker's balloon part: the
 * core's list and page->private agree and add up to num_pages.
 * Context: takes balloon_lock and balloon_pages_lock; the machine must be
 * quiescent. Return: 0, or -EUCLEAN with @msg set.
 */
int virtio_balloon_check(char *msg, size_t len)
{
	struct virtio_balloon *vb = vb_dev;
	int err;

	if (!vb)
		return 0;
	spin_lock(&vb->balloon_lock);
	err = balloon_devinfo_check(&vb->vb_dev_info, vb->num_pages, msg, len);
	spin_unlock(&vb->balloon_lock);
	return err;
}

/** virtio_balloon_dev_info() - the driver's balloon device (tests), or NULL. */
struct balloon_dev_info *virtio_balloon_dev_info(void)
{
	return vb_dev ? &vb_dev->vb_dev_info : NULL;
}
