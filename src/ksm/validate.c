/* SPDX-License-Identifier: MIT */
/*
 * validate.c - ksm_validate(): KSM's invariants, checked by walking every
 * tree, list and page table (the whole-machine checker calls it).
 *
 *  - both trees obey the red-black rules; the stable tree's live nodes
 *    (those whose page still names them) are in strictly increasing
 *    content order, and every dup of a chain has its chain's content;
 *  - a chain is marked STABLE_NODE_CHAIN and holds only dups; a dup or a
 *    regular node holds exactly rmap_hlist_len rmap_items, each flagged
 *    STABLE and pointing back at it; a live node's page is an allocated
 *    KSM page; a stale node (page freed since) may stay until a lookup
 *    meets it, as in the kernel;
 *  - every frame that is a KSM page names a node of the stable tree whose
 *    kpfn is that frame;
 *  - every rmap_item is on its mm slot's list, sorted by address, on one
 *    tree or none: stable (its node is in the tree), unstable of this
 *    scan (in the unstable tree, which holds nothing else) or of the
 *    previous one (the tree it was in is gone), or neither;
 *  - the counters equal what the trees hold: pages_shared, pages_sharing,
 *    pages_unshared, stable_node_chains, stable_node_dups, the rmap_items
 *    in all and per mm (ksm_rmap_items, ksm_merging_pages), and the
 *    KSM-placed zero pages (dirty zero-page PTEs) per mm and in all;
 *  - every PTE that maps a KSM page is read-only.
 *
 * Context: takes ksm_thread_mutex (so ksmd is between batches) and
 * ksm_mmlist_lock; exact only while nothing else changes the machine.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ksm/ksm_internal.h"

struct ksm_checker {
	char *msg;
	size_t len;
	int err;
	struct ksm_stable_node **nodes;	/* every regular node and dup, sorted */
	unsigned long nr_nodes, max_nodes;
	unsigned long shared, sharing, chains, dups, unstable_tree;
	struct page *prev_page;		/* the last live content in tree order */
};

static bool __attribute__((format(printf, 2, 3))) ksm_fail(struct ksm_checker *c,
							   const char *fmt, ...)
{
	va_list ap;

	if (!c->err) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->len, fmt, ap);
		va_end(ap);
		c->err = -EUCLEAN;
	}
	return false;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

static bool node_known(struct ksm_checker *c, struct ksm_stable_node *node)
{
	return bsearch(&node, c->nodes, c->nr_nodes, sizeof(*c->nodes), cmp_ptr);
}

static bool node_is_live(const struct ksm_stable_node *node)
{
	unsigned long kpfn = READ_ONCE(node->kpfn);

	return pfn_valid(kpfn) && READ_ONCE(pfn_to_page(kpfn)->mapping) ==
				  ((unsigned long)node | FOLIO_MAPPING_KSM);
}

/* A regular node or a dup: its rmap_items, its page, its counts. */
static void check_stable_node(struct ksm_checker *c, struct ksm_stable_node *node)
{
	struct ksm_rmap_item *rmap_item;
	unsigned long n = 0, limit = ksm_rmap_items + 1;
	struct page *page;

	if (node->rmap_hlist_len < 0)
		ksm_fail(c, "stable node %p has rmap_hlist_len %d", (void *)node,
			 node->rmap_hlist_len);
	hlist_for_each_entry(rmap_item, &node->hlist, hlist) {
		if (n++ > limit)
			break;
		if (!(rmap_item->address & STABLE_FLAG) || (rmap_item->address & UNSTABLE_FLAG) ||
		    rmap_item->head != node)
			ksm_fail(c, "rmap_item %p (address %#lx) on stable node %p is not stable there",
				 (void *)rmap_item, rmap_item->address, (void *)node);
	}
	if (n != (unsigned long)node->rmap_hlist_len)
		ksm_fail(c, "stable node %p lists %lu rmap_items but rmap_hlist_len is %d",
			 (void *)node, n, node->rmap_hlist_len);
	if (n) {
		c->shared++;
		c->sharing += n - 1;
	}
	if (c->nr_nodes < c->max_nodes)
		c->nodes[c->nr_nodes++] = node;
	if (!node_is_live(node))
		return;
	page = pfn_to_page(node->kpfn);
	if (page_owner_order(page) != 0 || page_ref_count(page) <= 0 || PageBuddy(page))
		ksm_fail(c, "stable node %p: KSM page pfn %#lx is not an allocated page "
			 "(order %d, refcount %d)", (void *)node, node->kpfn,
			 page_owner_order(page), page_ref_count(page));
}

