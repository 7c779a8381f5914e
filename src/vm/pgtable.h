/* SPDX-License-Identifier: MIT */
/*
 * pgtable.h - page-table entries: the x86-64-like format pagelab's
 * simulated MMU understands, and the non-present "softleaf" entries
 * (migration entries) it faults on.
 *
 * Four levels (pgd, pud, pmd, pte) of 512 eight-byte entries translate a
 * 48-bit virtual address; every table is a frame of the arena allocated
 * from the buddy allocator (PageTable, unmovable), so page tables cost the
 * machine memory as they do in Linux. Upper-level entries hold the pfn of
 * the next table and the present bit.
 *
 * A present PTE:
 *   bit 0  _PAGE_PRESENT     bit 5  _PAGE_ACCESSED (young)
 *   bit 1  _PAGE_RW          bit 6  _PAGE_DIRTY
 *   bit 9  _PAGE_SPECIAL (the shared zero page: no struct page refcount)
 *   bits 12..51  pfn
 * A non-present, non-zero PTE is a softleaf entry:
 *   bits 1..5   type (SOFTLEAF_MIGRATION_*)
 *   bit 6       dirty, bit 7 young (carried by migration entries)
 *   bits 12..51 pfn of the page being migrated
 * A zero PTE (pte_none) maps nothing. A PMD slot may hold a softleaf
 * entry too: a PMD migration entry, for a THP a PMD mapped.
 *
 * A PMD entry either points at a PTE table (present, no _PAGE_PSE) or is
 * a leaf mapping 2 MiB at once (present | _PAGE_PSE, x86-64's format): a
 * transparent huge page, or the huge zero page (also _PAGE_SPECIAL). Its
 * pfn is the first of the 512 frames it maps; RW, ACCESSED and DIRTY mean
 * what they mean in a PTE. Walkers that look for a PTE table treat a leaf
 * as "no table" (vm/huge_memory.c handles leaves).
 *
 * Entries are read and written with atomics (ptep_get/set_pte):
 * the simulated MMU reads them without the page-table lock, as hardware
 * does; every writer holds the PTE's page-table lock.
 */
#ifndef PAGELAB_PGTABLE_H
#define PAGELAB_PGTABLE_H

#include "internal.h"

typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long val; } pgd_t, pud_t, pmd_t;

#define PTRS_PER_TABLE	512
#define PTE_SHIFT	PAGE_SHIFT
#define PMD_SHIFT	21
#define PUD_SHIFT	30
#define PGDIR_SHIFT	39
#define TASK_SIZE	(1UL << 47)
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PMD_MASK	(~(PMD_SIZE - 1))

#define _PAGE_PRESENT	BIT(0)
#define _PAGE_RW	BIT(1)
#define _PAGE_ACCESSED	BIT(5)
#define _PAGE_DIRTY	BIT(6)
#define _PAGE_PSE	BIT(7)		/* a PMD leaf: maps 2 MiB */
#define _PAGE_SPECIAL	BIT(9)
#define PTE_PFN_MASK	(((1UL << 52) - 1) & PAGE_MASK)

static inline unsigned long pte_index(unsigned long addr) { return (addr >> PTE_SHIFT) & 511; }
static inline unsigned long pmd_index(unsigned long addr) { return (addr >> PMD_SHIFT) & 511; }
static inline unsigned long pud_index(unsigned long addr) { return (addr >> PUD_SHIFT) & 511; }
static inline unsigned long pgd_index(unsigned long addr) { return (addr >> PGDIR_SHIFT) & 511; }

static inline pte_t __pte(unsigned long v)	{ return (pte_t){ v }; }
static inline unsigned long pte_val(pte_t pte)	{ return pte.pte; }
static inline bool pte_none(pte_t pte)		{ return pte.pte == 0; }
static inline bool pte_present(pte_t pte)	{ return pte.pte & _PAGE_PRESENT; }
static inline bool pte_write(pte_t pte)		{ return pte.pte & _PAGE_RW; }
static inline bool pte_dirty(pte_t pte)		{ return pte.pte & _PAGE_DIRTY; }
static inline bool pte_young(pte_t pte)		{ return pte.pte & _PAGE_ACCESSED; }
static inline bool pte_special(pte_t pte)	{ return pte.pte & _PAGE_SPECIAL; }
static inline unsigned long pte_pfn(pte_t pte)	{ return (pte.pte & PTE_PFN_MASK) >> PAGE_SHIFT; }

static inline pte_t pfn_pte(unsigned long pfn, bool write)
{
	return __pte((pfn << PAGE_SHIFT) | _PAGE_PRESENT | (write ? _PAGE_RW : 0));
}
static inline pte_t pte_mkwrite(pte_t pte)	{ return __pte(pte.pte | _PAGE_RW); }
static inline pte_t pte_wrprotect(pte_t pte)	{ return __pte(pte.pte & ~_PAGE_RW); }
static inline pte_t pte_mkdirty(pte_t pte)	{ return __pte(pte.pte | _PAGE_DIRTY); }
static inline pte_t pte_mkclean(pte_t pte)	{ return __pte(pte.pte & ~_PAGE_DIRTY); }
static inline pte_t pte_mkyoung(pte_t pte)	{ return __pte(pte.pte | _PAGE_ACCESSED); }
static inline pte_t pte_mkold(pte_t pte)	{ return __pte(pte.pte & ~_PAGE_ACCESSED); }
static inline pte_t pte_mkspecial(pte_t pte)	{ return __pte(pte.pte | _PAGE_SPECIAL); }

