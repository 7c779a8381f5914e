/* SPDX-License-Identifier: MIT */
/*
 * runner.c - runs a checked script on a backend.
 *
 * Commands run in order on the calling thread, which is CPU 0. `& CMD`
 * starts CMD on a thread of its own bound (by the backend's ->bind_cpu) to
 * the next CPU (round-robin from CPU 1 over scn_run.cpus, the machine's
 * cpus unless the backend says otherwise) and goes on at once;
 * `wait` joins every such thread, and the end of the script does too.
 * The runner itself executes &, wait, sleep, report and expect; every
 * other command goes to the backend's ->exec, so nothing here knows what a
 * machine is.
 *
 * Deterministic mode runs a background command inline, in issue order (on
 * its CPU all the same), and `sleep` advances a virtual clock instead of
 * sleeping, so the same script and seed give the same report. The machine
 * then has no daemon threads: the backend's ->step does their work on the
 * runner's thread, at every command boundary and for every
 * DAEMON_STEP_MS of virtual time a `sleep` lets pass.
 *
 * A monitor thread samples buddyinfo every 50 ms for the SVG chart (not in
 * deterministic mode, where samples are taken at command boundaries only)
 * and keeps a progress line on stderr when it is a terminal and the run
 * has lasted over a second. scn_runner.lock guards the results, the clock
 * and stderr; backends lock their own state.
 *
 * A backend sees a run as struct scn_run (backend.h), the first member of
 * the runner's struct scn_runner, and calls back into the runner through
 * scn_record_*() with it.
 *
 * The counting rule (docs/scenario.md, spec 1.1) is applied here, for every
 * backend: right after ->init the runner takes a baseline snapshot, and
 * event counters (vmstat.X other than nr_* and workingset_nodes; ksm.X
 * full_scans, pages_scanned, pages_skipped) are reported and read by
 * expect as increments over it. State counters are absolute. Backends
 * report raw values.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/debug.h"
#include "scenario/runner_internal.h"

#define SAMPLE_INTERVAL_NS	50000000L
#define PROGRESS_AFTER_NS	1000000000ULL
#define PROGRESS_EVERY_NS	200000000ULL
#define PROGRESS_WIDTH		70
#define DAEMON_STEP_MS		500	/* kcompactd's proactive interval */

struct bg_thread {
	pthread_t tid;
	struct scn_runner *r;
	const struct scn_cmd *cmd;
	unsigned int cpu;
	struct bg_thread *next;
};

struct monitor {
	pthread_t tid;
	pthread_cond_t cond;
	bool stop;
	bool tty;
	uint64_t progress_ns;	/* when the progress line was last drawn */
};

/* A run: what its backend sees, then what only the runner does. */
struct scn_runner {
	struct scn_run run;		/* the backend's view */
	const struct scn_backend *be;
	pthread_mutex_t lock;		/* results, clock, threads, output */
	struct scn_results res;
	uint64_t start_ns;		/* monotonic clock at init */
	uint64_t virtual_ms;		/* deterministic clock */
	unsigned int next_cpu;		/* the last background command's CPU */
	struct bg_thread *bg;		/* running background commands */
	struct monitor *monitor;	/* the sampler and progress thread */
	unsigned int steps;		/* commands completed */
	const struct scn_cmd *cur_cmd;	/* the last command issued */
	bool progress_shown;		/* stderr ends in a progress line */
	struct scn_snapshot *baseline;	/* raw counters right after ->init; read-only */
};

static struct scn_runner *runner_of(struct scn_run *run)
{
	return container_of(run, struct scn_runner, run);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Seconds since the run started: virtual in deterministic mode. Caller holds r->lock. */
static double run_time(const struct scn_runner *r)
{
	if (r->run.deterministic)
		return r->virtual_ms / 1000.0;
	return (now_ns() - r->start_ns) / 1e9;
}

/**
 * scn_seed() - a seed for one random choice of the run.
 * @run: the run.
 * @value: the command's own seed (seed=S, default 0).
 *
 * Context: any.
 * Return: @value mixed with the run's --seed.
 */
uint64_t scn_seed(const struct scn_run *run, uint64_t value)
{
	return pattern_mix(run->seed, value);
}

/**
 * scn_touch_content() - what touch command @cmd writes, the same on every
 * backend, so that `check` means the same everywhere: its pattern, its
 * seed= mixed with --seed, and for unique the key of "P.R" mixed with
 * the command's line (and in a loop with its iteration).
 * @run: the run.
 * @cmd: a touch command of @run's script.
 * @c: the content, but for the page index.
 *
 * Context: any.
 */
void scn_touch_content(const struct scn_run *run, const struct scn_cmd *cmd,
		       struct scn_content *c)
{
	char name[256];

