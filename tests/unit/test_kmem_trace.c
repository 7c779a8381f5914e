/* SPDX-License-Identifier: MIT */
/*
 * test_kmem_trace.c - the trace line reader of `pagelab replay`
 * (src/scenario/kmem_trace.c): each layout (ftrace with four or five flag
 * characters, trace-cmd, perf script) gives the same event; hex and
 * decimal pfns; gfp flags by name, as a mask, "none", and names it does
 * not know; failed allocations; what is not a kmem event is never an
 * error; and each way a kmem line can be malformed is one, with a message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "scenario/kmem_trace.h"

static char msg[512];

static int parse(const char *line, struct kmem_event *ev)
{
	msg[0] = 0;
	return kmem_trace_parse_line(line, strlen(line), ev, msg, sizeof(msg));
}

static void expect_alloc(const char *line, int cpu, unsigned long pfn, unsigned int order)
{
	struct kmem_event ev;

	assert_int_equal(parse(line, &ev), 0);
	assert_int_equal(ev.type, KMEM_ALLOC);
	assert_int_equal(ev.cpu, cpu);
	assert_int_equal(ev.pfn, pfn);
	assert_int_equal(ev.order, order);
	assert_false(ev.failed);
}

static void test_layouts(void **state)
{
	struct kmem_event ev;

	/* ftrace, 6.x */
	expect_alloc("     kworker/10:1-440     [010] .....   355.369905: mm_page_alloc: "
		     "page=00000000dc8c03bd pfn=0x182190 order=2 migratetype=0 "
		     "gfp_flags=GFP_KERNEL\n", 10, 0x182190, 2);
	/* ftrace, 4.x: four flag characters, decimal pfn, an extra field */
	expect_alloc("  <...>-2641  [003] d...  4211.120410: mm_page_alloc: page=ffffea0004b4bd00 "
		     "pfn=970744 order=0 migratetype=0 nr_free=3650 gfp_flags=GFP_HIGHUSER|__GFP_ZERO",
		     3, 970744, 0);
	/* trace-cmd report: no flags, padded event name */
	expect_alloc("bash-1234  [001]  50.000100: mm_page_alloc:        page=0xffffea0000400000 "
		     "pfn=0x10000 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE", 1, 0x10000, 0);
	/* perf script: the system before the event, page= as the pfn */
	expect_alloc("perf  6429 [000]    22.498450:             kmem:mm_page_alloc: page=0x176a17 "
		     "pfn=1534487 order=0 migratetype=0 gfp_flags=GFP_KERNEL", 0, 1534487, 0);
	/* a comm with blanks and brackets; the CPU is the last [N] before the time */
	expect_alloc("Web [Content]-77 [001] ..... 1.5: mm_page_alloc: page=01 pfn=0x8 order=3 "
		     "migratetype=0 gfp_flags=none", 1, 8, 3);
	/* no CPU column */
	expect_alloc("x 1.000001: mm_page_alloc: page=01 pfn=0x8 order=0 migratetype=0 gfp_flags=none",
		     -1, 8, 0);
	assert_int_equal(parse("bash-1 [000] ..... 12.25: mm_page_free: page=01 pfn=0x40 order=6",
			       &ev), 0);
	assert_int_equal(ev.type, KMEM_FREE);
	assert_true(ev.time_s > 12.249 && ev.time_s < 12.251);
	assert_int_equal(ev.order, 6);
}

static void test_free_batched(void **state)
{
	struct kmem_event ev;

	assert_int_equal(parse("a-1 [000] .... 1.0: mm_page_free_batched: page=01 pfn=77 order=0 "
			       "cold=0", &ev), 0);
	assert_int_equal(ev.type, KMEM_FREE_BATCHED);
	assert_int_equal(ev.pfn, 77);
	/* perf may leave order= out: it is always 0 */
	assert_int_equal(parse("perf 1 [000] 1.0: kmem:mm_page_free_batched: page=0x4d pfn=77", &ev),
			 0);
	assert_int_equal(ev.order, 0);
}

static void test_gfp(void **state)
{
	struct kmem_event ev;

	assert_int_equal(parse("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0 order=0 migratetype=1 "
			       "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP", &ev), 0);
	assert_int_equal(ev.gfp, 0x100cca | 0x100 | 0x40000);
	assert_int_equal(ev.migratetype, 1);
	assert_int_equal(parse("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0 order=9 migratetype=1 "
			       "gfp_flags=GFP_TRANSHUGE_LIGHT", &ev), 0);
	assert_int_equal(ev.gfp, 0x1c20ca);
	assert_int_equal(parse("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0 order=9 migratetype=1 "
			       "gfp_flags=GFP_TRANSHUGE", &ev), 0);
	assert_int_equal(ev.gfp, 0x1c24ca);
	/* a raw mask, and a mask after names (leftover bits) */
	assert_int_equal(parse("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0 order=0 migratetype=2 "
			       "gfp_flags=GFP_KERNEL|0x10", &ev), 0);
	assert_int_equal(ev.gfp, 0xcc0 | 0x10);
	/* names of other kernels are counted, not errors */
	assert_int_equal(parse("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0 order=0 migratetype=0 "
			       "gfp_flags=GFP_TEMPORARY|__GFP_NOTRACK", &ev), 0);
	assert_int_equal(ev.unknown_gfp, 2);
	assert_int_equal(ev.gfp, 0);
	assert_int_equal(parse("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0 order=0 migratetype=0 "
			       "gfp_flags=none", &ev), 0);
	assert_int_equal(ev.gfp, 0);
}

