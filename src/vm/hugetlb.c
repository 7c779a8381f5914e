/* SPDX-License-Identifier: MIT */
/*
 * hugetlb.c - the hugetlb pool and its mappings (kernel: mm/hugetlb.c).
 *
 * DOC: Overview
 * One hstate, the PMD size (2 MiB, order 9). `sysctl vm.nr_hugepages=N`
 * (sysctl_nr_hugepages_set()) grows the pool by allocating order-9
 * compound pages from the buddy allocator with htlb_alloc_mask()
 * (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOWARN) plus __GFP_THISNODE |
 * __GFP_RETRY_MAYFAIL, so the allocator's slow path compacts at rising
 * priority before it gives up; the first allocation that fails ends the
 * growth, and the write still succeeds: the caller reads the pool's size
 * back. Each attempt counts htlb_buddy_alloc_success or _fail. Shrinking
 * returns free pool pages to the buddy; pages in use beyond the new size
 * become surplus and go back to the buddy when their last user frees them.
 *
 * A pool folio carries the page type PGTY_hugetlb on its head. A free one
 * has no references ("frozen", as in Linux), HPG_FREED in its private
 * word, and sits on hstate.hugepage_freelist; one in use has its users'
 * references and sits on hstate.hugepage_activelist. Both lists, the
 * counters and every VMA's hugetlb_resv are under hugetlb_lock.
 *
 * Mappings: a VM_HUGETLB VMA (do_mmap_hugetlb()) is private, 2 MiB
 * aligned and reserves its pages at mmap time (HugePages_Rsvd), failing
 * with -ENOMEM when the pool cannot cover it. A fault takes a free pool
 * page (consuming a reservation), zeroes it and maps it with 512 PTEs in
 * the one PTE table that covers the aligned 2 MiB (deviation: Linux maps
 * it with one PMD entry, so its mapcount is the entire mapcount; here
 * each PTE is a mapping: every page's _mapcount goes to 0, the folio's
 * large mapcount to 511 and its nr_pages_mapped to 512, and the folio
 * holds one reference per PTE, as a PTE-mapped THP does). The folio is
 * anonymous: its head's mapping is the VMA's anon_vma, its index the
 * linear page index of its first page, so rmap_walk() finds it. Unmapping
 * (munmap, exit, an aligned MADV_DONTNEED) drops the PTEs and their
 * references; the last one brings the folio back to the pool
 * (free_huge_folio()). Faults, copy-on-write included, are serialised by
 * hugetlb_fault_mutex (Linux hashes a table of them); fork needs no more
 * than the parent's mmap_lock held for write.
 *
 * fork shares every mapped huge page with the child, write-protected on
 * both sides; the first write copies it into an unreserved free pool page
 * (-ENOMEM without one: Linux sends SIGBUS, or unmaps the page from the
 * children when the writer owns the reservations), or reuses it when no
 * one else maps it any more. Reservations are counted per VMA, not per
 * index (deviation: Linux's reserve map knows which indexes were
 * faulted, so a page faulted again after MADV_DONTNEED uses none).
 *
 * vm.nr_overcommit_hugepages lets reservations (gather_surplus_pages())
 * and faults without one (alloc_surplus_hugetlb_folio()) grow the pool by
 * surplus pages, allocated with __GFP_RETRY_MAYFAIL on any node; they go
 * back to the buddy when freed or when their reservation goes unused.
 *
 * Migration (mm/hugetlb.c's side of it): a mapped folio in use is
 * HPG_MIGRATABLE; folio_isolate_hugetlb() takes it off the active list
 * onto a migration list, folio_putback_hugetlb() brings it back. The
 * target is a free pool page not needed by a reservation or, failing
 * that, a fresh HPG_TEMPORARY folio from the buddy, counted in the pool
 * (HugePages_Total) but not as surplus (alloc_hugetlb_folio_nodemask());
 * move_hugetlb_state() hands the temporary mark to the source, which so
 * goes back to the buddy when freed while the target stays in the pool.
 * Compaction never isolates hugetlb folios (Linux does only for
 * alloc_contig_range()).
 *
 * Not built: shared hugetlb mappings, hugetlbfs, per-node pools, 1 GiB
 * pages, demotion, dissolving free pool pages (alloc_contig_range()).
 */
#include <string.h>
#include "vm/hugetlb.h"
#include "vm/mm.h"

struct hstate {
	struct mutex resize_lock;	/* one resize at a time */
	unsigned int order;
	unsigned long max_huge_pages;	/* the persistent target */
	unsigned long nr_huge_pages;	/* every pool page, surplus included */
	unsigned long free_huge_pages;
	unsigned long resv_huge_pages;
	unsigned long surplus_huge_pages;
	unsigned long nr_isolated;	/* pagelab: in use, on a migration list */
	unsigned long nr_temporary;	/* pagelab: HPG_TEMPORARY folios, in nr_huge_pages */
	struct list_head hugepage_freelist;
	struct list_head hugepage_activelist;
};

static struct hstate default_hstate;
/* What reading vm.nr_hugepages shows: the persistent pages after the last resize. */
int sysctl_nr_hugepages;
/* vm.nr_overcommit_hugepages: the surplus pages the pool may grow by on demand. */
int sysctl_nr_overcommit_hugepages;
static spinlock_t hugetlb_lock;
static struct mutex hugetlb_fault_mutex;

