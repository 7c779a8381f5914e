/* SPDX-License-Identifier: MIT */
/*
 * move_pages.c - move_pages(2) on a single-node machine: every page of a
 * range of a process is moved to another free frame, with a status per
 * page (mm/migrate.c: do_pages_move, add_page_for_migration).
 *
 * Status per page, as Linux reports them:
 *   0        moved (Linux reports the target node, which is 0 here);
 *   -EFAULT  no VMA, or the shared zero page;
 *   -ENOENT  nothing mapped there;
 *   -EBUSY   the page could not be isolated, or migration gave up on it
 *            (Linux counts the latter in its positive return value and
 *            leaves the node in status; pagelab says -EBUSY so the page's
 *            fate is visible per page).
 * Pages mapped by several processes are moved too, as with
 * MPOL_MF_MOVE_ALL by a privileged caller. A large folio (a hugetlb page)
 * moves whole when any of its pages is asked for; every address of the
 * range it backs gets its status (Linux reports a second address of a
 * folio already queued -EBUSY, or its node: pagelab moves to another frame
 * of the one node, so it says what happened to the folio).
 */
#include <stdlib.h>
#include "migrate/migrate.h"
#include "vm/mm.h"

/*
 * Find and isolate the folio mapped at @addr (a large one whole, whichever
 * of its pages @addr maps); *@pagep names it. A folio this call queued at
 * an earlier address (@last) is not isolated again: the address shares its
 * fate. Returns the address's status.
 */
static int add_page_for_migration(struct mm_struct *mm, unsigned long addr,
				  struct list_head *pagelist, struct page **pagep,
				  struct page *last)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	struct page *page = NULL;
	spinlock_t *ptl;
	pte_t *ptep, pte;
	int err = -ENOENT;

	if (!vma)
		return -EFAULT;
	ptep = pte_offset_map_lock(mm, addr, &ptl);
	if (!ptep)
		return -ENOENT;
	pte = ptep_get(ptep);
	if (pte_present(pte)) {
		page = vm_normal_page(pte);
		err = page ? 0 : -EFAULT;
		if (page) {
			page = page_folio(page);
			get_page(page);
		}
	}
	spin_unlock(ptl);
	if (!page)
		return err;
	err = page == last || isolate_folio_to_list(page, pagelist) ? 0 : -EBUSY;
	put_page(page);
	*pagep = err ? NULL : page;
	return err;
}

static int cmp_page_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(struct page *const *)a, y = (uintptr_t)*(struct page *const *)b;

	return x < y ? -1 : x > y;
}

/* Pages still on @pagelist were not migrated: mark their slots -EBUSY. */
static void mark_not_migrated(struct list_head *pagelist, struct page **pages,
			      unsigned long nr_pages, int *status)
{
	unsigned long nr_failed = 0, n = 0;
	struct page **failed, *page;

	list_for_each_entry(page, pagelist, lru)
		nr_failed++;
	if (!nr_failed)
		return;
	failed = kcalloc(nr_failed, sizeof(*failed));
	BUG_ON(!failed);
	list_for_each_entry(page, pagelist, lru)
		failed[n++] = page;
	qsort(failed, nr_failed, sizeof(*failed), cmp_page_ptr);
	for (unsigned long i = 0; i < nr_pages; i++)
		if (pages[i] && bsearch(&pages[i], failed, nr_failed, sizeof(*failed), cmp_page_ptr))
			status[i] = -EBUSY;
	free(failed);
}

/**
 * move_pages_range() - migrate the @nr_pages pages at @start of @mm.
 * @status: receives one status per page (see above).
 *
 * Context: takes mmap_lock for read while finding pages, then migrates in
 * MIGRATE_SYNC mode for MR_SYSCALL; may sleep.
 * Return: the number of base pages moved (a large folio counts all its
 * pages), or -ENOMEM if no memory was left to move them to (statuses are
 * still filled in).
 */
long move_pages_range(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		      int *status)
{
	struct page **pages = kcalloc(nr_pages, sizeof(*pages));
	unsigned int succeeded = 0;
	LIST_HEAD(pagelist);
	int rc;

	if (!pages)
		return -ENOMEM;
	mmap_read_lock(mm);
	for (unsigned long i = 0; i < nr_pages; i++)
		status[i] = add_page_for_migration(mm, start + i * PAGE_SIZE, &pagelist, &pages[i],
						   i ? pages[i - 1] : NULL);
	mmap_read_unlock(mm);

	rc = migrate_pages(&pagelist, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
			   MR_SYSCALL, &succeeded);
	mark_not_migrated(&pagelist, pages, nr_pages, status);
	putback_movable_pages(&pagelist);
	free(pages);
	return rc < 0 ? rc : (long)succeeded;
}
