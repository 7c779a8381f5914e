/* SPDX-License-Identifier: MIT */
/*
 * test_runner.c - the runner and its outputs, driven through the backend
 * table: a kcheck and a process check that find corrupted memory (a test
 * backend wraps the sim one and flips a byte behind its back), a touch
 * that runs out of memory, process counters in the reports, exit giving
 * every frame back, background process commands kept in their written
 * order, every expect operator both ways, the reports a run keeps (with
 * the final "end"), migrate's statuses and where the report shows them, a
 * movable set whose corruption kcheck finds after compaction moved it, the
 * compaction values in the reports, the balloon's numbers in the reports
 * and its failed wait, the CPUs background commands are bound to, and
 * JSON escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "machine/machine.h"
#include "scenario/parser_internal.h"
#include "scenario/runner_internal.h"

/* Flip one byte of the first allocated frame after a kalloc of set "victim". */
static int corrupting_exec(struct scn_run *run, const struct scn_cmd *cmd)
{
	int err = scn_backend_sim.exec(run, cmd);
	unsigned long pfn;

	if (err || cmd->verb != SCN_KALLOC ||
	    strcmp(run->script->sets[cmd->kalloc.set].name, "victim"))
		return err;
	for (pfn = 0; pfn < machine.max_pfn; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (page_ref_count(page) > 0) {
			((unsigned char *)page_address(page))[100] ^= 1;
			break;
		}
	}
	return 0;
}

static struct scn_backend corrupting;

/* Run @text on @be; stderr goes to @err (a buffer of @len bytes). */
static int run_text(const char *text, const struct scn_backend *be, struct scn_results *res,
		    char *err, size_t len)
{
	struct pagelab_run_options opts = { .seed = 1 };
	struct scn_script *s = scn_parse("r.scn", text, strlen(text), be, 0);
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), status;
	size_t n;

	assert_int_equal(s->nerrors, 0);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	status = scn_run(s, be, &opts, res);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, len - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	scn_script_free(s);
	return status;
}

static void test_kcheck_failure(void **state)
{
	static const char text[] = "machine memory=16M\n"
				   "kalloc victim count=4 order=1\n"
				   "kalloc bystander count=4\n"
				   "kcheck victim\n"
				   "kcheck bystander\n"
				   "expect kalloc.victim.intact == 0\n"
				   "expect kalloc.bystander.intact == 1\n";
	struct scn_results res;
	char err[1024];

	corrupting = scn_backend_sim;
	corrupting.exec = corrupting_exec;
	assert_int_equal(run_text(text, &corrupting, &res, err, sizeof(err)), PAGELAB_RUN_FAIL);
	assert_string_equal(err, "r.scn:4: kcheck failed: victim: 1 blocks differ\n");
	assert_int_equal(res.failures, 1);
	assert_int_equal(res.nchecks, 2);
	assert_string_equal(res.checks[0].region, "kalloc.victim");
	assert_false(res.checks[0].intact);
	assert_true(res.checks[1].intact);
	assert_true(res.expects[0].ok && res.expects[1].ok);
	assert_null(res.invariant_error);
	scn_results_free(&res);
}

/* Flip one byte of the first anonymous page after a touch of region "victim". */
static int corrupting_proc_exec(struct scn_run *run, const struct scn_cmd *cmd)
{
	int err = scn_backend_sim.exec(run, cmd);
	unsigned long pfn;

	if (err || cmd->verb != SCN_TOUCH || strcmp(cmd->mm.region, "victim"))
		return err;
	for (pfn = 0; pfn < machine.max_pfn; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (page_ref_count(page) > 0 && PageAnon(page)) {
			((unsigned char *)page_address(page))[4000] ^= 0x80;
			break;
		}
	}
	return 0;
}

static void test_check_failure(void **state)
{
	static const char text[] = "machine memory=16M\n"
				   "process p\n"
				   "p mmap victim 8p\n"
				   "p mmap bystander 8p shared\n"
				   "p touch bystander\n"
				   "p touch victim pattern=dup:2\n"
				   "p check victim\n"
				   "p check bystander\n"
				   "expect p.victim.intact == 0\n"
				   "expect p.bystander.intact == 1\n";
	struct scn_results res;
	char err[1024];

	corrupting = scn_backend_sim;
	corrupting.exec = corrupting_proc_exec;
	assert_int_equal(run_text(text, &corrupting, &res, err, sizeof(err)), PAGELAB_RUN_FAIL);
	assert_string_equal(err, "r.scn:7: check failed: p.victim: 1 pages differ\n");
	assert_int_equal(res.failures, 1);
	assert_int_equal(res.nchecks, 2);
	assert_string_equal(res.checks[0].region, "p.victim");
	assert_false(res.checks[0].intact);
	assert_string_equal(res.checks[1].region, "p.bystander");
	assert_true(res.checks[1].intact);
	assert_true(res.expects[0].ok && res.expects[1].ok);
	assert_null(res.invariant_error);
	scn_results_free(&res);
}

