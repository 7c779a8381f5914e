/* SPDX-License-Identifier: MIT */
/*
 * page.h - struct page, its flags, its reference and map counts, and the
 * pfn <-> page <-> address conversions.
 *
 * One struct page describes one 4 KiB frame of the arena. It is at most
 * 64 bytes (checked at compile time), as the kernel's is. Fields follow the
 * kernel's names and rules:
 *
 *   flags      PG_* bits, set and cleared atomically (the __ variants are
 *              for pages nobody else can see yet); the zone index lives in
 *              the top ZONES_WIDTH bits.
 *   lru        list link: buddy free list (PageBuddy), per-cpu free list,
 *              LRU list (PageLRU) or a private isolation list.
 *   mapping    for anonymous pages, the anon_vma tagged with the low bits
 *              FOLIO_MAPPING_ANON / _ANON_KSM / _KSM.
 *   index      page offset within its mapping.
 *   private    owner data; the order of a free buddy block (PageBuddy).
 *   _mapcount  number of page-table mappings minus one (-1: unmapped).
 *   _refcount  references; 0 means the frame belongs to the allocator.
 *   page_type  PGTY_* in the top byte, or UINT_MAX for "no type".
 *
 * Deviation: the kernel overlays page_type on _mapcount; pagelab keeps them
 * apart (the struct has room) so dump_page() can show both.
 *
 * Compound pages (__GFP_COMP allocations of order > 0; docs/huge-pages.md):
 * the first page is the head (PG_head), every other page a tail whose
 * compound_head word (the word of lru.next) holds the head's address plus
 * one; bit 0 set means "tail", which no list pointer ever has (pagelab
 * also sets PG_tail on tails: see PageTail()). The first
 * tail keeps the order in the low byte of its flags and the folio's map
 * counts in the words of lru.prev and index; every tail has mapping ==
 * TAIL_MAPPING and no references of its own: the folio's references are
 * all on the head. pagelab has no struct folio: a folio is named by its
 * head page (page_folio()), as the rest of pagelab names it by its page.
 */
#ifndef PAGELAB_PAGE_H
#define PAGELAB_PAGE_H

#include <limits.h>
#include "core/bitmap.h"
#include "core/compiler.h"
#include "core/list.h"
#include "core/debug.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PFN_PHYS(pfn)	((unsigned long)(pfn) << PAGE_SHIFT)

typedef unsigned long pgoff_t;

struct page {
	unsigned long flags;
	union {
		struct list_head lru;
		struct {			/* tail pages of a compound page */
			unsigned long compound_head;	/* head + 1 */
			int _large_mapcount;	/* first tail: PTEs + PMDs, minus one */
			int _entire_mapcount;	/* first tail: PMDs, minus one */
		};
	};
	unsigned long mapping;
	union {
		pgoff_t index;
		struct {			/* first tail of a compound page */
			int _nr_pages_mapped;	/* pages mapped by a PTE */
			int _pincount;
		};
	};
	unsigned long private;
	int _mapcount;
	int _refcount;
	unsigned int page_type;
};
BUILD_BUG_ON(sizeof(struct page) > 64);

/* ------------------------------------------------------------------ */
/* Page flags                                                          */

enum pageflags {
	PG_locked,		/* page lock held: lock_page() */
	PG_writeback,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,			/* on a zone's LRU list, under lru_lock */
	PG_head,
	PG_waiters,		/* someone sleeps in lock_page() */
	PG_active,
	PG_workingset,
	PG_owner_priv_1,
	PG_owner_2,
	PG_arch_1,
	PG_reserved,
	PG_private,
	PG_private_2,
	PG_reclaim,
	PG_swapbacked,
	PG_unevictable,
	PG_mlocked,
	PG_tail,		/* pagelab: a tail page (see compound_head()) */
	__NR_PAGEFLAGS,

