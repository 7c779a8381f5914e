/* SPDX-License-Identifier: MIT */
/*
 * ksm_internal.h - KSM's private structures, globals and cross-file
 * functions (kernel: the inside of mm/ksm.c), grouped by the file that
 * defines them. docs/ksm.md draws the structures and their life.
 *
 * Locking (docs/locking.md):
 *   ksm_thread_mutex  the trees, every rmap_item, every stable node, the
 *                     scan cursor's position inside an mm, the counters;
 *                     held by ksmd for one batch, by the knob writers that
 *                     need a quiet KSM, by __ksm_exit() and the validator.
 *   ksm_mmlist_lock   the list and hash of mm slots, and which slot the
 *                     cursor is on (__ksm_enter() inserts behind it).
 *   page lock         a stable node's rmap_item list (its hlist) changes
 *                     under the lock of the node's KSM page, so that
 *                     rmap_walk_ksm(), which holds that lock, sees it whole.
 *   kpfn, page->mapping  written with release, read with acquire: the
 *                     "keyhole" ksm_get_folio() peeks through.
 */
#ifndef PAGELAB_KSM_INTERNAL_H
#define PAGELAB_KSM_INTERNAL_H

#include "core/rbtree.h"
#include "ksm/ksm.h"
#include "vm/ksm_hooks.h"

typedef uint8_t rmap_age_t;

/*
 * struct ksm_rmap_item - one virtual page of a registered mm that ksmd
 * has seen: on the mm slot's list sorted by address, and on at most one
 * tree: the unstable tree (UNSTABLE_FLAG, with the low byte of the scan
 * number that inserted it) or a stable node's list (STABLE_FLAG).
 * @rmap_list:   next rmap_item of the same mm, by address.
 * @anon_vma:    when stable: the anon_vma of the VMA it was merged in
 *               (a reference is held), where rmap_walk_ksm() looks.
 * @address:     the page's address; the low bits hold the flags.
 * @oldchecksum: the page's checksum at the previous visit.
 * @age, @remaining_skips: smart scan: visits so far, visits still to skip.
 * @node:        in the unstable tree.
 * @head, @hlist: in the stable tree: its stable node, and the link on the
 *               node's list.
 * 64 bytes, as the kernel's (general_profit counts them by size).
 */
struct ksm_rmap_item {
	struct ksm_rmap_item *rmap_list;
	struct anon_vma *anon_vma;
	struct mm_struct *mm;
	unsigned long address;
	unsigned int oldchecksum;
	rmap_age_t age;
	rmap_age_t remaining_skips;
	union {
		struct rb_node node;
		struct {
			struct ksm_stable_node *head;
			struct hlist_node hlist;
		};
	};
};
BUILD_BUG_ON(sizeof(struct ksm_rmap_item) != 64);

#define SEQNR_MASK	0x0ffUL		/* low bits of the unstable tree's scan number */
#define UNSTABLE_FLAG	0x100UL		/* a node of the unstable tree */
#define STABLE_FLAG	0x200UL		/* on a stable node's list */

/*
 * struct ksm_stable_node - one KSM page (a regular node or a "dup"), or a
 * chain of dups holding the same content.
 * @node:           in the stable tree (a regular node or a chain).
 * @hlist_dup:      a dup: its link on the chain's list.
 * @hlist:          the rmap_items mapping the page; a chain: its dups.
 * @kpfn:           the KSM page's frame (the page's mapping points back).
 * @chain_prune_time: a chain: when its dups were last all checked (ms).
 * @rmap_hlist_len: the rmap_items on @hlist, or STABLE_NODE_CHAIN.
 * @dup:            on a chain's list rather than in the tree (kernel:
 *                  head == STABLE_NODE_DUP_HEAD).
 */
struct ksm_stable_node {
	union {
		struct rb_node node;
		struct hlist_node hlist_dup;
	};
	struct hlist_head hlist;
	union {
		unsigned long kpfn;
		unsigned long chain_prune_time;
	};
	int rmap_hlist_len;
	bool dup;
};
#define STABLE_NODE_CHAIN	-1024

/*
 * struct ksm_mm_slot - a registered mm.
 * @mm_node:   on ksm_mm_head's list, in scan order (ksm_mmlist_lock).
 * @hash:      on mm_slots_hash[], found by mm (ksm_mmlist_lock).
 * @mm:        the mm; it lives at least until __ksm_exit() removed the slot.
 * @rmap_list: its rmap_items by address (ksm_thread_mutex).
 */
struct ksm_mm_slot {
	struct list_head mm_node;
	struct hlist_node hash;
	struct mm_struct *mm;
	struct ksm_rmap_item *rmap_list;
};

/*
 * struct ksm_scan - ksmd's cursor.
 * @mm_slot:   the slot being scanned, or &ksm_mm_head between full scans.
 * @address:   the next address to look at in that mm.
 * @rmap_list: where the next rmap_item of that mm hangs.
 * @seqnr:     full scans completed (/sys/kernel/mm/ksm/full_scans).
 */
struct ksm_scan {
	struct ksm_mm_slot *mm_slot;
	unsigned long address;
	struct ksm_rmap_item **rmap_list;
	unsigned long seqnr;
};

