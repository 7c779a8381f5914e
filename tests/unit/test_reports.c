/* SPDX-License-Identifier: MIT */
/* test_reports.c - /proc/vmstat, /proc/buddyinfo and /proc/pagetypeinfo
 * byte for byte, and the public API's error returns. */
#include "lib/machine_fixture.h"
#include <stdlib.h>
#include <string.h>
#include "pagelab/pagelab.h"

static char *capture(void (*show)(FILE *out))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	show(f);
	fclose(f);
	return buf;
}

static void test_buddyinfo_fresh(void **state)
{
	char *text = capture(buddyinfo_show);

	/* 64 MiB: sixteen order-10 blocks and nothing else. */
	assert_string_equal(text, "Node 0, zone   Normal "
			    "     0      0      0      0      0      0      0      0      0      0     16 \n");
	free(text);
}

static void test_buddyinfo_after_split(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 8);
	char *text;

	assert_non_null(page);
	text = capture(buddyinfo_show);
	/* An order-8 allocation splits one order-10 block: one order-8 and
	 * one order-9 buddy remain free. */
	assert_string_equal(text, "Node 0, zone   Normal "
			    "     0      0      0      0      0      0      0      0      1      1     15 \n");
	free(text);
	__free_pages(page, 8);
	text = capture(buddyinfo_show);
	assert_non_null(strstr(text, "     16 \n"));
	free(text);
}

static void test_pagetypeinfo_fresh(void **state)
{
	char *text = capture(pagetypeinfo_show);
	const char *expected =
		"Page block order: 9\n"
		"Pages per block:  512\n"
		"\n"
		"Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n"
		"Node    0, zone   Normal, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 \n"
		"Node    0, zone   Normal, type      Movable      0      0      0      0      0      0      0      0      0      0     16 \n"
		"Node    0, zone   Normal, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 \n"
		"Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 \n"
		"\n"
		"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic \n"
		"Node 0, zone   Normal            0           32            0            0 \n";

	assert_string_equal(text, expected);
	free(text);
}

static void test_vmstat(void **state)
{
	char *text = capture(vmstat_show);
	long value;

	assert_true(strncmp(text, "nr_free_pages 16384\n", 20) == 0);
	assert_non_null(strstr(text, "\npgalloc_normal 0\n"));
	assert_non_null(strstr(text, "\npgfree "));
	free(text);

	assert_int_equal(vmstat_read("nr_free_pages", &value), 0);
	assert_int_equal(value, 16384);
	assert_int_equal(vmstat_read("no_such_counter", &value), -ENOENT);
	assert_true(vmstat_name_known("pgalloc_normal"));
	assert_false(vmstat_name_known("pgalloc_dma"));
}

/*
 * vmstat_read() of each counter by name gives the snapshot's value. Every
 * node statistic and event is first given a value of its own (restored
 * after), so that a name read from the wrong counter is seen.
 */
static void test_vmstat_read_every_counter(void **state)
{
	long saved_node[NR_VM_NODE_STAT_ITEMS], saved_event[NR_VM_EVENT_ITEMS];
	struct vm_event_state *ev = &vm_event_states[0];
	struct vmstat_entry e[VMSTAT_MAX_ENTRIES];
	long value;
	int n;

	memcpy(saved_node, contig_page_data.vm_stat, sizeof(saved_node));
	memcpy(saved_event, ev->event, sizeof(saved_event));
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
		contig_page_data.vm_stat[i] += 1000 + i;
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		ev->event[i] += 2000 + i;
	n = vmstat_snapshot(e, VMSTAT_MAX_ENTRIES);
	assert_true(n > 0 && n < VMSTAT_MAX_ENTRIES);
	for (int i = 0; i < n; i++) {
		assert_true(vmstat_name_known(e[i].name));
		assert_int_equal(vmstat_read(e[i].name, &value), 0);
		assert_int_equal(value, e[i].value);
	}
	memcpy(contig_page_data.vm_stat, saved_node, sizeof(saved_node));
	memcpy(ev->event, saved_event, sizeof(saved_event));
}

static void test_api_errors(void **state)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	struct pagelab_machine *m;
	unsigned long pfn;
	long value;
	char msg[128];

	cfg.memory_bytes = 64 << 20;
	cfg.pageblock_order = 11;
	assert_int_equal(pagelab_machine_create(&cfg, &m), -EINVAL);
	cfg.pageblock_order = 9;
	cfg.memory_bytes = (64 << 20) + 4096;
	assert_int_equal(pagelab_machine_create(&cfg, &m), -EINVAL);
	cfg.memory_bytes = 64 << 20;
	cfg.cpus = 0;
	assert_int_equal(pagelab_machine_create(&cfg, &m), -EINVAL);
	cfg.cpus = 2;

	assert_int_equal(pagelab_machine_create(&cfg, &m), 0);
	assert_int_equal(pagelab_machine_create(&cfg, &m), -EBUSY);
	assert_int_equal(pagelab_set_cpu(m, 2), -EINVAL);
	assert_int_equal(pagelab_set_cpu(m, 1), 0);
	assert_int_equal(pagelab_alloc_pages(m, PAGELAB_MOVABLE, 11, &pfn), -EINVAL);
	assert_int_equal(pagelab_alloc_pages(m, 7, 0, &pfn), -EINVAL);
	assert_int_equal(pagelab_alloc_pages(m, PAGELAB_MOVABLE, 3, &pfn), 0);
	assert_non_null(pagelab_page_address(m, pfn));
	assert_null(pagelab_page_address(m, 1UL << 40));
	assert_int_equal(pagelab_free_pages(m, pfn, 2), -EINVAL);	/* wrong order */
	assert_int_equal(pagelab_free_pages(m, pfn + 1, 0), -EINVAL);	/* not a block */
	assert_int_equal(pagelab_free_pages(m, 1UL << 40, 0), -EINVAL);
	assert_int_equal(pagelab_free_pages(m, pfn, 3), 0);
	assert_int_equal(pagelab_free_pages(m, pfn, 3), -EINVAL);	/* double free */
	assert_int_equal(pagelab_vmstat(m, "pgalloc_normal", &value), 0);
	assert_int_equal(value, 8);
	assert_int_equal(pagelab_vmstat(m, "bogus", &value), -ENOENT);
	assert_int_equal(pagelab_report(m, 99, stdout), -EINVAL);
	assert_int_equal(pagelab_check(m, msg, sizeof(msg)), 0);
	pagelab_machine_destroy(m);
	assert_int_equal(pagelab_vmstat(m, "pgalloc_normal", &value), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_buddyinfo_fresh),
		machine_test(test_buddyinfo_after_split),
		machine_test(test_pagetypeinfo_fresh),
		machine_test(test_vmstat),
		machine_test(test_vmstat_read_every_counter),
		cmocka_unit_test(test_api_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
