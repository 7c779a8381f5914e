/* SPDX-License-Identifier: MIT */
/*
 * fragment.c - fragmentation and compaction seen through libpagelab: a
 * process fills three quarters of a 64 MiB machine, drops every other
 * 32 KiB chunk (MADV_DONTNEED), moves one chunk with move_pages, then the
 * machine is compacted. After each step it prints the counters that
 * matter, /proc/buddyinfo and a map of physical memory, one character per
 * 2 MiB pageblock:
 *
 *   '#' no free frame    '+' up to half free    '-' more than half free
 *   '.' entirely free
 *
 * At the end it checks that every byte the process wrote is still there.
 * Build against an installed pagelab:
 *   cc -o fragment fragment.c $(pkg-config --cflags --libs pagelab)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pagelab/pagelab.h>

#define MEMORY		(64UL << 20)
#define PAGE		PAGELAB_PAGE_SIZE
#define CHUNK_PAGES	8
#define NR_CHUNKS	(MEMORY / PAGE / CHUNK_PAGES * 3 / 4)

static int fail(const char *what, int err)
{
	fprintf(stderr, "fragment: %s: %s\n", what, pagelab_strerror(err));
	return 1;
}

static void print_map(struct pagelab_machine *m, const char *title)
{
	struct pagelab_pageblock pb;
	long free_pages = 0, success = 0;

	pagelab_vmstat(m, "nr_free_pages", &free_pages);
	pagelab_vmstat(m, "pgmigrate_success", &success);
	printf("%s: nr_free_pages %ld, pgmigrate_success %ld\n  ", title, free_pages, success);
	for (unsigned long b = 0; !pagelab_pageblock(m, b, &pb); b++) {
		char c = pb.nr_free == pb.nr_pages ? '.' : pb.nr_free * 2 > pb.nr_pages ? '-' :
			 pb.nr_free ? '+' : '#';

		putchar(c);
		if (b % 64 == 63)
			fputs("\n  ", stdout);
	}
	putchar('\n');
	pagelab_report(m, PAGELAB_PROC_BUDDYINFO, stdout);
	putchar('\n');
}

/* Every page of the chunks still mapped holds its own byte. */
static int verify(struct pagelab_process *p, unsigned long addr)
{
	unsigned char buf[PAGE];

	for (unsigned long c = 1; c < NR_CHUNKS; c += 2)
		for (unsigned long i = 0; i < CHUNK_PAGES; i++) {
			unsigned long page = c * CHUNK_PAGES + i;

			if (pagelab_read(p, addr + page * PAGE, buf, PAGE) ||
			    buf[0] != (unsigned char)page || buf[PAGE - 1] != (unsigned char)page)
				return -EIO;
		}
	return 0;
}

int main(void)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	unsigned long addr, from, to;
	unsigned char buf[PAGE];
	struct pagelab_machine *m;
	struct pagelab_process *p;
	int status[CHUNK_PAGES], err;
	long moved;
	char msg[256];

	cfg.memory_bytes = MEMORY;
	cfg.deterministic = 1;		/* no kcompactd: compaction happens when asked */
	err = pagelab_machine_create(&cfg, &m);
	if (err)
		return fail("creating the machine", err);
	err = pagelab_process_create(m, &p);
	if (!err)
		err = pagelab_mmap(p, NR_CHUNKS * CHUNK_PAGES * PAGE, PAGELAB_MAP_PRIVATE, &addr);
	if (err)
		return fail("mapping memory", err);
	for (unsigned long page = 0; page < NR_CHUNKS * CHUNK_PAGES; page++) {
		memset(buf, (int)page, sizeof(buf));
		err = pagelab_write(p, addr + page * PAGE, buf, PAGE);
		if (err)
			return fail("writing memory", err);
	}
	print_map(m, "filled");

	for (unsigned long c = 0; c < NR_CHUNKS; c += 2)
		pagelab_madvise(p, addr + c * CHUNK_PAGES * PAGE, CHUNK_PAGES * PAGE,
				PAGELAB_MADV_DONTNEED);
	print_map(m, "every other chunk freed");

	pagelab_translate(p, addr + CHUNK_PAGES * PAGE, &from);
	moved = pagelab_move_pages(p, addr + CHUNK_PAGES * PAGE, CHUNK_PAGES, status);
	pagelab_translate(p, addr + CHUNK_PAGES * PAGE, &to);
	printf("move_pages of chunk 1: %ld of %d pages moved (status[0] %d), pfn %#lx -> %#lx\n\n",
	       moved, CHUNK_PAGES, status[0], from, to);

	err = pagelab_compact(m);
	if (err)
		return fail("compacting", err);
	print_map(m, "compacted");

	err = verify(p, addr);
	if (err)
		return fail("reading the data back", err);
	pagelab_process_exit(p);
	err = pagelab_check(m, msg, sizeof(msg));
	printf("contents: intact; invariants: %s\n", err ? msg : "every frame accounted for");
	pagelab_machine_destroy(m);
	return err ? 1 : 0;
}
