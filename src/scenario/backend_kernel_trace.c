/* SPDX-License-Identifier: MIT */
/*
 * backend_kernel_trace.c - `--trace FILE` on the kernel backend: the
 * kernel's own compaction, migration (mm_migrate_pages_start,
 * mm_migrate_pages) and KSM events and kmem's mm_page_alloc_extfrag, for
 * the length of the run, written as the kernel
 * prints them, so that the file can be diffed with the sim backend's trace
 * of the same scenario (same event names and fields; the simulator writes
 * the migrate and compaction ones).
 *
 * The run gets a tracefs instance of its own (instances/pagelab-PID), so
 * the global trace buffer and whatever else traces the host are left
 * alone; tracefs is mounted on /sys/kernel/tracing first if it is not. Both
 * are noted in the knob journal before they are made, so they are undone
 * however the run ends (backend_kernel_knobs.c). The instance's clock is
 * `mono`, and each line's timestamp is rewritten as seconds since the
 * trace began, in the simulator's width ("%12.6f"); the rest of the line
 * is the kernel's. A reader thread copies the instance's trace_pipe to the
 * file while the run lasts; at the end tracing stops and what is left in
 * the buffer is copied too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "scenario/kernel_internal.h"

#define TRACEFS			"/sys/kernel/tracing"
#define TRACE_BUFFER_KB		"4096"	/* per CPU */
#define TRACE_POLL_MS		100
#define TRACE_LINE_MAX		1024

/*
 * The events a run traces, as paths under the instance's events/: those
 * the simulator writes (of migrate, not the per-PTE migration_pte class,
 * which would be most of the file), and KSM's and extfrag's.
 */
static const char *const trace_events[] = {
	"compaction", "migrate/mm_migrate_pages_start", "migrate/mm_migrate_pages", "ksm",
	"kmem/mm_page_alloc_extfrag",
};

struct ktrace {
	pthread_t tid;
	int pipe_fd;			/* the instance's trace_pipe, non-blocking */
	FILE *out;
	bool out_is_stdout;
	char dir[128];			/* the instance */
	double origin;			/* CLOCK_MONOTONIC seconds when it began */
	bool stop;			/* atomic: drain what is left and end */
	char line[TRACE_LINE_MAX];	/* a line not complete yet (reader only) */
	size_t nline;
	bool write_failed;		/* reader only, then ktrace_stop() */
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write one line, its timestamp made relative to the trace's start. */
static void put_line(struct ktrace *t, const char *line)
{
	const char *p = strchr(line, ']'), *q, *colon = NULL;
	char *end;
	double ts = 0;

	if (p) {
		for (q = p + 1; *q == ' '; q++)
			;
		while (*q && *q != ' ')
			q++;			/* the flags */
		p = q;
		while (*q == ' ')
			q++;
		ts = strtod(q, &end);
		colon = end != q && !strncmp(end, ": ", 2) ? end : NULL;
	}
	if (colon)
		fprintf(t->out, "%.*s %12.6f%s\n", (int)(p - line), line, ts - t->origin, colon);
	else
		fprintf(t->out, "%s\n", line);
}

/* Cut @n bytes of trace_pipe into lines. */
static void put_text(struct ktrace *t, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (t->nline + 1 < sizeof(t->line))
				t->line[t->nline++] = buf[i];
			continue;
		}
		t->line[t->nline] = '\0';
		put_line(t, t->line);
		t->nline = 0;
	}
}

static void *reader_main(void *arg)
{
	struct ktrace *t = arg;
	struct pollfd pfd = { .fd = t->pipe_fd, .events = POLLIN };
	char buf[16384];

	for (;;) {
		ssize_t n = read(t->pipe_fd, buf, sizeof(buf));

		if (n > 0) {
			put_text(t, buf, n);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE))
			break;		/* the buffer is empty and tracing is off */
		poll(&pfd, 1, TRACE_POLL_MS);
	}
	if (fflush(t->out) || ferror(t->out))
		t->write_failed = true;
	return NULL;
}