static unsigned long persistent_huge_pages(const struct hstate *h)
{
	return h->nr_huge_pages - h->surplus_huge_pages;
}

/* The pool's allocation mask: 2 MiB pages are movable allocations. */
static gfp_t htlb_alloc_mask(void)
{
	return GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOWARN;
}

/* The mask of surplus pages: any node, retrying hard (no __GFP_THISNODE). */
static gfp_t htlb_surplus_mask(void)
{
	return htlb_alloc_mask() | __GFP_RETRY_MAYFAIL;
}

/**
 * hugetlb_init() - an empty pool.
 * Context: machine boot, single-threaded. Return: 0.
 */
int hugetlb_init(void)
{
	struct hstate *h = &default_hstate;

	memset(h, 0, sizeof(*h));
	sysctl_nr_hugepages = 0;
	sysctl_nr_overcommit_hugepages = 0;
	mutex_init(&h->resize_lock, LOCK_CLASS_HUGETLB_RESIZE);
	h->order = HUGETLB_PAGE_ORDER;
	INIT_LIST_HEAD(&h->hugepage_freelist);
	INIT_LIST_HEAD(&h->hugepage_activelist);
	spin_lock_init(&hugetlb_lock, LOCK_CLASS_HUGETLB);
	mutex_init(&hugetlb_fault_mutex, LOCK_CLASS_HUGETLB_FAULT);
	return 0;
}

/**
 * hugetlb_exit() - give every pool page back to the buddy. Pages still in
 * use would be a leak of their users: warned about and left.
 * Context: machine teardown, after every process exited.
 */
void hugetlb_exit(void)
{
	struct hstate *h = &default_hstate;

	sysctl_nr_hugepages_set(0);
	WARN_ON_ONCE(h->nr_huge_pages || h->resv_huge_pages);
	mutex_destroy(&hugetlb_fault_mutex);
	spin_lock_destroy(&hugetlb_lock);
	mutex_destroy(&h->resize_lock);
}

/* ------------------------------------------------------------------ */
/* The pool                                                            */

/* A fresh pool folio from the buddy, frozen (no references), or NULL. */
static struct page *alloc_fresh_hugetlb_folio(struct hstate *h, gfp_t gfp)
{
	struct page *folio = alloc_pages(gfp, h->order);

	if (!folio) {
		count_vm_event(HTLB_BUDDY_PGALLOC_FAIL);
		return NULL;
	}
	count_vm_event(HTLB_BUDDY_PGALLOC);
	__SetPageHugetlb(folio);
	WRITE_ONCE(folio->private, 0);	/* compaction reads it locklessly */
	if (!page_ref_freeze(folio, 1))
		BUG();
	return folio;
}

static void enqueue_hugetlb_folio(struct hstate *h, struct page *folio)
{
	lockdep_assert_held(&hugetlb_lock);
	VM_BUG_ON_PAGE(page_ref_count(folio), folio);
	folio_set_hugetlb_freed(folio);
	list_add(&folio->lru, &h->hugepage_freelist);
	h->free_huge_pages++;
}

/* A free pool folio with one reference, moved to the active list, or NULL. */
static struct page *dequeue_hugetlb_folio(struct hstate *h)
{
	struct page *folio;

	lockdep_assert_held(&hugetlb_lock);
	folio = list_first_entry_or_null(&h->hugepage_freelist, struct page, lru);
	if (!folio)
		return NULL;
	list_move(&folio->lru, &h->hugepage_activelist);
	folio_clear_hugetlb_freed(folio);
	h->free_huge_pages--;
	page_ref_unfreeze(folio, 1);
	return folio;
}

/* Return a folio that left the pool (off both lists, frozen) to the buddy. */
static void update_and_free_hugetlb_folio(struct page *folio)
{
	VM_BUG_ON_PAGE(page_ref_count(folio) || READ_ONCE(folio->mapping), folio);
	__ClearPageHugetlb(folio);
	WRITE_ONCE(folio->private, 0);
	INIT_LIST_HEAD(&folio->lru);
	free_unref_page(folio, folio_order(folio));
}

/*
 * Grow the pool towards @count persistent pages: surplus pages become
 * persistent first, then fresh folios come from the buddy until one
 * cannot be had. Context: resize_lock held; takes hugetlb_lock.
 */
static void grow_pool(struct hstate *h, unsigned long count)
{
	gfp_t gfp = htlb_alloc_mask() | __GFP_THISNODE | __GFP_RETRY_MAYFAIL;

	spin_lock(&hugetlb_lock);
	while (h->surplus_huge_pages && count > persistent_huge_pages(h))
		h->surplus_huge_pages--;
	while (count > persistent_huge_pages(h)) {
		struct page *folio;

		spin_unlock(&hugetlb_lock);
		folio = alloc_fresh_hugetlb_folio(h, gfp);
		spin_lock(&hugetlb_lock);
		if (!folio)
			break;
		h->nr_huge_pages++;
		enqueue_hugetlb_folio(h, folio);
	}
	spin_unlock(&hugetlb_lock);
}

/*
 * Take a free page out of the pool onto @victims, to be given back to the
 * buddy once hugetlb_lock is dropped. Context: hugetlb_lock held.
 * Return: the page, or NULL if the pool has no free page.
 */
static struct page *dequeue_hugetlb_folio_for_release(struct hstate *h,
						      struct list_head *victims)
{
	struct page *folio = list_first_entry_or_null(&h->hugepage_freelist, struct page, lru);

