/* SPDX-License-Identifier: MIT */
/*
 * api.c - the public pagelab_* interface (include/pagelab/pagelab.h): thin,
 * checked wrappers over the kernel-named internals. Every argument is
 * validated here, so a caller's mistake returns an errno instead of
 * reaching an assertion inside the allocator.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "compact/compaction.h"
#include "drivers/channel.h"
#include "drivers/virtio_balloon.h"
#include "ksm/ksm.h"
#include "machine/machine.h"
#include "migrate/migrate.h"
#include "pagelab/pagelab.h"
#include "vm/huge_mm.h"

BUILD_BUG_ON(PAGELAB_PAGE_SIZE != PAGE_SIZE);

/*
 * The one machine; the handle exists so the API can grow to several.
 * @processes lists the live process handles (under process_list_lock, a
 * leaf), so that destroying the machine can end them and leave the handles
 * stale instead of dangling.
 */
struct pagelab_machine {
	bool connected;		/* it opened the balloon_connect connection */
	struct list_head processes;
};
static struct pagelab_machine the_machine = {
	.processes = LIST_HEAD_INIT(the_machine.processes),
};
static pthread_mutex_t process_list_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * A process handle. @mm is NULL once the machine it belonged to was
 * destroyed: the handle is stale, refused with -ESTALE, and only
 * pagelab_process_exit() still takes it (to free it).
 */
struct pagelab_process {
	struct list_head list;	/* on the_machine.processes while @mm is set */
	struct mm_struct *mm;
};

static bool handle_ok(const struct pagelab_machine *m)
{
	return m == &the_machine && machine_exists();
}

/* The one conversion of the public config to boot's. */
static struct machine_config machine_config_of(const struct pagelab_config *cfg)
{
	return (struct machine_config){
		.memory_bytes = cfg->memory_bytes, .cpus = cfg->cpus,
		.max_order = cfg->max_order, .pageblock_order = cfg->pageblock_order,
		.deterministic = cfg->deterministic,
		.balloon_free_page_reporting = cfg->balloon_free_page_reporting,
		.deferred_init = (enum deferred_init_mode)cfg->deferred_init,
	};
}
BUILD_BUG_ON((int)PAGELAB_DEFERRED_INIT_OFF != (int)DEFERRED_INIT_OFF);

int pagelab_config_validate(const struct pagelab_config *cfg, char *msg, size_t len)
{
	struct machine_config mc;

	if (!cfg) {
		snprintf(msg, len, "no config");
		return -EINVAL;
	}
	mc = machine_config_of(cfg);
	/*
	 * Connected to a host without a size of its own, the machine gets the
	 * host's memory, which is only known once connected: check the rest
	 * (a pageblock stands in; pageblock_order is checked before memory).
	 */
	if (cfg->balloon_connect && !cfg->memory_bytes)
		mc.memory_bytes = PAGE_SIZE << min(cfg->pageblock_order, MAX_PAGE_ORDER_CAP);
	return machine_validate_config(&mc, msg, len);
}

int pagelab_machine_create(const struct pagelab_config *cfg, struct pagelab_machine **out)
{
	struct machine_config mc;
	int err;

	if (!cfg || !out)
		return -EINVAL;
	mc = machine_config_of(cfg);
	if (cfg->balloon_connect) {
		char msg[256];

		err = balloon_connect(cfg->balloon_connect, msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "pagelab: %s\n", msg);
			return err;
		}
		err = balloon_connect_machine_memory(&mc.memory_bytes, cfg->memory_bytes != 0,
						     msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "pagelab: %s\n", msg);
			balloon_disconnect();
			return err;
		}
	}
	err = machine_init(&mc);
	if (err) {
		if (cfg->balloon_connect)
			balloon_disconnect();
		return err;
	}
	the_machine.connected = cfg->balloon_connect;
	*out = &the_machine;
	return 0;
}

/* Exit every live process of @m, leaving its handle stale. */
static void processes_end(struct pagelab_machine *m)
{
	for (;;) {
		struct mm_struct *mm = NULL;

		pthread_mutex_lock(&process_list_lock);
		if (!list_empty(&m->processes)) {
			struct pagelab_process *p = list_first_entry(&m->processes,
								     struct pagelab_process, list);

			list_del(&p->list);
			mm = p->mm;
			p->mm = NULL;
		}
		pthread_mutex_unlock(&process_list_lock);
		if (!mm)
			return;
		mmput(mm);
	}
}

void pagelab_machine_destroy(struct pagelab_machine *m)
{
	if (!handle_ok(m))
		return;
	processes_end(m);
	machine_exit();
	if (m->connected)
		balloon_disconnect();
	m->connected = false;
}

