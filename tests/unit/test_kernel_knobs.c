/* SPDX-License-Identifier: MIT */
/*
 * test_kernel_knobs.c - the kernel backend's knob journal
 * (backend_kernel_knobs.c) on files of a temporary folder standing in for
 * knobs, so that it runs anywhere and under the sanitizers: a knob is saved
 * once, before its first write, bracketed choices are saved as the chosen
 * word, giving back restores every file and removes the journal; a run
 * that dies without giving back (a child process that _exit()s) leaves a
 * journal, which the next run and pagelab_kernel_restore() replay; what
 * cannot be given back stays in the journal; two runs never hold the
 * knobs at once, whatever $PAGELAB_KNOB_JOURNAL says, and a run refused the
 * lock touches nothing; the signal guard gives back before SIGINT, SIGTERM
 * or SIGHUP ends the process, and a write to a pipe nobody reads does not
 * kill a run. The stand-ins live under a knob root ($PAGELAB_KNOB_ROOT),
 * which holds the journal and its lock too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "pagelab/scenario.h"
#include "scenario/kernel_internal.h"

struct fixture {
	char dir[64];
	char journal[128], a[128], b[128];
	char instance[128];	/* a folder a run made (as a tracefs instance) */
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_file(const char *path, const char *text)
{
	char buf[256];
	int n = kstat_read(path, buf, sizeof(buf));

	assert_true(n >= 0);
	assert_string_equal(buf, text);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_kernel_knobs.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->journal, sizeof(f->journal), "%s/run/pagelab/kernel-journal", f->dir);
	snprintf(f->a, sizeof(f->a), "%s/pages_to_scan", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/enabled", f->dir);
	snprintf(f->instance, sizeof(f->instance), "%s/instance", f->dir);
	put(f->a, "100\n");
	put(f->b, "always [madvise] never\n");
	setenv("PAGELAB_KNOB_ROOT", f->dir, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("PAGELAB_KNOB_ROOT");
	unsetenv("PAGELAB_KNOB_JOURNAL");
	free(f);
	return 0;
}

static struct kknobs *open_knobs(void)
{
	struct kknobs *k = NULL;
	char msg[256] = "";

	if (kknobs_open(&k, msg, sizeof(msg)))
		fail_msg("kknobs_open: %s", msg);
	return k;
}

static void test_save_once_and_give_back(void **state)
{
	struct fixture *f = *state;
	struct kknobs *k = open_knobs();
	char expect[512];

	assert_string_equal(kknobs_journal_path(), f->journal);
	assert_int_equal(kknob_write(k, f->a, "5000"), 0);
	assert_int_equal(kknob_write(k, f->a, "6000"), 0);	/* saved once: 100 */
	assert_int_equal(kknob_write(k, f->b, "always"), 0);
	assert_file(f->a, "6000");
	assert_file(f->b, "always");
	snprintf(expect, sizeof(expect), "knob\t%s\t100\nknob\t%s\tmadvise\n", f->a, f->b);
	assert_file(f->journal, expect);
	assert_int_equal(kknobs_restore(k), 0);
	assert_file(f->a, "100");
	assert_file(f->b, "madvise");
	assert_int_equal(access(f->journal, F_OK), -1);
	assert_int_equal(kknob_write(k, f->a, "7"), -ECANCELED);	/* the run is ending */
	assert_file(f->a, "100");
	kknobs_close(k);
}

/* A run that dies with knobs changed: a child that writes and _exit()s. */
static void killed_run(const struct fixture *f)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		struct kknobs *k = open_knobs();

		if (kknob_write(k, f->a, "9") || kknobs_note(k, KJ_DIR, f->instance) ||
		    mkdir(f->instance, 0755))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
	assert_file(f->a, "9");
	assert_int_equal(access(f->journal, F_OK), 0);
}

static void test_next_run_gives_back(void **state)
{
	struct fixture *f = *state;
	struct kknobs *k;

	killed_run(f);
	k = open_knobs();		/* gives back first */
	assert_file(f->a, "100");
	assert_int_equal(access(f->instance, F_OK), -1);
	assert_int_equal(access(f->journal, F_OK), -1);
	kknobs_close(k);
}

static void test_pagelab_restore(void **state)
{
	struct fixture *f = *state;

	killed_run(f);
	assert_int_equal(pagelab_kernel_restore(), PAGELAB_RUN_PASS);
	assert_file(f->a, "100");
	assert_int_equal(access(f->instance, F_OK), -1);
	assert_int_equal(access(f->journal, F_OK), -1);
	assert_int_equal(pagelab_kernel_restore(), PAGELAB_RUN_PASS);	/* nothing left */
}

