/* SPDX-License-Identifier: MIT */
/*
 * test_parser.c - the scenario language's parser: every kind of error
 * message, exactly as printed (one cmocka test per kind, from the table
 * below), the accepted forms of every command of the spec and what they
 * parse to, the symbol tables (fork, munmap, exit, &), the sim backend's
 * refusals, that every bad line of a file is reported, the machine of a
 * run connected to a balloon host (--connect), and (pagelab) loops and
 * strided page ranges: what they expand to and how their errors read.
 *
 * Language-only cases parse with no backend (the whole language must be
 * accepted); "sim" cases parse for the sim backend, which refuses what
 * this build cannot run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "machine/machine.h"
#include "scenario/parser_internal.h"
#include "scenario/runner_internal.h"

static struct scn_script *parse(const char *text, const struct scn_backend *be)
{
	return scn_parse("t.scn", text, strlen(text), be, 0);
}

static void print_errors(const struct scn_script *s)
{
	for (unsigned int i = 0; i < s->nerrors; i++)
		print_message("  %s\n", s->errors[i]);
}

/* Parse @text, which must be free of errors, and return it. */
static struct scn_script *parse_ok(const char *text, const struct scn_backend *be)
{
	struct scn_script *s = parse(text, be);

	if (s->nerrors)
		print_errors(s);
	assert_int_equal(s->nerrors, 0);
	return s;
}

/* ------------------------------------------------------------------ */
/* Errors: one case per kind of message                                */

struct error_case {
	const char *name;
	bool sim;		/* parse for the sim backend, else language only */
	const char *text;
	const char *error;	/* the first error, exactly */
};

#define P_R "process P\nP mmap R 2M\n"	/* R has 512 pages: 0..511 */