/* A touch that runs out of memory fails, the run goes on, and the pages it
 * could not write are not held against a later check. */
static void test_touch_out_of_memory(void **state)
{
	static const char text[] = "machine memory=16M\n"
				   "process p\n"
				   "p mmap big 64M\n"
				   "p touch big pattern=same\n"
				   "p check big\n"
				   "expect p.big.intact == 1\n"
				   "p madvise big dontneed pages=0..99\n"
				   "p touch big pages=0..99 repeat=2\n"
				   "p check big\n";
	static const char want[] = "r.scn:4: touch failed: p.big: out of memory at page ";
	struct scn_results res;
	char err[1024];

	assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
			 PAGELAB_RUN_FAIL);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	assert_non_null(strchr(err, '\n'));
	assert_string_equal(strchr(err, '\n'), "\n");	/* one failure only */
	assert_int_equal(res.failures, 1);
	assert_int_equal(res.nchecks, 2);
	assert_true(res.checks[0].intact && res.checks[1].intact);
	assert_true(res.expects[0].ok);
	assert_null(res.invariant_error);
	scn_results_free(&res);
}

/* Drain the per-cpu lists after an exit, so that nr_free_pages is exact. */
static int draining_exec(struct scn_run *run, const struct scn_cmd *cmd)
{
	int err = scn_backend_sim.exec(run, cmd);

	if (cmd->verb == SCN_EXIT)
		drain_all_pages(NULL);
	return err;
}

static long counter(const struct scn_snapshot *snap, const char *name)
{
	for (unsigned int i = 0; i < snap->nvmstat; i++)
		if (!strcmp(snap->vmstat[i].name, name))
			return snap->vmstat[i].value;
	fail_msg("no counter %s", name);
	return -1;
}

static void test_process_counters(void **state)
{
	static const char text[] = "machine memory=16M\nreport boot\nprocess p\n"
				   "p mmap heap 16p\np mmap shm 4p shared\np touch heap\n"
				   "p read shm\nreport touched\np exit\nreport exited\n";
	struct scn_backend draining = scn_backend_sim;
	struct scn_results res;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	draining.exec = draining_exec;
	assert_int_equal(run_text(text, &draining, &res, err, sizeof(err)), PAGELAB_RUN_PASS);
	assert_int_equal(counter(res.reports[1], "nr_anon_pages"), 16);
	assert_int_equal(counter(res.reports[1], "nr_shmem"), 4);
	assert_int_equal(counter(res.reports[1], "nr_inactive_anon"), 20);
	assert_int_equal(counter(res.reports[1], "pgfault"), 20);
	assert_true(counter(res.reports[1], "nr_page_table_pages") > 0);
	assert_int_equal(counter(res.reports[2], "nr_page_table_pages"), 0);
	assert_int_equal(counter(res.reports[2], "nr_free_pages"),
			 counter(res.reports[0], "nr_free_pages"));	/* every frame back */
	f = open_memstream(&buf, &len);
	scn_report_text(&res, f);
	fclose(f);
	assert_non_null(strstr(buf, "nr_anon_pages 16 (+16)"));
	assert_non_null(strstr(buf, "pgfault 20 (+20)"));
	free(buf);
	res.scenario = "r.scn";		/* pagelab_scenario_run() names it */
	f = open_memstream(&buf, &len);
	assert_int_equal(scn_report_json(&res, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"nr_anon_pages\": 16,"));
	assert_non_null(strstr(buf, "\"nr_page_table_pages\": "));
	free(buf);
	scn_results_free(&res);
}

/* Background commands on one process keep their written order where they
 * conflict: each run must pass, however the threads are scheduled. */
static void test_process_order(void **state)
{
	static const char text[] = "machine memory=32M cpus=4\n"
				   "& process p\n& p mmap r 256p\n& p touch r\np check r\n"
				   "& p fork c\n& c touch r pages=0..99\n& p touch r pages=50..149\n"
				   "& c munmap r\n& c mmap r 8p shared\n& c touch r\nc check r\n"
				   "& p check r\n& c exit\n& p exit\nwait\n";
	struct scn_results res;
	char err[256];

	for (int i = 0; i < 20; i++) {
		assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
				 PAGELAB_RUN_PASS);
		assert_string_equal(err, "");
		assert_int_equal(res.nchecks, 3);
		scn_results_free(&res);
	}
}