	snprintf(name, sizeof(name), "%s.%s", cmd->mm.proc, cmd->mm.region);
	c->pat = cmd->mm.pattern;
	c->seed = scn_seed(run, cmd->mm.seed);
	c->key = pattern_mix(pattern_key(name), cmd->line);
	if (cmd->iter)		/* each iteration of a loop writes its own */
		c->key = pattern_mix(c->key, pattern_key(cmd->iter));
}

/**
 * scn_buddy_value() - buddy.ZONE.orderN or buddy.free_blocks_orderN, from
 * a backend's buddyinfo.
 * @zones: the zones, as ->buddyinfo fills them.
 * @n: how many.
 * @name: a buddy name (its order within every zone's orders).
 * @value: free blocks of order N in ZONE; or free blocks of order N or
 *	more over every zone, in order-N units.
 *
 * Context: pure.
 * Return: 0, or -ENOENT if ZONE is not among @zones.
 */
int scn_buddy_value(const struct scn_buddy_zone *zones, int n, const struct scn_name *name,
		    long *value)
{
	*value = 0;
	for (int i = 0; i < n; i++) {
		if (name->family == SCN_NAME_BUDDY_ZONE) {
			if (!strcmp(zones[i].zone, name->a)) {
				*value = zones[i].nr_free[name->n];
				return 0;
			}
			continue;
		}
		for (unsigned int o = name->n; o < zones[i].nr_orders; o++)
			*value += zones[i].nr_free[o] << (o - name->n);
	}
	return name->family == SCN_NAME_BUDDY_ZONE ? -ENOENT : 0;
}

/* ------------------------------------------------------------------ */
/* Output to stderr, results                                           */

/* Clear the progress line before anything else goes to stderr. Caller holds r->lock. */
static void progress_clear(struct scn_runner *r)
{
	if (!r->progress_shown)
		return;
	fputs("\r\033[K", stderr);
	r->progress_shown = false;
}

/**
 * scn_record_failure() - report a failure of a command and go on.
 * @run: the run.
 * @cmd: the command; its line is printed.
 * @fmt: printf format of the message, without FILE:LINE.
 *
 * Prints FILE:LINE: message on stderr and makes the run exit 1.
 * Context: any thread of the run; takes the runner's lock.
 */
void scn_record_failure(struct scn_run *run, const struct scn_cmd *cmd, const char *fmt, ...)
{
	struct scn_runner *r = runner_of(run);
	va_list ap;

	pthread_mutex_lock(&r->lock);
	progress_clear(r);
	if (cmd->iter)
		fprintf(stderr, "%s:%u (%s): ", r->run.script->file, cmd->line, cmd->iter);
	else
		fprintf(stderr, "%s:%u: ", r->run.script->file, cmd->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	r->res.failures++;
	pthread_mutex_unlock(&r->lock);
}

/**
 * scn_record_check() - add a content check to the report's "checks".
 * @run: the run.
 * @cmd: the check's command.
 * @region: what was checked: "kalloc.K" or "P.R".
 * @intact: whether every block or page matched.
 *
 * The caller reports a mismatch with scn_record_failure() itself.
 * Context: any thread of the run; takes the runner's lock.
 */
void scn_record_check(struct scn_run *run, const struct scn_cmd *cmd, const char *region,
		      bool intact)
{
	struct scn_runner *r = runner_of(run);
	struct scn_results *res = &r->res;
	char *copy = strdup(region);

	pthread_mutex_lock(&r->lock);
	BUG_ON(!copy || scn_grow((void **)&res->checks, &res->checks_cap, res->nchecks,
			     sizeof(*res->checks)));
	res->checks[res->nchecks++] = (struct scn_check_result){ .line = cmd->line,
								 .region = copy,
								 .intact = intact };
	pthread_mutex_unlock(&r->lock);
}

/**
 * scn_record_migration() - add a `P migrate R` to the report's "migrations".
 * @run: the run.
 * @cmd: the migrate command.
 * @region: "P.R".
 * @pages: pages by move_pages() status.
 *
 * Context: any thread of the run; takes the runner's lock.
 */
void scn_record_migration(struct scn_run *run, const struct scn_cmd *cmd, const char *region,
			  const unsigned long pages[SCN_NR_MIGRATE_STATUS])
{
	struct scn_runner *r = runner_of(run);
	struct scn_results *res = &r->res;
	struct scn_migrate_result *m;
	char *copy = strdup(region);

	pthread_mutex_lock(&r->lock);
	BUG_ON(!copy || scn_grow((void **)&res->migrations, &res->migrations_cap,
			     res->nmigrations, sizeof(*res->migrations)));
	m = &res->migrations[res->nmigrations++];
	m->line = cmd->line;
	m->region = copy;
	memcpy(m->pages, pages, sizeof(m->pages));
	pthread_mutex_unlock(&r->lock);
}

/* ------------------------------------------------------------------ */
/* Samples, progress and the monitor thread                            */

static void take_sample(struct scn_runner *r)
{
	struct scn_buddy_zone zones[SCN_ZONES_MAX];
	struct scn_results *res = &r->res;
	struct scn_sample smp = { 0 };
	int n = r->be->buddyinfo(&r->run, zones), i;
	unsigned int o;

	for (i = 0; i < n; i++)
		for (o = 0; o < zones[i].nr_orders; o++)
			smp.free_pages[o] += zones[i].nr_free[o] << o;
	pthread_mutex_lock(&r->lock);
	smp.time_s = run_time(r);
	smp.step = r->steps;
	BUG_ON(scn_grow((void **)&res->samples, &res->samples_cap, res->nsamples,
		    sizeof(*res->samples)));
	res->samples[res->nsamples++] = smp;
	pthread_mutex_unlock(&r->lock);
}

/* Caller holds r->lock. */
static void progress_show(struct scn_runner *r)
{
	const struct scn_cmd *cmd = r->cur_cmd;
	char line[PROGRESS_WIDTH + 1];

	if (!cmd)
		return;
	snprintf(line, sizeof(line), "[%.1fs] line %u/%u: %s",
		 (now_ns() - r->start_ns) / 1e9, cmd->line, r->run.script->nlines, cmd->text);
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	r->progress_shown = true;
}

static void *monitor_main(void *arg)
{
	struct scn_runner *r = arg;
	struct monitor *mon = r->monitor;
	struct timespec deadline;

	pthread_mutex_lock(&r->lock);
	while (!mon->stop) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_nsec += SAMPLE_INTERVAL_NS;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&mon->cond, &r->lock, &deadline);
		if (mon->stop)
			break;
		if (mon->tty && now_ns() - r->start_ns > PROGRESS_AFTER_NS &&
		    now_ns() - mon->progress_ns > PROGRESS_EVERY_NS) {
			progress_show(r);
			mon->progress_ns = now_ns();
		}
		if (r->run.deterministic)
			continue;
		pthread_mutex_unlock(&r->lock);
		take_sample(r);
		pthread_mutex_lock(&r->lock);
	}
	progress_clear(r);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int monitor_start(struct scn_runner *r, struct monitor *mon)
{
	pthread_condattr_t attr;

	memset(mon, 0, sizeof(*mon));
	mon->tty = isatty(STDERR_FILENO);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&mon->cond, &attr);
	pthread_condattr_destroy(&attr);
	r->monitor = mon;
	return -pthread_create(&mon->tid, NULL, monitor_main, r);
}