int pagelab_set_cpu(struct pagelab_machine *m, unsigned int cpu)
{
	return handle_ok(m) ? cpu_bind_current(cpu) : -EINVAL;
}

static const gfp_t alloc_type_gfp[] = {
	[PAGELAB_UNMOVABLE] = GFP_KERNEL,
	[PAGELAB_MOVABLE] = GFP_HIGHUSER_MOVABLE,
	[PAGELAB_RECLAIMABLE] = GFP_KERNEL_RECLAIMABLE,
};

int pagelab_alloc_pages(struct pagelab_machine *m, enum pagelab_alloc_type type,
			unsigned int order, unsigned long *pfn)
{
	struct page *page;

	if (!handle_ok(m) || !pfn || (unsigned int)type >= ARRAY_SIZE(alloc_type_gfp) ||
	    order > MAX_PAGE_ORDER)
		return -EINVAL;
	page = alloc_pages(alloc_type_gfp[type] | __GFP_NOWARN, order);
	if (!page)
		return -ENOMEM;
	*pfn = page_to_pfn(page);
	return 0;
}

int pagelab_free_pages(struct pagelab_machine *m, unsigned long pfn, unsigned int order)
{
	struct page *page;

	if (!handle_ok(m) || !pfn_valid(pfn) || order > MAX_PAGE_ORDER)
		return -EINVAL;
	page = pfn_to_page(pfn);
	if (page_owner_order(page) != (int)order || page_ref_count(page) != 1)
		return -EINVAL;
	__free_pages(page, order);
	return 0;
}

void *pagelab_page_address(struct pagelab_machine *m, unsigned long pfn)
{
	return handle_ok(m) && pfn_valid(pfn) ? page_address(pfn_to_page(pfn)) : NULL;
}

int pagelab_vmstat(struct pagelab_machine *m, const char *name, long *value)
{
	if (!handle_ok(m) || !name || !value)
		return -EINVAL;
	return vmstat_read(name, value);
}

/* Every /sys/kernel/mm/ksm file, knobs then counters: "name value". */
static void ksm_files_show(FILE *out)
{
	const char *const *lists[] = { ksm_knob_names, ksm_counter_names };
	char buf[64];

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (const char *const *name = lists[l]; *name; name++)
			if (ksm_knob_show(*name, buf, sizeof(buf)) >= 0)
				fprintf(out, "%s %s\n", *name, buf);
}

int pagelab_report(struct pagelab_machine *m, enum pagelab_report which, FILE *out)
{
	if (!handle_ok(m) || !out)
		return -EINVAL;
	switch (which) {
	case PAGELAB_PROC_VMSTAT:
		vmstat_show(out);
		return 0;
	case PAGELAB_PROC_BUDDYINFO:
		buddyinfo_show(out);
		return 0;
	case PAGELAB_PROC_PAGETYPEINFO:
		pagetypeinfo_show(out);
		return 0;
	case PAGELAB_PROC_ZONEINFO:
		zoneinfo_show(out);
		return 0;
	case PAGELAB_PROC_MEMINFO:
		meminfo_show(out);
		return 0;
	case PAGELAB_FRAME_CENSUS:
		return frame_census_show(out);
	case PAGELAB_SYS_KSM:
		ksm_files_show(out);
		return 0;
	}
	return -EINVAL;
}

const char *pagelab_strerror(int err)
{
	if (err == -ESTALE)
		return "the machine of this handle was destroyed";
	return strerror(-err);
}

int pagelab_knob_set(struct pagelab_machine *m, const char *name, const char *value)
{
	char *end;
	long v;

	if (!handle_ok(m) || !name || !value)
		return -EINVAL;
	if (!strncmp(name, "ksm.", 4))
		return ksm_knob_write(name + 4, value);
	if (!strncmp(name, "thp.", 4))
		return thp_knob_write(name + 4, value);
	if (strncmp(name, "vm.", 3))
		return -ENOENT;
	errno = 0;
	v = strtol(value, &end, 10);
	if (end == value || *end || errno)
		return machine_sysctl_get(name, &v) == -ENOENT ? -ENOENT : -EINVAL;
	return machine_sysctl_set(name, v);
}

int pagelab_knob_get(struct pagelab_machine *m, const char *name, char *buf, size_t len)
{
	long v;
	int err;

	if (!handle_ok(m) || !name || !buf || !len)
		return -EINVAL;
	if (!strncmp(name, "ksm.", 4)) {
		err = ksm_knob_show(name + 4, buf, len);
	} else if (!strncmp(name, "thp.", 4)) {
		err = thp_knob_show(name + 4, buf, len);
	} else if (!strncmp(name, "vm.", 3)) {
		err = machine_sysctl_get(name, &v);
		if (!err)
			err = snprintf(buf, len, "%ld", v);
	} else {
		err = -ENOENT;
	}
	return err < 0 ? err : (int)min((size_t)err, len - 1);
}