static void test_expect_operators(void **state)
{
	static const char text[] = "machine memory=16M cpus=3\n"
				   "expect machine.cpus == 3\nexpect machine.cpus == 4\n"
				   "expect machine.cpus != 4\nexpect machine.cpus != 3\n"
				   "expect machine.cpus < 4\nexpect machine.cpus < 3\n"
				   "expect machine.cpus <= 3\nexpect machine.cpus <= 2\n"
				   "expect machine.cpus > 2\nexpect machine.cpus > 3\n"
				   "expect machine.cpus >= 3\nexpect machine.cpus >= 4\n";
	struct scn_results res;
	char err[2048];

	assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
			 PAGELAB_RUN_FAIL);
	assert_int_equal(res.nexpects, 12);
	assert_int_equal(res.failures, 6);
	for (unsigned int i = 0; i < res.nexpects; i++) {
		assert_int_equal(res.expects[i].ok, i % 2 == 0);
		assert_int_equal(res.expects[i].actual, 3);
		assert_int_equal(res.expects[i].line, i + 2);
	}
	assert_non_null(strstr(err, "r.scn:3: expect failed: machine.cpus == 4 (actual 3)\n"));
	assert_non_null(strstr(err, "r.scn:13: expect failed: machine.cpus >= 4 (actual 3)\n"));
	scn_results_free(&res);
}

static void test_reports(void **state)
{
	static const char text[] = "machine memory=16M\nreport first\nkalloc a count=8\n"
				   "& kfree a\nwait\nreport\n";
	struct scn_results res;
	char err[256];

	assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
			 PAGELAB_RUN_PASS);
	assert_string_equal(err, "");
	assert_int_equal(res.nreports, 3);
	assert_string_equal(res.reports[0]->label, "first");
	assert_string_equal(res.reports[1]->label, "line 6");
	assert_string_equal(res.reports[2]->label, "end");
	assert_int_equal(res.reports[2]->line, 0);
	assert_int_equal(res.reports[0]->nbuddy, 1);
	assert_string_equal(res.reports[0]->buddy[0].zone, "Normal");
	assert_int_equal(res.reports[0]->buddy[0].nr_free[10], 4);
	assert_true(res.reports[0]->nvmstat > 0);
	assert_true(res.nsamples >= 5);		/* boot, and one per command */
	assert_int_equal(res.nmachine, 7);
	scn_results_free(&res);
}

/* The text summary or the JSON report of @res, in a string to free. */
static char *report_of(struct scn_results *res, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	res->scenario = "r.scn";	/* pagelab_scenario_run() names it */
	if (json)
		assert_int_equal(scn_report_json(res, f), 0);
	else
		scn_report_text(res, f);
	fclose(f);
	return buf;
}

static void test_migrate_statuses(void **state)
{
	static const char text[] = "machine memory=16M\nprocess p\np mmap r 16p\n"
				   "p touch r pages=0..7\np read r pages=8..11\n"
				   "p migrate r\np migrate r pages=0..1\np check r\n"
				   "expect p.r.migrated == 10\nexpect p.r.migrate_failed == 8\n"
				   "expect vmstat.pgmigrate_success == 10\n";
	struct scn_results res;
	char err[256], *buf;

	assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
			 PAGELAB_RUN_PASS);
	assert_int_equal(res.nmigrations, 2);
	assert_int_equal(res.migrations[0].line, 6);
	assert_string_equal(res.migrations[0].region, "p.r");
	assert_int_equal(res.migrations[0].pages[SCN_MIGRATE_MOVED], 8);
	assert_int_equal(res.migrations[0].pages[SCN_MIGRATE_EFAULT], 4);	/* zero page */
	assert_int_equal(res.migrations[0].pages[SCN_MIGRATE_ENOENT], 4);	/* never touched */
	assert_int_equal(res.migrations[0].pages[SCN_MIGRATE_EBUSY], 0);
	assert_int_equal(res.migrations[1].pages[SCN_MIGRATE_MOVED], 2);
	for (unsigned int i = 0; i < res.nexpects; i++)
		assert_true(res.expects[i].ok);
	res.nexpects = 0;	/* their text was the script's, which run_text() freed */
	buf = report_of(&res, false);
	assert_non_null(strstr(buf, "migrate line 6: p.r: 8 migrated, 8 failed (EFAULT 4, "
			       "ENOENT 4, EBUSY 0, ENOMEM 0)\n"));
	free(buf);
	buf = report_of(&res, true);
	assert_non_null(strstr(buf, "\"migrations\": [\n    {\"line\": 6, \"region\": \"p.r\", "
			       "\"migrated\": 8, \"failed\": 8, \"EFAULT\": 4, \"ENOENT\": 4, "
			       "\"EBUSY\": 0, \"ENOMEM\": 0},"));
	free(buf);
	scn_results_free(&res);
}