static const struct error_case error_cases[] = {
	/* Lexical */
	{ "invalid_character", false, "report\nkalloc\001 a count=1\n",
	  "t.scn:2: invalid character 0x01" },
	{ "unknown_command", false, "report\n\n# c\nfoo bar\n", "t.scn:4: unknown command 'foo'" },
	{ "bad_name", false, "kalloc 9a count=1\n",
	  "t.scn:1: bad set name '9a' (names are [A-Za-z_][A-Za-z0-9_]*)" },
	{ "bad_number", false, "kalloc a count=12x\n", "t.scn:1: bad number '12x' for 'count'" },
	{ "number_overflow", false, "kalloc a count=99999999999999999999\n",
	  "t.scn:1: count=99999999999999999999 is out of range (1..4294967295)" },
	{ "number_out_of_range", false, "kalloc a count=0\n",
	  "t.scn:1: count=0 is out of range (1..4294967295)" },
	{ "bad_size", false, "machine memory=1X\n",
	  "t.scn:1: bad size '1X' for 'memory' (expected an integer with an optional K, M, G or p)" },
	{ "bad_duration", false, "sleep 5\n",
	  "t.scn:1: bad duration '5' for 'sleep' (expected an integer with ms or s)" },
	{ "bad_duration_option", false, "ksm wait timeout=3h\n",
	  "t.scn:1: bad duration '3h' for 'timeout' (expected an integer with ms or s)" },
	/* Options and arguments */
	{ "unknown_option", false, P_R "P touch R pagez=1\n",
	  "t.scn:3: unknown option 'pagez' for 'touch' (expected pattern, seed, pages, repeat)" },
	{ "unknown_option_none", false, "kalloc a count=1\nkcheck a x=1\n",
	  "t.scn:2: unknown option 'x' for 'kcheck' (it takes none)" },
	{ "duplicate_option", false, "kalloc a count=1 count=2\n",
	  "t.scn:1: duplicate option 'count' for 'kalloc'" },
	{ "missing_option", false, "kalloc a order=1\n",
	  "t.scn:1: missing required option 'count' for 'kalloc'" },
	{ "missing_argument", false, "kalloc count=1\n", "t.scn:1: missing set name for 'kalloc'" },
	{ "unexpected_argument", false, "kalloc a count=1\nkcheck a b\n",
	  "t.scn:2: unexpected argument 'b' for 'kcheck'" },
	{ "bad_value", false, "kalloc a count=1 type=fast\n",
	  "t.scn:1: bad value 'fast' for 'type' (expected unmovable, reclaimable, movable)" },
	/* Machine */
	{ "machine_not_first", false, "report\nmachine memory=1G\n",
	  "t.scn:2: 'machine' must be the first command" },
	{ "machine_twice", false, "machine memory=1G\nmachine memory=1G\n",
	  "t.scn:2: 'machine' must be the first command" },
	{ "machine_missing_memory", false, "machine cpus=2\n",
	  "t.scn:1: missing required option 'memory' for 'machine'" },
	{ "machine_bad_memory", false, "machine memory=1000K\n",
	  "t.scn:1: bad machine: memory=1024000 bytes is not a multiple of the pageblock size "
	  "(2048 KiB)" },
	{ "machine_bad_cpus", false, "machine memory=1G cpus=65\n",
	  "t.scn:1: bad machine: cpus=65 is out of range (1..64)" },
	{ "machine_bad_max_order", false, "machine memory=1G max_order=13\n",
	  "t.scn:1: bad machine: max_order=13 is out of range (1..12)" },
	{ "machine_bad_pageblock_order", false, "machine memory=1G max_order=8 pageblock_order=9\n",
	  "t.scn:1: bad machine: pageblock_order=9 is out of range (1..max_order=8)" },
	/* Knobs */
	{ "sysctl_empty", false, "sysctl\n", "t.scn:1: missing vm.NAME=VALUE for 'sysctl'" },
	{ "sysctl_bad_form", false, "sysctl min_free_kbytes=5\n",
	  "t.scn:1: bad sysctl 'min_free_kbytes=5' (expected vm.NAME=VALUE)" },
	{ "sysctl_bad_name", false, "sysctl vm.a-b=5\n",
	  "t.scn:1: bad sysctl name 'vm.a-b' (expected vm.NAME=VALUE)" },
	{ "sysctl_bad_number", false, "sysctl vm.min_free_kbytes=lots\n",
	  "t.scn:1: bad number 'lots' for 'vm.min_free_kbytes'" },
	{ "sysctl_duplicate", false, "sysctl vm.a=1 vm.a=2\n",
	  "t.scn:1: duplicate option 'vm.a' for 'sysctl'" },
	{ "ksm_unknown_knob", false, "ksm speed=3\n",
	  "t.scn:1: unknown option 'speed' for 'ksm' (expected run, pages_to_scan, "
	  "sleep_millisecs, max_page_sharing, use_zero_pages, merge_across_nodes, smart_scan, "
	  "stable_node_chains_prune_millisecs, advisor_mode, advisor_max_cpu, "
	  "advisor_min_pages_to_scan, advisor_max_pages_to_scan, advisor_target_scan_time)" },
	{ "ksm_bad_word", false, "ksm advisor_mode=fast\n",
	  "t.scn:1: bad value 'fast' for 'advisor_mode' (expected none, scan-time)" },
	{ "ksm_bare_word", false, "ksm run\n",
	  "t.scn:1: unexpected argument 'run' for 'ksm' (expected wait or NAME=VALUE)" },
	{ "ksm_empty", false, "ksm\n", "t.scn:1: missing wait or NAME=VALUE for 'ksm'" },
	{ "thp_empty", false, "thp\n", "t.scn:1: missing NAME=VALUE for 'thp'" },
	{ "thp_unknown_knob", false, "thp size=2M\n",
	  "t.scn:1: unknown option 'size' for 'thp' (expected enabled, defrag, shmem_enabled, "
	  "use_zero_page, shrink_underused or khugepaged/NAME)" },
	{ "thp_bad_word", false, "thp defrag=sometimes\n",
	  "t.scn:1: bad value 'sometimes' for 'defrag' (expected always, defer, defer+madvise, "
	  "madvise, never)" },
	{ "thp_bad_number", false, "thp khugepaged/max_ptes_none=-1\n",
	  "t.scn:1: bad number '-1' for 'khugepaged/max_ptes_none'" },
	{ "thp_bare_word", false, "thp enabled\n",
	  "t.scn:1: unexpected argument 'enabled' for 'thp' (expected NAME=VALUE)" },
	{ "thp_duplicate", false, "thp enabled=never enabled=always\n",
	  "t.scn:1: duplicate option 'enabled' for 'thp'" },
	{ "ksm_merge_missing", false, "process P\nP ksm\n",
	  "t.scn:2: missing required option 'merge' for 'ksm'" },
	{ "ksm_merge_word", false, "process P\nP ksm merge=yes\n",
	  "t.scn:2: bad value 'yes' for 'merge' (expected off, on)" },
	/* Processes, regions, page ranges */
	{ "unknown_process", false, "Q touch R\n", "t.scn:1: unknown process 'Q'" },
	{ "unknown_region", false, P_R "P touch S\n", "t.scn:3: unknown region 'S' of process 'P'" },
	{ "process_exists", false, "process P\nprocess P\n", "t.scn:2: process 'P' already exists" },
	{ "process_reserved", false, "process kalloc\n",
	  "t.scn:1: 'kalloc' is a command name and cannot name a process" },
	{ "process_missing_command", false, "process P\nP\n",
	  "t.scn:2: missing command for process 'P' (expected mmap, touch, read, check, madvise, "
	  "migrate, fork, munmap, exit, ksm)" },
	{ "process_unknown_command", false, "process P\nP jump\n",
	  "t.scn:2: unknown command 'jump' for process 'P' (expected mmap, touch, read, check, "
	  "madvise, migrate, fork, munmap, exit, ksm)" },
	{ "region_exists", false, P_R "P mmap R 4K\n",
	  "t.scn:3: region 'R' already exists in process 'P'" },
	{ "region_size", false, "process P\nP mmap R 1000\n",
	  "t.scn:2: region size 1000 is not a positive multiple of the page size (4096)" },
	{ "region_size_zero", false, "process P\nP mmap R 0p\n",
	  "t.scn:2: region size 0p is not a positive multiple of the page size (4096)" },
	{ "region_bad_size", false, "process P\nP mmap R big\n",
	  "t.scn:2: bad size 'big' (expected an integer with an optional K, M, G or p)" },
	{ "mmap_bad_kind", false, "process P\nP mmap R 4K public\n",
	  "t.scn:2: unexpected argument 'public' for 'mmap' (expected private, shared or "
	  "hugetlb)" },
	{ "bad_range", false, P_R "P read R pages=3..x\n",
	  "t.scn:3: bad page range '3..x' (expected A..B, A..B:STEP or A)" },
	{ "reversed_range", false, P_R "P read R pages=5..2\n",
	  "t.scn:3: bad page range '5..2' (first page after last)" },
	{ "range_outside", false, P_R "P migrate R pages=0..512\n",
	  "t.scn:3: pages=0..512 is outside region 'R' of process 'P' (512 pages: 0..511)" },
	{ "bad_pattern", false, P_R "P touch R pattern=stripes\n",
	  "t.scn:3: bad pattern 'stripes' (expected zero, byte:V, same, dup:K, unique)" },
	{ "pattern_out_of_range", false, P_R "P touch R pattern=byte:256\n",
	  "t.scn:3: pattern byte:256 is out of range (byte:0..255, dup:1..4294967295)" },
	{ "bad_advice", false, P_R "P madvise R huge\n",
	  "t.scn:3: bad advice 'huge' for 'madvise' (expected mergeable, unmergeable, "
	  "dontneed, hugepage, nohugepage)" },
	{ "munmapped_region", false, P_R "P munmap R\nP check R\n",
	  "t.scn:4: region 'R' of process 'P' was unmapped at line 3" },
	{ "munmapped_region_bg", false, P_R "& P munmap R\nP touch R\n",
	  "t.scn:4: region 'R' of process 'P' was unmapped at line 3" },
	{ "exited_process", false, P_R "P exit\nP check R\n",
	  "t.scn:4: process 'P' exited at line 3" },
	{ "exited_process_bg", false, P_R "& P exit\nP fork Q\n",
	  "t.scn:4: process 'P' exited at line 3" },
	{ "forked_region_unmapped", false, P_R "P munmap R\nP fork Q\nQ read R\n",
	  "t.scn:5: unknown region 'R' of process 'Q'" },
	{ "fork_existing", false, "process P\nprocess Q\nP fork Q\n",
	  "t.scn:3: process 'Q' already exists" },
	/* Kernel-side allocations */
	{ "unknown_set", false, "kfree a\n", "t.scn:1: unknown kalloc set 'a'" },
	{ "set_exists", false, "kalloc a count=1\nkalloc a count=1\n",
	  "t.scn:2: kalloc set 'a' already exists (line 1)" },
	{ "kalloc_order", false, "machine memory=64M max_order=8\nkalloc a count=1 order=9\n",
	  "t.scn:2: order=9 is out of range (0..8)" },
	{ "kalloc_movable_order", false, "kalloc a count=1 order=1 type=movable\n",
	  "t.scn:1: type=movable needs order=0 (got order=1)" },
	{ "kfree_exclusive", false, "kalloc a count=1\nkfree a all every=2\n",
	  "t.scn:2: 'all', 'every' and 'random' exclude each other in 'kfree'" },
	{ "kfree_seed", false, "kalloc a count=1\nkfree a every=2 seed=1\n",
	  "t.scn:2: 'seed' needs 'random' in 'kfree'" },
	{ "kfree_bad_word", false, "kalloc a count=1\nkfree a most\n",
	  "t.scn:2: unexpected argument 'most' for 'kfree' (expected all, every=M or random=PCT)" },
	{ "kfree_percent", false, "kalloc a count=1\nkfree a random=101\n",
	  "t.scn:2: random=101 is out of range (0..100)" },
	/* Balloon */
	{ "balloon_missing_target", false, "balloon\n",
	  "t.scn:1: missing required option 'target' for 'balloon'" },
	{ "balloon_target_unaligned", false, "balloon target=100\n",
	  "t.scn:1: balloon target 100 is not a multiple of the page size (4096)" },
	/* Concurrency */
	{ "background_empty", false, "&\n", "t.scn:1: missing command after '&'" },
	{ "background_twice", false, "& & sleep 1s\n", "t.scn:1: '&' cannot be repeated" },
	{ "background_wait", false, "& wait\n", "t.scn:1: 'wait' cannot run in the background" },
	{ "background_machine", false, "& machine memory=1G\n",
	  "t.scn:1: 'machine' must be the first command" },
	/* Observation */
	{ "report_two_labels", false, "report a b\n", "t.scn:1: unexpected argument 'b' for 'report'" },
	{ "expect_missing", false, "expect vmstat.nr_free_pages==3\n",
	  "t.scn:1: missing operator for 'expect' (expected NAME OP VALUE, separated by blanks)" },
	{ "expect_extra", false, "expect vmstat.x == 3 4\n",
	  "t.scn:1: unexpected argument '4' for 'expect'" },
	{ "expect_operator", false, "expect vmstat.nr_free_pages =< 3\n",
	  "t.scn:1: bad operator '=<' for 'expect' (expected == != < <= > >=)" },
	{ "expect_value", false, "expect vmstat.nr_free_pages == lots\n",
	  "t.scn:1: bad number 'lots' for 'expect' (expected an integer)" },
	{ "expect_value_range", false, "expect vmstat.x == 9223372036854775808\n",
	  "t.scn:1: value 9223372036854775808 is out of range (-9223372036854775808..9223372036854775807)" },
	{ "expect_unknown_name", false, "expect foo.bar == 1\n",
	  "t.scn:1: unknown name 'foo.bar' (expected vmstat.X, ksm.X, balloon.X, buddy.ZONE.orderN, "
	  "buddy.free_blocks_orderN, extfrag.ZONE.orderN, unusable.ZONE.orderN, compaction.X, "
	  "kalloc.K.X, machine.X, P.R.X, ksm.P.X, meminfo.X, zoneinfo.ZONE.X or frames.STATE)" },
	{ "expect_empty_part", false, "expect vmstat..x == 1\n",
	  "t.scn:1: unknown name 'vmstat..x' (expected vmstat.X, ksm.X, balloon.X, "
	  "buddy.ZONE.orderN, buddy.free_blocks_orderN, extfrag.ZONE.orderN, "
	  "unusable.ZONE.orderN, compaction.X, kalloc.K.X, machine.X, P.R.X, ksm.P.X, "
	  "meminfo.X, zoneinfo.ZONE.X or frames.STATE)" },
	{ "expect_zoneinfo_name", false, "expect zoneinfo.Normal == 1\n",
	  "t.scn:1: bad name 'zoneinfo.Normal' (expected zoneinfo.ZONE.X or zoneinfo.ZONE.cpuN.X)" },
	{ "expect_zoneinfo_cpu", false, "expect zoneinfo.Normal.cpux.count == 1\n",
	  "t.scn:1: bad name 'zoneinfo.Normal.cpux.count' (expected zoneinfo.ZONE.cpuN.X, N "
	  "below 64)" },
	{ "expect_meminfo_name", false, "expect meminfo.Mem-Free == 1\n",
	  "t.scn:1: bad name 'meminfo.Mem-Free' (expected meminfo.X)" },
	{ "expect_frames_name", false, "expect frames.a.b == 1\n",
	  "t.scn:1: bad name 'frames.a.b' (expected frames.STATE)" },
	{ "expect_bad_simple", false, "expect vmstat.a.b == 1\n",
	  "t.scn:1: bad name 'vmstat.a.b' (expected vmstat.X)" },
	{ "expect_ksm_counter", false, "expect ksm.shared == 1\n",
	  "t.scn:1: unknown KSM counter 'shared' (expected full_scans, general_profit, "
	  "ksm_zero_pages, pages_scanned, pages_shared, pages_sharing, pages_skipped, "
	  "pages_unshared, pages_volatile, stable_node_chains, stable_node_dups)" },
	{ "expect_balloon_value", false, "expect balloon.size == 1\n",
	  "t.scn:1: unknown balloon value 'size' (expected target_pages, actual_pages, "
	  "host_released_bytes)" },
	{ "expect_machine_value", false, "expect machine.ram == 1\n",
	  "t.scn:1: unknown machine value 'ram' (expected memory_bytes, page_size, "
	  "struct_page_bytes, max_order, pageblock_order, cpus, zone_pages)" },
	{ "expect_buddy_name", false, "expect buddy.Normal.o3 == 1\n",
	  "t.scn:1: bad name 'buddy.Normal.o3' (expected buddy.ZONE.orderN or "
	  "buddy.free_blocks_orderN)" },
	{ "expect_buddy_order", false, "expect buddy.free_blocks_order13 == 1\n",
	  "t.scn:1: order 13 is out of range (0..12)" },
	{ "expect_extfrag_name", false, "expect extfrag.Normal == -1000\n",
	  "t.scn:1: bad name 'extfrag.Normal' (expected extfrag.ZONE.orderN)" },
	{ "expect_unusable_name", false, "expect unusable.Normal.order == 0\n",
	  "t.scn:1: bad name 'unusable.Normal.order' (expected unusable.ZONE.orderN)" },
	{ "expect_unusable_order", false, "expect unusable.Normal.order13 == 0\n",
	  "t.scn:1: order 13 is out of range (0..12)" },
	{ "expect_compaction_value", false, "expect compaction.max_blocks == 1\n",
	  "t.scn:1: unknown compaction value 'max_blocks' (expected fragmentation_score, "
	  "max_free_blocks)" },
	{ "expect_compaction_shape", false, "expect compaction.score.x == 1\n",
	  "t.scn:1: bad name 'compaction.score.x' (expected compaction.X)" },
	{ "process_reserved_family", false, "process extfrag\n",
	  "t.scn:1: 'extfrag' is a command name and cannot name a process" },
	{ "expect_kalloc_set", false, "expect kalloc.a.ok == 1\n", "t.scn:1: unknown kalloc set 'a'" },
	{ "expect_kalloc_value", false, "kalloc a count=1\nexpect kalloc.a.held == 1\n",
	  "t.scn:2: unknown kalloc value 'held' (expected ok, intact)" },
	{ "expect_kalloc_shape", false, "kalloc a count=1\nexpect kalloc.a == 1\n",
	  "t.scn:2: bad name 'kalloc.a' (expected kalloc.K.ok or kalloc.K.intact)" },
	{ "expect_ksm_stat_line", false, "process P\nexpect ksm.P.pages == 1\n",
	  "t.scn:2: unknown ksm_stat line 'pages' (expected ksm_rmap_items, ksm_zero_pages, "
	  "ksm_merging_pages, ksm_process_profit, ksm_merge_any, ksm_mergeable)" },
	{ "expect_ksm_stat_process", false, "expect ksm.P.ksm_rmap_items == 1\n",
	  "t.scn:1: unknown process 'P' in 'ksm.P.ksm_rmap_items'" },
	{ "expect_region_process", false, "expect P.R.intact == 1\n",
	  "t.scn:1: unknown process 'P' in 'P.R.intact'" },
	{ "expect_region_region", false, P_R "expect P.S.intact == 1\n",
	  "t.scn:3: unknown region 'S' of process 'P'" },
	{ "expect_region_value", false, P_R "expect P.R.dirty == 1\n",
	  "t.scn:3: unknown region value 'dirty' (expected intact, migrated, migrate_failed)" },
	{ "expect_region_exited", false, P_R "P exit\nexpect P.R.intact == 1\n",
	  "t.scn:4: process 'P' in 'P.R.intact' exited at line 3" },
	{ "expect_region_unmapped", false, P_R "P munmap R\nexpect P.R.intact == 1\n",
	  "t.scn:4: region 'R' of process 'P' was unmapped at line 3" },
	/* What the sim backend of this build refuses */
	{ "sim_ksm_max_page_sharing", true, "ksm max_page_sharing=1\n",
	  "t.scn:1: ksm max_page_sharing=1: invalid value, the kernel refuses it with EINVAL "
	  "(at least 2: a KSM page has two sharers)" },
	{ "sim_ksm_max_page_sharing_range", true, "ksm max_page_sharing=4294967296\n",
	  "t.scn:1: ksm max_page_sharing=4294967296: invalid value, the kernel refuses it with "
	  "ERANGE (at least 2: a KSM page has two sharers)" },
	{ "sim_ksm_run", true, "ksm pages_to_scan=5 run=3\n",
	  "t.scn:1: ksm run=3: invalid value, the kernel refuses it with EINVAL (0 stops ksmd, "
	  "1 runs it, 2 unmerges everything)" },
	{ "sim_ksm_smart_scan", true, "ksm smart_scan=7\n",
	  "t.scn:1: ksm smart_scan=7: invalid value, the kernel refuses it with EINVAL (0 or 1)" },
	{ "sim_ksm_target_scan_time", true, "ksm advisor_target_scan_time=0\n",
	  "t.scn:1: ksm advisor_target_scan_time=0: invalid value, the kernel refuses it with "
	  "EINVAL (at least 1 second)" },
	{ "sim_ksm_sleep", true, "ksm sleep_millisecs=4294967296\n",
	  "t.scn:1: ksm sleep_millisecs=4294967296: invalid value, the kernel refuses it with "
	  "EINVAL (an unsigned int)" },
	{ "sim_thp", true, "thp enabled=always khugepaged/max_ptes_none=512\n",
	  "t.scn:1: thp khugepaged/max_ptes_none=512: invalid value, the kernel refuses it "
	  "with EINVAL (at most 511, HPAGE_PMD_NR - 1)" },
	{ "sim_thp_pages_to_scan", true, "thp khugepaged/pages_to_scan=0\n",
	  "t.scn:1: thp khugepaged/pages_to_scan=0: invalid value, the kernel refuses it "
	  "with EINVAL (at least 1, an unsigned int)" },
	{ "sim_sysctl_other", true, "sysctl vm.min_free_kbytes=1 vm.swappiness=10\n",
	  "t.scn:1: sysctl 'vm.swappiness' is not in this build (the sim backend has "
	  "vm.min_free_kbytes, vm.watermark_scale_factor, vm.compaction_proactiveness, "
	  "vm.extfrag_threshold, vm.compact_unevictable_allowed, vm.compact_memory, "
	  "vm.nr_hugepages, vm.nr_overcommit_hugepages, vm.drop_caches)" },
	{ "sim_expect_vmstat", true, "expect vmstat.no_such_counter == 0\n",
	  "t.scn:1: unknown vmstat counter 'no_such_counter' (not in this build)" },
	{ "sim_expect_zone", true, "expect buddy.DMA32.order0 == 0\n",
	  "t.scn:1: unknown zone 'DMA32' (the sim machine has one zone, Normal)" },
	{ "sim_expect_order", true, "machine memory=64M max_order=8\nexpect buddy.Normal.order9 == 0\n",
	  "t.scn:2: 'buddy.Normal.order9': order 9 is above the machine's max_order 8" },
	{ "sim_expect_free_order", true, "expect buddy.free_blocks_order11 == 0\n",
	  "t.scn:1: 'buddy.free_blocks_order11': order 11 is above the machine's max_order 10" },
	{ "sim_expect_extfrag_zone", true, "expect extfrag.Movable.order3 == 0\n",
	  "t.scn:1: unknown zone 'Movable' (the sim machine has one zone, Normal)" },
	{ "sim_expect_unusable_order", true,
	  "machine memory=64M max_order=8\nexpect unusable.Normal.order9 == 0\n",
	  "t.scn:2: 'unusable.Normal.order9': order 9 is above the machine's max_order 8" },
	/* pagelab: strided page ranges */
	{ "range_step_zero", false, P_R "P touch R pages=0..9:0\n",
	  "t.scn:3: bad page range '0..9:0' (step 0)" },
	{ "range_step_bad", false, P_R "P read R pages=0..9:x\n",
	  "t.scn:3: bad page range '0..9:x' (expected A..B, A..B:STEP or A)" },
	{ "range_step_alone", false, P_R "P read R pages=3:2\n",
	  "t.scn:3: bad page range '3:2' (expected A..B, A..B:STEP or A)" },
	{ "range_overflow", false, P_R "P madvise R dontneed pages=0..1:99999999999999999999\n",
	  "t.scn:3: page range '0..1:99999999999999999999' is out of range (numbers are at most "
	  "18446744073709551615)" },
	{ "range_step_outside", false, P_R "P migrate R pages=0..600:100\n",
	  "t.scn:3: pages=0..600:100 is outside region 'R' of process 'P' (512 pages: 0..511)" },
	/* pagelab: loops */
	{ "loop_no_end", false, "report\nfor i in 0..3\nreport\n",
	  "t.scn:2: 'for' without 'end' (a loop ends with a line 'end')" },
	{ "loop_end_without_for", false, "report\nend\n", "t.scn:2: 'end' without 'for'" },
	{ "loop_end_argument", false, "for i in 0..1\nend i\n",
	  "t.scn:2: unexpected argument 'i' for 'end'" },
	{ "loop_bad_form", false, "for i 0..3\nend\n",
	  "t.scn:1: bad loop (expected for VAR in A..B or for VAR in A..B:STEP)" },
	{ "loop_extra", false, "for i in 0..3 by\nend\n",
	  "t.scn:1: unexpected argument 'by' for 'for'" },
	{ "loop_bad_variable", false, "for 9 in 0..3\nend\n",
	  "t.scn:1: bad loop variable '9' (names are [A-Za-z_][A-Za-z0-9_]*)" },
	{ "loop_bad_range", false, "for i in 0..x\nend\n",
	  "t.scn:1: bad range '0..x' for 'for' (expected A..B or A..B:STEP)" },
	{ "loop_single_value", false, "for i in 3\nend\n",
	  "t.scn:1: bad range '3' for 'for' (expected A..B or A..B:STEP)" },
	{ "loop_reversed", false, "for i in 5..2\nend\n",
	  "t.scn:1: bad range '5..2' for 'for' (first after last)" },
	{ "loop_step_zero", false, "for i in 0..9:0\nend\n",
	  "t.scn:1: bad range '0..9:0' for 'for' (step 0)" },
	{ "loop_range_overflow", false, "for i in 0..99999999999999999999\nend\n",
	  "t.scn:1: bad range '0..99999999999999999999' for 'for' (numbers are at most "
	  "18446744073709551615)" },
	{ "loop_shadow", false, "for i in 0..1\nfor i in 0..1\nend\nend\n",
	  "t.scn:2 (i=0): loop variable 'i' is already the variable of the loop at line 1" },
	{ "loop_unknown_variable", false, "for i in 0..1\nreport $j\nend\n",
	  "t.scn:2 (i=0): unknown loop variable 'j' in '$j'" },
	{ "loop_unknown_in_bound", false, "for i in 0..$n\nend\n",
	  "t.scn:1: unknown loop variable 'n' in '0..$n'" },
	{ "loop_bad_reference", false, "for i in 0..1\nreport ${i\nend\n",
	  "t.scn:2 (i=0): bad variable reference in '${i' (expected $NAME or ${NAME})" },
	{ "loop_background", false, "& for i in 0..1\nreport\nend\n",
	  "t.scn:1: 'for' cannot run in the background" },
	{ "loop_end_background", false, "for i in 0..1\n& end\n",
	  "t.scn:2: 'end' cannot run in the background" },
	{ "loop_machine", false, "for i in 0..0\nmachine memory=1G\nend\n",
	  "t.scn:2 (i=0): 'machine' must be the first command" },
	{ "loop_reserved_name", false, "process end\n",
	  "t.scn:1: 'end' is a command name and cannot name a process" },
	{ "loop_error_iteration", false, P_R "for i in 0..600:100\nP touch R pages=$i\nend\n",
	  "t.scn:4 (i=600): pages=600 is outside region 'R' of process 'P' (512 pages: 0..511)" },
	{ "loop_nested_iteration", false,
	  "for i in 1..2\nfor j in 0..$i\nkalloc s$j count=1\nend\nend\n",
	  "t.scn:3 (i=2, j=0): kalloc set 's0' already exists (line 3)" },
	{ "loop_too_deep", false,
	  "for a in 0..1\nfor b in 0..1\nfor c in 0..1\nfor d in 0..1\nfor e in 0..1\n"
	  "for f in 0..1\nfor g in 0..1\nfor h in 0..1\nfor k in 0..1\n"
	  "end\nend\nend\nend\nend\nend\nend\nend\nend\n",
	  "t.scn:9: loops nested more than 8 deep" },
	{ "loop_too_many_commands", false,
	  "report\nfor i in 0..999\nfor j in 0..999\nfor k in 0..1\nreport\nend\nend\nend\n",
	  "t.scn:2: loop would expand to 2000000 commands; loops may produce at most 1000000 "
	  "in all" },
	{ "loop_too_many_later", false,
	  "for i in 0..0\nreport\nend\nfor i in 0..499999\nreport\nreport\nend\n",
	  "t.scn:4: loop would expand to 1000000 commands; loops may produce at most 1000000 "
	  "in all" },
	{ "loop_too_many_iterations", false, "for i in 0..99999999\nend\n",
	  "t.scn:1: loop would run 100000000 iterations; loops may run at most 10000000 in all" },
};