int pagelab_compact(struct pagelab_machine *m)
{
	return handle_ok(m) ? sysctl_compact_memory() : -EINVAL;
}

int pagelab_pageblock(struct pagelab_machine *m, unsigned long index,
		      struct pagelab_pageblock *info)
{
	unsigned long start = index << pageblock_order, end = start + pageblock_nr_pages, pfn;
	struct zone *zone;

	if (!handle_ok(m) || !info)
		return -EINVAL;
	if (index >= machine.max_pfn >> pageblock_order)
		return -ERANGE;
	page_alloc_init_late();
	zone = &contig_page_data.node_zones[ZONE_NORMAL];
	*info = (struct pagelab_pageblock){ .nr_pages = pageblock_nr_pages };
	/* Struct pages deferred init has not reached: nothing free there yet. */
	end = min(end, zone_init_end_pfn(zone));
	spin_lock(&zone->lock);
	info->migratetype = migratetype_names[get_pageblock_migratetype(pfn_to_page(start))];
	/* A free block larger than a pageblock may start before this one. */
	for (pfn = ALIGN_DOWN(start, 1UL << MAX_PAGE_ORDER); pfn < end; ) {
		struct page *page = pfn_to_page(pfn);
		unsigned long n = PageBuddy(page) ? 1UL << buddy_order(page) : 1;

		if (PageBuddy(page) && pfn + n > start)
			info->nr_free += min(pfn + n, end) - max(pfn, start);
		pfn += n;
	}
	spin_unlock(&zone->lock);
	return 0;
}

int pagelab_check(struct pagelab_machine *m, char *msg, size_t len)
{
	if (!handle_ok(m) || !msg || !len)
		return -EINVAL;
	return check_invariants(msg, len);
}

/* The public states are the census's, in its order (machine.h). */
BUILD_BUG_ON((int)PAGELAB_NR_FRAME_STATES != (int)NR_CENSUS_STATES);
BUILD_BUG_ON(PAGELAB_FRAME_STATES_CAP != CENSUS_STATES_CAP);
BUILD_BUG_ON((int)PAGELAB_FRAMES_RESERVED != (int)CENSUS_RESERVED);

int pagelab_frame_census(struct pagelab_machine *m, struct pagelab_frame_census *census,
			 char *msg, size_t len)
{
	struct frame_census fc;
	int err;

	if (!handle_ok(m) || !census || !msg || !len)
		return -EINVAL;
	err = check_frames(&fc, msg, len);
	if (err)
		return err;
	memset(census, 0, sizeof(*census));
	for (int i = 0; i < NR_CENSUS_STATES; i++)
		census->frames[i] = fc.nr[i];
	census->total = frame_census_total(&fc);
	return 0;
}

const char *pagelab_frame_state_name(enum pagelab_frame_state state)
{
	return (unsigned int)state < NR_CENSUS_STATES ? census_state_names[state] : NULL;
}

/* @p's mm, or NULL with *@err set: -EINVAL for no handle, -ESTALE. */
static struct mm_struct *process_mm(const struct pagelab_process *p, int *err)
{
	*err = !p ? -EINVAL : !p->mm ? -ESTALE : 0;
	return *err ? NULL : p->mm;
}

static struct pagelab_process *process_wrap(struct mm_struct *mm)
{
	struct pagelab_process *p;

	if (!mm)
		return NULL;
	p = malloc(sizeof(*p));
	if (!p) {
		mmput(mm);
		return NULL;
	}
	p->mm = mm;
	pthread_mutex_lock(&process_list_lock);
	list_add(&p->list, &the_machine.processes);
	pthread_mutex_unlock(&process_list_lock);
	return p;
}

int pagelab_process_create(struct pagelab_machine *m, struct pagelab_process **out)
{
	if (!handle_ok(m) || !out)
		return -EINVAL;
	*out = process_wrap(mm_alloc());
	return *out ? 0 : -ENOMEM;
}

int pagelab_process_fork(struct pagelab_process *parent, struct pagelab_process **child)
{
	int err;
	struct mm_struct *mm = process_mm(parent, &err);

	if (!mm)
		return err;
	if (!child)
		return -EINVAL;
	mm = dup_mm(mm, &err);
	if (!mm)
		return err;
	*child = process_wrap(mm);
	return *child ? 0 : -ENOMEM;
}

void pagelab_process_exit(struct pagelab_process *p)
{
	struct mm_struct *mm = NULL;

	if (!p)
		return;
	pthread_mutex_lock(&process_list_lock);
	if (p->mm) {
		mm = p->mm;
		list_del(&p->list);
		p->mm = NULL;
	}
	pthread_mutex_unlock(&process_list_lock);
	if (mm)
		mmput(mm);
	free(p);
}