static void monitor_stop(struct scn_runner *r, struct monitor *mon)
{
	pthread_mutex_lock(&r->lock);
	mon->stop = true;
	pthread_cond_signal(&mon->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(mon->tid, NULL);
	pthread_cond_destroy(&mon->cond);
	r->monitor = NULL;
}

/* ------------------------------------------------------------------ */
/* The counting rule                                                   */

/* KSM's cumulative counters; every other ksm.X is a state. */
static const char *const ksm_events[] = { "full_scans", "pages_scanned", "pages_skipped" };

/* Whether counter @name of a family is an event (cumulative since boot). */
static bool is_event(enum scn_family family, const char *name)
{
	if (family == SCN_NAME_VMSTAT)
		return strncmp(name, "nr_", 3) && strcmp(name, "workingset_nodes");
	if (family != SCN_NAME_KSM)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(ksm_events); i++)
		if (!strcmp(name, ksm_events[i]))
			return true;
	return false;
}

/* The baseline's value of @name in @c (@n counters); 0 if it had none. */
static long baseline_of(const struct scn_counter *c, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return c[i].value;
	return 0;
}

/* Event counters of @c (@n, of @family) become increments over @base's @nbase. */
static void since_start(enum scn_family family, struct scn_counter *c, unsigned int n,
			const struct scn_counter *base, unsigned int nbase)
{
	for (unsigned int i = 0; i < n; i++)
		if (is_event(family, c[i].name))
			c[i].value -= baseline_of(base, nbase, c[i].name);
}