static void test_error(void **state)
{
	const struct error_case *c = *state;
	struct scn_script *s = parse(c->text, c->sim ? &scn_backend_sim : NULL);

	if (!s->nerrors || strcmp(s->errors[0], c->error)) {
		print_message("case %s: expected\n  %s\ngot %u error(s):\n", c->name, c->error,
			      s->nerrors);
		print_errors(s);
	}
	assert_true(s->nerrors >= 1);
	assert_string_equal(s->errors[0], c->error);
	assert_int_equal(s->ncmds + s->nerrors, s->ncmds + 1);
	scn_script_free(s);
}

/* ------------------------------------------------------------------ */
/* Every bad line is reported, once, in order                          */

static void test_all_errors_reported(void **state)
{
	struct scn_script *s = parse("kalloc a count=x\n"	/* a is still defined */
				     "kfree a\n"
				     "foo\n"
				     "kcheck b\n"
				     "kalloc c count=1 count=2 order=x\n", NULL);

	assert_int_equal(s->nerrors, 4);
	assert_string_equal(s->errors[0], "t.scn:1: bad number 'x' for 'count'");
	assert_string_equal(s->errors[1], "t.scn:3: unknown command 'foo'");
	assert_string_equal(s->errors[2], "t.scn:4: unknown kalloc set 'b'");
	assert_string_equal(s->errors[3], "t.scn:5: duplicate option 'count' for 'kalloc'");
	scn_script_free(s);
	/* A bad line is a command line all the same: machine must come first. */
	s = parse("foo\nmachine memory=64M\n", NULL);
	assert_int_equal(s->nerrors, 2);
	assert_string_equal(s->errors[1], "t.scn:2: 'machine' must be the first command");
	scn_script_free(s);
}

