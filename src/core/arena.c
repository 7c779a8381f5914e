/* SPDX-License-Identifier: MIT */
/*
 * arena.c - the machine's RAM: one memfd-backed shared mapping.
 *
 * The arena is a memfd so that a host process can later share the very
 * same memory (the balloon's host device gives pages back to the operating
 * system by punching holes in it). Frames are PAGE_SIZE slices of it; frame
 * pfn lives at arena + PFN_PHYS(pfn). Untouched frames cost no host memory.
 */
#include <sys/mman.h>
#include <unistd.h>
#include "internal.h"

/**
 * arena_create() - create and map the machine's RAM.
 * @bytes: size, a multiple of PAGE_SIZE.
 *
 * Context: machine setup, single-threaded.
 * Return: 0, or a negative errno from memfd_create/ftruncate/mmap.
 */
int arena_create(uint64_t bytes)
{
	int fd = memfd_create("pagelab-ram", MFD_CLOEXEC);
	void *base;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, bytes) < 0)
		goto fail;
	base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (base == MAP_FAILED)
		goto fail;
	machine.memfd = fd;
	machine.arena = base;
	machine.arena_bytes = bytes;
	return 0;
fail:;
	int err = -errno;

	close(fd);
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
