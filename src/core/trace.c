/* SPDX-License-Identifier: MIT */
/*
 * trace.c - ftrace-style event lines (`pagelab run --trace FILE`), in the
 * layout of /sys/kernel/tracing/trace so tools that read a kernel trace
 * read pagelab's:
 *
 *   pagelab-1234    [001] .....   12.345678: mm_migrate_pages: nr_succeeded=...
 *
 * comm is "pagelab", pid the host thread id, cpu the simulated CPU, the
 * timestamp seconds since trace_open(). Lines are written whole under one
 * lock, so events from several CPUs never interleave within a line.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "core/core.h"

static FILE *trace_file;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec trace_start;

/**
 * trace_open() - start writing events to @path ("-" for stdout).
 * Return: 0 or -errno.
 */
int trace_open(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!f)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &trace_start);
	__atomic_store_n(&trace_file, f, __ATOMIC_RELEASE);
	return 0;
}

/** trace_close() - stop tracing and close the file (after any line being written). */
void trace_close(void)
{
	FILE *f;

	pthread_mutex_lock(&trace_lock);
	f = __atomic_exchange_n(&trace_file, NULL, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&trace_lock);
	if (f && f != stdout)
		fclose(f);
	else if (f)
		fflush(f);
}

/** trace_enabled() - is a trace being written? (cheap; for hot paths) */
bool trace_enabled(void)
{
	return __atomic_load_n(&trace_file, __ATOMIC_RELAXED);
}

/**
 * trace_event() - write one event line: @event, then the printf-style
 * fields.
 * Context: any thread; takes the trace lock (a leaf).
 */
void trace_event(const char *event, const char *fmt, ...)
{
	struct timespec now;
	va_list ap;
	double t;

	if (!trace_enabled())
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (now.tv_sec - trace_start.tv_sec) + (now.tv_nsec - trace_start.tv_nsec) * 1e-9;
	pthread_mutex_lock(&trace_lock);
	if (trace_file) {
		fprintf(trace_file, "%16s-%-7ld [%03d] ..... %12.6f: %s: ", "pagelab",
			(long)syscall(SYS_gettid), smp_processor_id(), t, event);
		va_start(ap, fmt);
		vfprintf(trace_file, fmt, ap);
		va_end(ap);
		fputc('\n', trace_file);
	}
	pthread_mutex_unlock(&trace_lock);
}