static void test_sim_refusals_each_line(void **state)
{
	struct scn_script *s = parse("process P\nP mmap R 4K\nP migrate R\n"
				     "thp use_zero_page=2\nP touch R\nksm run=5\n"
				     "expect ksm.full_scans == 0\nexpect P.R.intact == 1\n",
				     &scn_backend_sim);

	assert_int_equal(s->nerrors, 2);
	assert_string_equal(s->errors[0], "t.scn:4: thp use_zero_page=2: invalid value, the "
			    "kernel refuses it with EINVAL (0 or 1)");
	assert_string_equal(s->errors[1], "t.scn:6: ksm run=5: invalid value, the kernel refuses "
			    "it with EINVAL (0 stops ksmd, 1 runs it, 2 unmerges everything)");
	assert_int_equal(s->ncmds, 6);	/* process, mmap, migrate, touch, the expects */
	scn_script_free(s);
}

/* ------------------------------------------------------------------ */
/* Accepted forms                                                      */

/* Every command of the spec, in every form; the language alone takes it. */
static const char full_language[] =
	"# a comment line\n"
	"machine memory=512M cpus=4 max_order=10 pageblock_order=9   # trailing comment\n"
	"sysctl vm.compaction_proactiveness=0 vm.extfrag_threshold=500\n"
	"sysctl vm.min_free_kbytes=-1\n"
	"ksm run=1 pages_to_scan=100 sleep_millisecs=20 max_page_sharing=256\n"
	"ksm use_zero_pages=1 merge_across_nodes=0 smart_scan=1 advisor_mode=scan-time\n"
	"process a\n"
	"\ta mmap heap 16M\n"
	"a mmap shm 512p shared\n"
	"a mmap priv 64K private\n"
	"a touch heap\n"
	"a touch heap pattern=zero\n"
	"a touch heap pattern=byte:255 pages=0..9\n"
	"a touch heap pattern=same seed=7 pages=4095\n"
	"a touch heap pattern=dup:4 repeat=3\n"
	"a touch heap pattern=unique seed=18446744073709551615\n"
	"a read heap\n"
	"a read heap pages=1..2\n"
	"a check heap\n"
	"a madvise heap mergeable\n"
	"a madvise heap unmergeable pages=0..10\n"
	"a madvise heap dontneed pages=3\n"
	"a migrate heap\n"
	"a migrate heap pages=0..4095\n"
	"a fork b\n"
	"b touch heap\n"
	"b check shm\n"
	"b munmap priv\n"
	"a check priv\n"
	"b exit\n"
	"process b\n"
	"kalloc k1 count=10\n"
	"kalloc k2 count=3 order=10 type=reclaimable compact=no\n"
	"kalloc k3 count=5 order=0 type=movable compact=yes\n"
	"kalloc k4 count=5 type=unmovable\n"
	"kfree k1\n"
	"kfree k2 all\n"
	"kfree k3 every=2\n"
	"kfree k4 random=50 seed=3\n"
	"kfree k4 random=0\n"
	"kcheck k1\n"
	"compact\n"
	"ksm wait\n"
	"ksm wait scans=4 timeout=10s\n"
	"balloon target=64M\n"
	"balloon target=0\n"
	"balloon wait\n"
	"balloon wait timeout=500ms\n"
	"sleep 100ms\n"
	"sleep 0s\n"
	"& kalloc k5 count=1\n"
	"& a touch heap\n"
	"& sleep 1ms\n"
	"& compact\n"
	"wait\n"
	"report\n"
	"report after-all\n"
	"expect vmstat.nr_free_pages > 0\n"
	"expect vmstat.pgmigrate_success >= 0\n"
	"expect ksm.pages_shared == 0\n"
	"expect ksm.pages_to_scan == 100\n"
	"expect balloon.target_pages != 1\n"
	"expect balloon.actual_pages <= 1\n"
	"expect balloon.host_released_bytes < 1\n"
	"expect buddy.Normal.order10 >= -5\n"
	"expect buddy.free_blocks_order9 > 0\n"
	"expect kalloc.k1.ok == 10\n"
	"expect kalloc.k5.intact == 1\n"
	"expect a.heap.intact == 1\n"
	"expect a.heap.migrated >= 0\n"
	"expect a.priv.migrate_failed == 0\n"
	"expect a.shm.intact == 1\n"
	"expect machine.memory_bytes == 536870912\n"
	"expect machine.page_size == 4096\n"
	"expect machine.struct_page_bytes <= 64\n"
	"expect machine.max_order == 10\n"
	"expect machine.pageblock_order == 9\n"
	"expect machine.cpus == 4\n"
	"expect machine.zone_pages == 131072\n"
	"expect extfrag.Normal.order9 == -1000\n"
	"expect unusable.Normal.order0 >= 0\n"
	"expect compaction.fragmentation_score < 100\n"
	"expect compaction.max_free_blocks >= 0\n"
	"thp enabled=always defrag=defer+madvise khugepaged/max_ptes_none=511\n"
	"a ksm merge=on\n"
	"a ksm merge=off\n"
	"expect ksm.a.ksm_merging_pages >= 0\n";