/* An expect's value by the counting rule. */
static long expect_value(const struct scn_runner *r, const struct scn_name *name, long raw)
{
	const struct scn_snapshot *b = r->baseline;

	if (!is_event(name->family, name->a))
		return raw;
	if (name->family == SCN_NAME_VMSTAT)
		return raw - baseline_of(b->vmstat, b->nvmstat, name->a);
	return raw - baseline_of(b->ksm, b->nksm, name->a);
}

static void take_baseline(struct scn_runner *r)
{
	r->baseline = calloc(1, sizeof(*r->baseline));
	BUG_ON(!r->baseline || r->be->snapshot(&r->run, r->baseline));
}

/* ------------------------------------------------------------------ */
/* Runner-level commands                                               */

/* Deterministic mode: the daemons' work for @ms of virtual time, if the backend has daemons. */
static void daemons_step(struct scn_runner *r, uint64_t ms)
{
	if (r->be->step)
		r->be->step(&r->run, ms);
}

/* Deterministic mode: the virtual clock advances, the daemons work as it goes. */
static void virtual_sleep(struct scn_runner *r, uint64_t ms)
{
	while (ms) {
		uint64_t step = min(ms, (uint64_t)DAEMON_STEP_MS);

		pthread_mutex_lock(&r->lock);
		r->virtual_ms += step;
		pthread_mutex_unlock(&r->lock);
		daemons_step(r, step);
		ms -= step;
	}
}

