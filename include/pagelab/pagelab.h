/* SPDX-License-Identifier: MIT */
/*
 * pagelab.h - the public interface of libpagelab.
 *
 * pagelab is a userspace re-implementation of Linux's physical-page
 * machinery running on a real memory arena. This header lets a program
 * build a simulated machine, allocate and free page frames through the
 * buddy allocator, and read the kernel-format counters and reports.
 *
 * Conventions: functions return 0 or a negative errno (pagelab_strerror()
 * says what it means here); nothing here aborts on bad input. One machine
 * exists per process at a time.
 *
 * Threads: unless its Context: line says otherwise, a function may be
 * called from any thread, concurrently with any other, and takes the
 * machine's own locks; a thread that simulates a particular CPU says so
 * with pagelab_set_cpu() (otherwise it is given one). Two rules are the
 * caller's: nothing may use a machine or a process while
 * pagelab_machine_destroy() or (for that process) pagelab_process_exit()
 * runs. A process handle outlives its machine safely: once the machine is
 * destroyed every call on it fails with -ESTALE, and pagelab_process_exit()
 * only frees it.
 */
#ifndef PAGELAB_PAGELAB_H
#define PAGELAB_PAGELAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "pagelab/census.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The size of a page frame, as in the kernel's PAGE_SIZE on x86. */
#define PAGELAB_PAGE_SIZE	4096

/** struct pagelab_config - the shape of a simulated machine. */
struct pagelab_config {
	uint64_t memory_bytes;		/* arena size; a multiple of a pageblock */
	unsigned int cpus;		/* simulated CPUs (per-cpu lists), 1..64 */
	unsigned int max_order;		/* MAX_PAGE_ORDER, 1..12 */
	unsigned int pageblock_order;	/* 1..max_order */
	int deterministic;		/* no daemon threads (kcompactd, ...) */
	/*
	 * The balloon's host (docs/balloon.md). NULL: a host thread in this
	 * process owns the machine's RAM. A path: the Unix socket of a
	 * `pagelab host`, whose memory becomes the machine's (memory_bytes
	 * must then be 0 or the host's size).
	 */
	const char *balloon_connect;
	int balloon_free_page_reporting;	/* the in-process host offers it */
	/*
	 * Deferred struct page init (docs/design.md): PAGELAB_DEFERRED_INIT_WAIT
	 * (0) initialises the struct pages past the first 128 MiB in parallel
	 * and pagelab_machine_create() waits for them; _BACKGROUND returns at
	 * once, threads (none in a deterministic machine) and allocations that
	 * run short initialising the rest; _OFF initialises all at boot.
	 */
	int deferred_init;
};

enum pagelab_deferred_init {
	PAGELAB_DEFERRED_INIT_WAIT,
	PAGELAB_DEFERRED_INIT_BACKGROUND,
	PAGELAB_DEFERRED_INIT_OFF,
};

#define PAGELAB_CONFIG_DEFAULT \
	((struct pagelab_config){ .memory_bytes = 1ULL << 30, .cpus = 2, \
				  .max_order = 10, .pageblock_order = 9 })

struct pagelab_machine;

/**
 * pagelab_config_validate() - check a config as pagelab_machine_create()
 * will, and say what is wrong with it.
 * @cfg: the config.
 * @msg: receives a one-line reason when @cfg is bad, such as
 *	"cpus=65 is out of range (1..64)" (may be NULL if @len is 0).
 * @len: the size of @msg.
 *
 * Fields are checked in the order max_order, pageblock_order, cpus,
 * memory_bytes; the first bad one is named. With balloon_connect and
 * memory_bytes 0, the memory is the host's, known only once connected,
 * and is not checked here.
 * Context: pure; any thread; needs no machine.
 * Return: 0, or -EINVAL with @msg set.
 */
int pagelab_config_validate(const struct pagelab_config *cfg, char *msg, size_t len);

/**
 * pagelab_machine_create() - build a machine and free all its memory into
 * the buddy allocator.
 * Return: 0 and *@out; -EINVAL for a bad @cfg; -EBUSY if a machine already
 * exists in this process; -ENOMEM if the arena cannot be created.
 */
int pagelab_machine_create(const struct pagelab_config *cfg,
			   struct pagelab_machine **out);

