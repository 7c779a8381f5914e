/* SPDX-License-Identifier: MIT */
/*
 * embed.c - a small program that embeds libpagelab: it builds a machine,
 * allocates and fills frames of each migratetype, frees every other one,
 * checks every frame is accounted for, and prints the kernel-format
 * reports. Build: `make`; run: ./build/example_embed
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pagelab/pagelab.h>

#define NR_BLOCKS 64

int main(void)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	struct pagelab_machine *m;
	unsigned long pfns[NR_BLOCKS];
	char msg[256];
	long free_pages;
	int err;

	cfg.memory_bytes = 128 << 20;
	err = pagelab_machine_create(&cfg, &m);
	if (err) {
		fprintf(stderr, "embed: cannot create machine: %s\n", strerror(-err));
		return 1;
	}
	for (int i = 0; i < NR_BLOCKS; i++) {
		err = pagelab_alloc_pages(m, i % 3, 2, &pfns[i]);
		if (err) {
			fprintf(stderr, "embed: allocation %d failed: %s\n", i, strerror(-err));
			return 1;
		}
		memset(pagelab_page_address(m, pfns[i]), i, 4096);
	}
	for (int i = 0; i < NR_BLOCKS; i += 2)
		pagelab_free_pages(m, pfns[i], 2);

	pagelab_vmstat(m, "nr_free_pages", &free_pages);
	printf("nr_free_pages after the run: %ld\n\n/proc/buddyinfo:\n", free_pages);
	pagelab_report(m, PAGELAB_PROC_BUDDYINFO, stdout);
	printf("\n/proc/pagetypeinfo:\n");
	pagelab_report(m, PAGELAB_PROC_PAGETYPEINFO, stdout);

	err = pagelab_check(m, msg, sizeof(msg));
	printf("\ninvariants: %s\n", err ? msg : "every frame accounted for");
	pagelab_machine_destroy(m);
	return err ? 1 : 0;
}