static void do_sleep(struct scn_runner *r, uint64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	if (r->run.deterministic) {
		virtual_sleep(r, ms);
		return;
	}
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void take_report(struct scn_runner *r, const char *label, unsigned int line)
{
	struct scn_results *res = &r->res;
	struct scn_snapshot *snap = calloc(1, sizeof(*snap));

	BUG_ON(!snap);
	snap->label = strdup(label);
	snap->line = line;
	BUG_ON(!snap->label || r->be->snapshot(&r->run, snap));
	since_start(SCN_NAME_VMSTAT, snap->vmstat, snap->nvmstat, r->baseline->vmstat,
		    r->baseline->nvmstat);
	since_start(SCN_NAME_KSM, snap->ksm, snap->nksm, r->baseline->ksm, r->baseline->nksm);
	pthread_mutex_lock(&r->lock);
	snap->time_s = run_time(r);
	BUG_ON(scn_grow((void **)&res->reports, &res->reports_cap, res->nreports,
		    sizeof(*res->reports)));
	res->reports[res->nreports++] = snap;
	pthread_mutex_unlock(&r->lock);
}

static bool compare(long actual, enum scn_op op, long value)
{
	switch (op) {
	case SCN_EQ: return actual == value;
	case SCN_NE: return actual != value;
	case SCN_LT: return actual < value;
	case SCN_LE: return actual <= value;
	case SCN_GT: return actual > value;
	case SCN_GE: return actual >= value;
	}
	BUG();
}

static void do_expect(struct scn_runner *r, const struct scn_cmd *cmd)
{
	struct scn_results *res = &r->res;
	const char *expr = cmd->text + strlen("expect ");
	long actual = 0;
	int err = r->be->read(&r->run, &cmd->expect.name, &actual);
	bool ok;

	actual = err ? 0 : expect_value(r, &cmd->expect.name, actual);
	ok = !err && compare(actual, cmd->expect.op, cmd->expect.value);

	if (err)
		scn_record_failure(&r->run, cmd, "expect failed: %s (cannot read %s: %s)", expr,
				   cmd->expect.name.text, strerror(-err));
	else if (!ok)
		scn_record_failure(&r->run, cmd, "expect failed: %s (actual %ld)", expr, actual);
	pthread_mutex_lock(&r->lock);
	BUG_ON(scn_grow((void **)&res->expects, &res->expects_cap, res->nexpects,
		    sizeof(*res->expects)));
	res->expects[res->nexpects++] = (struct scn_expect_result){
		.line = cmd->line, .expr = expr, .actual = actual, .ok = ok };
	pthread_mutex_unlock(&r->lock);
}

/* Run one command on this thread, then count it and sample the machine. */
static void exec_cmd(struct scn_runner *r, const struct scn_cmd *cmd)
{
	int err = 0;

	switch (cmd->verb) {
	case SCN_SLEEP:
		do_sleep(r, cmd->sleep.ms);
		break;
	case SCN_REPORT:
		take_report(r, cmd->report.label, cmd->line);
		break;
	case SCN_EXPECT:
		do_expect(r, cmd);
		break;
	case SCN_WAIT:
		BUG();	/* the main loop joins */
	default:
		err = r->be->exec(&r->run, cmd);
		break;
	}
	if (err)
		scn_record_failure(&r->run, cmd, "%s failed: %s", scn_verb_name(cmd->verb),
				   strerror(-err));
	pthread_mutex_lock(&r->lock);
	r->steps++;
	pthread_mutex_unlock(&r->lock);
	take_sample(r);
}

/* ------------------------------------------------------------------ */
/* Background commands                                                 */

/* The calling thread becomes CPU @cpu, if the backend's threads are CPUs. */
static void bind_cpu(struct scn_runner *r, unsigned int cpu)
{
	if (r->be->bind_cpu)
		r->be->bind_cpu(&r->run, cpu);
}

static void *bg_main(void *arg)
{
	struct bg_thread *t = arg;

	bind_cpu(t->r, t->cpu);
	exec_cmd(t->r, t->cmd);
	return NULL;
}

static unsigned int next_cpu(struct scn_runner *r)
{
	r->next_cpu = (r->next_cpu + 1) % r->run.cpus;
	return r->next_cpu;
}

/* Run a background command inline on its CPU: the runner's thread stands in. */
static void run_inline(struct scn_runner *r, struct bg_thread *t)
{
	bind_cpu(r, t->cpu);
	exec_cmd(r, t->cmd);
	bind_cpu(r, 0);
	free(t);
}

/*
 * Start a background command. When no thread can be started it runs
 * inline, after saying so (the run fails): every command must run, since
 * later commands on the same process wait for it.
 */
static void start_background(struct scn_runner *r, const struct scn_cmd *cmd)
{
	struct bg_thread *t = calloc(1, sizeof(*t));
	int err;

	BUG_ON(!t);
	*t = (struct bg_thread){ .r = r, .cmd = cmd, .cpu = next_cpu(r) };
	if (r->run.deterministic) {
		run_inline(r, t);
		return;
	}
	err = pthread_create(&t->tid, NULL, bg_main, t);
	if (err) {
		scn_record_failure(&r->run, cmd, "cannot start a thread: %s; running it in the "
				   "foreground", strerror(err));
		run_inline(r, t);
		return;
	}
	t->next = r->bg;
	r->bg = t;
}

static void join_all(struct scn_runner *r)
{
	while (r->bg) {
		struct bg_thread *t = r->bg;

		r->bg = t->next;
		pthread_join(t->tid, NULL);
		free(t);
	}
}

/* ------------------------------------------------------------------ */
/* A run                                                               */

static void read_machine(struct scn_runner *r)
{
	static const char *const values[] = { "memory_bytes", "page_size", "struct_page_bytes",
					      "max_order", "pageblock_order", "cpus",
					      "zone_pages" };
	struct scn_results *res = &r->res;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		struct scn_name name = { .family = SCN_NAME_MACHINE, .a = values[i] };
		struct scn_counter *c = &res->machine[res->nmachine];

		if (r->be->read(&r->run, &name, &c->value))
			continue;
		snprintf(c->name, sizeof(c->name), "%s", values[i]);
		if (!strcmp(values[i], "max_order"))
			res->max_order = c->value;
		res->nmachine++;
	}
}

