/* SPDX-License-Identifier: MIT */
/*
 * svg.c - the --svg chart: a self-contained SVG line chart of free memory
 * held in blocks of each order over the run, one line per order, from the
 * runner's buddyinfo samples (at every command boundary, and every 50 ms in
 * threaded runs). The x axis is time in seconds, or the command step in a
 * deterministic run, whose clock only moves at `sleep`.
 *
 * When the reports carry KSM's counters, a second chart below draws
 * pages_shared and pages_sharing at each report (the final one included),
 * against the report's time, or its number in a deterministic run.
 */
#include <math.h>
#include <string.h>
#include "core/compiler.h"
#include "scenario/runner_internal.h"

#define SVG_W		900
#define SVG_H		480
#define PLOT_LEFT	80
#define PLOT_RIGHT	(SVG_W - 170)
#define PLOT_TOP	50
#define PLOT_BOTTOM	(SVG_H - 60)
#define TICKS		5
#define KSM_H		300	/* the KSM chart, below the first */
#define KSM_TOP		(SVG_H + 40)
#define KSM_BOTTOM	(SVG_H + KSM_H - 60)

static const char *const colors[SCN_ORDERS_MAX] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
	"#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939",
};

struct axes {
	double xmax, ymax;
	unsigned int orders;
	bool steps;
};

static double sample_x(const struct axes *ax, const struct scn_sample *smp)
{
	return ax->steps ? smp->step : smp->time_s;
}

static double mib(unsigned long pages)
{
	return pages * (double)SCN_PAGE_SIZE / (1 << 20);
}

/* A round tick step (1, 2 or 5 times a power of ten) for about TICKS ticks. */
static double tick_step(double max)
{
	double raw = max / TICKS, p = pow(10, floor(log10(raw)));

	if (raw <= p)
		return p;
	if (raw <= 2 * p)
		return 2 * p;
	return raw <= 5 * p ? 5 * p : 10 * p;
}

static double px(const struct axes *ax, double x)
{
	return PLOT_LEFT + x / ax->xmax * (PLOT_RIGHT - PLOT_LEFT);
}

static double py(const struct axes *ax, double y)
{
	return PLOT_BOTTOM - y / ax->ymax * (PLOT_BOTTOM - PLOT_TOP);
}

static void find_axes(const struct scn_results *res, struct axes *ax)
{
	unsigned int i, o;

	ax->steps = res->deterministic;
	ax->orders = min(res->max_order + 1, (unsigned int)SCN_ORDERS_MAX);
	ax->xmax = ax->ymax = 0;
	for (i = 0; i < res->nsamples; i++) {
		ax->xmax = max(ax->xmax, sample_x(ax, &res->samples[i]));
		for (o = 0; o < ax->orders; o++)
			ax->ymax = max(ax->ymax, mib(res->samples[i].free_pages[o]));
	}
	ax->xmax = ax->xmax > 0 ? ax->xmax : 1;
	ax->ymax = ax->ymax > 0 ? ax->ymax : 1;
	ax->xmax = ceil(ax->xmax / tick_step(ax->xmax)) * tick_step(ax->xmax);
	ax->ymax = ceil(ax->ymax / tick_step(ax->ymax)) * tick_step(ax->ymax);
}

static void draw_axes(FILE *out, const struct axes *ax)
{
	double step, v;

	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
		PLOT_LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
		PLOT_LEFT, PLOT_TOP, PLOT_LEFT, PLOT_BOTTOM);
	step = tick_step(ax->xmax);
	for (v = 0; v <= ax->xmax + step / 2; v += step)
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			px(ax, v), PLOT_BOTTOM + 18, v);
	step = tick_step(ax->ymax);
	for (v = 0; v <= ax->ymax + step / 2; v += step)
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n"
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			PLOT_LEFT - 6, py(ax, v) + 4, v, PLOT_LEFT, py(ax, v), PLOT_RIGHT,
			py(ax, v));
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		(PLOT_LEFT + PLOT_RIGHT) / 2, SVG_H - 20,
		ax->steps ? "command step (deterministic run)" : "time (s)");
	fprintf(out, "<text transform=\"translate(20 %d) rotate(-90)\" text-anchor=\"middle\">"
		"free memory (MiB) in blocks of each order</text>\n",
		(PLOT_TOP + PLOT_BOTTOM) / 2);
}

static void draw_lines(FILE *out, const struct scn_results *res, const struct axes *ax)
{
	unsigned int i, o;

	for (o = 0; o < ax->orders; o++) {
		fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
			colors[o]);
		for (i = 0; i < res->nsamples; i++)
			fprintf(out, "%s%.1f,%.1f", i ? " " : "", px(ax, sample_x(ax, &res->samples[i])),
				py(ax, mib(res->samples[i].free_pages[o])));
		fputs("\"/>\n", out);
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\">order %u</text>\n", PLOT_RIGHT + 20,
			PLOT_TOP + 20 * o, colors[o], PLOT_RIGHT + 38, PLOT_TOP + 20 * o + 11, o);
	}
}