/**
 * pagelab_machine_destroy() - release the arena and every structure. The
 * processes still alive exit first; their handles stay valid, refused with
 * -ESTALE, until pagelab_process_exit() frees them.
 * Context: the caller must have stopped every thread that uses the machine.
 */
void pagelab_machine_destroy(struct pagelab_machine *m);

/**
 * pagelab_set_cpu() - make the calling thread simulate CPU @cpu.
 * Return: 0, or -EINVAL if @cpu is not below the machine's cpus.
 */
int pagelab_set_cpu(struct pagelab_machine *m, unsigned int cpu);

/** Migratetype of an allocation, as gfp flags select it in the kernel. */
enum pagelab_alloc_type {
	PAGELAB_UNMOVABLE,
	PAGELAB_MOVABLE,
	PAGELAB_RECLAIMABLE,
};

/**
 * pagelab_alloc_pages() - allocate 2^@order contiguous frames.
 * Return: 0 and the first frame's number in *@pfn; -ENOMEM when the
 * allocator has no such block above the min watermark; -EINVAL for a bad
 * @type or @order.
 */
int pagelab_alloc_pages(struct pagelab_machine *m, enum pagelab_alloc_type type,
			unsigned int order, unsigned long *pfn);

/**
 * pagelab_free_pages() - free a block returned by pagelab_alloc_pages().
 * Return: 0; -EINVAL if @pfn is out of range, not aligned to @order, or not
 * an allocated frame with a single reference.
 */
int pagelab_free_pages(struct pagelab_machine *m, unsigned long pfn,
		       unsigned int order);

/** pagelab_page_address() - the bytes of frame @pfn, or NULL if invalid. */
void *pagelab_page_address(struct pagelab_machine *m, unsigned long pfn);

/**
 * pagelab_vmstat() - read one counter by its /proc/vmstat name.
 * Return: 0 and *@value, or -ENOENT for an unknown name.
 */
int pagelab_vmstat(struct pagelab_machine *m, const char *name, long *value);

/** Kernel-format reports pagelab_report() can print. */
enum pagelab_report {
	PAGELAB_PROC_VMSTAT,		/* /proc/vmstat */
	PAGELAB_PROC_BUDDYINFO,		/* /proc/buddyinfo */
	PAGELAB_PROC_PAGETYPEINFO,	/* /proc/pagetypeinfo */
	PAGELAB_SYS_KSM,		/* every /sys/kernel/mm/ksm file, "name value" */
	PAGELAB_PROC_ZONEINFO,		/* /proc/zoneinfo, the lines pagelab models */
	PAGELAB_PROC_MEMINFO,		/* /proc/meminfo, the lines pagelab models */
	PAGELAB_FRAME_CENSUS,		/* "STATE FRAMES" lines, then "total FRAMES" */
};

/**
 * pagelab_report() - print @which to @out.
 * Context: each report is read under the locks of what it shows (the
 * zone's for buddyinfo), so a report taken while other threads run is
 * consistent per line, not as a whole; PAGELAB_FRAME_CENSUS is exact only
 * while no other thread changes the machine.
 * Return: 0, -EINVAL, or for PAGELAB_FRAME_CENSUS pagelab_frame_census()'s
 * error (nothing printed).
 */
int pagelab_report(struct pagelab_machine *m, enum pagelab_report which, FILE *out);

/**
 * pagelab_check() - account for every frame and validate free lists,
 * per-cpu lists and pageblocks. Call it while no other thread changes the
 * machine.
 * Return: 0, or -EUCLEAN with the first problem written to @msg.
 */
int pagelab_check(struct pagelab_machine *m, char *msg, size_t len);

/**
 * pagelab_strerror() - what a negative errno returned by this library
 * means here (-ESTALE: "the machine of this handle was destroyed"; the
 * others as strerror() says).
 * Context: pure; any thread.
 * Return: a static string.
 */
const char *pagelab_strerror(int err);

/* ------------------------------------------------------------------ */
/* Knobs, compaction, the memory map                                   */