static void test_full_language(void **state)
{
	struct scn_script *s = parse_ok(full_language, NULL);

	assert_int_equal(s->ncmds, 86);
	assert_int_equal(s->nsets, 5);
	assert_int_equal(s->nprocs, 3);		/* a, b (fork), b (process) */
	assert_true(s->has_machine);
	assert_int_equal(s->machine.memory_bytes, 512ULL << 20);
	assert_int_equal(s->machine.cpus, 4);
	scn_script_free(s);
}

static const struct scn_cmd *cmd_at(const struct scn_script *s, unsigned int line)
{
	for (unsigned int i = 0; i < s->ncmds; i++)
		if (s->cmds[i].line == line)
			return &s->cmds[i];
	fail_msg("no command at line %u", line);
	return NULL;
}

static void test_process_fields(void **state)
{
	struct scn_script *s = parse_ok(full_language, NULL);
	const struct scn_cmd *c;

	c = cmd_at(s, 9);
	assert_int_equal(c->verb, SCN_MMAP);
	assert_string_equal(c->mm.region, "shm");
	assert_int_equal(c->mm.pages, 512);
	assert_true(c->mm.shared);
	c = cmd_at(s, 13);
	assert_int_equal(c->verb, SCN_TOUCH);
	assert_int_equal(c->mm.pattern.kind, PATTERN_BYTE);
	assert_int_equal(c->mm.pattern.arg, 255);
	assert_true(c->mm.range.given);
	assert_int_equal(c->mm.range.first, 0);
	assert_int_equal(c->mm.range.last, 9);
	c = cmd_at(s, 14);
	assert_int_equal(c->mm.pattern.kind, PATTERN_SAME);
	assert_int_equal(c->mm.seed, 7);
	assert_int_equal(c->mm.range.first, 4095);
	assert_int_equal(c->mm.range.last, 4095);
	c = cmd_at(s, 15);
	assert_int_equal(c->mm.pattern.kind, PATTERN_DUP);
	assert_int_equal(c->mm.pattern.arg, 4);
	assert_int_equal(c->mm.repeat, 3);
	c = cmd_at(s, 11);
	assert_int_equal(c->mm.pattern.kind, PATTERN_UNIQUE);
	assert_int_equal(c->mm.repeat, 1);
	assert_false(c->mm.range.given);
	c = cmd_at(s, 22);
	assert_int_equal(c->verb, SCN_MADVISE);
	assert_int_equal(c->mm.advice, SCN_DONTNEED);
	c = cmd_at(s, 25);
	assert_int_equal(c->verb, SCN_FORK);
	assert_string_equal(c->mm.proc, "a");
	assert_string_equal(c->mm.child, "b");
	assert_int_not_equal(c->mm.proc_id, c->mm.child_id);
	scn_script_free(s);
}

static void test_other_fields(void **state)
{
	struct scn_script *s = parse_ok(full_language, NULL);
	const struct scn_cmd *c;

	c = cmd_at(s, 3);
	assert_int_equal(c->verb, SCN_SYSCTL);
	assert_int_equal(c->knobs.n, 2);
	assert_string_equal(c->knobs.v[1].name, "vm.extfrag_threshold");
	assert_int_equal(c->knobs.v[1].value, 500);
	assert_int_equal(cmd_at(s, 4)->knobs.v[0].value, -1);
	c = cmd_at(s, 6);
	assert_int_equal(c->verb, SCN_KSM_SET);
	assert_string_equal(c->knobs.v[3].word, "scan-time");
	c = cmd_at(s, 33);
	assert_int_equal(c->verb, SCN_KALLOC);
	assert_int_equal(c->kalloc.count, 3);
	assert_int_equal(c->kalloc.order, 10);
	assert_int_equal(c->kalloc.type, SCN_RECLAIMABLE);
	assert_false(c->kalloc.compact);
	assert_true(cmd_at(s, 34)->kalloc.compact);
	assert_int_equal(cmd_at(s, 37)->kfree.mode, SCN_KFREE_ALL);
	c = cmd_at(s, 38);
	assert_int_equal(c->kfree.mode, SCN_KFREE_EVERY);
	assert_int_equal(c->kfree.arg, 2);
	c = cmd_at(s, 39);
	assert_int_equal(c->kfree.mode, SCN_KFREE_RANDOM);
	assert_int_equal(c->kfree.arg, 50);
	assert_int_equal(c->kfree.seed, 3);
	c = cmd_at(s, 43);
	assert_int_equal(c->verb, SCN_KSM_WAIT);
	assert_int_equal(c->ksm_wait.scans, 2);
	c = cmd_at(s, 44);
	assert_int_equal(c->ksm_wait.scans, 4);
	assert_int_equal(c->ksm_wait.timeout_ms, 10000);
	assert_int_equal(cmd_at(s, 45)->balloon.bytes, 64ULL << 20);
	assert_int_equal(cmd_at(s, 48)->balloon_wait.timeout_ms, 500);
	assert_int_equal(cmd_at(s, 49)->sleep.ms, 100);
	c = cmd_at(s, 51);
	assert_true(c->background);
	assert_string_equal(c->text, "kalloc k5 count=1");
	assert_false(cmd_at(s, 50)->background);
	assert_string_equal(cmd_at(s, 56)->report.label, "line 56");
	assert_string_equal(cmd_at(s, 57)->report.label, "after-all");
	c = cmd_at(s, 84);
	assert_int_equal(c->verb, SCN_THP_SET);
	assert_int_equal(c->knobs.n, 3);
	assert_string_equal(c->knobs.v[1].name, "defrag");
	assert_string_equal(c->knobs.v[1].word, "defer+madvise");
	assert_string_equal(c->knobs.v[2].name, "khugepaged/max_ptes_none");
	assert_null(c->knobs.v[2].word);
	assert_int_equal(c->knobs.v[2].value, 511);
	c = cmd_at(s, 85);
	assert_int_equal(c->verb, SCN_KSM_MERGE);
	assert_string_equal(c->mm.proc, "a");
	assert_true(c->mm.merge);
	assert_false(cmd_at(s, 86)->mm.merge);
	c = cmd_at(s, 87);
	assert_int_equal(c->expect.name.family, SCN_NAME_KSM_PROC);
	assert_string_equal(c->expect.name.a, "a");
	assert_string_equal(c->expect.name.b, "ksm_merging_pages");
	assert_int_equal(c->expect.name.n, 0);
	scn_script_free(s);
}