/* ------------------------------------------------------------------ */
/* KSM sharing at each report                                          */

static const char *const ksm_lines[] = { "pages_shared", "pages_sharing" };
static const char *const ksm_colors[] = { "#d62728", "#1f77b4" };

/* Report @snap's KSM counter @name; -1 if it has none. */
static long ksm_value(const struct scn_snapshot *snap, const char *name)
{
	for (unsigned int i = 0; i < snap->nksm; i++)
		if (!strcmp(snap->ksm[i].name, name))
			return snap->ksm[i].value;
	return -1;
}

static bool has_ksm(const struct scn_results *res)
{
	for (unsigned int i = 0; i < res->nreports; i++)
		if (ksm_value(res->reports[i], ksm_lines[0]) >= 0)
			return true;
	return false;
}

static double ksm_x(const struct scn_results *res, unsigned int i)
{
	return res->deterministic ? i + 1 : res->reports[i]->time_s;
}

static double ksm_px(double x, double xmax)
{
	return PLOT_LEFT + x / xmax * (PLOT_RIGHT - PLOT_LEFT);
}

static double ksm_py(double y, double ymax)
{
	return KSM_BOTTOM - y / ymax * (KSM_BOTTOM - KSM_TOP);
}

/* A round maximum for @max (at least 1), on tick_step()'s grid. */
static double round_max(double max)
{
	max = max > 0 ? max : 1;
	return ceil(max / tick_step(max)) * tick_step(max);
}

static void draw_ksm_axes(FILE *out, const struct scn_results *res, double xmax, double ymax)
{
	double step = tick_step(xmax), v;

	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"16\">KSM sharing at each report"
		"</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
		PLOT_LEFT, KSM_TOP - 14, PLOT_LEFT, KSM_BOTTOM, PLOT_RIGHT, KSM_BOTTOM,
		PLOT_LEFT, KSM_TOP, PLOT_LEFT, KSM_BOTTOM);
	for (v = 0; v <= xmax + step / 2; v += step)
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			ksm_px(v, xmax), KSM_BOTTOM + 18, v);
	step = tick_step(ymax);
	for (v = 0; v <= ymax + step / 2; v += step)
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n"
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			PLOT_LEFT - 6, ksm_py(v, ymax) + 4, v, PLOT_LEFT, ksm_py(v, ymax),
			PLOT_RIGHT, ksm_py(v, ymax));
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
		"<text transform=\"translate(20 %d) rotate(-90)\" text-anchor=\"middle\">"
		"pages</text>\n", (PLOT_LEFT + PLOT_RIGHT) / 2, SVG_H + KSM_H - 20,
		res->deterministic ? "report (deterministic run)" : "time (s)",
		(KSM_TOP + KSM_BOTTOM) / 2);
}

/* pages_shared and pages_sharing of every report that has them. */
static void draw_ksm(FILE *out, const struct scn_results *res)
{
	double xmax = 0, ymax = 0;
	unsigned int i, l;

	for (i = 0; i < res->nreports; i++) {
		xmax = max(xmax, ksm_x(res, i));
		for (l = 0; l < ARRAY_SIZE(ksm_lines); l++)
			ymax = max(ymax, (double)ksm_value(res->reports[i], ksm_lines[l]));
	}
	xmax = round_max(xmax);
	ymax = round_max(ymax);
	draw_ksm_axes(out, res, xmax, ymax);
	for (l = 0; l < ARRAY_SIZE(ksm_lines); l++) {
		const char *sep = "";

		fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
			"points=\"", ksm_colors[l]);
		for (i = 0; i < res->nreports; i++) {
			long v = ksm_value(res->reports[i], ksm_lines[l]);

			if (v < 0)
				continue;
			fprintf(out, "%s%.1f,%.1f", sep, ksm_px(ksm_x(res, i), xmax), ksm_py(v, ymax));
			sep = " ";
		}
		fprintf(out, "\"/>\n<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n", PLOT_RIGHT + 20,
			KSM_TOP + 20 * l, ksm_colors[l], PLOT_RIGHT + 38, KSM_TOP + 20 * l + 11,
			ksm_lines[l]);
	}
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
	int height = SVG_H + (has_ksm(res) ? KSM_H : 0);
	struct axes ax;

	find_axes(res, &ax);
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"28\" font-size=\"16\">free memory by order: ",
		SVG_W, height, SVG_W, height, PLOT_LEFT);
	scn_svg_text(out, res->scenario);
	fprintf(out, " (%s)</text>\n", res->backend);
	draw_axes(out, &ax);
	draw_lines(out, res, &ax);
	if (height > SVG_H)
		draw_ksm(out, res);
	fputs("</svg>\n", out);
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
