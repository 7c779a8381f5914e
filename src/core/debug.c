/* SPDX-License-Identifier: MIT */
/*
 * debug.c - what the assertion tiers of debug.h print: BUG and WARNING
 * reports, and dump_page(), which shows a struct page the way the kernel's
 * dump_page() does (counts, mapping, flags by name, page type, and for a
 * page of a compound page its head, order and folio map counts).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/core.h"

void pagelab_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "pagelab: BUG at %s:%d: %s\n", file, line, cond);
	abort();
}

/**
 * validation_failed() - a validator's way out: write the reason.
 * @msg: the validator's message buffer (NULL when @len is 0).
 * @len: its size.
 * @fmt: printf format of the one-line reason.
 *
 * Context: any. Return: false, for `return validation_failed(...)`.
 */
bool validation_failed(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* VM_EXPENSIVE(): a validator found its structure broken. */
void pagelab_validator_failed(const char *file, int line, const char *validator,
			      const char *msg)
{
	fprintf(stderr, "pagelab: BUG at %s:%d: %s() failed: %s\n", file, line, validator, msg);
	abort();
}

void pagelab_warn(const char *file, int line, const char *cond)
{
	fprintf(stderr, "pagelab: WARNING at %s:%d: %s\n", file, line, cond);
}

static const char *const pageflag_names[__NR_PAGEFLAGS] = {
	[PG_locked] = "locked",		[PG_writeback] = "writeback",
	[PG_referenced] = "referenced",	[PG_uptodate] = "uptodate",
	[PG_dirty] = "dirty",		[PG_lru] = "lru",
	[PG_head] = "head",		[PG_waiters] = "waiters",
	[PG_active] = "active",		[PG_workingset] = "workingset",
	[PG_owner_priv_1] = "owner_priv_1", [PG_owner_2] = "owner_2",
	[PG_arch_1] = "arch_1",		[PG_reserved] = "reserved",
	[PG_private] = "private",	[PG_private_2] = "private_2",
	[PG_reclaim] = "reclaim",	[PG_swapbacked] = "swapbacked",
	[PG_unevictable] = "unevictable", [PG_mlocked] = "mlocked",
	[PG_tail] = "tail",
};

static const char *const pagetype_names[] = {
	[PGTY_buddy - PGTY_buddy] = "buddy",
	[PGTY_offline - PGTY_buddy] = "offline",
	[PGTY_table - PGTY_buddy] = "table",
	[PGTY_guard - PGTY_buddy] = "guard",
	[PGTY_hugetlb - PGTY_buddy] = "hugetlb",
	[PGTY_slab - PGTY_buddy] = "slab",
	[PGTY_zsmalloc - PGTY_buddy] = "zsmalloc",
	[PGTY_unaccepted - PGTY_buddy] = "unaccepted",
	[PGTY_large_kmalloc - PGTY_buddy] = "large_kmalloc",
};

/**
 * format_page_flags() - write "name|name|..." for the PG_* bits of @flags.
 * Return: @buf.
 */
char *format_page_flags(unsigned long flags, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < __NR_PAGEFLAGS && n < len; i++)
		if (flags & BIT(i))
			n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "", pageflag_names[i]);
	snprintf(buf + min(n, len), len - min(n, len), "%szone=%lu", n ? "|" : "",
		 (flags >> ZONES_PGSHIFT) & ZONES_MASK);
	return buf;
}

static const char *page_type_name(unsigned int page_type)
{
	unsigned int t = page_type >> 24;

	if (page_type == PAGE_TYPE_NONE)
		return "none";
	if (t >= PGTY_buddy && t - PGTY_buddy < ARRAY_SIZE(pagetype_names) &&
	    pagetype_names[t - PGTY_buddy])
		return pagetype_names[t - PGTY_buddy];
	return "unknown";
}

/* A compound page's head and the folio fields of its first tail. */
static void dump_compound_head(const struct page *page)
{
	const struct page *head = compound_head(page);

	if (!pfn_valid(page_to_pfn(head))) {
		fprintf(stderr, "head: %p (not a page of this machine)\n", (const void *)head);
		return;
	}
	fprintf(stderr, "head: pfn:%#lx order:%u refcount:%d large_mapcount:%d "
		"entire_mapcount:%d nr_pages_mapped:%d pincount:%d%s\n", page_to_pfn(head),
		folio_order(head), page_ref_count(head), folio_large_mapcount(head),
		folio_entire_mapcount(head), READ_ONCE(head[1]._nr_pages_mapped),
		READ_ONCE(head[1]._pincount), folio_test_hugetlb(head) ? " hugetlb" : "");
}

/**
 * dump_page() - print everything a struct page says, and why.
 * @page: the page (racy reads: the page may be changing under us).
 * @reason: what went wrong, or NULL.
 * Context: any; takes no locks.
 */
void dump_page(const struct page *page, const char *reason)
{
	char flags[256];
	unsigned long f = READ_ONCE(page->flags);
	const unsigned long *raw = (const unsigned long *)page;

	fprintf(stderr, "page: refcount:%d mapcount:%d mapping:%016lx index:%#lx pfn:%#lx\n",
		page_ref_count(page), page_mapcount(page), READ_ONCE(page->mapping),
		READ_ONCE(page->index), page_to_pfn(page));
	fprintf(stderr, "flags: %#lx(%s)\n", f, format_page_flags(f, flags, sizeof(flags)));
	fprintf(stderr, "page_type: %x(%s) private:%#lx\n", READ_ONCE(page->page_type),
		page_type_name(READ_ONCE(page->page_type)), READ_ONCE(page->private));
	if (PageCompound(page))
		dump_compound_head(page);
	fprintf(stderr, "raw: %016lx %016lx %016lx %016lx\n", raw[0], raw[1], raw[2], raw[3]);
	fprintf(stderr, "raw: %016lx %016lx %016lx %016lx\n", raw[4], raw[5], raw[6], raw[7]);
	if (reason)
		fprintf(stderr, "page dumped because: %s\n", reason);
}
