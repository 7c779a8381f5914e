/* SPDX-License-Identifier: MIT */
/*
 * test_scenario_input.c - scenario input that is not what it seems: a CR
 * inside a line, bytes that are not UTF-8 (refused) and labels that are
 * (kept, and written to the JSON report as they are), sizes that overflow
 * 64 bits (out of range, not "bad"), and a directory given as the scenario
 * file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include "pagelab/scenario.h"
#include "scenario/parser_internal.h"
#include "scenario/runner_internal.h"

static struct scn_script *parse(const char *text)
{
	return scn_parse("t.scn", text, strlen(text), &scn_backend_sim, 0);
}

/* @text has exactly one error, @error. */
static void assert_error(const char *text, const char *error)
{
	struct scn_script *s = parse(text);

	for (unsigned int i = 0; i < s->nerrors; i++)
		print_message("  %s\n", s->errors[i]);
	assert_int_equal(s->nerrors, 1);
	assert_string_equal(s->errors[0], error);
	scn_script_free(s);
}

static void assert_no_error(const char *text)
{
	struct scn_script *s = parse(text);

	for (unsigned int i = 0; i < s->nerrors; i++)
		print_message("  %s\n", s->errors[i]);
	assert_int_equal(s->nerrors, 0);
	scn_script_free(s);
}

static void test_carriage_return(void **state)
{
	assert_error("report\nreport a\rb\n", "t.scn:2: invalid character 0x0d");
	assert_error("report\r\rcompact\n", "t.scn:1: invalid character 0x0d");
	assert_error("compact\rreport\n", "t.scn:1: invalid character 0x0d");
	/* CR LF ends a line, also the last one without its LF. */
	assert_no_error("report a\r\ncompact\r\nreport b\r");
	assert_no_error("report a # a comment\r with a CR\r\n");
}

static void test_not_utf8(void **state)
{
	const char *label;
	struct scn_script *s;

	assert_error("report caf\xe9\n", "t.scn:1: invalid UTF-8 byte 0xe9 (a scenario is UTF-8 text)");
	assert_error("report \xff\n", "t.scn:1: invalid UTF-8 byte 0xff (a scenario is UTF-8 text)");
	assert_error("report \xc0\xaf\n",	/* an overlong '/' */
		     "t.scn:1: invalid UTF-8 byte 0xc0 (a scenario is UTF-8 text)");
	assert_error("report \xed\xa0\x80\n",	/* a surrogate */
		     "t.scn:1: invalid UTF-8 byte 0xed (a scenario is UTF-8 text)");
	assert_error("report \xe2\x82\n",	/* torn by the end of the line */
		     "t.scn:1: invalid UTF-8 byte 0xe2 (a scenario is UTF-8 text)");
	assert_no_error("# caf\xe9 in a comment is nobody's business\nreport\n");
	s = parse("report caf\xc3\xa9_\xe2\x82\xac_\xf0\x9f\x90\x98\n");
	assert_int_equal(s->nerrors, 0);
	label = s->cmds[0].report.label;
	assert_string_equal(label, "caf\xc3\xa9_\xe2\x82\xac_\xf0\x9f\x90\x98");
	scn_script_free(s);
}

static void test_size_overflow(void **state)
{
	assert_error("machine memory=99999999999999999999\n",
		     "t.scn:1: size '99999999999999999999' for 'memory' is out of range (at most "
		     "18446744073709551615 bytes)");
	assert_error("machine memory=17179869184G\n",
		     "t.scn:1: size '17179869184G' for 'memory' is out of range (at most "
		     "18446744073709551615 bytes)");
	assert_error("process P\nP mmap R 99999999999999999999K\n",
		     "t.scn:2: size '99999999999999999999K' is out of range (at most "
		     "18446744073709551615 bytes)");
	assert_error("balloon target=18446744073709551616\n",
		     "t.scn:1: size '18446744073709551616' for 'target' is out of range (at most "
		     "18446744073709551615 bytes)");
	assert_error("balloon target=1X\n", "t.scn:1: bad size '1X' for 'target' (expected an "
		     "integer with an optional K, M, G or p)");
}

static const char *json_of(const char *s)
{
	static char *buf;
	size_t len = 0;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	scn_json_string(f, s);
	fclose(f);
	return buf;
}

/* UTF-8 goes through as it is; a byte that is not UTF-8 becomes U+FFFD. */
static void test_json_utf8(void **state)
{
	assert_string_equal(json_of("caf\xc3\xa9 \xf0\x9f\x90\x98"), "\"caf\xc3\xa9 \xf0\x9f\x90\x98\"");
	assert_string_equal(json_of("a\xff" "b"), "\"a\\ufffdb\"");
	assert_string_equal(json_of("\xe2\x82"), "\"\\ufffd\\ufffd\"");
	assert_string_equal(json_of("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(json_of("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_directory(void **state)
{
	struct pagelab_run_options opts = { .file = "/" };
	char err[512];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), status;
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	status = pagelab_scenario_run(&opts);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, sizeof(err) - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	assert_int_equal(status, PAGELAB_RUN_ERROR);
	assert_string_equal(err, "pagelab: cannot read /: Is a directory\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_carriage_return),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_size_overflow),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
