/* SPDX-License-Identifier: MIT */
/*
 * test_runner.c - the runner and its outputs, driven through the backend
 * table: a kcheck that finds corrupted memory (a test backend wraps the
 * sim one and flips a byte behind its back), every expect operator both
 * ways, the reports a run keeps (with the final "end"), and JSON escaping.
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
#include "scenario/scenario_internal.h"

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
	struct scn_script *s = scn_parse("r.scn", text, strlen(text), be);
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
		cmocka_unit_test(test_expect_operators),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_json_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