static void test_expect_fields(void **state)
{
	struct scn_script *s = parse_ok(full_language, NULL);
	const struct scn_cmd *c;

	c = cmd_at(s, 58);
	assert_int_equal(c->expect.name.family, SCN_NAME_VMSTAT);
	assert_string_equal(c->expect.name.a, "nr_free_pages");
	assert_int_equal(c->expect.op, SCN_GT);
	assert_string_equal(c->text, "expect vmstat.nr_free_pages > 0");
	c = cmd_at(s, 65);
	assert_int_equal(c->expect.name.family, SCN_NAME_BUDDY_ZONE);
	assert_string_equal(c->expect.name.a, "Normal");
	assert_int_equal(c->expect.name.n, 10);
	assert_int_equal(c->expect.value, -5);
	c = cmd_at(s, 66);
	assert_int_equal(c->expect.name.family, SCN_NAME_BUDDY_FREE);
	assert_int_equal(c->expect.name.n, 9);
	c = cmd_at(s, 68);
	assert_int_equal(c->expect.name.family, SCN_NAME_KALLOC);
	assert_int_equal(c->expect.name.n, 4);	/* k5 */
	assert_string_equal(c->expect.name.b, "intact");
	c = cmd_at(s, 71);
	assert_int_equal(c->expect.name.family, SCN_NAME_REGION);
	assert_string_equal(c->expect.name.c, "migrate_failed");
	for (unsigned int op = SCN_EQ; op <= SCN_GE; op++)
		assert_non_null(scn_op_name(op));
	scn_script_free(s);
}

/* What this build's sim backend runs. */
static const char sim_language[] =
	"machine memory=64M cpus=2 max_order=10\n"
	"sysctl vm.min_free_kbytes=1024 vm.watermark_scale_factor=10\n"
	"kalloc a count=4 order=3\n"
	"kalloc b count=4 type=reclaimable compact=no\n"
	"& kalloc c count=2 order=10\n"
	"wait\n"
	"kfree a every=3\n"
	"kfree b random=25\n"
	"kcheck a\n"
	"sleep 1ms\n"
	"report\n"
	"expect vmstat.nr_free_pages > 0\n"
	"expect buddy.Normal.order10 >= 0\n"
	"expect buddy.free_blocks_order0 > 0\n"
	"expect kalloc.a.ok == 4\n"
	"expect kalloc.a.intact == 1\n"
	"expect machine.zone_pages == 16384\n"
	"process p\n"
	"p mmap heap 4M\n"
	"p mmap shm 64p shared\n"
	"p mmap priv 8K private\n"
	"p touch heap\n"
	"p touch heap pattern=dup:3 seed=2 pages=1..100 repeat=2\n"
	"p touch shm pattern=same\n"
	"p touch priv pattern=byte:7 pages=1\n"
	"p touch priv pattern=zero\n"
	"p read heap pages=5..9\n"
	"p check heap\n"
	"p madvise heap dontneed pages=0..10\n"
	"p madvise shm dontneed\n"
	"p fork q\n"
	"& q touch heap pattern=unique\n"
	"& p read shm\n"
	"wait\n"
	"q check shm\n"
	"expect q.shm.intact == 1\n"
	"q munmap heap\n"
	"q exit\n"
	"process q\n"
	"q mmap heap 4K\n"
	"expect q.heap.intact == 1\n"
	"p exit\n"
	"sysctl vm.compaction_proactiveness=0 vm.extfrag_threshold=500\n"
	"sysctl vm.compact_unevictable_allowed=1 vm.compact_memory=1\n"
	"kalloc z count=8 type=movable\n"
	"kalloc y count=8 order=0 type=movable compact=no\n"
	"process m\n"
	"m mmap heap 64p\n"
	"m touch heap\n"
	"m migrate heap\n"
	"& m migrate heap pages=3..9\n"
	"& compact\n"
	"wait\n"
	"compact\n"
	"kfree z every=2\n"
	"kcheck z\n"
	"expect m.heap.migrated == 71\n"
	"expect m.heap.migrate_failed == 0\n"
	"expect kalloc.z.intact == 1\n"
	"expect extfrag.Normal.order10 == -1000\n"
	"expect unusable.Normal.order3 < 1000\n"
	"expect compaction.max_free_blocks > 0\n"
	"expect compaction.fragmentation_score <= 100\n"
	"balloon target=8M\n"
	"& balloon wait timeout=2s\n"
	"wait\n"
	"expect balloon.target_pages == 2048\n"
	"expect balloon.actual_pages == 2048\n"
	"expect balloon.host_released_bytes > 0\n";

static void test_sim_language(void **state)
{
	struct scn_script *s = parse_ok(sim_language, &scn_backend_sim);
	const struct scn_cmd *c;

	assert_int_equal(s->ncmds, 69);
	assert_int_equal(s->nprocs, 4);		/* p, q (fork), q (process), m */
	c = cmd_at(s, 36);
	assert_int_equal(c->expect.name.family, SCN_NAME_REGION);
	assert_int_equal(c->expect.name.n, cmd_at(s, 31)->mm.child_id);
	c = cmd_at(s, 41);
	assert_int_equal(c->expect.name.n, cmd_at(s, 39)->mm.proc_id);
	assert_int_not_equal(cmd_at(s, 39)->mm.proc_id, cmd_at(s, 31)->mm.child_id);
	c = cmd_at(s, 29);
	assert_int_equal(c->verb, SCN_MADVISE);
	assert_int_equal(c->mm.advice, SCN_DONTNEED);
	assert_int_equal(c->mm.range.last, 10);
	scn_script_free(s);
}

/* What migrate, movable kalloc, the compaction knobs and names parse to. */
static void test_migration_compaction_fields(void **state)
{
	struct scn_script *s = parse_ok(sim_language, &scn_backend_sim);
	const struct scn_cmd *c;

	c = cmd_at(s, 43);
	assert_int_equal(c->verb, SCN_SYSCTL);
	assert_string_equal(c->knobs.v[0].name, "vm.compaction_proactiveness");
	assert_int_equal(c->knobs.v[0].value, 0);
	c = cmd_at(s, 45);
	assert_int_equal(c->kalloc.type, SCN_MOVABLE);
	assert_true(s->sets[c->kalloc.set].movable);
	assert_false(s->sets[cmd_at(s, 3)->kalloc.set].movable);
	assert_false(cmd_at(s, 46)->kalloc.compact);
	c = cmd_at(s, 50);
	assert_int_equal(c->verb, SCN_MIGRATE);
	assert_false(c->mm.range.given);
	c = cmd_at(s, 51);
	assert_int_equal(c->verb, SCN_MIGRATE);
	assert_true(c->background);
	assert_true(c->mm.range.given);
	assert_int_equal(c->mm.range.first, 3);
	assert_int_equal(c->mm.range.last, 9);
	assert_int_equal(cmd_at(s, 52)->verb, SCN_COMPACT);
	c = cmd_at(s, 57);
	assert_int_equal(c->expect.name.family, SCN_NAME_REGION);
	assert_string_equal(c->expect.name.c, "migrated");
	c = cmd_at(s, 60);
	assert_int_equal(c->expect.name.family, SCN_NAME_EXTFRAG);
	assert_string_equal(c->expect.name.a, "Normal");
	assert_int_equal(c->expect.name.n, 10);
	assert_int_equal(c->expect.value, -1000);
	c = cmd_at(s, 61);
	assert_int_equal(c->expect.name.family, SCN_NAME_UNUSABLE);
	assert_int_equal(c->expect.name.n, 3);
	c = cmd_at(s, 62);
	assert_int_equal(c->expect.name.family, SCN_NAME_COMPACTION);
	assert_string_equal(c->expect.name.a, "max_free_blocks");
	scn_script_free(s);
}

static void test_machine_defaults(void **state)
{
	struct scn_script *s = parse_ok("report\n", NULL);

	assert_false(s->has_machine);
	assert_int_equal(s->machine.memory_bytes, 1ULL << 30);
	assert_int_equal(s->machine.cpus, 2);
	assert_int_equal(s->machine.max_order, 10);
	assert_int_equal(s->machine.pageblock_order, 9);
	scn_script_free(s);
	/* pageblock_order defaults to min(9, max_order), as the kernel's does. */
	s = parse_ok("machine memory=16M max_order=5\n", NULL);
	assert_int_equal(s->machine.pageblock_order, 5);
	scn_script_free(s);
}