	if (folio) {
		list_move(&folio->lru, victims);
		folio_clear_hugetlb_freed(folio);
		h->free_huge_pages--;
		h->nr_huge_pages--;
	}
	return folio;
}

/*
 * Shrink the pool towards @count persistent pages, never below the pages
 * in use or reserved: free pages go back to the buddy, and the pages in
 * use or reserved beyond the target become surplus, freed when released.
 * Context: resize_lock held; takes hugetlb_lock, then (after dropping it)
 * the allocator's locks.
 */
static void shrink_pool(struct hstate *h, unsigned long count)
{
	LIST_HEAD(victims);
	struct page *folio, *next;
	unsigned long min_count;

	spin_lock(&hugetlb_lock);
	min_count = max(count, h->resv_huge_pages + h->nr_huge_pages - h->free_huge_pages);
	while (min_count < persistent_huge_pages(h) &&
	       dequeue_hugetlb_folio_for_release(h, &victims))
		;
	/* Temporary migration folios count in the pool but never become surplus. */
	count = max(count, h->nr_temporary);
	if (count < persistent_huge_pages(h))
		h->surplus_huge_pages += persistent_huge_pages(h) - count;
	spin_unlock(&hugetlb_lock);
	list_for_each_entry_safe(folio, next, &victims, lru)
		update_and_free_hugetlb_folio(folio);
}

/**
 * sysctl_nr_hugepages_set() - `vm.nr_hugepages = @value`: grow or shrink
 * the pool (set_max_huge_pages()). As in Linux the write succeeds even
 * when fewer pages could be allocated; read the size back
 * (hugetlb_nr_hugepages(), HugePages_Total).
 * Context: takes resize_lock and hugetlb_lock; may sleep in direct
 * compaction.
 * Return: 0, or -EINVAL for a negative @value.
 */
int sysctl_nr_hugepages_set(long value)
{
	struct hstate *h = &default_hstate;
	bool grow;

	if (value < 0)
		return -EINVAL;
	mutex_lock(&h->resize_lock);
	spin_lock(&hugetlb_lock);	/* migration allocates temporary pages meanwhile */
	grow = (unsigned long)value > persistent_huge_pages(h);
	spin_unlock(&hugetlb_lock);
	if (grow)
		grow_pool(h, value);
	else
		shrink_pool(h, value);
	spin_lock(&hugetlb_lock);
	h->max_huge_pages = persistent_huge_pages(h);
	WRITE_ONCE(sysctl_nr_hugepages, h->max_huge_pages);
	spin_unlock(&hugetlb_lock);
	mutex_unlock(&h->resize_lock);
	return 0;
}

/**
 * hugetlb_nr_hugepages() - what reading vm.nr_hugepages shows: the
 * persistent pool pages. Context: takes hugetlb_lock. Return: the count.
 */
unsigned long hugetlb_nr_hugepages(void)
{
	unsigned long n;

	spin_lock(&hugetlb_lock);
	n = persistent_huge_pages(&default_hstate);
	spin_unlock(&hugetlb_lock);
	return n;
}

/**
 * hugetlb_report_meminfo() - the HugePages_* lines of /proc/meminfo.
 * @m: filled in.
 * Context: takes hugetlb_lock.
 */
void hugetlb_report_meminfo(struct hugetlb_meminfo *m)
{
	struct hstate *h = &default_hstate;
	unsigned long size_kb = (PAGE_SIZE << h->order) / 1024;

	spin_lock(&hugetlb_lock);
	m->total = h->nr_huge_pages;
	m->free = h->free_huge_pages;
	m->rsvd = h->resv_huge_pages;
	m->surp = h->surplus_huge_pages;
	spin_unlock(&hugetlb_lock);
	m->hugepagesize_kb = size_kb;
	m->hugetlb_kb = m->total * size_kb;
}

/**
 * hugetlb_meminfo_value() - one hugetlb line of /proc/meminfo by name
 * (HugePages_Total, HugePages_Free, HugePages_Rsvd, HugePages_Surp,
 * Hugepagesize, Hugetlb; the last two in kB).
 * Context: takes hugetlb_lock.
 * Return: 0 with *@value set, or -ENOENT for another name.
 */
