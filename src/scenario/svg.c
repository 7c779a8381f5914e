/* SPDX-License-Identifier: MIT */
/*
 * svg.c - the --svg chart: a self-contained SVG document, the chart of free
 * memory by order over the run that the --html page opens with (chart.c),
 * from the runner's buddyinfo samples (at every command boundary, and every
 * 50 ms in threaded runs); and the escaping of text for SVG and XHTML.
 *
 * When the reports carry KSM's counters, a second chart below draws
 * pages_shared and pages_sharing at each report (the final one included).
 */
#include <math.h>
#include <stdlib.h>
#include "core/compiler.h"
#include "scenario/runner_internal.h"

#define SVG_W		900

static const char *const ksm_names[] = { "pages_shared", "pages_sharing" };

/* The KSM series, or false if no report has KSM's counters (or memory ran out). */
static bool ksm_series(const struct scn_results *res, struct scn_series *series, double *v)
{
	bool any = false;
	long value;

	for (unsigned int l = 0; l < ARRAY_SIZE(ksm_names); l++) {
		series[l] = (struct scn_series){ ksm_names[l], v + l * res->nreports };
		for (unsigned int i = 0; i < res->nreports; i++) {
			const struct scn_snapshot *snap = res->reports[i];
			bool has = !scn_counter_value(snap->ksm, snap->nksm, ksm_names[l], &value);

			v[l * res->nreports + i] = has ? value : NAN;
			any |= has;
		}
	}
	return any;
}

/**
 * scn_report_svg() - write the chart of free memory by order over the run,
 * and of KSM sharing at each report when the reports have it.
 * @res: the run's results, with its samples.
 * @out: where to write the SVG document.
 *
 * Context: any; after the run.
 * Return: 0, or -EIO if writing failed.
 */
int scn_report_svg(const struct scn_results *res, FILE *out)
{
	double *v = calloc(ARRAY_SIZE(ksm_names) * res->nreports + 1, sizeof(*v));
	struct scn_series series[ARRAY_SIZE(ksm_names)];
	bool ksm = v && ksm_series(res, series, v);
	int height = SCN_CHART_H * (ksm ? 2 : 1);

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\">\n", SVG_W, height, SVG_W, height);
	scn_chart_free_by_order(res, out, SVG_W, false);
	if (ksm) {
		fprintf(out, "<g transform=\"translate(0 %d)\">\n", SCN_CHART_H);
		scn_chart_lines(res, out, SVG_W, "KSM sharing at each report", "pages", series,
				ARRAY_SIZE(ksm_names), false);
		fputs("</g>\n", out);
	}
	fputs("</svg>\n", out);
	free(v);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

/**
 * scn_svg_text() - print @s escaped for SVG/XML character data.
 * @out: where to print.
 * @s: the text.
 *
 * Context: any.
 */
void scn_svg_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, out);
		}
	}
}