/* With a --connect host, the machine's memory is the host's. */
static void test_host_memory(void **state)
{
	static const char no_machine[] = "expect machine.memory_bytes == 1\n";
	static const char other[] = "machine memory=128M\n";
	static const char same[] = "machine memory=256M cpus=4\n";
	struct scn_script *s;

	s = scn_parse("t.scn", no_machine, strlen(no_machine), &scn_backend_sim, 256 << 20);
	assert_int_equal(s->nerrors, 0);
	assert_false(s->has_machine);
	assert_int_equal(s->machine.memory_bytes, 256 << 20);
	assert_int_equal(s->machine.cpus, 2);
	scn_script_free(s);
	s = scn_parse("t.scn", other, strlen(other), &scn_backend_sim, 256 << 20);
	assert_int_equal(s->nerrors, 1);
	assert_string_equal(s->errors[0], "t.scn:1: machine memory=128M disagrees with the "
			    "balloon host's memory 256M (with --connect the machine's memory is "
			    "the host's)");
	scn_script_free(s);
	s = scn_parse("t.scn", other, strlen(other), NULL, (1ULL << 30) + (2 << 20));
	assert_int_equal(s->nerrors, 1);
	assert_string_equal(s->errors[0], "t.scn:1: machine memory=128M disagrees with the "
			    "balloon host's memory 1026M (with --connect the machine's memory is "
			    "the host's)");
	scn_script_free(s);
	s = scn_parse("t.scn", same, strlen(same), &scn_backend_sim, 256 << 20);
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->machine.memory_bytes, 256 << 20);
	assert_int_equal(s->machine.cpus, 4);
	scn_script_free(s);
}

static void test_symbols(void **state)
{
	struct scn_script *s;

	/* A fork copies the parent's regions; munmap and exit remove symbols. */
	s = parse_ok("process p\np mmap r 8K\np fork c\np munmap r\nc read r pages=1\n"
		     "c exit\nprocess c\nc mmap r 4K\n", NULL);
	scn_script_free(s);
	/* & commands count where they are written. */
	s = parse_ok("& kalloc a count=1\nkcheck a\n& process p\n& p mmap r 4K\np check r\n",
		     NULL);
	scn_script_free(s);
	/* A name is a name: process and region namespaces are apart. */
	s = parse_ok("process r\nr mmap r 4K\nexpect r.r.intact == 1\n", NULL);
	scn_script_free(s);
}

static void test_lexical(void **state)
{
	struct scn_script *s;

	s = parse_ok("", NULL);
	assert_int_equal(s->ncmds, 0);
	scn_script_free(s);
	s = parse_ok("\n\n   \t\n# only comments\n#\n", NULL);
	assert_int_equal(s->ncmds, 0);
	scn_script_free(s);
	/* CRLF, tabs, no final newline, a comment glued to a token. */
	s = parse_ok("kalloc\ta\tcount=1\r\nkcheck a# checked\r\nreport end", NULL);
	assert_int_equal(s->ncmds, 3);
	assert_string_equal(s->cmds[2].report.label, "end");
	assert_int_equal(s->nlines, 3);
	scn_script_free(s);
	/* A NUL inside a line is a bad character, not the end of the file. */
	s = scn_parse("t.scn", "report\nkal\0loc\nfoo\n", 19, NULL, 0);
	assert_int_equal(s->nerrors, 2);
	assert_string_equal(s->errors[0], "t.scn:2: invalid character 0x00");
	assert_string_equal(s->errors[1], "t.scn:3: unknown command 'foo'");
	scn_script_free(s);
}

