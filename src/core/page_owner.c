/* SPDX-License-Identifier: MIT */
/*
 * page_owner.c - a record of every live allocation: the order of the block
 * starting at each frame, and the migratetype it was asked for.
 *
 * The kernel keeps this with CONFIG_PAGE_OWNER (in page_ext); pagelab keeps
 * it always, because the invariant checker needs it to account for the
 * frames of a higher-order allocation, whose tail pages carry no reference
 * of their own, and the public API uses it to reject a free of the wrong
 * order. One byte per frame: the order plus one, or 0 if no allocation
 * starts there; a second byte holds the migratetype.
 *
 * The allocator writes the record of a block it hands out before anyone
 * else can see the block, and clears it when the block comes back; readers
 * are the checker (quiescent) and the API free (the block's owner).
 */
#include <stdlib.h>
#include "core/core.h"

struct page_owner {
	unsigned char order_plus1;
	unsigned char migratetype;
};

static struct page_owner *page_owners;

/**
 * page_owner_init() - allocate the records for machine.max_pfn frames.
 * Context: machine setup. Return: 0 or -ENOMEM.
 */
int page_owner_init(void)
{
	page_owners = kcalloc(machine.max_pfn, sizeof(*page_owners));
	return page_owners ? 0 : -ENOMEM;
}

/** page_owner_exit() - free the records. Context: machine teardown. */
void page_owner_exit(void)
{
	free(page_owners);
	page_owners = NULL;
}

/**
 * set_page_owner() - record that a block of @order starting at @page was
 * handed out for @gfp.
 * Context: the allocator's post-allocation hook; the block is private.
 */
void set_page_owner(struct page *page, unsigned int order, gfp_t gfp)
{
	struct page_owner *po = &page_owners[page_to_pfn(page)];

	WRITE_ONCE(po->migratetype, gfp_migratetype(gfp));
	WRITE_ONCE(po->order_plus1, order + 1);
}

/**
 * reset_page_owner() - forget the allocation of @order at @page.
 * Context: the allocator's free path, before the block is visible as free.
 */
void reset_page_owner(struct page *page, unsigned int order)
{
	struct page_owner *po = &page_owners[page_to_pfn(page)];

	VM_BUG_ON_PAGE(READ_ONCE(po->order_plus1) != order + 1, page);
	WRITE_ONCE(po->order_plus1, 0);
}

/**
 * page_owner_order() - the order of the live allocation starting at @page.
 * Return: the order, or -1 if no allocation starts at @page.
 */
int page_owner_order(const struct page *page)
{
	return (int)READ_ONCE(page_owners[page_to_pfn(page)].order_plus1) - 1;
}

/**
 * page_owner_migratetype() - the migratetype the live allocation starting
 * at @page was asked for.
 * Context: as page_owner_order(). Return: the migratetype, or -1 if no
 * allocation starts at @page.
 */
int page_owner_migratetype(const struct page *page)
{
	const struct page_owner *po = &page_owners[page_to_pfn(page)];

	return READ_ONCE(po->order_plus1) ? READ_ONCE(po->migratetype) : -1;
}
