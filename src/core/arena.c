/* SPDX-License-Identifier: MIT */
/*
 * arena.c - the machine's RAM: one memfd-backed shared mapping.
 *
 * The memfd belongs to the balloon's host device (src/host/host.c),
 * which creates it, in this process or in a `pagelab host` process that
 * passed it over a Unix socket; the host gives pages back to the operating
 * system by punching holes in it. Frames are PAGE_SIZE slices of it; frame
 * pfn lives at arena + PFN_PHYS(pfn). Untouched frames cost no host memory.
 * memmap_populate() backs a range of the mem_map (an anonymous mapping,
 * machine/boot.c) ahead of its initialisation.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/core.h"

/**
 * arena_create() - map the machine's RAM.
 * @bytes: size, a multiple of PAGE_SIZE.
 * @memfd: a memfd of exactly @bytes; the arena owns it from now on (it is
 *	closed on failure and by arena_destroy()).
 *
 * Context: machine setup, single-threaded.
 * Return: 0; -EINVAL if @memfd is not @bytes long; a negative errno from
 * fstat/mmap.
 */
int arena_create(uint64_t bytes, int memfd)
{
	struct stat st;
	void *base;
	int err;

	if (fstat(memfd, &st)) {
		err = -errno;
		goto fail;
	}
	if ((uint64_t)st.st_size != bytes) {
		err = -EINVAL;
		goto fail;
	}
	base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, memfd, 0);
	if (base == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	machine.memfd = memfd;
	machine.arena = base;
	machine.arena_bytes = bytes;
	return 0;
fail:
	close(memfd);
	return err;
}

/**
 * arena_destroy() - unmap and close the machine's RAM.
 * Context: machine teardown, no other thread uses the machine.
 */
void arena_destroy(void)
{
	if (!machine.arena)
		return;
	munmap(machine.arena, machine.arena_bytes);
	close(machine.memfd);
	machine.arena = NULL;
	machine.memfd = -1;
}

/**
 * memmap_populate() - back the struct pages of [@start_pfn, @end_pfn) with
 * host memory in one call, before they are written: one host fault per
 * range instead of one per 4 KiB of mem_map. Only whole host pages inside
 * the range are populated; the rest fault in as usual.
 * Context: any; the range's struct pages are about to be initialised.
 */
void memmap_populate(unsigned long start_pfn, unsigned long end_pfn)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t start = ALIGN((uintptr_t)pfn_to_page(start_pfn), PAGE_SIZE);
	uintptr_t end = ALIGN_DOWN((uintptr_t)pfn_to_page(end_pfn), PAGE_SIZE);

	if (start < end)
		madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#endif
}
