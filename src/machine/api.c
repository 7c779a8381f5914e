/* SPDX-License-Identifier: MIT */
/*
 * api.c - the public pagelab_* interface (include/pagelab/pagelab.h): thin,
 * checked wrappers over the kernel-named internals. Every argument is
 * validated here, so a caller's mistake returns an errno instead of
 * reaching an assertion inside the allocator.
 */
#include <stdlib.h>
#include <string.h>
#include "drivers/channel.h"
#include "drivers/virtio_balloon.h"
#include "machine/machine.h"
#include "pagelab/pagelab.h"

BUILD_BUG_ON(PAGELAB_PAGE_SIZE != PAGE_SIZE);

/* The one machine; the handle exists so the API can grow to several. */
struct pagelab_machine {
	bool connected;		/* it opened the balloon_connect connection */
};
static struct pagelab_machine the_machine;

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
	};
}

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

void pagelab_machine_destroy(struct pagelab_machine *m)
{
	if (!handle_ok(m))
		return;
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
	}
	return -EINVAL;
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

struct pagelab_process {
	struct mm_struct *mm;
};

static struct pagelab_process *process_wrap(struct mm_struct *mm)
{
	struct pagelab_process *p;

	if (!mm)
		return NULL;
	p = kmalloc(sizeof(*p));
	if (!p) {
		mmput(mm);
		return NULL;
	}
	p->mm = mm;
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
	struct mm_struct *mm;
	int err = 0;

	if (!parent || !child)
		return -EINVAL;
	mm = dup_mm(parent->mm, &err);
	if (!mm)
		return err;
	*child = process_wrap(mm);
	return *child ? 0 : -ENOMEM;
}

void pagelab_process_exit(struct pagelab_process *p)
{
	if (!p)
		return;
	mmput(p->mm);
	free(p);
}

int pagelab_mmap(struct pagelab_process *p, size_t len, int flags, unsigned long *addr)
{
	if (!p || !addr || (flags & ~PAGELAB_MAP_SHARED))
		return -EINVAL;
	return do_mmap(p->mm, len, flags & PAGELAB_MAP_SHARED, addr);
}

int pagelab_munmap(struct pagelab_process *p, unsigned long addr, size_t len)
{
	return p ? do_munmap(p->mm, addr, len) : -EINVAL;
}

int pagelab_madvise_dontneed(struct pagelab_process *p, unsigned long addr, size_t len)
{
	return p ? madvise_dontneed(p->mm, addr, len) : -EINVAL;
}

int pagelab_read(struct pagelab_process *p, unsigned long addr, void *buf, size_t len)
{
	if (!p || (!buf && len))
		return -EINVAL;
	return access_mm(p->mm, addr, buf, len, false);
}

int pagelab_write(struct pagelab_process *p, unsigned long addr, const void *buf, size_t len)
{
	if (!p || (!buf && len))
		return -EINVAL;
	return access_mm(p->mm, addr, (void *)buf, len, true);
}

int pagelab_translate(struct pagelab_process *p, unsigned long addr, unsigned long *pfn)
{
	return p && pfn ? follow_pfn(p->mm, addr, pfn) : -EINVAL;
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