/* The live content of a tree entry (a chain's: its first live dup). */
static struct page *entry_page(struct ksm_stable_node *entry)
{
	struct ksm_stable_node *dup;

	if (!is_stable_node_chain(entry))
		return node_is_live(entry) ? pfn_to_page(entry->kpfn) : NULL;
	hlist_for_each_entry(dup, &entry->hlist, hlist_dup)
		if (node_is_live(dup))
			return pfn_to_page(dup->kpfn);
	return NULL;
}

static void check_chain(struct ksm_checker *c, struct ksm_stable_node *chain)
{
	struct page *content = entry_page(chain);
	struct ksm_stable_node *dup;
	unsigned long n = 0;

	c->chains++;
	hlist_for_each_entry(dup, &chain->hlist, hlist_dup) {
		if (n++ > c->max_nodes)
			break;
		if (!dup->dup || is_stable_node_chain(dup))
			ksm_fail(c, "chain %p holds %p, which is not a dup", (void *)chain,
				 (void *)dup);
		if (content && node_is_live(dup) && memcmp_pages(content, pfn_to_page(dup->kpfn)))
			ksm_fail(c, "chain %p: dup pfn %#lx differs from pfn %#lx", (void *)chain,
				 dup->kpfn, page_to_pfn(content));
		check_stable_node(c, dup);
	}
	c->dups += n;
}

static void check_stable_tree(struct ksm_checker *c)
{
	for (struct rb_node *rb = rb_first(&root_stable_tree); rb && !c->err; rb = rb_next(rb)) {
		struct ksm_stable_node *entry = rb_entry(rb, struct ksm_stable_node, node);
		struct page *page;

		if (entry->dup)
			ksm_fail(c, "dup %p is in the stable tree itself", (void *)entry);
		if (is_stable_node_chain(entry))
			check_chain(c, entry);
		else
			check_stable_node(c, entry);
		page = entry_page(entry);
		if (page && c->prev_page && memcmp_pages(c->prev_page, page) >= 0)
			ksm_fail(c, "stable tree out of order: pfn %#lx sorts after pfn %#lx",
				 page_to_pfn(c->prev_page), page_to_pfn(page));
		if (page)
			c->prev_page = page;
	}
	qsort(c->nodes, c->nr_nodes, sizeof(*c->nodes), cmp_ptr);
}

static void check_unstable_tree(struct ksm_checker *c)
{
	for (struct rb_node *rb = rb_first(&root_unstable_tree); rb && !c->err; rb = rb_next(rb)) {
		struct ksm_rmap_item *rmap_item = rb_entry(rb, struct ksm_rmap_item, node);

		if (!(rmap_item->address & UNSTABLE_FLAG) ||
		    ((rmap_item->address ^ ksm_scan.seqnr) & SEQNR_MASK))
			ksm_fail(c, "the unstable tree holds rmap_item %p (address %#lx, scan %lu)",
				 (void *)rmap_item, rmap_item->address, ksm_scan.seqnr);
		c->unstable_tree++;
	}
}

