/* SPDX-License-Identifier: MIT */
/*
 * access.c - the simulated CPU: loads and stores to a process's virtual
 * memory, translated through its page tables as an MMU would.
 *
 * Each page-sized piece of an access walks the page table without locks
 * inside tlb_access_begin()/end() (the translation's lifetime, see tlb.c).
 * A present entry with the needed permission is used at once: the accessed
 * and dirty bits are set as hardware sets them (an atomic compare-and-swap
 * that fails if the entry changed meanwhile), then the frame is read or
 * written. A huge PMD (a transparent huge page, or the huge zero page)
 * translates the address at the PMD level, as a 2 MiB TLB entry would.
 * Anything else is a page fault, handled outside the access under the
 * mmap_lock, after which the piece is retried.
 *
 * Frames are copied with relaxed atomic word accesses: two simulated CPUs
 * may race on the same memory, as real ones may, and that is the simulated
 * program's business, not a data race in pagelab (ThreadSanitizer agrees).
 */
#include "vm/mm.h"

/* Set the accessed (and for a write, dirty) bits; false if the entry changed. */
static bool pte_mark_used(pte_t *ptep, pte_t pte, bool write)
{
	unsigned long want = pte.pte | _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);

	if (want == pte.pte)
		return true;
	return __atomic_compare_exchange_n(&ptep->pte, &pte.pte, want, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

static void copy_relaxed(void *dst, const void *src, size_t len)
{
	if (!(((uintptr_t)dst | (uintptr_t)src | len) & 7)) {
		uint64_t *d = dst;
		const uint64_t *s = src;

		for (size_t i = 0; i < len / 8; i++)
			__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
		return;
	}
	for (size_t i = 0; i < len; i++)
		__atomic_store_n((unsigned char *)dst + i,
				 __atomic_load_n((const unsigned char *)src + i, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}

/*
 * The frame a huge PMD at *@pmdp maps for @addr, in *@pfn, with its
 * accessed (and dirty) bits set; false if it does not allow the access or
 * changed meanwhile.
 */
static bool pmd_translate(pmd_t *pmdp, pmd_t pmd, unsigned long addr, bool write,
			  unsigned long *pfn)
{
	unsigned long want = pmd_val(pmd) | _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);

	if (write && !pmd_write(pmd))
		return false;
	if (want != pmd_val(pmd) &&
	    !__atomic_compare_exchange_n(&pmdp->val, &pmd.val, want, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_RELAXED))
		return false;
	*pfn = pmd_pfn(pmd) + pte_index(addr);
	return true;
}

/* The frame mapped at @addr for this access, its bits set; false to fault first. */
static bool mmu_translate(struct mm_struct *mm, unsigned long addr, bool write,
			  unsigned long *pfn)
{
	pmd_t *pmdp = pmd_off(mm, addr);
	pmd_t pmd = pmdp ? pmdp_get(pmdp) : __pmd(0);
	pte_t *ptep;
	pte_t pte;

	if (pmd_trans_huge(pmd))
		return pmd_translate(pmdp, pmd, addr, write, pfn);
	ptep = pte_offset_lockless(mm, addr);
	if (!ptep)
		return false;
	pte = ptep_get(ptep);
	if (!pte_present(pte) || (write && !pte_write(pte)) || !pte_mark_used(ptep, pte, write))
		return false;
	*pfn = pte_pfn(pte);
	return true;
}

/* One access within a page; false if it needs a fault first. */
static bool mmu_access_page(struct mm_struct *mm, unsigned long addr, void *buf,
			    size_t len, bool write)
{
	unsigned char *frame;
	unsigned long pfn;

	if (!mmu_translate(mm, addr, write, &pfn))
		return false;
	frame = (unsigned char *)page_address(pfn_to_page(pfn)) + (addr & ~PAGE_MASK);
	if (write)
		copy_relaxed(frame, buf, len);
	else
		copy_relaxed(buf, frame, len);
	return true;
}

static int fault_in(struct mm_struct *mm, unsigned long addr, bool write)
{
	struct vm_area_struct *vma;
	int err;

	mmap_read_lock(mm);
	vma = find_vma(mm, addr);
	err = vma ? handle_mm_fault(vma, addr, write ? FAULT_FLAG_WRITE : 0) : -EFAULT;
	mmap_read_unlock(mm);
	return err;
}

/**
 * access_mm() - read (@write false) or write @len bytes at @addr of @mm,
 * faulting pages in as needed.
 * Context: a simulated CPU thread; takes no lock across the copy; may sleep
 * in a fault. Return: 0, -EFAULT for an address outside every VMA (or a
 * write to a read-only one), or -ENOMEM if a fault could not allocate.
 */
int access_mm(struct mm_struct *mm, unsigned long addr, void *buf, size_t len, bool write)
{
	unsigned char *p = buf;

	while (len) {
		size_t n = min(len, PAGE_SIZE - (addr & ~PAGE_MASK));
		bool done;

		tlb_access_begin();
		done = mmu_access_page(mm, addr, p, n, write);
		tlb_access_end();
		if (!done) {
			int err = fault_in(mm, addr, write);

			if (err)
				return err;
			continue;
		}
		addr += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* follow_pfn() at the PMD level: -EAGAIN if no huge PMD maps @addr. */
static int follow_huge_pmd_pfn(struct mm_struct *mm, unsigned long addr, unsigned long *pfn)
{
	pmd_t *pmdp = pmd_off(mm, addr);
	int err = -EAGAIN;
	pmd_t pmd;

	if (!pmdp)
		return err;
	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	if (pmd_trans_huge(pmd)) {
		err = pmd_special(pmd) ? -ENOENT : 0;
		*pfn = pmd_pfn(pmd) + pte_index(addr);
	}
	spin_unlock(&mm->page_table_lock);
	return err;
}

/**
 * follow_pfn() - the frame of a normal page mapped at @addr.
 * Context: takes mmap_lock for read and the PTE lock.
 * Return: 0 and *@pfn; -ENOENT if nothing (or the zero page) is mapped
 * there; -EFAULT outside every VMA.
 */
int follow_pfn(struct mm_struct *mm, unsigned long addr, unsigned long *pfn)
{
	spinlock_t *ptl;
	pte_t *ptep, pte;
	int err = -EFAULT;

	mmap_read_lock(mm);
	if (find_vma(mm, addr)) {
		err = follow_huge_pmd_pfn(mm, addr, pfn);
		ptep = err == -EAGAIN ? pte_offset_map_lock(mm, addr, &ptl) : NULL;
		if (err == -EAGAIN)
			err = -ENOENT;
		if (ptep) {
			pte = ptep_get(ptep);
			if (pte_present(pte) && !pte_special(pte)) {
				*pfn = pte_pfn(pte);
				err = 0;
			}
			spin_unlock(ptl);
		}
	}
	mmap_read_unlock(mm);
	return err;
}