	/* Aliases, as in today's kernel. */
	PG_movable_ops = PG_uptodate,		/* has movable_ops (set only) */
	PG_reported = PG_uptodate,		/* free block reported (buddy pages only) */
	PG_movable_ops_isolated = PG_reclaim,	/* isolated by the migration core */
	PG_anon_exclusive = PG_owner_2,
	PG_swapcache = PG_owner_priv_1,
};

#define ZONES_WIDTH	8
#define ZONES_PGSHIFT	(BITS_PER_LONG - ZONES_WIDTH)
#define ZONES_MASK	((1UL << ZONES_WIDTH) - 1)
#define PAGE_FLAGS_MASK	((1UL << __NR_PAGEFLAGS) - 1)

#define TESTPAGEFLAG(uname, lname)					\
static inline bool Page##uname(const struct page *page)		\
{ return test_bit(PG_##lname, &page->flags); }
#define SETPAGEFLAG(uname, lname)					\
static inline void SetPage##uname(struct page *page)			\
{ set_bit(PG_##lname, &page->flags); }
#define CLEARPAGEFLAG(uname, lname)					\
static inline void ClearPage##uname(struct page *page)		\
{ clear_bit(PG_##lname, &page->flags); }
#define __SETPAGEFLAG(uname, lname)					\
static inline void __SetPage##uname(struct page *page)		\
{ __set_bit(PG_##lname, &page->flags); }
#define __CLEARPAGEFLAG(uname, lname)					\
static inline void __ClearPage##uname(struct page *page)		\
{ __clear_bit(PG_##lname, &page->flags); }
#define TESTSETFLAG(uname, lname)					\
static inline bool TestSetPage##uname(struct page *page)		\
{ return test_and_set_bit(PG_##lname, &page->flags); }
#define TESTCLEARFLAG(uname, lname)					\
static inline bool TestClearPage##uname(struct page *page)		\
{ return test_and_clear_bit(PG_##lname, &page->flags); }

#define PAGEFLAG(uname, lname)						\
	TESTPAGEFLAG(uname, lname) SETPAGEFLAG(uname, lname)		\
	CLEARPAGEFLAG(uname, lname)
#define __PAGEFLAG(uname, lname)					\
	TESTPAGEFLAG(uname, lname) __SETPAGEFLAG(uname, lname)		\
	__CLEARPAGEFLAG(uname, lname)
#define TESTSCFLAG(uname, lname)					\
	TESTSETFLAG(uname, lname) TESTCLEARFLAG(uname, lname)

/*
 * Only the accessors something uses are generated (the kernel generates
 * whole families); a flag's line grows when a new user needs one more.
 * PG_writeback, PG_private and PG_mlocked have none yet (PG_head and
 * PG_tail have theirs with the compound page helpers below); the
 * bits stay for dump_page() and the allocator's free-time check
 * (PAGE_FLAGS_CHECK_AT_FREE).
 */
TESTPAGEFLAG(Locked, locked) __SETPAGEFLAG(Locked, locked)
PAGEFLAG(Waiters, waiters)
SETPAGEFLAG(Referenced, referenced) TESTCLEARFLAG(Referenced, referenced)
TESTPAGEFLAG(Dirty, dirty) SETPAGEFLAG(Dirty, dirty) __CLEARPAGEFLAG(Dirty, dirty)
	TESTSCFLAG(Dirty, dirty)
PAGEFLAG(LRU, lru) __CLEARPAGEFLAG(LRU, lru) TESTCLEARFLAG(LRU, lru)
PAGEFLAG(Active, active) __CLEARPAGEFLAG(Active, active)
	TESTCLEARFLAG(Active, active)
TESTPAGEFLAG(Workingset, workingset) SETPAGEFLAG(Workingset, workingset)
TESTPAGEFLAG(Reserved, reserved) SETPAGEFLAG(Reserved, reserved)
PAGEFLAG(SwapBacked, swapbacked) __SETPAGEFLAG(SwapBacked, swapbacked)
	__CLEARPAGEFLAG(SwapBacked, swapbacked)
PAGEFLAG(Unevictable, unevictable) __CLEARPAGEFLAG(Unevictable, unevictable)
TESTCLEARFLAG(Unevictable, unevictable)
PAGEFLAG(AnonExclusive, anon_exclusive) __SETPAGEFLAG(AnonExclusive, anon_exclusive)
TESTPAGEFLAG(Reclaim, reclaim)

/*
 * PG_uptodate carries ordering: whoever sees it set must see the contents
 * written before it was set.
 */
static inline bool PageUptodate(const struct page *page)
{
	return (__atomic_load_n(&page->flags, __ATOMIC_ACQUIRE) >> PG_uptodate) & 1;
}

static inline void SetPageUptodate(struct page *page)
{
	__atomic_fetch_or(&page->flags, BIT(PG_uptodate), __ATOMIC_RELEASE);
}

/*
 * PG_reported: a free block's first page, already reported to the host
 * (free page reporting); changed under zone->lock, cleared when the block
 * leaves the free lists.
 */
__PAGEFLAG(Reported, reported)

/* PG_movable_ops: set only; cleared when the page goes back to the buddy. */
TESTPAGEFLAG(MovableOps, movable_ops)
SETPAGEFLAG(MovableOps, movable_ops)
PAGEFLAG(MovableOpsIsolated, movable_ops_isolated)

/* ------------------------------------------------------------------ */
/* Page types (kernel: the top byte of page_type)                       */

enum pagetype {
	PGTY_buddy = 0xf0,	/* a free block's first page, in the buddy */
	PGTY_offline = 0xf1,	/* handed out of the guest (balloon) */
	PGTY_table = 0xf2,	/* page-table page */
	PGTY_guard = 0xf3,
	PGTY_hugetlb = 0xf4,
	PGTY_slab = 0xf5,
	PGTY_zsmalloc = 0xf6,	/* owned by the zsmalloc-like driver */
	PGTY_unaccepted = 0xf7,
	PGTY_large_kmalloc = 0xf8,
	PGTY_mapcount_underflow = 0xff,
};

#define PAGE_TYPE_NONE UINT_MAX

static inline bool page_has_type(const struct page *page)
{
	return READ_ONCE(page->page_type) != PAGE_TYPE_NONE;
}

#define TESTPAGETYPE(uname, lname)					\
static inline bool Page##uname(const struct page *page)		\
{ return (READ_ONCE(page->page_type) >> 24) == PGTY_##lname; }
#define __SETPAGETYPE(uname, lname)					\
static inline void __SetPage##uname(struct page *page)		\
{									\
	VM_BUG_ON_PAGE(page_has_type(page), page);			\
	WRITE_ONCE(page->page_type, (unsigned int)PGTY_##lname << 24);	\
}
#define __CLEARPAGETYPE(uname, lname)					\
static inline void __ClearPage##uname(struct page *page)		\
{									\
	VM_BUG_ON_PAGE(!Page##uname(page), page);			\
	WRITE_ONCE(page->page_type, PAGE_TYPE_NONE);			\
}
#define PAGE_TYPE_OPS(uname, lname)					\
	TESTPAGETYPE(uname, lname) __SETPAGETYPE(uname, lname)		\
	__CLEARPAGETYPE(uname, lname)

/* As for the flags, only the accessors in use (PGTY_slab has none). */
PAGE_TYPE_OPS(Buddy, buddy)
TESTPAGETYPE(Offline, offline) __SETPAGETYPE(Offline, offline)	/* kept until freed */
PAGE_TYPE_OPS(Table, table)
PAGE_TYPE_OPS(Zsmalloc, zsmalloc)
PAGE_TYPE_OPS(Hugetlb, hugetlb)	/* on a hugetlb folio's head */

/**
 * page_has_movable_ops() - may this page be migrated through movable_ops?
 * PG_movable_ops alone is not enough: its bit is PG_uptodate's, which
 * any page may carry; only the page types whose owners register
 * movable_ops (the balloon's PGTY_offline, PGTY_zsmalloc) count.
 * Context: any; racy unless the caller holds a reference (the answer is
 * stable from then on, since the flag and the type stick until free).
 */
static inline bool page_has_movable_ops(const struct page *page)
{
	return PageMovableOps(page) && (PageOffline(page) || PageZsmalloc(page));
}

/* ------------------------------------------------------------------ */
/* mapping                                                             */

#define FOLIO_MAPPING_ANON	0x1UL
#define FOLIO_MAPPING_ANON_KSM	0x2UL
#define FOLIO_MAPPING_KSM	(FOLIO_MAPPING_ANON | FOLIO_MAPPING_ANON_KSM)
#define FOLIO_MAPPING_FLAGS	(FOLIO_MAPPING_ANON | FOLIO_MAPPING_ANON_KSM)

static inline bool PageAnon(const struct page *page)
{
	return READ_ONCE(page->mapping) & FOLIO_MAPPING_ANON;
}

static inline bool PageKsm(const struct page *page)
{
	return (READ_ONCE(page->mapping) & FOLIO_MAPPING_FLAGS) == FOLIO_MAPPING_KSM;
}

/* ------------------------------------------------------------------ */
/* Reference and map counts                                            */

static inline int page_ref_count(const struct page *page)
{
	return __atomic_load_n(&page->_refcount, __ATOMIC_RELAXED);
}

static inline void set_page_count(struct page *page, int v)
{
	__atomic_store_n(&page->_refcount, v, __ATOMIC_RELAXED);
}

/* An allocator hands a page out with exactly one reference. */
static inline void set_page_refcounted(struct page *page)
{
	VM_BUG_ON_PAGE(page_ref_count(page), page);
	set_page_count(page, 1);
}

static inline void page_ref_inc(struct page *page)
{
	__atomic_fetch_add(&page->_refcount, 1, __ATOMIC_RELAXED);
}

static inline void page_ref_add(struct page *page, int nr)
{
	__atomic_fetch_add(&page->_refcount, nr, __ATOMIC_RELAXED);
}

/* Drop one reference; true if it was the last (full barrier, as kernel). */
static inline bool page_ref_dec_and_test(struct page *page)
{
	return __atomic_sub_fetch(&page->_refcount, 1, __ATOMIC_ACQ_REL) == 0;
}

/* Take a reference unless the count is zero (the page is being freed). */
static inline bool get_page_unless_zero(struct page *page)
{
	int old = __atomic_load_n(&page->_refcount, __ATOMIC_RELAXED);

	do {
		if (old == 0)
			return false;
	} while (!__atomic_compare_exchange_n(&page->_refcount, &old, old + 1, true,
					       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

/* Freeze: if exactly @count references are held, make it 0 (true on success). */
static inline bool page_ref_freeze(struct page *page, int count)
{
	return __atomic_compare_exchange_n(&page->_refcount, &count, 0, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

static inline void page_ref_unfreeze(struct page *page, int count)
{
	VM_BUG_ON_PAGE(page_ref_count(page) != 0, page);
	__atomic_store_n(&page->_refcount, count, __ATOMIC_RELEASE);
}

static inline int page_mapcount(const struct page *page)
{
	return __atomic_load_n(&page->_mapcount, __ATOMIC_RELAXED) + 1;
}

static inline bool page_mapped(const struct page *page)
{
	return page_mapcount(page) > 0;
}

/* ------------------------------------------------------------------ */
/* Compound pages and folios (see the comment at the top)              */

/* The mapping of a tail page (the kernel's poison value, bit 0 clear). */
#define TAIL_MAPPING		0x400UL
/* The order is the low byte of the first tail's flags. */
#define FOLIO_ORDER_MASK	0xffUL

static inline bool PageHead(const struct page *page)
{
	return test_bit(PG_head, &page->flags);
}

/*
 * A tail page. Deviation: Linux reads bit 0 of compound_head alone; pagelab
 * also marks tails with PG_tail (as Linux did before 4.5) and reads the
 * flags first, so that a lockless look at a page that is not a tail never
 * reads its lru.next, which list operations write without atomics (a race
 * ThreadSanitizer would report). Both are set and cleared together, while
 * the block has no references.
 */
static inline bool PageTail(const struct page *page)
{
	return test_bit(PG_tail, &page->flags);
}

static inline bool PageCompound(const struct page *page)
{
	return PageHead(page) || PageTail(page);
}

/* The head of @page's compound page, or @page itself. Context: any; racy
 * without a reference on the compound page. */
static inline struct page *compound_head(const struct page *page)
{
	unsigned long head;

	if (!PageTail(page))
		return (struct page *)page;
	head = READ_ONCE(page->compound_head);
	if (head & 1)
		return (struct page *)(head - 1);
	return (struct page *)page;
}

/* The folio @page belongs to, named by its head page. */
static inline struct page *page_folio(const struct page *page)
{
	return compound_head(page);
}

static inline bool folio_test_large(const struct page *folio)
{
	return PageHead(folio);
}

/*
 * The order of a folio; 0 unless @folio is a head. May be called without
 * a reference (compaction's scanners): the result may then be nonsense
 * and must be range-checked.
 */
static inline unsigned int folio_order(const struct page *folio)
{
	if (!PageHead(folio))
		return 0;
	return READ_ONCE(folio[1].flags) & FOLIO_ORDER_MASK;
}

static inline unsigned int compound_order(const struct page *page)
{
	return folio_order(page);
}

static inline unsigned long folio_nr_pages(const struct page *folio)
{
	return 1UL << folio_order(folio);
}

/* Page @n of a folio. */
static inline struct page *folio_page(struct page *folio, unsigned long n)
{
	return folio + n;
}

/*
 * _nr_pages_mapped: the pages of the folio mapped by a PTE, plus
 * ENTIRELY_MAPPED while a PMD maps the whole folio (the kernel's way of
 * counting NR_ANON_MAPPED without a lock).
 */
#define ENTIRELY_MAPPED		0x800000
#define FOLIO_PAGES_MAPPED	(ENTIRELY_MAPPED - 1)

static inline int folio_entire_mapcount(const struct page *folio)
{
	return __atomic_load_n(&folio[1]._entire_mapcount, __ATOMIC_RELAXED) + 1;
}

static inline int folio_large_mapcount(const struct page *folio)
{
	return __atomic_load_n(&folio[1]._large_mapcount, __ATOMIC_RELAXED) + 1;
}

/* Page-table entries mapping any part of the folio, over all processes. */
static inline int folio_mapcount(const struct page *folio)
{
	return folio_test_large(folio) ? folio_large_mapcount(folio) : page_mapcount(folio);
}

static inline int folio_ref_count(const struct page *folio)
{
	return page_ref_count(folio);
}

/* A reference to any page of a compound page is a reference to its head. */
static inline void get_page(struct page *page)
{
	page = compound_head(page);
	VM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);
	page_ref_inc(page);
}

/* hugetlb folios carry PGTY_hugetlb on their head (kernel: a page type). */
static inline bool folio_test_hugetlb(const struct page *folio)
{
	return folio_test_large(folio) && (READ_ONCE(folio->page_type) >> 24) == PGTY_hugetlb;
}

/* Is @page part of a hugetlb folio? Racy without a reference. */
static inline bool PageHuge(const struct page *page)
{
	return folio_test_hugetlb(compound_head(page));
}

/* ------------------------------------------------------------------ */
/* Buddy order (valid while PageBuddy, under zone->lock)               */

static inline unsigned int buddy_order(const struct page *page)
{
	return READ_ONCE(page->private);
}

/* Lockless read for speculative scanners: may be stale, check the result. */
static inline unsigned int buddy_order_unsafe(const struct page *page)
{
	return READ_ONCE(page->private);
}

static inline void set_buddy_order(struct page *page, unsigned int order)
{
	WRITE_ONCE(page->private, order);
	__SetPageBuddy(page);
}

#endif /* PAGELAB_PAGE_H */