static void test_sizes_and_numbers(void **state)
{
	uint64_t v, a, b, st;
	long l;

	assert_int_equal(scn_parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(scn_parse_size("3p", &v), 0);
	assert_int_equal(v, 3 * 4096);
	assert_int_equal(scn_parse_size("2G", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(scn_parse_size("17", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(scn_parse_size("1k", &v), -EINVAL);
	assert_int_equal(scn_parse_size("1KB", &v), -EINVAL);
	assert_int_equal(scn_parse_size("K", &v), -EINVAL);
	assert_int_equal(scn_parse_size("", &v), -EINVAL);
	assert_int_equal(scn_parse_size("-1K", &v), -EINVAL);
	assert_int_equal(scn_parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(scn_parse_duration("2s", &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(scn_parse_duration("2ms", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(scn_parse_duration("2", &v), -EINVAL);
	assert_int_equal(scn_parse_duration("2m", &v), -EINVAL);
	assert_int_equal(scn_parse_duration("18446744073709551615s", &v), -ERANGE);
	assert_int_equal(scn_parse_range("3..9", &a, &b, &st), 0);
	assert_true(a == 3 && b == 9 && st == 1);
	assert_int_equal(scn_parse_range("7", &a, &b, &st), 0);
	assert_true(a == 7 && b == 7 && st == 1);
	assert_int_equal(scn_parse_range("3..", &a, &b, &st), -EINVAL);
	assert_int_equal(scn_parse_range("3.9", &a, &b, &st), -EINVAL);
	assert_int_equal(scn_parse_range("..9", &a, &b, &st), -EINVAL);
	assert_int_equal(scn_parse_range("3..9:2", &a, &b, &st), 0);
	assert_true(a == 3 && b == 9 && st == 2);
	assert_int_equal(scn_parse_range("3..9:0", &a, &b, &st), 0);
	assert_true(st == 0);	/* the caller refuses it in its own words */
	assert_int_equal(scn_parse_range("3..9:", &a, &b, &st), -EINVAL);
	assert_int_equal(scn_parse_range("3:2", &a, &b, &st), -EINVAL);
	assert_int_equal(scn_parse_range("3..9:2x", &a, &b, &st), -EINVAL);
	assert_int_equal(scn_parse_range("0..9:18446744073709551616", &a, &b, &st), -ERANGE);
	assert_int_equal(scn_parse_long("-9223372036854775808", &l), 0);
	assert_true(l == LONG_MIN);
	assert_int_equal(scn_parse_long("9223372036854775808", &l), -ERANGE);
	assert_int_equal(scn_parse_long("-", &l), -EINVAL);
	assert_int_equal(scn_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_true(scn_is_name("_a9"));
	assert_false(scn_is_name("9a"));
	assert_false(scn_is_name("a-b"));
	assert_false(scn_is_name(""));
}


/* ------------------------------------------------------------------ */
/* pagelab: loops and strided page ranges                              */

static const char loops[] =
	"process p\n"				/* 1 */
	"for i in 1..5:2\n"			/* 2: i = 1, 3, 5 */
	"  p mmap c$i ${i}p\n"			/* 3 */
	"  for j in 0..$i:2\n"			/* 4: j = 0, 2, ... <= i */
	"    p touch c$i pages=$j seed=$i$j\n"	/* 5 */
	"  end\n"
	"end\n"
	"report cost$x\n"			/* 8: outside loops, $ is text */
	"p touch c5 pages=0..4:3\n"		/* 9: 0, 3 */
	"p migrate c5 pages=4..4:9\n"		/* 10: one page */
	"p read c5 pages=1..4:2\n";		/* 11: 1, 3 */

static void test_loops(void **state)
{
	struct scn_script *s = parse_ok(loops, &scn_backend_sim);
	const struct scn_cmd *c = s->cmds;

	assert_int_equal(s->ncmds, 14);
	assert_string_equal(c[1].text, "p mmap c1 1p");
	assert_string_equal(c[1].iter, "i=1");
	assert_int_equal(c[1].line, 3);
	assert_int_equal(c[1].mm.pages, 1);
	assert_string_equal(c[2].text, "p touch c1 pages=0 seed=10");
	assert_string_equal(c[2].iter, "i=1, j=0");
	assert_int_equal(c[2].line, 5);
	assert_int_equal(c[2].mm.seed, 10);
	assert_string_equal(c[3].text, "p mmap c3 3p");
	assert_string_equal(c[5].text, "p touch c3 pages=2 seed=32");
	assert_string_equal(c[5].iter, "i=3, j=2");
	assert_string_equal(c[6].text, "p mmap c5 5p");
	assert_string_equal(c[9].text, "p touch c5 pages=4 seed=54");
	assert_true(c[9].mm.range.given && c[9].mm.range.first == 4 && c[9].mm.range.last == 4);
	assert_int_equal(c[10].verb, SCN_REPORT);
	assert_string_equal(c[10].report.label, "cost$x");
	assert_null(c[10].iter);
	/* A stride stops at the last page it reaches; one page has step 1. */
	assert_true(c[11].mm.range.first == 0 && c[11].mm.range.last == 3 &&
		    c[11].mm.range.step == 3);
	assert_true(c[12].mm.range.first == 4 && c[12].mm.range.last == 4 &&
		    c[12].mm.range.step == 1);
	assert_true(c[13].mm.range.first == 1 && c[13].mm.range.last == 3 &&
		    c[13].mm.range.step == 2);
	scn_script_free(s);

	/* A report without a label names its iteration. */
	s = parse_ok("for i in 7..8\nreport\nend\n", NULL);
	assert_int_equal(s->ncmds, 2);
	assert_string_equal(s->cmds[1].report.label, "line 2 (i=8)");
	scn_script_free(s);

	/* An empty body, a step past the end, and the largest numbers. */
	s = parse_ok("for i in 0..5:100\nfor j in 18446744073709551615..18446744073709551615\n"
		     "kalloc a$i$j count=1\nend\nend\nfor k in 0..9999\nend\n", NULL);
	assert_int_equal(s->ncmds, 1);
	assert_string_equal(s->cmds[0].text, "kalloc a018446744073709551615 count=1");
	scn_script_free(s);
}

static void test_loop_errors(void **state)
{
	/* A line reports its first iteration's error only. */
	struct scn_script *s = parse(P_R "for i in 0..9\nP touch R pages=$i..x\nend\n", NULL);

	assert_int_equal(s->nerrors, 1);
	assert_string_equal(s->errors[0],
			    "t.scn:4 (i=0): bad page range '0..x' (expected A..B, A..B:STEP or A)");
	scn_script_free(s);

	/* Errors come in line order, whatever iteration found them. */
	s = parse("process P\nP mmap R 4p\nfor i in 0..4:4\nP read R pages=$i\n"
		  "P touch R pages=${i}x\nend\nfoo\n", NULL);
	assert_int_equal(s->nerrors, 3);
	assert_string_equal(s->errors[0], "t.scn:4 (i=4): pages=4 is outside region 'R' of "
			    "process 'P' (4 pages: 0..3)");
	assert_string_equal(s->errors[1], "t.scn:5 (i=0): bad page range '0x' (expected A..B, "
			    "A..B:STEP or A)");
	assert_string_equal(s->errors[2], "t.scn:7: unknown command 'foo'");
	scn_script_free(s);

	/* A loop that is refused stops the parse: the line after says nothing. */
	s = parse("for i in 0..99999999\nend\nfoo\n", NULL);
	assert_int_equal(s->nerrors, 1);
	scn_script_free(s);

	/* Forks of a process with many regions are bounded too. */
	scn_limits.region_syms = 11;
	s = parse("process P\nfor i in 0..5\nP mmap r$i 4K\nend\nP munmap r0\n"
		  "for i in 0..1\nP fork c$i\nend\n", NULL);
	scn_limits.region_syms = SCN_MAX_REGION_SYMS;
	assert_int_equal(s->nerrors, 1);
	assert_string_equal(s->errors[0], "t.scn:7 (i=1): too many regions: a script may map "
			    "at most 11 in all (a fork maps again every region of its parent)");
	scn_script_free(s);

	/* A bad loop's body is skipped, not parsed. */
	s = parse("for i in 9..0\nfoo\nend\nbar\n", NULL);
	assert_int_equal(s->nerrors, 2);
	assert_string_equal(s->errors[1], "t.scn:4: unknown command 'bar'");
	scn_script_free(s);
}

/* ------------------------------------------------------------------ */
/* Fuzz: random, truncated and spliced lines never crash or hang       */

static const char *const fuzz_words[] = {
	"machine", "memory=64M", "cpus=2", "max_order=10", "pageblock_order=3", "sysctl",
	"vm.min_free_kbytes=1", "vm.x=-", "ksm", "run=1", "wait", "process", "p", "q", "r",
	"mmap", "4K", "0p", "shared", "touch", "pattern=dup:0", "pattern=byte:9", "pages=1..0",
	"pages=0..3", "pages=", "seed=18446744073709551616", "repeat=0", "read", "check",
	"madvise", "dontneed", "migrate", "fork", "munmap", "exit", "kalloc", "a", "b",
	"count=3", "count=", "order=10", "type=movable", "compact=maybe", "kfree", "all",
	"every=0", "random=50", "kcheck", "compact", "balloon", "target=1G", "timeout=1s",
	"sleep", "1ms", "&", "report", "expect", "vmstat.nr_free_pages", "kalloc.a.ok",
	"p.r.intact", "buddy.Normal.order3", "buddy.free_blocks_order99", "machine.cpus",
	"ksm.full_scans", "balloon.target_pages", "==", "<=", "!", "-1", "=", "..", "#", ".",
	"a.b.c.d.e", "9", "", "=x", "x=", "==5", "extfrag.Normal.order9", "unusable.x.order99",
	"extfrag.Normal", "compaction.max_free_blocks", "compaction.", "p.r.migrated",
	"vm.compaction_proactiveness=101", "vm.compact_memory=1", "type=reclaimable",
	"for", "in", "end", "i", "0..3", "0..3:2", "1..0", "0..9:0", "$i", "c$i", "${i}p",
	"pages=$i..3", "pages=0..7:3", "seed=$i", "${", "$", "$j",
	"meminfo.MemFree", "meminfo.Active(anon)", "zoneinfo.Normal.cpu1.count",
	"zoneinfo.Normal.min", "frames.pcp", "frames.x.y",
};

static uint64_t fuzz_rng = 1;

static unsigned int fuzz_below(unsigned int n)
{
	return splitmix64(&fuzz_rng) % n;
}

/* A line of random words from the language's vocabulary. */
static size_t fuzz_words_line(char *out, size_t cap)
{
	unsigned int n = fuzz_below(6), i;
	size_t len = 0;

	for (i = 0; i < n && len + 40 < cap; i++)
		len += snprintf(out + len, cap - len, "%s%s", i ? " " : "",
				fuzz_words[fuzz_below(ARRAY_SIZE(fuzz_words))]);
	out[len++] = '\n';
	return len;
}

/* A line of the corpus, maybe cut short, maybe with a few random bytes. */
static size_t fuzz_corpus_line(char *out, size_t cap, const char *corpus)
{
	size_t clen = strlen(corpus), start = fuzz_below(clen), len = 0;
	const char *line;

	while (start && corpus[start - 1] != '\n')
		start--;
	line = corpus + start;
	while (line[len] && line[len] != '\n' && len + 2 < cap)
		len++;
	if (len && fuzz_below(3) == 0)
		len = fuzz_below(len);
	memcpy(out, line, len);
	for (unsigned int k = fuzz_below(4); k && len; k--)
		out[fuzz_below(len)] = fuzz_below(256);
	out[len++] = '\n';
	return len;
}

static void fuzz_check(const char *text, size_t len, const struct scn_backend *be)
{
	struct scn_script *s = scn_parse("t.scn", text, len, be, 0);

	/* A line reports one error, however many times a loop parses it. */
	assert_true(s->nerrors <= s->nlines);
	assert_true(s->ncmds <= s->nlines + SCN_MAX_LOOP_COMMANDS);
	for (unsigned int i = 0; i < s->nerrors; i++)
		assert_int_equal(strncmp(s->errors[i], "t.scn:", 6), 0);
	scn_script_free(s);
}

static void test_fuzz(void **state)
{
	enum { ITERATIONS = 4000, LINES = 24, CAP = 8192 };
	const char *const corpora[] = { full_language, sim_language };
	char *text = malloc(CAP);

	for (unsigned int it = 0; it < ITERATIONS; it++) {
		size_t len = 0;

		for (unsigned int l = fuzz_below(LINES); l && len + 512 < CAP; l--) {
			if (fuzz_below(2))
				len += fuzz_words_line(text + len, CAP - len);
			else
				len += fuzz_corpus_line(text + len, CAP - len, corpora[fuzz_below(2)]);
		}
		if (len && fuzz_below(4) == 0)
			len = fuzz_below(len);	/* cut the file anywhere */
		fuzz_check(text, len, NULL);
		fuzz_check(text, len, &scn_backend_sim);
	}
	/* Every prefix of the whole language. */
	for (size_t n = 0; n <= strlen(full_language); n += 7)
		fuzz_check(full_language, n, &scn_backend_sim);
	free(text);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_sim_refusals_each_line),
		cmocka_unit_test(test_full_language),
		cmocka_unit_test(test_process_fields),
		cmocka_unit_test(test_other_fields),
		cmocka_unit_test(test_expect_fields),
		cmocka_unit_test(test_sim_language),
		cmocka_unit_test(test_migration_compaction_fields),
		cmocka_unit_test(test_machine_defaults),
		cmocka_unit_test(test_host_memory),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_lexical),
		cmocka_unit_test(test_sizes_and_numbers),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_loop_errors),
		cmocka_unit_test(test_fuzz),
	};
	size_t nerr = ARRAY_SIZE(error_cases), n = nerr + ARRAY_SIZE(fixed), i;
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int failed;

	for (i = 0; i < nerr; i++)
		tests[i] = (struct CMUnitTest){ .name = error_cases[i].name,
						.test_func = test_error,
						.initial_state = (void *)&error_cases[i] };
	memcpy(tests + nerr, fixed, sizeof(fixed));
	failed = _cmocka_run_group_tests("test_parser", tests, n, NULL, NULL);
	free(tests);
	return failed;
}