/* Write @value to @name in the instance. */
static int instance_write(const struct ktrace *t, const char *name, const char *value)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	return kfile_write(path, value);
}

/* Mount tracefs if needed and make the run's instance, journaling both first. */
static int instance_make(struct ktrace *t, struct kknobs *knobs, char *msg, size_t len)
{
	int err = 0;

	if (access(TRACEFS "/instances", F_OK)) {
		err = kknobs_note(knobs, KJ_MOUNT, TRACEFS);
		if (!err && mount("nodev", TRACEFS, "tracefs", 0, NULL))
			err = -errno;
		if (err) {
			snprintf(msg, len, "cannot mount tracefs on %s: %s", TRACEFS, strerror(-err));
			return err;
		}
	}
	snprintf(t->dir, sizeof(t->dir), TRACEFS "/instances/pagelab-%d", (int)getpid());
	err = kknobs_note(knobs, KJ_DIR, t->dir);
	if (!err && mkdir(t->dir, 0755))
		err = -errno;
	if (err)
		snprintf(msg, len, "cannot make the tracefs instance %s: %s", t->dir,
			 strerror(-err));
	return err;
}

/* Clock, buffer and events of the instance; then its trace_pipe. */
static int instance_setup(struct ktrace *t, char *msg, size_t len)
{
	char name[128], path[PATH_MAX];
	int err = instance_write(t, "trace_clock", "mono");

	if (!err)
		err = instance_write(t, "buffer_size_kb", TRACE_BUFFER_KB);
	for (size_t i = 0; !err && i < sizeof(trace_events) / sizeof(trace_events[0]); i++) {
		snprintf(name, sizeof(name), "events/%s/enable", trace_events[i]);
		err = instance_write(t, name, "1");
	}
	if (err) {
		snprintf(msg, len, "cannot set up tracing in %s: %s", t->dir, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", t->dir);
	t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (t->pipe_fd < 0) {
		snprintf(msg, len, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/**
 * ktrace_start() - trace the kernel's compaction, migrate, KSM and extfrag
 * events into @path for the run.
 * @path: the file, or "-" for stdout.
 * @knobs: the run's knob journal (the mount and the instance are noted).
 * @out: the trace.
 * @msg: why not, on failure.
 * @len: its size.
 *
 * Context: ->init, root; starts the reader thread.
 * Return: 0, or a negative errno (what was made is in the journal, and
 * undone with the knobs).
 */
int ktrace_start(const char *path, struct kknobs *knobs, struct ktrace **out, char *msg,
		 size_t len)
{
	struct ktrace *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->pipe_fd = -1;
	t->out_is_stdout = !strcmp(path, "-");
	t->out = t->out_is_stdout ? stdout : fopen(path, "w");
	if (!t->out) {
		err = -errno;
		snprintf(msg, len, "cannot write the trace to %s: %s", path, strerror(errno));
		free(t);
		return err;
	}
	err = instance_make(t, knobs, msg, len);
	if (!err)
		err = instance_setup(t, msg, len);
	t->origin = mono_now();
	if (!err) {
		err = -pthread_create(&t->tid, NULL, reader_main, t);
		if (err)
			snprintf(msg, len, "cannot start the trace reader: %s", strerror(-err));
	}
	if (err) {
		if (t->pipe_fd >= 0)
			close(t->pipe_fd);
		if (!t->out_is_stdout)
			fclose(t->out);
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

/**
 * ktrace_stop() - stop tracing, copy what is left, close the file. The
 * instance and the mount go with the knobs (kknobs_restore()).
 * @t: the trace, or NULL.
 *
 * Context: the run's end (or the signal guard's emergency), once.
 */
void ktrace_stop(struct ktrace *t)
{
	if (!t)
		return;
	instance_write(t, "tracing_on", "0");
	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	pthread_join(t->tid, NULL);
	close(t->pipe_fd);
	if (!t->out_is_stdout && fclose(t->out))
		t->write_failed = true;
	if (t->write_failed)
		fprintf(stderr, "pagelab: writing the trace failed\n");
	free(t);
}
