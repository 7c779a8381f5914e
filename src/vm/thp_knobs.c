/* SPDX-License-Identifier: MIT */
/*
 * thp_knobs.c - /sys/kernel/mm/transparent_hugepage (mm/huge_memory.c's
 * and mm/khugepaged.c's sysfs attributes): every file written and read by
 * name with the kernel's parsing and errors, which VMAs may take a
 * PMD-sized THP (__thp_vma_allowable_orders(), for the PMD order and
 * anonymous memory), the gfp mask the defrag mode implies
 * (vma_thp_gfp_mask()), and MADV_HUGEPAGE / MADV_NOHUGEPAGE.
 *
 * Files: `enabled` (always/madvise/never) and `defrag`
 * (always/defer/defer+madvise/madvise/never) read back with the current
 * word in brackets, as sysfs shows them; `use_zero_page` (0/1),
 * `shrink_underused` (bool), `shmem_enabled` (kept, no effect: pagelab has
 * no shmem THPs), `hpage_pmd_size` (read-only), and khugepaged's knobs and
 * counters under `khugepaged/`. Errors: -EINVAL for a value the kernel
 * refuses, -EACCES for a read-only file, -ENOENT for an unknown name.
 */
#include <string.h>
#include "core/kstrtox.h"
#include "vm/huge_mm.h"
#include "vm/mm.h"

unsigned long transparent_hugepage_flags;
unsigned int khugepaged_pages_to_scan;
unsigned int khugepaged_scan_sleep_millisecs;
unsigned int khugepaged_alloc_sleep_millisecs;
unsigned int khugepaged_max_ptes_none;
unsigned int khugepaged_max_ptes_swap;
unsigned int khugepaged_max_ptes_shared;
unsigned long khugepaged_full_scans;
unsigned long khugepaged_pages_collapsed;
bool split_underused_thp;
static unsigned int shmem_huge;		/* index into shmem_words */

static const char *const enabled_words[] = { "always", "madvise", "never", NULL };
static const char *const defrag_words[] = { "always", "defer", "defer+madvise", "madvise",
					    "never", NULL };
static const char *const shmem_words[] = { "always", "within_size", "advise", "never",
					   "deny", "force", NULL };

/* The flag each word of enabled / defrag sets ("never": none). */
static const int enabled_flags[] = { TRANSPARENT_HUGEPAGE_FLAG,
				     TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG, -1 };
static const int defrag_flags[] = { TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,
				    TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,
				    TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG,
				    TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG, -1 };

/**
 * thp_knobs_init() - the boot defaults (hugepage_init() with
 * CONFIG_TRANSPARENT_HUGEPAGE_MADVISE, as this machine's kernel):
 * enabled=madvise, defrag=madvise, use_zero_page=1, khugepaged/defrag=1,
 * shrink_underused=1, khugepaged's scan knobs at their defaults
 * (max_ptes_none 511, max_ptes_swap 64, max_ptes_shared 256,
 * pages_to_scan 4096). As the kernel, a machine of less than 512 MiB
 * boots with every THP flag cleared (THP off; the knobs stay writable).
 * Context: machine boot, single-threaded.
 */
void thp_knobs_init(unsigned long totalram_pages)
{
	unsigned long flags = BIT(TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG) |
			      BIT(TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG) |
			      BIT(TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG) |
			      BIT(TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG);

	if (totalram_pages < (512UL << (20 - PAGE_SHIFT)))
		flags = 0;
	WRITE_ONCE(transparent_hugepage_flags, flags);
	WRITE_ONCE(khugepaged_pages_to_scan, HPAGE_PMD_NR * 8);
	WRITE_ONCE(khugepaged_scan_sleep_millisecs, 10000);
	WRITE_ONCE(khugepaged_alloc_sleep_millisecs, 60000);
	WRITE_ONCE(khugepaged_max_ptes_none, HPAGE_PMD_NR - 1);
	WRITE_ONCE(khugepaged_max_ptes_swap, HPAGE_PMD_NR / 8);
	WRITE_ONCE(khugepaged_max_ptes_shared, HPAGE_PMD_NR / 2);
	WRITE_ONCE(khugepaged_full_scans, 0);
	WRITE_ONCE(khugepaged_pages_collapsed, 0);
	WRITE_ONCE(split_underused_thp, true);
	WRITE_ONCE(shmem_huge, 3);	/* never */
}