static void test_failed_alloc(void **state)
{
	static const char *const nulls[] = { "0000000000000000", "(null)", "(nil)", "0x0", "0" };
	struct kmem_event ev;
	char line[256];

	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		snprintf(line, sizeof(line), "a-1 [000] 1.0: mm_page_alloc: page=%s pfn=0x0 order=9 "
			 "migratetype=1 gfp_flags=GFP_TRANSHUGE", nulls[i]);
		assert_int_equal(parse(line, &ev), 0);
		assert_true(ev.failed);
	}
}

static void test_extfrag(void **state)
{
	struct kmem_event ev;

	assert_int_equal(parse("k-2 [001] ..... 3.0: mm_page_alloc_extfrag: page=01 pfn=0x2400 "
			       "alloc_order=0 fallback_order=3 pageblock_order=9 alloc_migratetype=0 "
			       "fallback_migratetype=1 fragmenting=1 change_ownership=0", &ev), 0);
	assert_int_equal(ev.type, KMEM_EXTFRAG);
	assert_true(ev.fragmenting);
	assert_int_equal(ev.pfn, 0x2400);
}

static void test_not_events(void **state)
{
	static const char *const ignored[] = { "", "\n", "   ", "# tracer: nop",
					       "#           TASK-PID     CPU#  |||||  TIMESTAMP" };
	static const char *const other[] = {
		"cpus=2", "version = 6", "CPU 1 is empty",
		"    ffffffffbe23e32e __alloc_pages_nodemask+0x22e (/lib/modules/vmlinux)",
		"a-1 [000] 1.0: mm_page_pcpu_drain: page=01 pfn=0x7 order=0 migratetype=1",
		"perf 1 [001] 2.0: sched:sched_switch: prev_comm=perf ==> next_comm=x",
		"perf 1 [001] 2.0: other:mm_page_alloc: whatever",
		"a-1 [000] 1.0: mm_compaction_begin: zone_start=0x1 mode=sync",
		"text that mentions mm_page_alloc in passing",
	};
	struct kmem_event ev;

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		assert_int_equal(parse(ignored[i], &ev), 0);
		assert_int_equal(ev.type, KMEM_NONE);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_int_equal(parse(other[i], &ev), 0);
		assert_int_equal(ev.type, KMEM_OTHER);
	}
}

static void expect_error(const char *line, const char *want)
{
	struct kmem_event ev;

	assert_int_equal(parse(line, &ev), -EINVAL);
	assert_string_equal(msg, want);
}

static void test_malformed(void **state)
{
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 pfn=0x10", "mm_page_free: no order= field");
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 order=0", "mm_page_free: no pfn= field");
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 pfn=0x1g order=0",
		     "mm_page_free: bad pfn '0x1g' (expected a number up to 4503599627370495)");
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 pfn= order=0",
		     "mm_page_free: bad pfn '' (expected a number up to 4503599627370495)");
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 pfn=0x10 order=32",
		     "mm_page_free: bad order '32' (expected a number up to 31)");
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 pfn=0x99999999999999999999 order=0",
		     "mm_page_free: bad pfn '0x99999999999999999999' (expected a number up to "
		     "4503599627370495)");
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 pfn=0x3 order=1",
		     "mm_page_free: pfn 0x3 is not aligned to order 1 (a block of 2^1 pages starts "
		     "at a multiple of 2)");
	expect_error("a-1 [000] 1.0: mm_page_alloc: pfn=0x10 order=0 migratetype=0 gfp_flags=none",
		     "mm_page_alloc: no page= field");
	expect_error("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0x10 order=0 gfp_flags=none",
		     "mm_page_alloc: no migratetype= field");
	expect_error("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0x10 order=0 migratetype=0 "
		     "gfp_flags=GFP_KERNEL|", "mm_page_alloc: bad gfp_flags 'GFP_KERNEL|' (expected "
		     "flag names or a mask joined by '|')");
	expect_error("a-1 [000] 1.0: mm_page_alloc: page=01 pfn=0x10 order=0 migratetype=0 "
		     "gfp_flags=0xzz", "mm_page_alloc: bad gfp_flags '0xzz' (expected flag names or "
		     "a mask joined by '|')");
	expect_error("a-1 [000] 1.0: mm_page_alloc_extfrag: page=01 pfn=0x10 alloc_order=0 "
		     "fragmenting=1", "mm_page_alloc_extfrag: no fallback_order= field");
	expect_error("a-1 [000] 1.0: mm_page_free: page=01 pfn=0x10 order=0 oops",
		     "mm_page_free: expected KEY=VALUE, found 'oops'");
	expect_error("mm_page_free: page=01 pfn=0x10 order=0",
		     "kmem event without a timestamp (SECS.USECS:) before it");
	expect_error("perf 1 [000] kmem:mm_page_free: page=01 pfn=0x10 order=0",
		     "kmem event without a timestamp (SECS.USECS:) before it");
}

/* The line need not end in NUL: only @len bytes are read. */
static void test_length(void **state)
{
	const char *line = "a-1 [000] 1.0: mm_page_free: page=01 pfn=0x10 order=0GARBAGE";
	struct kmem_event ev;

	assert_int_equal(kmem_trace_parse_line(line, strlen(line) - 7, &ev, msg, sizeof(msg)), 0);
	assert_int_equal(ev.type, KMEM_FREE);
	assert_int_equal(ev.pfn, 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_free_batched),
		cmocka_unit_test(test_gfp),
		cmocka_unit_test(test_failed_alloc),
		cmocka_unit_test(test_extfrag),
		cmocka_unit_test(test_not_events),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