/* Every frame that is a KSM page must be a live node's. */
static void check_ksm_frames(struct ksm_checker *c)
{
	unsigned long end = pgdat_init_end_pfn(&contig_page_data);

	/* Deferred struct pages are not KSM pages: the walk stops before them. */
	for (unsigned long pfn = 0; pfn < end && !c->err; pfn++) {
		struct page *page = pfn_to_page(pfn);
		struct ksm_stable_node *node = page_stable_node(page);

		if (!PageKsm(page))
			continue;
		if (!node || !node_known(c, node) || READ_ONCE(node->kpfn) != pfn)
			ksm_fail(c, "pfn %#lx is a KSM page of stable node %p, which %s", pfn,
				 (void *)node, !node ? "is missing" : !node_known(c, node) ?
				 "is not in the stable tree" : "names another frame");
	}
}

struct ksm_mm_census {
	struct ksm_checker *c;
	long zero_ptes, total_zero;
};

static void census_pte(pte_t pte, unsigned long addr, void *arg)
{
	struct ksm_mm_census *census = arg;
	struct page *page;

	census->zero_ptes += is_ksm_zero_pte(pte);
	if (!pte_present(pte) || !(page = vm_normal_page(pte)) || !PageKsm(page))
		return;
	if (pte_write(pte))
		ksm_fail(census->c, "KSM page pfn %#lx is mapped writable at %#lx",
			 page_to_pfn(page), addr);
}

static void check_mm_zero_pages(struct mm_struct *mm, void *arg)
{
	struct ksm_mm_census *census = arg;

	census->zero_ptes = 0;
	walk_all_ptes(mm, census_pte, census);
	census->total_zero += census->zero_ptes;
	if (census->zero_ptes != mm_ksm_zero_pages(mm))
		ksm_fail(census->c, "mm %p maps %ld KSM zero pages but counts %ld", (void *)mm,
			 census->zero_ptes, mm_ksm_zero_pages(mm));
}

/* One mm slot: its list sorted, each rmap_item on one tree or none. */
static void check_mm_slot(struct ksm_checker *c, struct ksm_mm_slot *slot,
			  unsigned long *items, unsigned long *unstable, unsigned long *this_scan)
{
	unsigned long last = 0, n = 0, merging = 0;
	struct ksm_rmap_item *rmap_item;

	if (!test_bit(MMF_VM_MERGEABLE, &slot->mm->flags))
		ksm_fail(c, "mm %p has a slot but not MMF_VM_MERGEABLE", (void *)slot->mm);
	for (rmap_item = slot->rmap_list; rmap_item && !c->err; rmap_item = rmap_item->rmap_list) {
		unsigned long addr = rmap_item->address & PAGE_MASK;
		unsigned long flags = rmap_item->address & (STABLE_FLAG | UNSTABLE_FLAG);

		if (rmap_item->mm != slot->mm || (n && addr <= last))
			ksm_fail(c, "mm %p: rmap_item %p (address %#lx) is out of place",
				 (void *)slot->mm, (void *)rmap_item, rmap_item->address);
		if (flags == (STABLE_FLAG | UNSTABLE_FLAG))
			ksm_fail(c, "rmap_item %p is both stable and unstable", (void *)rmap_item);
		if (flags == STABLE_FLAG && !node_known(c, rmap_item->head))
			ksm_fail(c, "rmap_item %p names stable node %p, which is not in the tree",
				 (void *)rmap_item, (void *)rmap_item->head);
		if (flags == UNSTABLE_FLAG) {
			unsigned char age = ksm_scan.seqnr - rmap_item->address;

			if (age > 1)
				ksm_fail(c, "rmap_item %p is unstable from %u scans ago",
					 (void *)rmap_item, age);
			(*unstable)++;
			*this_scan += !age;
		}
		merging += flags == STABLE_FLAG;
		last = addr;
		n++;
	}
	if (!c->err && (n != (unsigned long)slot->mm->ksm_rmap_items ||
			merging != (unsigned long)slot->mm->ksm_merging_pages))
		ksm_fail(c, "mm %p holds %lu rmap_items, %lu stable, but counts %ld and %ld",
			 (void *)slot->mm, n, merging, slot->mm->ksm_rmap_items,
			 slot->mm->ksm_merging_pages);
	*items += n;
}