/**
 * pagelab_knob_set() - write a knob, as writing its file does in Linux.
 * @name: "vm.NAME" for /proc/sys/vm/NAME (min_free_kbytes,
 *	watermark_scale_factor, compaction_proactiveness, extfrag_threshold,
 *	compact_unevictable_allowed, compact_memory, nr_hugepages (the write
 *	succeeds even when fewer huge pages could be had: read it back),
 *	nr_overcommit_hugepages, drop_caches (write-only)) or
 *	"ksm.NAME" for
 *	/sys/kernel/mm/ksm/NAME (run, pages_to_scan, sleep_millisecs,
 *	max_page_sharing, use_zero_pages, merge_across_nodes, smart_scan,
 *	stable_node_chains_prune_millisecs, advisor_*) or "thp.NAME" for
 *	/sys/kernel/mm/transparent_hugepage/NAME (enabled, defrag,
 *	use_zero_page, shrink_underused, shmem_enabled, khugepaged/defrag,
 *	khugepaged/pages_to_scan, khugepaged/scan_sleep_millisecs,
 *	khugepaged/alloc_sleep_millisecs, khugepaged/max_ptes_none,
 *	khugepaged/max_ptes_swap, khugepaged/max_ptes_shared).
 * @value: the text written, as the kernel parses it ("1", "scan-time").
 *
 * Context: may sleep (vm.compact_memory compacts; ksm.run=2 unmerges).
 * Return: 0; -ENOENT for a knob pagelab does not have; -EACCES for a
 * read-only file; the kernel's errno for a value it refuses (-EINVAL,
 * -ERANGE, -EBUSY for ksm.max_page_sharing while pages are shared).
 */
int pagelab_knob_set(struct pagelab_machine *m, const char *name, const char *value);

/**
 * pagelab_knob_get() - read a knob or counter file ("vm.NAME", "ksm.NAME",
 * where NAME may also be a KSM counter such as pages_sharing, "thp.NAME",
 * where a word file reads as sysfs shows it, "always [madvise] never",
 * and NAME may also be hpage_pmd_size, khugepaged/full_scans or
 * khugepaged/pages_collapsed).
 * @buf: receives the file's text without its newline, NUL-terminated.
 * @len: the size of @buf.
 *
 * Return: the length of the text (truncated to fit @len); -ENOENT;
 * -EACCES for a write-only file (vm.compact_memory); -EINVAL.
 */
int pagelab_knob_get(struct pagelab_machine *m, const char *name, char *buf, size_t len);

/**
 * pagelab_compact() - compact all memory, as writing 1 to
 * /proc/sys/vm/compact_memory does.
 * Context: may sleep; runs on the calling thread.
 * Return: 0 or -EINVAL.
 */
int pagelab_compact(struct pagelab_machine *m);

/**
 * struct pagelab_pageblock - one pageblock of the physical memory map.
 * @migratetype: its migratetype as /proc/pagetypeinfo names it
 *	("Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate", ...).
 * @nr_pages: frames in the block (1 << pageblock_order).
 * @nr_free: of them, free in the buddy allocator (not on per-cpu lists).
 */
struct pagelab_pageblock {
	const char *migratetype;
	unsigned long nr_pages;
	unsigned long nr_free;
};

/**
 * pagelab_pageblock() - describe pageblock @index (frames
 * index << pageblock_order and up): what a picture of fragmentation draws.
 * Context: takes the zone's lock for the block's walk.
 * Return: 0; -ERANGE past the last block; -EINVAL.
 */
int pagelab_pageblock(struct pagelab_machine *m, unsigned long index,
		      struct pagelab_pageblock *info);

/* ------------------------------------------------------------------ */
/* Processes and their memory                                          */

/** A process: an address space whose memory simulated CPUs read and write. */
struct pagelab_process;

/**
 * pagelab_process_create() - a process with an empty address space.
 * Return: 0 and *@out; -EINVAL; -ENOMEM.
 */
int pagelab_process_create(struct pagelab_machine *m, struct pagelab_process **out);

/**
 * pagelab_process_fork() - a child sharing @parent's pages copy-on-write
 * (shared regions stay shared). Return: 0 and *@child; -EINVAL; -ENOMEM.
 */
int pagelab_process_fork(struct pagelab_process *parent, struct pagelab_process **child);

/**
 * pagelab_process_exit() - unmap everything and free the process. No
 * thread may be using it.
 */