/* Flip one byte of the first driver page after a kalloc of set "victim". */
static int corrupting_movable_exec(struct scn_run *run, const struct scn_cmd *cmd)
{
	int err = scn_backend_sim.exec(run, cmd);
	unsigned long pfn;

	if (err || cmd->verb != SCN_KALLOC ||
	    strcmp(run->script->sets[cmd->kalloc.set].name, "victim"))
		return err;
	for (pfn = 0; pfn < machine.max_pfn; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (PageZsmalloc(page)) {
			((unsigned char *)page_address(page))[7] ^= 4;
			break;
		}
	}
	return 0;
}

/* kcheck reads a movable set through the driver, wherever compaction put it. */
static void test_movable_kcheck(void **state)
{
	static const char text[] = "machine memory=32M\n"
				   "kalloc victim count=64 type=movable\n"
				   "kalloc bystander count=64 type=movable\n"
				   "kfree bystander every=2\ncompact\n"
				   "kcheck victim\nkcheck bystander\n"
				   "kfree victim random=50\nkcheck victim\n";
	struct scn_results res;
	char err[1024];

	corrupting = scn_backend_sim;
	corrupting.exec = corrupting_movable_exec;
	assert_int_equal(run_text(text, &corrupting, &res, err, sizeof(err)), PAGELAB_RUN_FAIL);
	assert_string_equal(strtok(err, "\n"), "r.scn:6: kcheck failed: victim: 1 blocks differ");
	assert_int_equal(res.nchecks, 3);
	assert_false(res.checks[0].intact);
	assert_true(res.checks[1].intact);
	assert_null(res.invariant_error);	/* every driver page went back */
	scn_results_free(&res);
}

static void test_compaction_report(void **state)
{
	static const char text[] = "machine memory=16M max_order=10\nreport boot\n";
	struct scn_results res;
	const struct scn_snapshot *snap;
	char err[256], *buf;

	assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
			 PAGELAB_RUN_PASS);
	snap = res.reports[0];
	assert_int_equal(snap->nfrag, 1);
	assert_string_equal(snap->frag[0].zone, "Normal");
	assert_int_equal(snap->frag[0].nr_orders, 11);
	assert_int_equal(snap->frag[0].extfrag[10], -1000);	/* 8 free order-10 blocks */
	assert_int_equal(snap->frag[0].unusable[0], 0);
	assert_int_equal(snap->ncompaction, 2);
	assert_string_equal(snap->compaction[1].name, "max_free_blocks");
	assert_true(snap->compaction[1].value >= 7);
	buf = report_of(&res, false);
	assert_non_null(strstr(buf, "  extfrag_index   Node 0, zone   Normal -1.000 -1.000 "));
	assert_non_null(strstr(buf, "  unusable_index  Node 0, zone   Normal 0.000 0.000 "));
	assert_non_null(strstr(buf, "  compaction: fragmentation_score 0, max_free_blocks "));
	free(buf);
	buf = report_of(&res, true);
	assert_non_null(strstr(buf, "\"extfrag\": {\"Normal\": [-1000, -1000, "));
	assert_non_null(strstr(buf, "\"unusable\": {\"Normal\": [0, 0, "));
	assert_non_null(strstr(buf, "\"compaction\": {\"fragmentation_score\": 0, "
			       "\"max_free_blocks\": "));
	assert_non_null(strstr(buf, "\"migrations\": []\n}"));
	free(buf);
	scn_results_free(&res);
}

