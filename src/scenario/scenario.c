/* SPDX-License-Identifier: MIT */
/*
 * scenario.c - pagelab_scenario_run(), the whole of `pagelab run`: choose
 * the backend, read and check the scenario (printing every error as
 * FILE:LINE: message), open the outputs and the trace, run, and write the
 * text summary, the JSON report and the SVG chart.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "scenario/runner_internal.h"
#include "drivers/channel.h"

#define SCENARIO_MAX_BYTES (64UL << 20)

/* Read all of @path; NULL with errno set on failure (EISDIR for a directory). */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 0, got;
	char *buf = NULL, *b;
	struct stat st;
	int err = 0;

	if (!f)
		return NULL;
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		errno = EISDIR;
		return NULL;
	}
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			b = cap <= SCENARIO_MAX_BYTES ? realloc(buf, cap) : NULL;
			if (!b) {
				err = cap <= SCENARIO_MAX_BYTES ? ENOMEM : EFBIG;
				break;
			}
			buf = b;
		}
		errno = 0;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (!err && ferror(f))
		err = errno ? errno : EIO;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	*len = n;
	return buf;
}

struct outputs {
	FILE *json, *svg;
	bool json_stdout;
};

static FILE *open_output(const char *path, const char *what)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, "pagelab: cannot write the %s to %s: %s\n", what, path,
			strerror(errno));
	return f;
}

static int open_outputs(const struct pagelab_run_options *opts, struct outputs *o)
{
	memset(o, 0, sizeof(*o));
	if (opts->json_path) {
		o->json_stdout = !strcmp(opts->json_path, "-");
		o->json = o->json_stdout ? stdout : open_output(opts->json_path, "JSON report");
		if (!o->json)
			return -1;
	}
	if (opts->svg_path) {
		o->svg = open_output(opts->svg_path, "SVG chart");
		if (!o->svg) {
			if (o->json && !o->json_stdout)
				fclose(o->json);
			return -1;
		}
	}
	return 0;
}

static void close_outputs(struct outputs *o)
{
	if (o->json && !o->json_stdout)
		fclose(o->json);
	if (o->svg)
		fclose(o->svg);
}

/*
 * Start the simulator's trace, if asked and the backend does not write its
 * own; a trace shares stdout with nothing but the text summary.
 */
static int open_trace(const struct pagelab_run_options *opts, const struct scn_backend *be)
{
	int err;

	if (!opts->trace_path)
		return 0;
	if (!strcmp(opts->trace_path, "-") && opts->json_path && !strcmp(opts->json_path, "-")) {
		fputs("pagelab: the trace and the JSON report cannot both go to stdout\n", stderr);
		return -EINVAL;
	}
	if (be->own_trace)
		return 0;
	err = trace_open(opts->trace_path);
	if (err)
		fprintf(stderr, "pagelab: cannot write the trace to %s: %s\n", opts->trace_path,
			strerror(-err));
	return err;
}

static int write_outputs(const struct scn_results *res, struct outputs *o)
{
	int err = 0;

	if (!o->json_stdout)
		scn_report_text(res, stdout);
	if (o->json && scn_report_json(res, o->json)) {
		fprintf(stderr, "pagelab: writing the JSON report failed\n");
		err = -EIO;
	}
	if (o->svg && scn_report_svg(res, o->svg)) {
		fprintf(stderr, "pagelab: writing the SVG chart failed\n");
		err = -EIO;
	}
	return err;
}

/* What messages and reports call the scenario of @opts. */
static const char *scenario_name(const struct pagelab_run_options *opts)
{
	return opts->file ? opts->file : opts->text ? "string" : "default";
}

/**
 * scn_load() - read and parse the scenario of `pagelab run` or `compare`.
 * @opts: its text, or its file (neither: the built-in scenario).
 * @be: the backend to check it for.
 * @host_memory: the --connect host's memory, or 0.
 *
 * Context: parse time.
 * Return: the script (its errors not printed yet), or NULL after printing
 * why the file cannot be read.
 */
struct scn_script *scn_load(const struct pagelab_run_options *opts,
			    const struct scn_backend *be, uint64_t host_memory)
{
	struct scn_script *s;
	size_t len;
	char *text;

	if (opts->text)
		return scn_parse(scenario_name(opts), opts->text, strlen(opts->text), be,
				 host_memory);
	if (!opts->file)
		return scn_parse("default", scn_default_scenario, strlen(scn_default_scenario), be,
				 host_memory);
	text = read_file(opts->file, &len);
	if (!text) {
		fprintf(stderr, "pagelab: cannot read %s: %s\n", opts->file, strerror(errno));
		return NULL;
	}
	s = scn_parse(opts->file, text, len, be, host_memory);
	free(text);
	return s;
}

/*
 * Load, check and run the scenario on @be, then write what the run produced.
 * @host_memory: the --connect host's memory, or 0.
 */
static int parse_and_run(const struct pagelab_run_options *opts, const struct scn_backend *be,
			 uint64_t host_memory)
{
	struct scn_results res;
	struct scn_script *s;
	struct outputs out;
	int status;

	s = scn_load(opts, be, host_memory);
	if (!s)
		return PAGELAB_RUN_ERROR;
	for (unsigned int i = 0; i < s->nerrors; i++)
		fprintf(stderr, "%s\n", s->errors[i]);
	if (s->nerrors || open_outputs(opts, &out)) {
		scn_script_free(s);
		return PAGELAB_RUN_ERROR;
	}
	if (open_trace(opts, be)) {
		close_outputs(&out);
		scn_script_free(s);
		return PAGELAB_RUN_ERROR;
	}
	status = scn_run(s, be, opts, &res);
	if (opts->trace_path && !be->own_trace)
		trace_close();	/* the machine is gone: nothing traces any more */
	res.scenario = scenario_name(opts);
	if (status != PAGELAB_RUN_ERROR && write_outputs(&res, &out) && !status)
		status = PAGELAB_RUN_FAIL;
	close_outputs(&out);
	if (res.invariant_error)
		fprintf(stderr, "pagelab: invariant check failed: %s\n", res.invariant_error);
	scn_results_free(&res);
	scn_script_free(s);
	return status;
}

/**
 * pagelab_scenario_run() - parse, check and run a scenario.
 * @opts: what to run and where to write.
 *
 * See include/pagelab/scenario.h.
 * Context: builds and destroys the process's machine; opens and closes
 * the --connect connection.
 * Return: an enum pagelab_run_status.
 */
int pagelab_scenario_run(const struct pagelab_run_options *opts)
{
	const struct scn_backend *be;
	uint64_t host_memory = 0;
	char msg[256];
	int status;

	be = scn_backend_find(opts->backend, msg, sizeof(msg));
	if (!be) {
		fprintf(stderr, "pagelab: %s\n", msg);
		return PAGELAB_RUN_ERROR;
	}
	if (opts->balloon_connect &&
	    balloon_connect(opts->balloon_connect, msg, sizeof(msg))) {
		fprintf(stderr, "pagelab: %s\n", msg);
		return PAGELAB_RUN_ERROR;
	}
	/* Connected, the machine's memory is the host's: the parser checks it. */
	if (opts->balloon_connect)
		balloon_connect_machine_memory(&host_memory, false, NULL, 0);
	status = parse_and_run(opts, be, host_memory);
	if (opts->balloon_connect)
		balloon_disconnect();
	return status;
}