void pagelab_process_exit(struct pagelab_process *p);

#define PAGELAB_MAP_PRIVATE	0
#define PAGELAB_MAP_SHARED	1

/**
 * pagelab_mmap() - map @len bytes (a page multiple) of anonymous memory.
 * Return: 0 and the address in *@addr; -EINVAL; -ENOMEM.
 */
int pagelab_mmap(struct pagelab_process *p, size_t len, int flags, unsigned long *addr);

/**
 * pagelab_munmap() - unmap the whole region [@addr, @addr + @len).
 * Return: 0, or -EINVAL if that is not exactly one mapped region.
 */
int pagelab_munmap(struct pagelab_process *p, unsigned long addr, size_t len);

/**
 * pagelab_madvise_dontneed() - MADV_DONTNEED: drop the pages of the range
 * (private memory reads as zeros afterwards; shared memory keeps its
 * contents). Return: 0, or -EINVAL for a range not inside one region.
 */
int pagelab_madvise_dontneed(struct pagelab_process *p, unsigned long addr, size_t len);

#define PAGELAB_MADV_DONTNEED	4	/* as MADV_DONTNEED */
#define PAGELAB_MADV_MERGEABLE	12	/* as MADV_MERGEABLE: KSM may merge the range */
#define PAGELAB_MADV_UNMERGEABLE 13	/* as MADV_UNMERGEABLE: break KSM pages back up */
#define PAGELAB_MADV_HUGEPAGE	14	/* as MADV_HUGEPAGE: the range wants THPs */
#define PAGELAB_MADV_NOHUGEPAGE	15	/* as MADV_NOHUGEPAGE: no THPs in the range */

/**
 * pagelab_madvise() - madvise(2) on [@addr, @addr + @len) with @advice
 * (PAGELAB_MADV_*). MERGEABLE on a shared region is ignored, as in Linux;
 * HUGEPAGE / NOHUGEPAGE change only the flags of the range's VMAs.
 * Context: may sleep.
 * Return: 0; -EINVAL for an unknown advice or a range outside the
 * regions; -ENOMEM if UNMERGEABLE could not allocate the private copies,
 * or if part of a HUGEPAGE / NOHUGEPAGE range is not mapped.
 */
int pagelab_madvise(struct pagelab_process *p, unsigned long addr, size_t len, int advice);

/**
 * pagelab_ksm_merge() - the process-wide KSM switch, as
 * prctl(PR_SET_MEMORY_MERGE, @on): every present and future region of the
 * process becomes mergeable (or stops being); inherited by fork.
 * Return: 0; -EINVAL; -ENOMEM.
 */
int pagelab_ksm_merge(struct pagelab_process *p, int on);

/**
 * pagelab_ksm_stat() - a line of the process's /proc/PID/ksm_stat:
 * "ksm_rmap_items", "ksm_zero_pages", "ksm_merging_pages",
 * "ksm_process_profit", "ksm_merge_any", "ksm_mergeable".
 * Return: 0 and *@value; -ENOENT for an unknown name; -EINVAL.
 */
int pagelab_ksm_stat(struct pagelab_process *p, const char *name, long *value);

/**
 * pagelab_move_pages() - move_pages(2) for the @nr_pages pages at @addr:
 * each present page goes to another free frame (this machine has one
 * node, so "another node" is another frame).
 * @status: receives one entry per page, as move_pages(2) fills it: 0
 *	(moved; the node it is on now), or a negative errno: -ENOENT
 *	(nothing mapped there), -EFAULT (outside every region, or the shared
 *	zero page), -EBUSY (it could not be isolated or migrated).
 *
 * Context: may sleep; migrates synchronously on the calling thread.
 * Return: the number of pages moved; -ENOMEM when no memory was left to
 * move them to (@status still filled in); -EINVAL.
 */
long pagelab_move_pages(struct pagelab_process *p, unsigned long addr,
			unsigned long nr_pages, int *status);

/**
 * pagelab_read() / pagelab_write() - a simulated CPU's loads and stores:
 * translated through the page tables, faulting pages in as needed. The
 * calling thread acts as the CPU set by pagelab_set_cpu().
 * Return: 0; -EFAULT outside every region; -ENOMEM if a fault could not
 * allocate a page.
 */