/* The balloon's numbers in every report, the text summary and the JSON. */
static void test_balloon_report(void **state)
{
	static const char text[] = "machine memory=64M\nballoon target=16M\nballoon wait\n"
				   "report inflated\nballoon target=0\nballoon wait\n";
	struct scn_results res;
	const struct scn_snapshot *snap;
	char err[256], *buf;

	assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
			 PAGELAB_RUN_PASS);
	assert_string_equal(err, "");
	snap = res.reports[0];
	assert_int_equal(snap->nballoon, 3);
	assert_string_equal(snap->balloon[0].name, "target_pages");
	assert_int_equal(snap->balloon[0].value, 4096);
	assert_string_equal(snap->balloon[1].name, "actual_pages");
	assert_int_equal(snap->balloon[1].value, 4096);
	assert_string_equal(snap->balloon[2].name, "host_released_bytes");
	assert_int_equal(snap->balloon[2].value, 16 << 20);	/* never touched: all holes */
	assert_int_equal(res.reports[1]->balloon[1].value, 0);	/* "end" */
	buf = report_of(&res, false);
	assert_non_null(strstr(buf, "  balloon: target_pages 4096, actual_pages 4096, "
			       "host_released_bytes 16777216\n"));
	free(buf);
	buf = report_of(&res, true);
	assert_non_null(strstr(buf, "\"balloon\": {\n        \"target_pages\": 4096,\n"
			       "        \"actual_pages\": 4096,\n"
			       "        \"host_released_bytes\": 16777216\n      }"));
	free(buf);
	scn_results_free(&res);
}

/* A balloon that cannot reach its target fails its wait; the run goes on. */
static void test_balloon_wait_failure(void **state)
{
	static const char text[] = "machine memory=16M\nballoon target=16M\n"
				   "balloon wait timeout=300ms\nexpect balloon.target_pages == 4096\n"
				   "balloon target=0\nballoon wait\n";
	struct scn_results res;
	char err[512];

	assert_int_equal(run_text(text, &scn_backend_sim, &res, err, sizeof(err)),
			 PAGELAB_RUN_FAIL);
	assert_non_null(strstr(err, "r.scn:3: balloon wait failed: "));
	assert_non_null(strstr(err, " of 4096 pages after 300 ms\n"));
	assert_int_equal(res.failures, 1);
	assert_int_equal(res.nexpects, 1);
	assert_true(res.expects[0].ok);
	assert_int_equal(res.reports[0]->balloon[1].value, 0);
	scn_results_free(&res);
}

/* The CPUs ->bind_cpu was given, as a mask (bit 63: one not below run->cpus). */
static unsigned long cpus_bound;

static void recording_bind_cpu(struct scn_run *run, unsigned int cpu)
{
	unsigned long bit = cpu < run->cpus && cpu < 63 ? 1UL << cpu : 1UL << 63;

	__atomic_fetch_or(&cpus_bound, bit, __ATOMIC_RELAXED);
	scn_backend_sim.bind_cpu(run, cpu);
}

/* The sim backend, but background commands spread over two CPUs only. */
static int two_cpus_init(struct scn_run *run, char *msg, size_t len)
{
	int err = scn_backend_sim.init(run, msg, len);

	run->cpus = 2;
	return err;
}

/* Background commands go round-robin from CPU 1 over scn_run.cpus, which
 * ->init may change; the runner binds them through ->bind_cpu. */
static void test_background_cpus(void **state)
{
	static const char text[] = "machine memory=16M cpus=4\n"
				   "& kalloc a count=1\n& kalloc b count=1\n& kalloc c count=1\n"
				   "wait\nkcheck a\nkcheck b\nkcheck c\n";
	struct scn_backend recording = scn_backend_sim;
	struct scn_results res;
	char err[256];

	recording.bind_cpu = recording_bind_cpu;
	cpus_bound = 0;
	assert_int_equal(run_text(text, &recording, &res, err, sizeof(err)), PAGELAB_RUN_PASS);
	assert_int_equal(cpus_bound, 0xe);	/* CPUs 1, 2 and 3 */
	scn_results_free(&res);
	recording.init = two_cpus_init;
	cpus_bound = 0;
	assert_int_equal(run_text(text, &recording, &res, err, sizeof(err)), PAGELAB_RUN_PASS);
	assert_int_equal(cpus_bound, 0x3);	/* CPUs 1, 0 and 1 */
	scn_results_free(&res);
}

static void test_json_string(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	scn_json_string(f, "a\"b\\c\nd\te\001f");
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\te\\u0001f\"");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kcheck_failure),
		cmocka_unit_test(test_check_failure),
		cmocka_unit_test(test_touch_out_of_memory),
		cmocka_unit_test(test_process_counters),
		cmocka_unit_test(test_process_order),
		cmocka_unit_test(test_expect_operators),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_migrate_statuses),
		cmocka_unit_test(test_movable_kcheck),
		cmocka_unit_test(test_compaction_report),
		cmocka_unit_test(test_balloon_report),
		cmocka_unit_test(test_balloon_wait_failure),
		cmocka_unit_test(test_background_cpus),
		cmocka_unit_test(test_json_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