int hugetlb_meminfo_value(const char *name, long *value)
{
	struct hugetlb_meminfo m;

	hugetlb_report_meminfo(&m);
	const struct { const char *name; unsigned long value; } lines[] = {
		{ "HugePages_Total", m.total }, { "HugePages_Free", m.free },
		{ "HugePages_Rsvd", m.rsvd }, { "HugePages_Surp", m.surp },
		{ "Hugepagesize", m.hugepagesize_kb }, { "Hugetlb", m.hugetlb_kb },
	};

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		if (!strcmp(name, lines[i].name)) {
			*value = (long)lines[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * hugetlb_total_pages() - base pages held by the pool, in use or not.
 * Context: takes hugetlb_lock. Return: the count.
 */
unsigned long hugetlb_total_pages(void)
{
	unsigned long n;

	spin_lock(&hugetlb_lock);
	n = default_hstate.nr_huge_pages << default_hstate.order;
	spin_unlock(&hugetlb_lock);
	return n;
}

/**
 * free_huge_folio() - the last reference to a hugetlb folio is gone: its
 * anon_vma is released and it goes back to the free list, or to the
 * buddy if it was a temporary migration page or the pool has surplus
 * pages.
 * @folio: the head, with no references left.
 * Context: any thread holding no allocator lock; takes hugetlb_lock, and
 * the allocator's locks after dropping it.
 */
void free_huge_folio(struct page *folio)
{
	struct hstate *h = &default_hstate;
	bool to_buddy = false;

	VM_BUG_ON_PAGE(page_ref_count(folio) || folio_mapcount(folio), folio);
	folio_release_mapping(folio);
	mod_node_page_state(page_zone(folio)->zone_pgdat, NR_HUGETLB, -(long)folio_nr_pages(folio));
	spin_lock(&hugetlb_lock);
	folio_clear_hugetlb_migratable(folio);
	if (folio_test_hugetlb_temporary(folio)) {
		list_del(&folio->lru);
		h->nr_huge_pages--;
		h->nr_temporary--;
		to_buddy = true;
	} else if (h->surplus_huge_pages) {
		list_del(&folio->lru);
		h->surplus_huge_pages--;
		h->nr_huge_pages--;
		to_buddy = true;
	} else {
		list_del(&folio->lru);
		enqueue_hugetlb_folio(h, folio);
	}
	spin_unlock(&hugetlb_lock);
	if (to_buddy)
		update_and_free_hugetlb_folio(folio);
}

/* ------------------------------------------------------------------ */
/* Migration                                                           */

/**
 * folio_isolate_hugetlb() - take a mapped hugetlb folio in use off the
 * active list onto @list for migration, with one more reference.
 * @folio: a folio head, found through a PTE that maps it.
 * Context: takes hugetlb_lock.
 * Return: true if isolated; false for a folio that is not hugetlb, free,
 * not mapped yet, being freed, or already isolated.
 */
bool folio_isolate_hugetlb(struct page *folio, struct list_head *list)
{
	bool isolated = false;

	spin_lock(&hugetlb_lock);
	if (folio_test_hugetlb(folio) && folio_test_hugetlb_migratable(folio) &&
	    get_page_unless_zero(folio)) {
		folio_clear_hugetlb_migratable(folio);
		list_move_tail(&folio->lru, list);
		default_hstate.nr_isolated++;
		isolated = true;
	}
	spin_unlock(&hugetlb_lock);
	return isolated;
}

/**
 * folio_putback_hugetlb() - an isolated folio goes back to the active list
 * and its isolation reference is dropped (the last one frees it).
 * @folio: the head, on a migration list.
 * Context: takes hugetlb_lock; may free the folio (free_huge_folio()).
 */
void folio_putback_hugetlb(struct page *folio)
{
	spin_lock(&hugetlb_lock);
	folio_set_hugetlb_migratable(folio);
	list_move_tail(&folio->lru, &default_hstate.hugepage_activelist);
	default_hstate.nr_isolated--;
	spin_unlock(&hugetlb_lock);
	put_page(folio);
}

/*
 * A fresh folio from the buddy as a migration target: counted in the pool
 * (HugePages_Total) but not as surplus, marked HPG_TEMPORARY so the buddy
 * gets back whichever of source and target ends up unused
 * (alloc_migrate_hugetlb_folio()). Context: takes hugetlb_lock.
 */
static struct page *alloc_migrate_hugetlb_folio(struct hstate *h, gfp_t gfp)
{
	struct page *folio = alloc_fresh_hugetlb_folio(h, gfp);

	if (!folio)
		return NULL;
	folio_set_hugetlb_temporary(folio);
	page_ref_unfreeze(folio, 1);
	spin_lock(&hugetlb_lock);
	h->nr_huge_pages++;
	h->nr_temporary++;
	list_add(&folio->lru, &h->hugepage_activelist);
	spin_unlock(&hugetlb_lock);
	return folio;
}

/**
 * alloc_hugetlb_folio_nodemask() - a migration target for a hugetlb folio:
 * a free pool page that no reservation needs, else a temporary folio from
 * the buddy (allocated with the pool's mask plus __GFP_RETRY_MAYFAIL and
 * the caller's __GFP_THISNODE).
 * @gfp: the caller's mask; only __GFP_THISNODE is taken from it.
 * Context: takes hugetlb_lock; may compact (the buddy's slow path).
 * Return: the folio with one reference, on the active list and counted in
 * nr_hugetlb, or NULL.
 */
struct page *alloc_hugetlb_folio_nodemask(gfp_t gfp)
{
	struct hstate *h = &default_hstate;
	struct page *folio = NULL;

	spin_lock(&hugetlb_lock);
	if (h->free_huge_pages > h->resv_huge_pages)
		folio = dequeue_hugetlb_folio(h);
	spin_unlock(&hugetlb_lock);
	if (!folio)
		folio = alloc_migrate_hugetlb_folio(h, htlb_surplus_mask() |
						    (gfp & __GFP_THISNODE));
	if (folio)
		mod_node_page_state(page_zone(folio)->zone_pgdat, NR_HUGETLB,
				    folio_nr_pages(folio));
	return folio;
}

/**
 * move_hugetlb_state() - @dst took @src's contents and mappings, so it
 * may be isolated in turn; if @dst was a temporary page, @src becomes the
 * temporary one, so it goes back to the buddy when freed and the pool
 * keeps its size.
 * Context: both folios locked; takes hugetlb_lock.
 */
void move_hugetlb_state(struct page *src, struct page *dst)
{
	spin_lock(&hugetlb_lock);
	folio_set_hugetlb_migratable(dst);
	if (folio_test_hugetlb_temporary(dst)) {
		folio_clear_hugetlb_temporary(dst);
		folio_set_hugetlb_temporary(src);
	}
	spin_unlock(&hugetlb_lock);
}

/**
 * hugetlb_pool_valid() - do the pool's lists agree with its counters?
 * Every free folio is a frozen hugetlb folio marked HPG_FREED, every
 * active one is referenced and unmarked, the free list holds
 * free_huge_pages, both lists and the folios isolated for migration
 * nr_huge_pages, and the reservations and surplus fit.
 * @msg: receives the reason; @len: its size.
 * Context: takes hugetlb_lock. Return: true if valid.
 */
bool hugetlb_pool_valid(char *msg, size_t len)
{
	struct hstate *h = &default_hstate;
	unsigned long nfree = 0, nactive = 0;
	struct page *folio;
	bool ok = true;

	spin_lock(&hugetlb_lock);
	list_for_each_entry(folio, &h->hugepage_freelist, lru) {
		if (ok && (!folio_test_hugetlb(folio) || page_ref_count(folio) ||
			   !folio_test_hugetlb_freed(folio) || folio_order(folio) != h->order))
			ok = validation_failed(msg, len, "free hugetlb folio %#lx: refcount %d "
					       "private %#lx order %u", page_to_pfn(folio),
					       page_ref_count(folio), READ_ONCE(folio->private),
					       folio_order(folio));
		nfree++;
	}
	list_for_each_entry(folio, &h->hugepage_activelist, lru) {
		if (ok && (!folio_test_hugetlb(folio) || page_ref_count(folio) <= 0 ||
			   folio_test_hugetlb_freed(folio)))
			ok = validation_failed(msg, len, "hugetlb folio %#lx in use: refcount %d "
					       "private %#lx", page_to_pfn(folio),
					       page_ref_count(folio), READ_ONCE(folio->private));
		nactive++;
	}
	if (ok && (nfree != h->free_huge_pages ||
		   nfree + nactive + h->nr_isolated != h->nr_huge_pages ||
		   h->resv_huge_pages > h->free_huge_pages ||
		   h->surplus_huge_pages + h->nr_temporary > h->nr_huge_pages))
		ok = validation_failed(msg, len, "hugetlb pool: %lu free, %lu active and %lu "
				       "isolated folios, counters total %lu free %lu rsvd %lu "
				       "surp %lu temporary %lu", nfree, nactive, h->nr_isolated,
				       h->nr_huge_pages, h->free_huge_pages,
				       h->resv_huge_pages, h->surplus_huge_pages,
				       h->nr_temporary);
	spin_unlock(&hugetlb_lock);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Reservations and faults                                             */

/*
 * A fresh surplus folio, counted in the pool (nr_huge_pages and
 * surplus_huge_pages), if nr_overcommit_hugepages allows one more
 * (alloc_surplus_hugetlb_folio()). Frozen, on neither list.
 * Context: hugetlb_lock held; dropped around the allocation.
 */
static struct page *alloc_surplus_hugetlb_folio(struct hstate *h)
{
	struct page *folio;

	if (h->surplus_huge_pages >= (unsigned long)READ_ONCE(sysctl_nr_overcommit_hugepages))
		return NULL;
	spin_unlock(&hugetlb_lock);
	folio = alloc_fresh_hugetlb_folio(h, htlb_surplus_mask());
	spin_lock(&hugetlb_lock);
	if (!folio)
		return NULL;
	if (h->surplus_huge_pages >= (unsigned long)READ_ONCE(sysctl_nr_overcommit_hugepages)) {
		spin_unlock(&hugetlb_lock);	/* lost a race for the last one */
		update_and_free_hugetlb_folio(folio);
		spin_lock(&hugetlb_lock);
		return NULL;
	}
	h->nr_huge_pages++;
	h->surplus_huge_pages++;
	return folio;
}

/*
 * Give back to the buddy up to @unused free surplus pages
 * (return_unused_surplus_pages()): reservations that held them went.
 * Context: hugetlb_lock held; dropped to free the pages, retaken.
 */
static void return_unused_surplus_pages(struct hstate *h, unsigned long unused)
{
	struct page *folio, *next;
	LIST_HEAD(victims);

	for (unused = min(unused, h->surplus_huge_pages);
	     unused && dequeue_hugetlb_folio_for_release(h, &victims); unused--)
		h->surplus_huge_pages--;
	if (list_empty(&victims))
		return;
	spin_unlock(&hugetlb_lock);
	list_for_each_entry_safe(folio, next, &victims, lru)
		update_and_free_hugetlb_folio(folio);
	spin_lock(&hugetlb_lock);
}

/*
 * Make the pool's unreserved free pages cover @nr more reservations,
 * growing it with surplus pages as nr_overcommit_hugepages allows
 * (gather_surplus_pages()). Context: hugetlb_lock held; dropped around
 * allocations. Return: true if they do now.
 */
static bool gather_surplus_pages(struct hstate *h, unsigned long nr)
{
	unsigned long added = 0;

	while (h->free_huge_pages - h->resv_huge_pages < nr) {
		struct page *folio = alloc_surplus_hugetlb_folio(h);

		if (!folio) {
			return_unused_surplus_pages(h, added);
			return false;
		}
		enqueue_hugetlb_folio(h, folio);
		added++;
	}
	return true;
}

/**
 * hugetlb_reserve_pages() - reserve the pool pages a new VM_HUGETLB
 * VMA will fault in (HugePages_Rsvd), growing the pool with surplus pages
 * if vm.nr_overcommit_hugepages allows.
 * @vma: the VMA, not yet visible.
 * Context: mmap_lock held for write; takes hugetlb_lock; may allocate
 * (and compact).
 * Return: 0, or -ENOMEM if the pool cannot cover it.
 */
int hugetlb_reserve_pages(struct vm_area_struct *vma)
{
	struct hstate *h = &default_hstate;
	unsigned long nr = (vma->vm_end - vma->vm_start) >> (PAGE_SHIFT + h->order);
	int err = 0;

	spin_lock(&hugetlb_lock);
	if (!gather_surplus_pages(h, nr)) {
		err = -ENOMEM;
	} else {
		h->resv_huge_pages += nr;
		vma->hugetlb_resv = nr;
	}
	spin_unlock(&hugetlb_lock);
	return err;
}

/**
 * hugetlb_vma_close() - a VM_HUGETLB VMA goes: return the reservations
 * it never used, and give back to the buddy as many free surplus pages
 * (surplus pages that were gathered for it, or reserved pages a shrink
 * turned surplus).
 * Context: mmap_lock held for write; takes hugetlb_lock, then the
 * allocator's locks.
 */
void hugetlb_vma_close(struct vm_area_struct *vma)
{
	struct hstate *h = &default_hstate;

	spin_lock(&hugetlb_lock);
	h->resv_huge_pages -= vma->hugetlb_resv;
	return_unused_surplus_pages(h, vma->hugetlb_resv);
	vma->hugetlb_resv = 0;
	spin_unlock(&hugetlb_lock);
}

/**
 * sysctl_nr_overcommit_hugepages_set() - vm.nr_overcommit_hugepages: how
 * many surplus pages reservations and faults may add to the pool.
 * Context: takes hugetlb_lock. Return: 0, or -EINVAL out of 0..INT_MAX.
 */
int sysctl_nr_overcommit_hugepages_set(long value)
{
	if (value < 0 || value > INT_MAX)
		return -EINVAL;
	spin_lock(&hugetlb_lock);
	WRITE_ONCE(sysctl_nr_overcommit_hugepages, value);
	spin_unlock(&hugetlb_lock);
	return 0;
}

/*
 * A pool page for @vma, with one reference (alloc_hugetlb_folio()): with
 * @use_resv the VMA's reservation if it has one left, else an unreserved
 * free page, else a fresh surplus page if overcommit allows.
 * Counted in NR_HUGETLB. Context: takes hugetlb_lock. Return: the folio or
 * NULL.
 */
static struct page *alloc_hugetlb_folio(struct vm_area_struct *vma, bool use_resv)
{
	struct hstate *h = &default_hstate;
	struct page *folio = NULL;

	spin_lock(&hugetlb_lock);
	if (use_resv && vma->hugetlb_resv) {
		folio = dequeue_hugetlb_folio(h);
		VM_BUG_ON(!folio);
		vma->hugetlb_resv--;
		h->resv_huge_pages--;
	} else if (h->free_huge_pages > h->resv_huge_pages) {
		folio = dequeue_hugetlb_folio(h);
	} else {
		folio = alloc_surplus_hugetlb_folio(h);
		if (folio) {
			list_add(&folio->lru, &h->hugepage_activelist);
			page_ref_unfreeze(folio, 1);
		}
	}
	spin_unlock(&hugetlb_lock);
	if (folio)
		mod_node_page_state(page_zone(folio)->zone_pgdat, NR_HUGETLB,
				    folio_nr_pages(folio));
	return folio;
}

/*
 * Map @folio at the 2 MiB-aligned @haddr of @vma with one writable PTE per
 * page; the folio's one reference becomes one per PTE.
 * Context: the PTE lock of @ptep's table held; the folio is new to rmap.
 */
static void hugetlb_map_folio(struct vm_area_struct *vma, unsigned long haddr, pte_t *ptep,
			      struct page *folio)
{
	unsigned long nr = folio_nr_pages(folio);
	struct anon_vma *anon_vma = vma->anon_vma;

	VM_BUG_ON_PAGE(folio_mapcount(folio) || READ_ONCE(folio->mapping), folio);
	get_anon_vma(anon_vma);
	folio->index = linear_page_index(vma, haddr);
	WRITE_ONCE(folio->mapping, (unsigned long)anon_vma | FOLIO_MAPPING_ANON);
	for (unsigned long i = 0; i < nr; i++) {
		__atomic_store_n(&folio[i]._mapcount, 0, __ATOMIC_RELAXED);
		set_pte(ptep + i, pte_mkdirty(pte_mkyoung(pfn_pte(page_to_pfn(folio + i), true))));
	}
	__atomic_store_n(&folio[1]._large_mapcount, nr - 1, __ATOMIC_RELAXED);
	__atomic_store_n(&folio[1]._nr_pages_mapped, nr, __ATOMIC_RELAXED);
	page_ref_add(folio, nr - 1);
	spin_lock(&hugetlb_lock);
	folio_set_hugetlb_migratable(folio);
	spin_unlock(&hugetlb_lock);
}

/* Are all the PTEs of the huge page at @ptep empty? */
static bool huge_range_none(pte_t *ptep, unsigned long nr)
{
	for (unsigned long i = 0; i < nr; i++)
		if (!pte_none(ptep_get(ptep + i)))
			return false;
	return true;
}

/*
 * Fault in the huge page at @haddr with a new, zeroed pool page.
 * Context: hugetlb_fault_mutex held.
 */
static int hugetlb_no_page(struct vm_area_struct *vma, unsigned long haddr)
{
	unsigned long nr = 1UL << default_hstate.order;
	struct page *folio;
	spinlock_t *ptl;
	pte_t *ptep;

	if (anon_vma_prepare(vma))
		return -ENOMEM;
	folio = alloc_hugetlb_folio(vma, true);
	if (!folio)
		return -ENOMEM;		/* Linux: SIGBUS */
	memset(page_address(folio), 0, nr << PAGE_SHIFT);
	SetPageUptodate(folio);
	ptep = pte_alloc_map_lock(vma->vm_mm, haddr, &ptl);
	if (!ptep) {
		put_page(folio);
		return -ENOMEM;
	}
	VM_BUG_ON(!huge_range_none(ptep, nr));
	hugetlb_map_folio(vma, haddr, ptep, folio);
	spin_unlock(ptl);
	return 0;
}

/* Drop the PTE at @ptep of a hugetlb mapping and its rmap; the reference
 * goes to @tlb. Context: its PTE lock held. */
static void hugetlb_remove_pte(pte_t *ptep, struct mmu_gather *tlb)
{
	pte_t pte = ptep_get_and_clear(ptep);
	struct page *page = pfn_to_page(pte_pfn(pte)), *folio = page_folio(page);

	VM_BUG_ON_PAGE(!folio_test_hugetlb(folio), page);
	folio_remove_rmap_pte(page);
	tlb_remove_page(tlb, page);
}

/*
 * Copy the huge page @old, mapped read-only at @haddr, into a new pool page
 * and map that instead (no reservation is used: the page was faulted in
 * before). Context: hugetlb_fault_mutex held; a reference on @old held.
 */
static int hugetlb_wp_copy(struct vm_area_struct *vma, unsigned long haddr, struct page *old)
{
	unsigned long nr = folio_nr_pages(old);
	struct mmu_gather tlb;
	struct page *new;
	spinlock_t *ptl;
	pte_t *ptep;

	new = alloc_hugetlb_folio(vma, false);
	if (!new)
		return -ENOMEM;		/* Linux: SIGBUS, or the owner takes it back */
	memcpy(page_address(new), page_address(old), nr << PAGE_SHIFT);
	SetPageUptodate(new);
	ptep = pte_offset_map_lock(vma->vm_mm, haddr, &ptl);
	if (!ptep || !pte_present(ptep_get(ptep)) || pte_write(ptep_get(ptep)) ||
	    pte_pfn(ptep_get(ptep)) != page_to_pfn(old)) {
		if (ptep)
			spin_unlock(ptl);
		put_page(new);		/* unmapped meanwhile: nothing to copy */
		return 0;
	}
	tlb_gather_mmu(&tlb);
	for (unsigned long i = 0; i < nr; i++)
		hugetlb_remove_pte(ptep + i, &tlb);
	hugetlb_map_folio(vma, haddr, ptep, new);
	spin_unlock(ptl);
	tlb_finish_mmu(&tlb);
	return 0;
}

/*
 * A write to the read-only huge page at @ptep (shared with a fork): reuse
 * it if no one else maps or holds it, else copy it (hugetlb_wp()).
 * Context: hugetlb_fault_mutex and the PTE lock held; drops the lock.
 */
static int hugetlb_wp(struct vm_area_struct *vma, unsigned long haddr, pte_t *ptep,
		      spinlock_t *ptl)
{
	struct page *old = page_folio(pfn_to_page(pte_pfn(ptep_get(ptep))));
	unsigned long nr = folio_nr_pages(old);
	int err;

	if (folio_mapcount(old) == (int)nr &&
	    __atomic_load_n(&old->_refcount, __ATOMIC_ACQUIRE) == (int)nr) {
		for (unsigned long i = 0; i < nr; i++)
			set_pte(ptep + i, pte_mkdirty(pte_mkyoung(pte_mkwrite(ptep_get(ptep + i)))));
		spin_unlock(ptl);
		return 0;
	}
	get_page(old);
	spin_unlock(ptl);
	err = anon_vma_prepare(vma) ?: hugetlb_wp_copy(vma, haddr, old);
	put_page(old);
	return err;
}

/**
 * hugetlb_fault() - resolve a fault at @addr of the VM_HUGETLB @vma: map
 * the huge page around it from the pool if it is not mapped yet; for a
 * write to one a fork left read-only, reuse it or copy it; wait for a
 * migration of it to end.
 * @flags: FAULT_FLAG_WRITE for a write.
 * Context: mmap_lock held; takes hugetlb_fault_mutex, hugetlb_lock, the
 * anon_vma lock and the PTE lock; sleeps on the page lock of a folio being
 * migrated (holding the fault mutex, which migration never takes).
 * Return: 0 (retry the access), or -ENOMEM when the pool has no page for
 * it (Linux sends SIGBUS).
 */
int hugetlb_fault(struct vm_area_struct *vma, unsigned long addr, unsigned int flags)
{
	unsigned long haddr = addr & HPAGE_MASK;
	spinlock_t *ptl;
	pte_t *ptep, entry;
	int err = 0;

	mutex_lock(&hugetlb_fault_mutex);
	ptep = pte_alloc_map_lock(vma->vm_mm, haddr, &ptl);
	if (!ptep) {
		mutex_unlock(&hugetlb_fault_mutex);
		return -ENOMEM;
	}
	entry = ptep_get(ptep);
	if (pte_none(entry)) {
		spin_unlock(ptl);
		err = hugetlb_no_page(vma, haddr);
	} else if (softleaf_is_migration(entry)) {
		/* migration_entry_wait_huge(): sleep until the folio moved, retry. */
		softleaf_entry_wait_on_locked(page_folio(pfn_to_page(softleaf_pfn(entry))), ptl);
	} else if ((flags & FAULT_FLAG_WRITE) && !pte_write(entry)) {
		err = hugetlb_wp(vma, haddr, ptep, ptl);
	} else {
		spin_unlock(ptl);
	}
	mutex_unlock(&hugetlb_fault_mutex);
	return err;
}

/* ------------------------------------------------------------------ */
/* Unmapping and fork                                                  */

/* Drop the PTE at @ptep, if any, of a hugetlb mapping into @arg's gather;
 * a migration entry holds no mapcount or reference and just goes. */
static void zap_huge_pte(struct mm_struct *mm, pte_t *ptep, unsigned long addr, void *arg)
{
	pte_t pte = ptep_get(ptep);

	if (softleaf_is_migration(pte))
		ptep_get_and_clear(ptep);
	else if (!pte_none(pte))
		hugetlb_remove_pte(ptep, arg);
}

/**
 * unmap_hugepage_range() - unmap [start, end) of a VM_HUGETLB @vma, both
 * 2 MiB aligned; the folios' references go once no CPU can reach them.
 * Context: mmap_lock held; takes the PTE locks; may free to the pool.
 */
void unmap_hugepage_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mmu_gather tlb;

	VM_BUG_ON((start | end) & ~HPAGE_MASK);
	tlb_gather_mmu(&tlb);
	walk_pte_range_locked(vma->vm_mm, start, end, zap_huge_pte, &tlb);
	tlb_finish_mmu(&tlb);
}

/* Share the huge page at @src (present) with the child's @dst, both read-only. */
static void copy_huge_ptes(pte_t *dst, pte_t *src)
{
	struct page *folio = page_folio(pfn_to_page(pte_pfn(ptep_get(src))));
	unsigned long nr = folio_nr_pages(folio);

	for (unsigned long i = 0; i < nr; i++) {
		pte_t pte = ptep_get(src + i);

		if (pte_write(pte)) {
			__atomic_fetch_and(&src[i].pte, ~_PAGE_RW, __ATOMIC_SEQ_CST);
			pte = pte_wrprotect(pte);
		}
		__atomic_fetch_add(&folio[i]._mapcount, 1, __ATOMIC_RELAXED);
		set_pte(dst + i, pte_mkold(pte));
	}
	__atomic_fetch_add(&folio[1]._large_mapcount, nr, __ATOMIC_RELAXED);
	page_ref_add(folio, nr);
}

/*
 * Share the huge page at @addr, if mapped, with the child. Context: both
 * mmap_locks held for write. Return: 0, -ENOMEM, or -EAGAIN after waiting
 * for a migration of it (retry the address).
 */
static int copy_hugetlb_one(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			    unsigned long addr)
{
	pte_t *src = pte_offset_lockless(src_vma->vm_mm, addr), *dst, pte;
	spinlock_t *src_ptl, *dst_ptl;

	if (!src)
		return 0;
	dst = pte_alloc_map_lock(dst_vma->vm_mm, addr, &dst_ptl);
	if (!dst)
		return -ENOMEM;
	src_ptl = pte_lockptr(src);
	spin_lock_nested(src_ptl);
	pte = ptep_get(src);
	if (pte_present(pte))
		copy_huge_ptes(dst, src);
	spin_unlock(dst_ptl);
	if (!softleaf_is_migration(pte)) {
		spin_unlock(src_ptl);
		return 0;
	}
	softleaf_entry_wait_on_locked(page_folio(pfn_to_page(softleaf_pfn(pte))), src_ptl);
	return -EAGAIN;
}

/**
 * copy_hugetlb_page_range() - fork of a VM_HUGETLB VMA: every huge page
 * the parent has mapped is shared with the child, write-protected on both
 * sides (the first write copies it: hugetlb_wp()). The child has no
 * reservation of its own, as in Linux. A huge page being migrated is
 * waited for, then copied.
 * @dst_vma: the child's VMA (linked to the parent's anon_vma);
 * @src_vma: the parent's.
 * Context: both mmap_locks held for write; takes the child's PTE locks and
 * the parent's nested, as copy_page_range() does; may sleep on a page lock.
 * The caller flushes the parent's TLB. Return: 0, or -ENOMEM for a page
 * table.
 */
int copy_hugetlb_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	unsigned long addr = src_vma->vm_start;

	while (addr < src_vma->vm_end) {
		int err = copy_hugetlb_one(dst_vma, src_vma, addr);

		if (err == -ENOMEM)
			return err;
		if (!err)
			addr += HPAGE_SIZE;
	}
	return 0;
}
