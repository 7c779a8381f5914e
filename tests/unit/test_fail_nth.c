/* SPDX-License-Identifier: MIT */
/*
 * test_fail_nth.c - every failure site of a run, one at a time, the way
 * SQLite tests its malloc failures: a scenario that uses every subsystem
 * (processes, fork and copy-on-write, shared memory, migration, KSM, compaction,
 * kalloc with movable pages, the balloon with its in-process host, THPs
 * faulted, copied after fork, collapsed by khugepaged and migrated, and
 * the hugetlb pool) runs
 * with fail-nth set to N = 1, 2, ... (core/fault_inject.h: the Nth
 * metadata allocation or balloon channel send or receive fails), until a
 * run finishes without a failure injected. Each run happens in a child
 * process and must end cleanly: an error or a failed command, never a
 * crash, a hang (a time limit per run) or a failed invariant check; under
 * ASan the child's exit runs LeakSanitizer, so a leak fails it too.
 *
 * PAGELAB_FAIL_NTH=N runs only that N, in this process (to debug a site).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/fault_inject.h"
#include "pagelab/scenario.h"
#include "scenario/runner_internal.h"

#define RUN_LIMIT_MS	60000	/* a run that takes longer has hung */
#define MAX_SITES	20000	/* the walk gives up beyond this many */
/*
 * Under TSan a run takes 0.6 s (20 ms plain): there the walk takes every
 * eighth site, for the races of error paths; every site is walked in the
 * plain and ASan builds.
 */
#ifdef __SANITIZE_THREAD__
#define SITE_STRIDE	8
#else
#define SITE_STRIDE	1
#endif

static const char scenario[] =
	"machine memory=32M cpus=2 max_order=9 pageblock_order=9\n"
	"process P\n"
	"P mmap heap 512K\n"
	"P mmap shm 64K shared\n"
	"P touch heap\n"
	"P touch shm pattern=same\n"
	"P fork C\n"
	"C touch heap pages=0..7\n"
	"C touch shm pages=0..3\n"
	"P migrate heap pages=0..31\n"
	"P mmap dup 64K\n"
	"P touch dup pattern=dup:2\n"
	"P madvise dup mergeable\n"
	"ksm pages_to_scan=100 sleep_millisecs=0\n"
	"ksm run=1\n"
	"ksm wait scans=2 timeout=10s\n"
	"P touch dup pages=0 pattern=dup:2\n"
	"P check dup\n"
	"ksm run=2\n"
	"kalloc k count=64\n"
	"kalloc m count=16 type=movable\n"
	"kfree k every=2\n"
	"thp enabled=always\n"
	"P mmap thp 4M\n"
	"P touch thp pattern=dup:3\n"
	"P fork T\n"
	"T touch thp pages=0..3\n"
	"T exit\n"
	"P mmap small 2M\n"
	"P madvise small nohugepage\n"
	"P touch small\n"
	"P madvise small hugepage\n"
	"sleep 10s\n"
	"P migrate thp\n"
	"P check thp\n"
	"P check small\n"
	"sysctl vm.nr_hugepages=2\n"
	"P mmap h 2M hugetlb\n"
	"P touch h\n"
	"P check h\n"
	"P munmap h\n"
	"sysctl vm.nr_hugepages=0\n"
	"compact\n"
	"balloon target=1M\n"
	"balloon wait\n"
	"report\n"
	"balloon target=0\n"
	"balloon wait\n"
	"P check heap\n"
	"C check heap\n"
	"C check shm\n"
	"kcheck m\n"
	"C exit\n"
	"P munmap shm\n"
	"P exit\n"
	"kfree m\n"
	"kfree k\n";

/* What one run reports to the walk. */
struct outcome {
	int status;			/* enum pagelab_run_status */
	unsigned long calls;		/* fail-nth calls counted */
	char site[64];			/* where the failure was injected, "" if nowhere */
};

static struct scn_script *script;

/* Run the scenario with fail-nth at @nth; stdout and stderr go nowhere. */
static struct outcome run_once(unsigned long nth, bool quiet)
{
	struct pagelab_run_options opts = { .seed = 1, .deterministic = true };
	struct outcome o = { 0 };
	struct scn_results res;
	const char *site;

