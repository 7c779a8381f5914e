/* SPDX-License-Identifier: MIT */
/*
 * api.c - the public pagelab_* interface (include/pagelab/pagelab.h): thin,
 * checked wrappers over the kernel-named internals. Every argument is
 * validated here, so a caller's mistake returns an errno instead of
 * reaching an assertion inside the allocator.
 */
#include "internal.h"
#include "pagelab/pagelab.h"

/* The one machine; the handle exists so the API can grow to several. */
struct pagelab_machine {
	int unused;
};
static struct pagelab_machine the_machine;

static bool handle_ok(const struct pagelab_machine *m)
{
	return m == &the_machine && machine_exists();
}

int pagelab_machine_create(const struct pagelab_config *cfg, struct pagelab_machine **out)
{
	struct machine_config mc;
	int err;

	if (!cfg || !out)
		return -EINVAL;
	mc = (struct machine_config){ cfg->memory_bytes, cfg->cpus, cfg->max_order,
				      cfg->pageblock_order };
	err = machine_init(&mc);
	if (err)
		return err;
	*out = &the_machine;
	return 0;
}

void pagelab_machine_destroy(struct pagelab_machine *m)
{
	if (handle_ok(m))
		machine_exit();
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
	}
	return -EINVAL;
}

int pagelab_check(struct pagelab_machine *m, char *msg, size_t len)
{
	if (!handle_ok(m) || !msg || !len)
		return -EINVAL;
	return check_invariants(msg, len);
}