static void thp_flag_set(int flag, bool on)
{
	if (on)
		__atomic_fetch_or(&transparent_hugepage_flags, BIT(flag), __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&transparent_hugepage_flags, ~BIT(flag), __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Stores                                                              */

/* A word of @words sets its flag of @flags and clears the others. */
static int word_flags_store(const char *buf, const char *const *words, const int *flags)
{
	for (unsigned int i = 0; words[i]; i++) {
		if (!sysfs_streq(buf, words[i]))
			continue;
		for (unsigned int j = 0; words[j]; j++)
			if (flags[j] >= 0)
				thp_flag_set(flags[j], j == i);
		return 0;
	}
	return -EINVAL;
}

static int enabled_store(const char *buf)
{
	return word_flags_store(buf, enabled_words, enabled_flags);
}

static int defrag_store(const char *buf)
{
	return word_flags_store(buf, defrag_words, defrag_flags);
}

/* A 0/1 file for one flag (single_hugepage_flag_store()). */
static int single_flag_store(const char *buf, int flag)
{
	unsigned long value;

	if (kstrtoul(buf, &value))
		return -EINVAL;
	if (value > 1)
		return -EINVAL;
	thp_flag_set(flag, value);
	return 0;
}

static int use_zero_page_store(const char *buf)
{
	return single_flag_store(buf, TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG);
}

static int khugepaged_defrag_store(const char *buf)
{
	return single_flag_store(buf, TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG);
}

static int shrink_underused_store(const char *buf)
{
	bool value;

	if (kstrtobool(buf, &value))
		return -EINVAL;
	WRITE_ONCE(split_underused_thp, value);
	return 0;
}

static int shmem_enabled_store(const char *buf)
{
	for (unsigned int i = 0; shmem_words[i]; i++) {
		if (sysfs_streq(buf, shmem_words[i])) {
			WRITE_ONCE(shmem_huge, i);
			return 0;
		}
	}
	return -EINVAL;
}

/* An unsigned int; pages_to_scan refuses 0. */
static int uint_store(const char *buf, unsigned int *knob, unsigned int min)
{
	unsigned int value;

	if (kstrtouint(buf, &value) || value < min)
		return -EINVAL;
	WRITE_ONCE(*knob, value);
	return 0;
}

/* max_ptes_*: at most HPAGE_PMD_NR - 1. */
static int max_ptes_store(const char *buf, unsigned int *knob)
{
	unsigned long value;

	if (kstrtoul(buf, &value) || value > HPAGE_PMD_NR - 1)
		return -EINVAL;
	WRITE_ONCE(*knob, value);
	return 0;
}

static int pages_to_scan_store(const char *buf)
{
	return uint_store(buf, &khugepaged_pages_to_scan, 1);
}

static int scan_sleep_millisecs_store(const char *buf)
{
	return uint_store(buf, &khugepaged_scan_sleep_millisecs, 0);
}

static int alloc_sleep_millisecs_store(const char *buf)
{
	return uint_store(buf, &khugepaged_alloc_sleep_millisecs, 0);
}

static int max_ptes_none_store(const char *buf)
{
	return max_ptes_store(buf, &khugepaged_max_ptes_none);
}

static int max_ptes_swap_store(const char *buf)
{
	return max_ptes_store(buf, &khugepaged_max_ptes_swap);
}

static int max_ptes_shared_store(const char *buf)
{
	return max_ptes_store(buf, &khugepaged_max_ptes_shared);
}

/* ------------------------------------------------------------------ */
/* Shows                                                               */

/* "always [madvise] never": the word whose flag is set, or the last one. */
static int words_show(char *buf, size_t len, const char *const *words, const int *flags)
{
	size_t n = 0;
	bool found = false;

	for (unsigned int i = 0; words[i]; i++) {
		bool sel = flags[i] >= 0 ? thp_flag(flags[i]) && !found : !found;

		found |= sel;
		n += snprintf(buf + n, len - min(n, len), "%s%s%s%s", i ? " " : "",
			      sel ? "[" : "", words[i], sel ? "]" : "");
	}
	return n;
}

static int enabled_show(char *buf, size_t len)
{
	return words_show(buf, len, enabled_words, enabled_flags);
}

static int defrag_show(char *buf, size_t len)
{
	return words_show(buf, len, defrag_words, defrag_flags);
}

static int shmem_enabled_show(char *buf, size_t len)
{
	unsigned int sel = READ_ONCE(shmem_huge);
	size_t n = 0;

	for (unsigned int i = 0; shmem_words[i]; i++)
		n += snprintf(buf + n, len - min(n, len), i == sel ? "%s[%s]" : "%s%s",
			      i ? " " : "", shmem_words[i]);
	return n;
}

static long use_zero_page_get(void) { return thp_flag(TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG); }
static long shrink_underused_get(void) { return READ_ONCE(split_underused_thp); }
static long hpage_pmd_size_get(void) { return HPAGE_PMD_SIZE; }
static long pages_to_scan_get(void) { return READ_ONCE(khugepaged_pages_to_scan); }
static long max_ptes_none_get(void) { return READ_ONCE(khugepaged_max_ptes_none); }
static long max_ptes_swap_get(void) { return READ_ONCE(khugepaged_max_ptes_swap); }
static long max_ptes_shared_get(void) { return READ_ONCE(khugepaged_max_ptes_shared); }

static long khugepaged_defrag_get(void)
{
	return thp_flag(TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG);
}

static long scan_sleep_millisecs_get(void)
{
	return READ_ONCE(khugepaged_scan_sleep_millisecs);
}

static long alloc_sleep_millisecs_get(void)
{
	return READ_ONCE(khugepaged_alloc_sleep_millisecs);
}

static long full_scans_get(void)
{
	return __atomic_load_n(&khugepaged_full_scans, __ATOMIC_RELAXED);
}

static long pages_collapsed_get(void)
{
	return __atomic_load_n(&khugepaged_pages_collapsed, __ATOMIC_RELAXED);
}

/*
 * struct thp_attr - one file: a word file has @show, a number file @get;
 * @store is NULL for a read-only one.
 */
struct thp_attr {
	const char *name;
	int (*show)(char *buf, size_t len);
	long (*get)(void);
	int (*store)(const char *buf);
};

#define THP_WORDS(n)		{ #n, n##_show, NULL, n##_store }
#define THP_NUM(n)		{ #n, NULL, n##_get, n##_store }
#define THP_RO(n)		{ #n, NULL, n##_get, NULL }
#define KHUGEPAGED_NUM(n)	{ "khugepaged/" #n, NULL, n##_get, n##_store }
#define KHUGEPAGED_RO(n)	{ "khugepaged/" #n, NULL, n##_get, NULL }

static const struct thp_attr thp_attrs[] = {
	THP_WORDS(enabled),
	THP_WORDS(defrag),
	THP_NUM(use_zero_page),
	THP_RO(hpage_pmd_size),
	THP_WORDS(shmem_enabled),
	THP_NUM(shrink_underused),
	{ "khugepaged/defrag", NULL, khugepaged_defrag_get, khugepaged_defrag_store },
	KHUGEPAGED_NUM(max_ptes_none),
	KHUGEPAGED_NUM(max_ptes_swap),
	KHUGEPAGED_NUM(max_ptes_shared),
	KHUGEPAGED_NUM(pages_to_scan),
	KHUGEPAGED_RO(pages_collapsed),
	KHUGEPAGED_RO(full_scans),
	KHUGEPAGED_NUM(scan_sleep_millisecs),
	KHUGEPAGED_NUM(alloc_sleep_millisecs),
};

const char *const thp_knob_names[] = {
	"enabled", "defrag", "use_zero_page", "hpage_pmd_size", "shmem_enabled",
	"shrink_underused", "khugepaged/defrag", "khugepaged/max_ptes_none",
	"khugepaged/max_ptes_swap", "khugepaged/max_ptes_shared", "khugepaged/pages_to_scan",
	"khugepaged/pages_collapsed", "khugepaged/full_scans",
	"khugepaged/scan_sleep_millisecs", "khugepaged/alloc_sleep_millisecs", NULL,
};

static const struct thp_attr *thp_attr_find(const char *name)
{
	for (unsigned int i = 0; name && i < ARRAY_SIZE(thp_attrs); i++)
		if (!strcmp(thp_attrs[i].name, name))
			return &thp_attrs[i];
	return NULL;
}

/**
 * thp_knob_write() - write @value to the file @name of
 * /sys/kernel/mm/transparent_hugepage (e.g. "enabled",
 * "khugepaged/max_ptes_none"), as the kernel's store function would.
 * Context: any thread; takes no lock (each knob is one atomic word).
 * Return: 0; -ENOENT for an unknown file, -EACCES for a read-only one,
 * -EINVAL for a value the kernel refuses.
 */
int thp_knob_write(const char *name, const char *value)
{
	const struct thp_attr *a = thp_attr_find(name);

	if (!a)
		return -ENOENT;
	if (!a->store)
		return -EACCES;
	return value ? a->store(value) : -EINVAL;
}

/**
 * thp_knob_show() - the text of the file @name, without its newline:
 * a number, or the words with the current one in brackets.
 * Context: any thread; lockless.
 * Return: the length of the text (snprintf's), or -ENOENT.
 */
int thp_knob_show(const char *name, char *buf, size_t len)
{
	const struct thp_attr *a = thp_attr_find(name);

	if (!a)
		return -ENOENT;
	if (a->show)
		return a->show(buf, len);
	return snprintf(buf, len, "%ld", a->get());
}

/* ------------------------------------------------------------------ */
/* Which VMAs, which gfp                                               */

/**
 * vma_thp_disabled() - may @vma never use a THP? (VM_NOHUGEPAGE; pagelab
 * has no prctl(PR_SET_THP_DISABLE).)
 * Context: mmap_lock held. Return: true if THP is off for @vma.
 */
bool vma_thp_disabled(const struct vm_area_struct *vma)
{
	return READ_ONCE(vma->vm_flags) & VM_NOHUGEPAGE;
}

/**
 * thp_vma_allowable_pmd() - may a fault at @addr in @vma map a PMD-sized
 * THP? The kernel's thp_vma_allowable_order(TVA_PAGEFAULT, PMD_ORDER) plus
 * thp_vma_suitable_order(): private anonymous memory only (no shared or
 * hugetlb VMA), enabled=always, or enabled=madvise and VM_HUGEPAGE, not
 * VM_NOHUGEPAGE, and the 2 MiB-aligned range around @addr inside @vma.
 * Context: mmap_lock held. Return: true if allowed.
 */
bool thp_vma_allowable_pmd(const struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long flags = READ_ONCE(vma->vm_flags), haddr = addr & HPAGE_PMD_MASK;

	if (flags & (VM_SHARED | VM_HUGETLB) || vma_thp_disabled(vma))
		return false;
	if (!thp_flag(TRANSPARENT_HUGEPAGE_FLAG) &&
	    !(thp_flag(TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG) && (flags & VM_HUGEPAGE)))
		return false;
	return haddr >= vma->vm_start && haddr + HPAGE_PMD_SIZE <= vma->vm_end;
}

/**
 * vma_thp_gfp_mask() - the gfp mask a THP fault in @vma allocates with,
 * by the defrag mode (the kernel's table: docs/huge-pages.md). defer
 * modes add __GFP_KSWAPD_RECLAIM, which in pagelab wakes kcompactd;
 * defrag=always outside madvised VMAs adds __GFP_NORETRY.
 * Context: any. Return: the mask.
 */
gfp_t vma_thp_gfp_mask(const struct vm_area_struct *vma)
{
	const gfp_t light = GFP_TRANSHUGE_LIGHT, full = GFP_TRANSHUGE;
	bool madvised = READ_ONCE(vma->vm_flags) & VM_HUGEPAGE;

	if (thp_flag(TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG))
		return full | (madvised ? 0 : __GFP_NORETRY);
	if (thp_flag(TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG))
		return light | __GFP_KSWAPD_RECLAIM;
	if (thp_flag(TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG))
		return light | (madvised ? __GFP_DIRECT_RECLAIM : __GFP_KSWAPD_RECLAIM);
	if (thp_flag(TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG))
		return madvised ? full : light;
	return light;
}

/* MADV_HUGEPAGE / MADV_NOHUGEPAGE on one VMA's flags (hugepage_madvise()). */
static int hugepage_madvise(struct vm_area_struct *vma, unsigned long *flags, int advice)
{
	if (vma->vm_flags & VM_HUGETLB)
		return 0;	/* the kernel's madvise_behavior_valid() lets it be */
	if (advice == MADV_HUGEPAGE)
		*flags = (*flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
	else
		*flags = (*flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	return 0;
}

/**
 * madvise_hugepage_range() - madvise(@start, @len, MADV_HUGEPAGE or
 * MADV_NOHUGEPAGE) on @mm: VM_HUGEPAGE / VM_NOHUGEPAGE set (the other
 * cleared) on every VMA of the range, split where only part of one
 * changes. Pages already mapped are left as they are, as in Linux.
 * Context: takes @mm's mmap_lock for write; may allocate.
 * Return: 0; -EINVAL for another advice or an unaligned @start; -ENOMEM
 * when part of the range is not mapped (the mapped part is still advised)
 * or a VMA could not be split.
 */
int madvise_hugepage_range(struct mm_struct *mm, unsigned long start, unsigned long len,
			   int advice)
{
	unsigned long end = start + ALIGN(len, PAGE_SIZE), covered = start;
	struct vm_area_struct *vma;
	bool unmapped = false;
	int err = 0;

	if ((advice != MADV_HUGEPAGE && advice != MADV_NOHUGEPAGE) || (start & ~PAGE_MASK) ||
	    end < start)
		return -EINVAL;
	mmap_write_lock(mm);
	for (vma = find_vma_from(mm, start); !err && vma && vma->vm_start < end;
	     vma = vma_next(mm, vma)) {
		unsigned long s = max(start, vma->vm_start), e = min(end, vma->vm_end);
		unsigned long flags = vma->vm_flags;

		unmapped |= vma->vm_start > covered;
		err = hugepage_madvise(vma, &flags, advice);
		if (!err)
			err = vma_modify_flags(&vma, s, e, flags);
		covered = e;
	}
	if (!err && (unmapped || covered < end))
		err = -ENOMEM;
	mmap_write_unlock(mm);
	return err;
}