	if (quiet) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
	}
	fail_nth_set(nth);
	o.status = scn_run(script, &scn_backend_sim, &opts, &res);
	site = fail_nth_fired();
	o.calls = fail_nth_calls();
	fail_nth_set(0);
	snprintf(o.site, sizeof(o.site), "%s", site ? site : "");
	scn_results_free(&res);
	return o;
}

/* Wait for @pid's outcome on @fd; false if it took too long. */
static bool read_outcome(int fd, pid_t pid, struct outcome *o)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	if (poll(&pfd, 1, RUN_LIMIT_MS) <= 0) {
		kill(pid, SIGKILL);
		return false;
	}
	return read(fd, o, sizeof(*o)) == sizeof(*o);
}

/*
 * Run with fail-nth at @nth in a child. Return: the outcome; fails the
 * test for a hang, a crash, a leak or a failed invariant check.
 */
static struct outcome run_child(unsigned long nth)
{
	struct outcome o = { .status = -1 };
	int fds[2], wstatus;
	bool answered;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		o = run_once(nth, true);
		if (write(fds[1], &o, sizeof(o)) != sizeof(o))
			_exit(99);
		scn_script_free(script);
		exit(0);	/* LeakSanitizer checks at exit */
	}
	close(fds[1]);
	answered = read_outcome(fds[0], pid, &o);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	if (!answered)
		fail_msg("fail-nth %lu: the run hung or died (status %#x)", nth, wstatus);
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus))
		fail_msg("fail-nth %lu (%s): the child %s %d (a leak, under ASan?)", nth, o.site,
			 WIFEXITED(wstatus) ? "exited with" : "was killed by signal",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus));
	if (o.status == PAGELAB_RUN_INVARIANT)
		fail_msg("fail-nth %lu (%s): the invariant check failed", nth, o.site);
	return o;
}

static void test_every_site(void **state)
{
	unsigned long nth, walked = 0, errors = 0, failed_runs = 0, passed = 0, metadata = 0;
	unsigned long channel = 0;
	char stride[32] = "";
	const char *only = getenv("PAGELAB_FAIL_NTH");
	struct outcome o;

	if (only) {
		o = run_once(strtoul(only, NULL, 0), false);
		print_message("fail-nth %s: status %d, site %s\n", only, o.status, o.site);
		return;
	}
	for (nth = 1; nth <= MAX_SITES; nth += SITE_STRIDE) {
		o = run_child(nth);
		if (!o.site[0])
			break;
		walked++;
		if (!strncmp(o.site, "balloon_msg_", 12) || !strcmp(o.site, "balloon_recv_nowait") ||
		    !strcmp(o.site, "recv_exact"))
			channel++;
		else
			metadata++;
		errors += o.status == PAGELAB_RUN_ERROR;
		failed_runs += o.status == PAGELAB_RUN_FAIL;
		passed += o.status == PAGELAB_RUN_PASS;
	}
	assert_true(nth <= MAX_SITES);
	/* The last run injected nothing: it must pass. */
	assert_int_equal(o.status, PAGELAB_RUN_PASS);
	if (SITE_STRIDE > 1)
		snprintf(stride, sizeof(stride), "one in %d, under TSan: ", SITE_STRIDE);
	print_message("fail-nth: walked %lu sites (%s%lu metadata allocations, %lu channel sends "
		      "or receives) of %lu counted calls: %lu runs ended in an error, %lu with "
		      "failed commands, %lu passed regardless\n", walked, stride, metadata,
		      channel, o.calls, errors, failed_runs, passed);
	/* Every counted call was a site: the run past the last one injected nothing. */
	assert_true(o.calls < nth && o.calls >= nth - SITE_STRIDE);
}

static int setup(void **state)
{
	script = scn_parse("fail_nth.scn", scenario, strlen(scenario), &scn_backend_sim, 0);
	for (unsigned int i = 0; i < script->nerrors; i++)
		print_message("%s\n", script->errors[i]);
	return script->nerrors;
}

static int teardown(void **state)
{
	scn_script_free(script);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_site),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