/* PMD entries (the values of a PMD table's slots). */
static inline pmd_t __pmd(unsigned long v)	{ return (pmd_t){ v }; }
static inline unsigned long pmd_val(pmd_t pmd)	{ return pmd.val; }
static inline bool pmd_none(pmd_t pmd)		{ return pmd.val == 0; }
static inline bool pmd_trans_huge(pmd_t pmd)
{
	return (pmd.val & (_PAGE_PRESENT | _PAGE_PSE)) == (_PAGE_PRESENT | _PAGE_PSE);
}
static inline bool pmd_write(pmd_t pmd)		{ return pmd.val & _PAGE_RW; }
static inline bool pmd_dirty(pmd_t pmd)		{ return pmd.val & _PAGE_DIRTY; }
static inline bool pmd_young(pmd_t pmd)		{ return pmd.val & _PAGE_ACCESSED; }
static inline bool pmd_special(pmd_t pmd)	{ return pmd.val & _PAGE_SPECIAL; }
static inline unsigned long pmd_pfn(pmd_t pmd)	{ return (pmd.val & PTE_PFN_MASK) >> PAGE_SHIFT; }
static inline pmd_t pmd_wrprotect(pmd_t pmd)	{ return __pmd(pmd.val & ~_PAGE_RW); }
static inline pmd_t pmd_mkold(pmd_t pmd)	{ return __pmd(pmd.val & ~_PAGE_ACCESSED); }

/* A huge PMD mapping the 512 frames from @pfn. */
static inline pmd_t pfn_pmd_huge(unsigned long pfn, bool write)
{
	return __pmd((pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_PSE | (write ? _PAGE_RW : 0));
}

/* Read a PMD slot; lockless readers see a whole entry. */
static inline pmd_t pmdp_get(pmd_t *pmdp)
{
	return __pmd(__atomic_load_n(&pmdp->val, __ATOMIC_SEQ_CST));
}

/* Context: the caller holds the PMD lock (mm->page_table_lock). */
static inline void set_pmd(pmd_t *pmdp, pmd_t pmd)
{
	__atomic_store_n(&pmdp->val, pmd.val, __ATOMIC_SEQ_CST);
}

/*
 * PTE accesses are sequentially consistent: together with the CPUs'
 * access counters they form the handshake flush_tlb_wait() relies on
 * (tlb.c). On x86-64 a seq_cst load is a plain load.
 */
static inline pte_t ptep_get(pte_t *ptep)
{
	return __pte(__atomic_load_n(&ptep->pte, __ATOMIC_SEQ_CST));
}

/* Context: the caller holds the PTE's page-table lock. */
static inline void set_pte(pte_t *ptep, pte_t pte)
{
	__atomic_store_n(&ptep->pte, pte.pte, __ATOMIC_SEQ_CST);
}

/* Clear a PTE and return what it held. Context: page-table lock held. */
static inline pte_t ptep_get_and_clear(pte_t *ptep)
{
	return __pte(__atomic_exchange_n(&ptep->pte, 0, __ATOMIC_SEQ_CST));
}

/* ------------------------------------------------------------------ */
/* Softleaf (non-present) entries                                       */

enum softleaf_type {
	SOFTLEAF_NONE,
	SOFTLEAF_MIGRATION_READ,		/* was mapped read-only, shared */
	SOFTLEAF_MIGRATION_READ_EXCLUSIVE,	/* was read-only, anon exclusive */
	SOFTLEAF_MIGRATION_WRITE,		/* was mapped writable */
};

#define SOFTLEAF_TYPE_SHIFT	1
#define SOFTLEAF_TYPE_MASK	(0x1fUL << SOFTLEAF_TYPE_SHIFT)
#define SOFTLEAF_DIRTY		BIT(6)
#define SOFTLEAF_YOUNG		BIT(7)

static inline enum softleaf_type softleaf_type(pte_t pte)
{
	if (pte_present(pte) || pte_none(pte))
		return SOFTLEAF_NONE;
	return (pte.pte & SOFTLEAF_TYPE_MASK) >> SOFTLEAF_TYPE_SHIFT;
}

static inline bool softleaf_is_migration(pte_t pte)
{
	enum softleaf_type t = softleaf_type(pte);

	return t >= SOFTLEAF_MIGRATION_READ && t <= SOFTLEAF_MIGRATION_WRITE;
}

static inline pte_t make_softleaf_pte(enum softleaf_type type, unsigned long pfn)
{
	return __pte((pfn << PAGE_SHIFT) | ((unsigned long)type << SOFTLEAF_TYPE_SHIFT));
}

static inline unsigned long softleaf_pfn(pte_t pte)
{
	return pte_pfn(pte);
}

/*
 * A PMD migration entry: a non-present, non-zero PMD with a PTE softleaf
 * entry's layout (type, dirty, young, pfn of the folio's head), standing
 * for a whole PMD-mapped THP being migrated (the kernel's
 * is_pmd_migration_entry()). Walkers looking for a PTE table see no table
 * (not present); table_alloc() never overwrites it (not zero).
 */
static inline bool pmd_present(pmd_t pmd)	{ return pmd.val & _PAGE_PRESENT; }
static inline pte_t pmd_to_softleaf(pmd_t pmd)	{ return __pte(pmd.val); }
static inline bool is_pmd_migration_entry(pmd_t pmd)
{
	return softleaf_is_migration(pmd_to_softleaf(pmd));
}
static inline pmd_t softleaf_to_pmd(pte_t entry)	{ return __pmd(entry.pte); }
/* A huge PMD, or a PMD migration entry standing for one. */
static inline bool pmd_is_huge(pmd_t pmd)
{
	return pmd_trans_huge(pmd) || is_pmd_migration_entry(pmd);
}

#endif /* PAGELAB_PGTABLE_H */
