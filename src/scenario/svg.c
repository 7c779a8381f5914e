/* SPDX-License-Identifier: MIT */
/*
 * svg.c - the --svg chart: a self-contained SVG line chart of free memory
 * held in blocks of each order over the run, one line per order, from the
 * runner's buddyinfo samples (at every command boundary, and every 50 ms in
 * threaded runs). The x axis is time in seconds, or the command step in a
 * deterministic run, whose clock only moves at `sleep`.
 */
#include <math.h>
#include "core/compiler.h"
#include "scenario/runner_internal.h"

#define SVG_W		900
#define SVG_H		480
#define PLOT_LEFT	80
#define PLOT_RIGHT	(SVG_W - 170)
#define PLOT_TOP	50
#define PLOT_BOTTOM	(SVG_H - 60)
#define TICKS		5

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

/**
 * scn_report_svg() - write the chart of free memory by order over the run.
 * @res: the run's results, with its samples.
 * @out: where to write the SVG document.
 *
 * Context: any; after the run.
 * Return: 0, or -EIO if writing failed.
 */
int scn_report_svg(const struct scn_results *res, FILE *out)
{
	struct axes ax;

	find_axes(res, &ax);
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"28\" font-size=\"16\">free memory by order: ",
		SVG_W, SVG_H, SVG_W, SVG_H, PLOT_LEFT);
	scn_svg_text(out, res->scenario);
	fprintf(out, " (%s)</text>\n", res->backend);
	draw_axes(out, &ax);
	draw_lines(out, res, &ax);
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