int pagelab_read(struct pagelab_process *p, unsigned long addr, void *buf, size_t len);
int pagelab_write(struct pagelab_process *p, unsigned long addr, const void *buf, size_t len);

/**
 * pagelab_translate() - the frame mapped at @addr, as /proc/PID/pagemap
 * tells. Return: 0 and *@pfn; -ENOENT if nothing is mapped there (or only
 * the shared zero page); -EFAULT outside every region.
 */
int pagelab_translate(struct pagelab_process *p, unsigned long addr, unsigned long *pfn);

/* ------------------------------------------------------------------ */
/* The memory balloon (docs/balloon.md)                                */

/**
 * struct pagelab_balloon_info - the balloon as guest and host see it.
 * @target_pages: the host's target, in 4 KiB pages, clamped to memory.
 * @actual_pages: pages in the guest's balloon now.
 * @host_released_bytes: bytes of the inflated pages the host's memfd no
 *	longer holds, measured by the host (lseek SEEK_DATA/SEEK_HOLE).
 * @host_gone: the host went away: the balloon is frozen and the numbers
 *	are the last ones known.
 */
struct pagelab_balloon_info {
	uint64_t target_pages;
	uint64_t actual_pages;
	uint64_t host_released_bytes;
	int host_gone;
};

/**
 * pagelab_balloon_set_target() - ask the host for a balloon of @bytes (a
 * multiple of 4 KiB; more than the memory is clamped to it). The driver
 * follows in the background, or at the next pagelab_balloon_step() or
 * pagelab_balloon_wait() of a deterministic machine.
 * Return: 0; -EINVAL; -ENOTCONN if the host has gone.
 */
int pagelab_balloon_set_target(struct pagelab_machine *m, uint64_t bytes);

/**
 * pagelab_balloon_wait() - wait until the balloon holds its target.
 * @timeout_ms: the longest a threaded machine waits (a deterministic one
 *	works on the calling thread until it gets nowhere).
 * Return: 0; -ETIMEDOUT or -EAGAIN if the target was not reached (not
 * enough free memory, say); -ENOTCONN if the host has gone; -EINVAL.
 */
int pagelab_balloon_wait(struct pagelab_machine *m, unsigned int timeout_ms);

/**
 * pagelab_balloon_step() - a deterministic machine's balloon work after
 * @elapsed_ms of virtual time (follow the target, report free pages every
 * 2 s). Nothing happens on a threaded machine.
 * Return: 0, or -EINVAL.
 */
int pagelab_balloon_step(struct pagelab_machine *m, unsigned int elapsed_ms);

/**
 * pagelab_balloon_info() - read the balloon's numbers (asks the host).
 * Return: 0, or -EINVAL.
 */
int pagelab_balloon_info(struct pagelab_machine *m, struct pagelab_balloon_info *info);

/* ------------------------------------------------------------------ */
/* Fault injection (docs/fault-injection.md)                           */

/**
 * pagelab_fault_set() - set an attribute of a fault-injection point, as
 * writing its file under /sys/kernel/debug/NAME/ does in Linux.
 * @point: the point's name: "fail_page_alloc".
 * @attr: "probability" (percent), "interval", "times" (-1: unlimited),
 *	"space", "verbose", "min_order", "ignore_gfp_wait",
 *	"ignore_gfp_highmem" (booleans: 0 or 1); dashes may replace the
 *	underscores, as in the debugfs file names.
 * @value: the value.
 *
 * Every machine starts with the kernel's defaults (probability 0: off).
 * Context: any thread; takes effect for the next allocation.
 * Return: 0; -ENOENT for an unknown point or attribute; -EINVAL for a bad
 * handle or a value out of the attribute's range.
 */
int pagelab_fault_set(struct pagelab_machine *m, const char *point, const char *attr,
		      long value);

/**
 * pagelab_fault_get() - read an attribute of a fault-injection point
 * (times counts down as failures are injected).
 * Return: 0 and *@value; -ENOENT for an unknown point or attribute;
 * -EINVAL for a bad handle.
 */
int pagelab_fault_get(struct pagelab_machine *m, const char *point, const char *attr,
		      long *value);

#ifdef __cplusplus
}
#endif

#endif /* PAGELAB_PAGELAB_H */