#define KSM_RUN_STOP	0
#define KSM_RUN_MERGE	1
#define KSM_RUN_UNMERGE	2

enum ksm_advisor_type { KSM_ADVISOR_NONE, KSM_ADVISOR_SCAN_TIME };

/* Counters: changed under ksm_thread_mutex, read anywhere. */
static inline void ksm_count(unsigned long *counter, long delta)
{
	__atomic_fetch_add(counter, delta, __ATOMIC_RELAXED);
}

static inline void mm_count(long *counter, long delta)
{
	__atomic_fetch_add(counter, delta, __ATOMIC_RELAXED);
}

/* ksm/ksm.c: the mm slots, the hooks, time */
extern struct mutex ksm_thread_mutex;
extern spinlock_t ksm_mmlist_lock;
extern struct ksm_mm_slot ksm_mm_head;
extern struct ksm_scan ksm_scan;
extern unsigned long ksm_run;
extern long ksm_nr_mm_slots;
extern bool ksm_deterministic;
void ksm_thread_lock(void);
void ksm_thread_unlock(void);
bool ksm_thread_mutex_contended(void);
unsigned long ksm_now_ms(void);
void ksm_advance_virtual_clock(unsigned long ms);
void ksm_slot_unhash(struct ksm_mm_slot *slot);
void ksm_scan_advance_slot(struct ksm_mm_slot *slot);
int break_ksm(struct vm_area_struct *vma, unsigned long addr);
int unmerge_ksm_pages(struct vm_area_struct *vma, unsigned long start, unsigned long end);

/* ksm/stable_tree.c */
extern struct rb_root root_stable_tree;
extern struct rb_root root_unstable_tree;
extern unsigned long ksm_pages_shared, ksm_pages_sharing, ksm_pages_unshared;
extern unsigned long ksm_rmap_items, ksm_stable_node_chains, ksm_stable_node_dups;
extern int ksm_max_page_sharing;
extern unsigned int ksm_stable_node_chains_prune_millisecs;

static inline bool is_stable_node_chain(const struct ksm_stable_node *chain)
{
	return chain->rmap_hlist_len == STABLE_NODE_CHAIN;
}

static inline struct ksm_stable_node *page_stable_node(const struct page *page)
{
	return PageKsm(page) ? (struct ksm_stable_node *)(READ_ONCE(page->mapping) &
							  ~FOLIO_MAPPING_FLAGS) : NULL;
}

/* Release: whoever finds the page through the node sees the node's fields. */
static inline void folio_set_stable_node(struct page *page, struct ksm_stable_node *node)
{
	__atomic_store_n(&page->mapping, (unsigned long)node | FOLIO_MAPPING_KSM,
			 __ATOMIC_RELEASE);
}

enum ksm_get_folio_flags { KSM_GET_FOLIO_NOLOCK, KSM_GET_FOLIO_LOCK, KSM_GET_FOLIO_TRYLOCK };
#define KSM_FOLIO_BUSY	((struct page *)1)	/* kernel: ERR_PTR(-EBUSY) */

struct page *ksm_get_folio(struct ksm_stable_node *stable_node, enum ksm_get_folio_flags flags);
void remove_rmap_item_from_tree(struct ksm_rmap_item *rmap_item);
void free_rmap_item(struct ksm_rmap_item *rmap_item);
void remove_trailing_rmap_items(struct ksm_rmap_item **rmap_list);
struct page *stable_tree_search(struct page *page);
struct ksm_stable_node *stable_tree_insert(struct page *kpage);
void stable_tree_append(struct ksm_rmap_item *rmap_item, struct ksm_stable_node *stable_node,
			bool max_page_sharing_bypass);
bool is_page_sharing_candidate(const struct ksm_stable_node *stable_node);
int remove_all_stable_nodes(void);
void free_all_stable_nodes(void);

/* ksm/merge.c */
extern bool ksm_use_zero_pages;
extern unsigned int zero_checksum;
unsigned int calc_checksum(struct page *page);
int memcmp_pages(struct page *a, struct page *b);
void cmp_and_merge_page(struct page *page, struct ksm_rmap_item *rmap_item);

/* ksm/ksmd.c */
extern unsigned int ksm_thread_pages_to_scan;
extern unsigned int ksm_thread_sleep_millisecs;
extern bool ksm_smart_scan;
extern unsigned long ksm_pages_scanned, ksm_pages_skipped;
extern enum ksm_advisor_type ksm_advisor;
extern unsigned int ksm_advisor_max_cpu;
extern unsigned long ksm_advisor_min_pages_to_scan, ksm_advisor_max_pages_to_scan;
extern unsigned long ksm_advisor_target_scan_time;
void set_advisor_defaults(void);
int ksmd_start(bool threaded);
void ksmd_stop(void);
void ksmd_wakeup(void);
void ksmd_scan_done(void);
void ksm_end_full_scan(void);
bool ksm_follow_huge_pmd(struct mm_struct *mm, unsigned long addr, struct page **pagep);
int unmerge_and_remove_all_rmap_items(void);

/* ksm/knobs.c */
void ksm_knobs_reset(void);

#endif /* PAGELAB_KSM_INTERNAL_H */