static void run_commands(struct scn_runner *r)
{
	const struct scn_script *s = r->run.script;
	unsigned int i;

	for (i = 0; i < s->ncmds; i++) {
		const struct scn_cmd *cmd = &s->cmds[i];

		pthread_mutex_lock(&r->lock);
		r->cur_cmd = cmd;
		pthread_mutex_unlock(&r->lock);
		if (cmd->verb == SCN_WAIT)
			join_all(r);
		else if (cmd->background)
			start_background(r, cmd);
		else
			exec_cmd(r, cmd);
		if (r->run.deterministic)
			daemons_step(r, 0);	/* a command boundary */
	}
	join_all(r);
}

/* The end: the final report, then the backend's own consistency check. */
static void finish(struct scn_runner *r)
{
	char msg[512];

	take_report(r, "end", 0);
	if (r->be->finish(&r->run, msg, sizeof(msg)))
		r->res.invariant_error = strdup(msg);
}

/**
 * scn_run() - run a script that parsed without errors.
 * @s: the script.
 * @be: the backend it was checked for.
 * @opts: seed and deterministic mode.
 * @res: receives everything the run produced; free with scn_results_free().
 *
 * Context: builds and destroys the backend's machine; starts and joins
 * every thread it uses. Failures are printed on stderr as they happen.
 * Return: an enum pagelab_run_status.
 */
int scn_run(const struct scn_script *s, const struct scn_backend *be,
	    const struct pagelab_run_options *opts, struct scn_results *res)
{
	struct scn_runner r = {
		.run = { .script = s, .seed = opts->seed, .deterministic = opts->deterministic,
			 .cpus = s->machine.cpus, .trace_path = opts->trace_path },
		.be = be,
	};
	struct monitor mon;
	char msg[256];

	memset(res, 0, sizeof(*res));
	r.res.backend = be->name;
	r.res.deterministic = opts->deterministic;
	if (be->init(&r.run, msg, sizeof(msg))) {
		fprintf(stderr, "pagelab: %s\n", msg);
		*res = r.res;
		return PAGELAB_RUN_ERROR;
	}
	BUG_ON(!r.run.cpus);
	if (be->kernel_release)
		r.res.kernel_release = strdup(be->kernel_release(&r.run));
	pthread_mutex_init(&r.lock, NULL);
	take_baseline(&r);
	r.start_ns = now_ns();
	read_machine(&r);
	BUG_ON(monitor_start(&r, &mon));
	take_sample(&r);
	run_commands(&r);
	monitor_stop(&r, &mon);
	finish(&r);
	be->exit(&r.run);
	free(r.baseline);
	pthread_mutex_destroy(&r.lock);
	*res = r.res;
	if (res->invariant_error)
		return PAGELAB_RUN_INVARIANT;
	return res->failures ? PAGELAB_RUN_FAIL : PAGELAB_RUN_PASS;
}

/**
 * scn_results_free() - free what scn_run() produced.
 * @res: the results.
 *
 * Context: any.
 */
void scn_results_free(struct scn_results *res)
{
	unsigned int i;

	for (i = 0; i < res->nreports; i++) {
		free(res->reports[i]->label);
		free(res->reports[i]);
	}
	for (i = 0; i < res->nchecks; i++)
		free(res->checks[i].region);
	for (i = 0; i < res->nmigrations; i++)
		free(res->migrations[i].region);
	free(res->reports);
	free(res->expects);
	free(res->checks);
	free(res->migrations);
	free(res->samples);
	free(res->invariant_error);
	free(res->kernel_release);
	memset(res, 0, sizeof(*res));
}