int pagelab_mmap(struct pagelab_process *p, size_t len, int flags, unsigned long *addr)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	if (!mm)
		return err;
	if (!addr || (flags & ~PAGELAB_MAP_SHARED))
		return -EINVAL;
	return do_mmap(mm, len, flags & PAGELAB_MAP_SHARED, addr);
}

int pagelab_munmap(struct pagelab_process *p, unsigned long addr, size_t len)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	return mm ? do_munmap(mm, addr, len) : err;
}

int pagelab_madvise_dontneed(struct pagelab_process *p, unsigned long addr, size_t len)
{
	return pagelab_madvise(p, addr, len, PAGELAB_MADV_DONTNEED);
}

int pagelab_madvise(struct pagelab_process *p, unsigned long addr, size_t len, int advice)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	if (!mm)
		return err;
	switch (advice) {
	case PAGELAB_MADV_DONTNEED:
		return madvise_dontneed(mm, addr, len);
	case PAGELAB_MADV_MERGEABLE:
		return ksm_madvise_range(mm, addr, len, MADV_MERGEABLE);
	case PAGELAB_MADV_UNMERGEABLE:
		return ksm_madvise_range(mm, addr, len, MADV_UNMERGEABLE);
	case PAGELAB_MADV_HUGEPAGE:
		return madvise_hugepage_range(mm, addr, len, MADV_HUGEPAGE);
	case PAGELAB_MADV_NOHUGEPAGE:
		return madvise_hugepage_range(mm, addr, len, MADV_NOHUGEPAGE);
	default:
		return -EINVAL;
	}
}

int pagelab_ksm_merge(struct pagelab_process *p, int on)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	return mm ? ksm_prctl(mm, PR_SET_MEMORY_MERGE, !!on, 0, 0, 0) : err;
}

int pagelab_ksm_stat(struct pagelab_process *p, const char *name, long *value)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	if (!mm)
		return err;
	return name && value ? ksm_mm_stat_read(mm, name, value) : -EINVAL;
}

long pagelab_move_pages(struct pagelab_process *p, unsigned long addr,
			unsigned long nr_pages, int *status)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	if (!mm)
		return err;
	if (!status || !nr_pages || addr & ~PAGE_MASK)
		return -EINVAL;
	return move_pages_range(mm, addr, nr_pages, status);
}

int pagelab_read(struct pagelab_process *p, unsigned long addr, void *buf, size_t len)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	if (!mm)
		return err;
	return buf || !len ? access_mm(mm, addr, buf, len, false) : -EINVAL;
}

int pagelab_write(struct pagelab_process *p, unsigned long addr, const void *buf, size_t len)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	if (!mm)
		return err;
	return buf || !len ? access_mm(mm, addr, (void *)buf, len, true) : -EINVAL;
}

int pagelab_translate(struct pagelab_process *p, unsigned long addr, unsigned long *pfn)
{
	int err;
	struct mm_struct *mm = process_mm(p, &err);

	if (!mm)
		return err;
	return pfn ? follow_pfn(mm, addr, pfn) : -EINVAL;
}

int pagelab_balloon_set_target(struct pagelab_machine *m, uint64_t bytes)
{
	return handle_ok(m) ? virtio_balloon_set_target(bytes) : -EINVAL;
}

int pagelab_balloon_wait(struct pagelab_machine *m, unsigned int timeout_ms)
{
	return handle_ok(m) ? virtio_balloon_wait(timeout_ms) : -EINVAL;
}

int pagelab_balloon_step(struct pagelab_machine *m, unsigned int elapsed_ms)
{
	if (!handle_ok(m))
		return -EINVAL;
	virtio_balloon_step(elapsed_ms);
	return 0;
}

int pagelab_balloon_info(struct pagelab_machine *m, struct pagelab_balloon_info *info)
{
	struct virtio_balloon_state st;
	int err;

	if (!handle_ok(m) || !info)
		return -EINVAL;
	err = virtio_balloon_state(&st);
	if (err)
		return err;
	*info = (struct pagelab_balloon_info){ st.target_pages, st.actual_pages,
					       st.host_released_bytes, st.host_gone };
	return 0;
}

int pagelab_fault_set(struct pagelab_machine *m, const char *point, const char *attr,
		      long value)
{
	if (!handle_ok(m) || !point || !attr)
		return -EINVAL;
	return machine_fault_set(point, attr, value);
}

int pagelab_fault_get(struct pagelab_machine *m, const char *point, const char *attr,
		      long *value)
{
	if (!handle_ok(m) || !point || !attr || !value)
		return -EINVAL;
	return machine_fault_get(point, attr, value);
}
