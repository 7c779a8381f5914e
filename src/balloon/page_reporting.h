/* SPDX-License-Identifier: MIT */
/*
 * page_reporting.h - free page reporting (mm/page_reporting.c): hand free
 * buddy blocks of at least a given order to a device that discards their
 * contents (the balloon's host punches them out of the guest's RAM), and
 * put them back on the free lists marked PG_reported, so that they are
 * not reported again until they are allocated.
 */
#ifndef PAGELAB_PAGE_REPORTING_H
#define PAGELAB_PAGE_REPORTING_H

#include "internal.h"

#define PAGE_REPORTING_DELAY_MS	2000	/* between passes, of daemon time */
#define PAGE_REPORTING_CAPACITY	32	/* blocks per report */

/* One free block being reported. */
struct page_report_range {
	unsigned long pfn;
	unsigned int order;
};

/*
 * struct page_reporting_dev_info - a reporting device.
 * @report: discard the @nents blocks; 0 or a negative errno. The blocks
 *	are off the free lists meanwhile, so nobody can allocate them.
 * @order: the smallest order reported (pageblock_order by default).
 */
struct page_reporting_dev_info {
	int (*report)(struct page_reporting_dev_info *prdev,
		      const struct page_report_range *ranges, unsigned int nents);
	unsigned int order;
};

int page_reporting_register(struct page_reporting_dev_info *prdev);
void page_reporting_unregister(struct page_reporting_dev_info *prdev);
int page_reporting_process(struct page_reporting_dev_info *prdev);
void page_reporting_lock(void);
void page_reporting_unlock(void);

#endif /* PAGELAB_PAGE_REPORTING_H */