static void check_mm_slots(struct ksm_checker *c)
{
	unsigned long items = 0, unstable = 0, this_scan = 0, slots = 0;
	struct ksm_mm_slot *slot;

	spin_lock(&ksm_mmlist_lock);
	list_for_each_entry(slot, &ksm_mm_head.mm_node, mm_node) {
		if (c->err)
			break;
		check_mm_slot(c, slot, &items, &unstable, &this_scan);
		slots++;
	}
	if (!c->err && slots != (unsigned long)ksm_nr_mm_slots)
		ksm_fail(c, "%lu mm slots on the list but %ld counted", slots, ksm_nr_mm_slots);
	spin_unlock(&ksm_mmlist_lock);
	if (!c->err && (items != ksm_rmap_items || unstable != ksm_pages_unshared ||
			this_scan != c->unstable_tree))
		ksm_fail(c, "%lu rmap_items (%lu unstable, %lu of this scan, %lu in the tree) but "
			 "ksm_rmap_items %lu pages_unshared %lu", items, unstable, this_scan,
			 c->unstable_tree, ksm_rmap_items, ksm_pages_unshared);
}

static void check_counters(struct ksm_checker *c)
{
	struct ksm_mm_census census = { .c = c };

	if (c->shared != ksm_pages_shared || c->sharing != ksm_pages_sharing ||
	    c->chains != ksm_stable_node_chains || c->dups != ksm_stable_node_dups)
		ksm_fail(c, "the stable tree holds shared %lu sharing %lu chains %lu dups %lu but "
			 "the counters say %lu %lu %lu %lu", c->shared, c->sharing, c->chains,
			 c->dups, ksm_pages_shared, ksm_pages_sharing, ksm_stable_node_chains,
			 ksm_stable_node_dups);
	if (c->err)
		return;
	for_each_mm(check_mm_zero_pages, &census);
	if (!c->err && census.total_zero != __atomic_load_n(&ksm_zero_pages, __ATOMIC_RELAXED))
		ksm_fail(c, "the mms map %ld KSM zero pages but ksm_zero_pages is %ld",
			 census.total_zero, ksm_zero_pages);
}

/* Regular nodes and dups in the stable tree (a chain counts its dups). */
static unsigned long count_stable_nodes(void)
{
	unsigned long n = 0;

	for (struct rb_node *rb = rb_first(&root_stable_tree); rb; rb = rb_next(rb)) {
		struct ksm_stable_node *entry = rb_entry(rb, struct ksm_stable_node, node);
		struct ksm_stable_node *dup;

		if (!is_stable_node_chain(entry))
			n++;
		else
			hlist_for_each_entry(dup, &entry->hlist, hlist_dup)
				n++;
	}
	return n;
}

/**
 * ksm_validate() - check KSM's trees, rmap_items and counters (see above).
 * @msg: receives the first problem found.
 * Context: no lock held; takes ksm_thread_mutex and ksm_mmlist_lock.
 * Return: 0, -EUCLEAN with @msg set, or -ENOMEM.
 */
int ksm_validate(char *msg, size_t len)
{
	struct ksm_checker c = { .msg = msg, .len = len };

	msg[0] = '\0';
	ksm_thread_lock();
	if (rb_validate(&root_stable_tree) < 0 || rb_validate(&root_unstable_tree) < 0) {
		ksm_thread_unlock();
		snprintf(msg, len, "a KSM tree breaks the red-black rules");
		return -EUCLEAN;
	}
	c.max_nodes = count_stable_nodes() + 1;
	c.nodes = calloc(c.max_nodes, sizeof(*c.nodes));
	if (!c.nodes) {
		ksm_thread_unlock();
		return -ENOMEM;
	}
	check_stable_tree(&c);
	if (!c.err)
		check_unstable_tree(&c);
	if (!c.err)
		check_ksm_frames(&c);
	if (!c.err)
		check_mm_slots(&c);
	if (!c.err)
		check_counters(&c);
	free(c.nodes);
	ksm_thread_unlock();
	return c.err;
}