/* What cannot be given back stays in the journal; the rest is given back. */
static void test_failure_stays(void **state)
{
	struct fixture *f = *state;
	char text[512];

	snprintf(text, sizeof(text), "mkdir -p %s/run/pagelab", f->dir);
	assert_int_equal(system(text), 0);
	snprintf(text, sizeof(text), "knob\t%s/missing\t1\nknob\t%s\t100\nnonsense\n",
		 f->dir, f->a);
	put(f->journal, text);
	put(f->a, "3");
	assert_int_equal(pagelab_kernel_restore(), PAGELAB_RUN_ERROR);
	assert_file(f->a, "100");
	snprintf(text, sizeof(text), "knob\t%s/missing\t1\nnonsense\t\t\n", f->dir);
	assert_file(f->journal, text);
}

/*
 * A second run, and pagelab restore, keep off a live run's knobs: they are
 * refused, and leave its knob and its journal as they were.
 */
static void test_one_run_at_a_time(void **state)
{
	struct fixture *f = *state;
	struct kknobs *k = open_knobs(), *other = NULL;
	char msg[256] = "", want[64], journal[512];

	assert_int_equal(kknob_write(k, f->a, "5"), 0);
	snprintf(journal, sizeof(journal), "knob\t%s\t100\n", f->a);
	assert_int_equal(kknobs_open(&other, msg, sizeof(msg)), -EBUSY);
	snprintf(want, sizeof(want), "another kernel-backend run (pid %d)", (int)getpid());
	assert_non_null(strstr(msg, want));
	assert_int_equal(pagelab_kernel_restore(), PAGELAB_RUN_ERROR);
	assert_file(f->a, "5");
	assert_file(f->journal, journal);
	kknobs_close(k);
	assert_file(f->a, "100");
	other = open_knobs();
	kknobs_close(other);
}

/*
 * The lock is the host's, not the journal's: a run that names another
 * journal ($PAGELAB_KNOB_JOURNAL, which older versions honoured) is still
 * refused while a run holds the knobs, and still uses the one journal, so
 * that it can neither take the other's old values for its own nor miss
 * what a dead run left.
 */
static void test_one_journal_per_host(void **state)
{
	struct fixture *f = *state;
	struct kknobs *k = open_knobs(), *other = NULL;
	char msg[256] = "", elsewhere[256];

	assert_int_equal(kknob_write(k, f->a, "20"), 0);
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", f->dir);
	setenv("PAGELAB_KNOB_JOURNAL", elsewhere, 1);
	assert_string_equal(kknobs_journal_path(), f->journal);
	assert_int_equal(kknobs_open(&other, msg, sizeof(msg)), -EBUSY);
	assert_null(other);
	assert_file(f->a, "20");
	kknobs_close(k);
	assert_file(f->a, "100");
	assert_int_equal(access(elsewhere, F_OK), -1);
}

static void give_back(void *arg)
{
	kknobs_restore(arg);
}

/*
 * A run with a knob changed and the guard on gets @sig (after writing to a
 * pipe nobody reads if @broken_pipe): the guard gives back, then the
 * signal ends the process; no journal is left.
 */
static void guarded_run(const struct fixture *f, int sig, bool broken_pipe)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		struct kknobs *k = open_knobs();
		struct kguard *g;
		int p[2];

		if (kknob_write(k, f->a, "42") || kguard_start(&g, give_back, k) || pipe(p))
			_exit(1);
		close(p[0]);
		if (broken_pipe && (write(p[1], "x", 1) != -1 || errno != EPIPE))
			_exit(2);
		kill(getpid(), sig);
		for (;;)
			pause();
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), sig);
	assert_file(f->a, "100");
	assert_int_equal(access(f->journal, F_OK), -1);
}

/* SIGINT, SIGTERM, SIGHUP: the guard gives back, then the signal ends the process. */
static void test_guard(void **state)
{
	guarded_run(*state, SIGINT, false);
	guarded_run(*state, SIGTERM, false);
	guarded_run(*state, SIGHUP, false);
}

/*
 * SIGPIPE does not end a guarded run (the harness that read its output
 * died): the write fails, and the run goes on to give back.
 */
static void test_guard_broken_pipe(void **state)
{
	guarded_run(*state, SIGTERM, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_save_once_and_give_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_run_gives_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagelab_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_run_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_journal_per_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_broken_pipe, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
