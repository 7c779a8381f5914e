/* SPDX-License-Identifier: MIT */
/*
 * chart.c - the charts the --svg file and the --html page share, each an
 * <svg> element of its own: free memory by order over the run as a
 * stacked area (scn_chart_free_by_order()), and a line chart of values at
 * the reports (scn_chart_lines()), both with the scenario's reports marked.
 *
 * The stacked area puts the highest order at the bottom: after boot nearly
 * all free memory is in the highest order, and fragmentation shows as the
 * low orders growing on top of it and eating into it. The x axis is time
 * in seconds, or the command step in a deterministic run (whose clock only
 * moves at `sleep`).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/compiler.h"
#include "scenario/runner_internal.h"

#define CHART_H		SCN_CHART_H
#define PLOT_LEFT	80
#define PLOT_TOP	70	/* room for the report labels above the plot */
#define PLOT_BOTTOM	(CHART_H - 50)
#define LEGEND_W	230
#define TICKS		5
#define LABEL_ROWS	3
#define MARKS_MAX	40	/* more marked commands are not drawn */
#define MARK_CHARS	32	/* a mark's text, shown; hover for all of it */

/* Order 0 (top of the stack) to order 12 (bottom): light to dark. */
static const char *const order_colors[SCN_ORDERS_MAX] = {
	"#fde725", "#c2df23", "#86d549", "#52c569", "#2ab07f", "#1e9b8a", "#25858e",
	"#2d708e", "#38588c", "#433e85", "#482173", "#440154", "#20002a",
};

struct axes {
	double xmax, ymax;
	int left, right, top, bottom;
	bool steps;
};

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

static double round_up(double v)
{
	v = v > 0 ? v : 1;
	return ceil(v / tick_step(v)) * tick_step(v);
}

static double px(const struct axes *ax, double x)
{
	return ax->left + x / ax->xmax * (ax->right - ax->left);
}

static double py(const struct axes *ax, double y)
{
	return ax->bottom - y / ax->ymax * (ax->bottom - ax->top);
}

/**
 * scn_chart_report_x() - where a report is on the charts' x axis.
 * @res: the run's results.
 * @snap: one of its reports.
 *
 * Context: any. Return: its command step in a deterministic run, else its time.
 */
double scn_chart_report_x(const struct scn_results *res, const struct scn_snapshot *snap)
{
	return res->deterministic ? snap->step : snap->time_s;
}

static double sample_x(const struct scn_results *res, const struct scn_sample *smp)
{
	return res->deterministic ? smp->step : smp->time_s;
}

static void axes_init(struct axes *ax, const struct scn_results *res, int width)
{
	ax->steps = res->deterministic;
	ax->left = PLOT_LEFT;
	ax->right = width - LEGEND_W;
	ax->top = PLOT_TOP;
	ax->bottom = PLOT_BOTTOM;
	ax->xmax = 0;
	for (unsigned int i = 0; i < res->nsamples; i++)
		ax->xmax = max(ax->xmax, sample_x(res, &res->samples[i]));
	for (unsigned int i = 0; i < res->nreports; i++)
		ax->xmax = max(ax->xmax, scn_chart_report_x(res, res->reports[i]));
	ax->xmax = round_up(ax->xmax);
}

static void draw_axes(FILE *out, const struct axes *ax, const char *ylabel)
{
	double step, v;

	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
		ax->left, ax->bottom, ax->right, ax->bottom, ax->left, ax->top, ax->left,
		ax->bottom);
	step = tick_step(ax->xmax);
	for (v = 0; v <= ax->xmax + step / 2; v += step)
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			px(ax, v), ax->bottom + 16, v);
	step = tick_step(ax->ymax);
	for (v = 0; v <= ax->ymax + step / 2; v += step)
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.10g</text>\n"
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ccc\" "
			"stroke-width=\"0.5\"/>\n", ax->left - 6, py(ax, v) + 4, v, ax->left,
			py(ax, v), ax->right, py(ax, v));
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		(ax->left + ax->right) / 2, ax->bottom + 36,
		ax->steps ? "command step (deterministic run)" : "time (s)");
	fprintf(out, "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">",
		(ax->top + ax->bottom) / 2);
	scn_svg_text(out, ylabel);
	fputs("</text>\n", out);
}

/* A dashed line at each report, its label above the plot (in rows: close ones do not overlap). */
static void draw_reports(FILE *out, const struct scn_results *res, const struct axes *ax)
{
	for (unsigned int i = 0; i < res->nreports; i++) {
		double x = px(ax, scn_chart_report_x(res, res->reports[i]));
		int y = ax->top - 8 - 14 * (int)(i % LABEL_ROWS);

		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c00\" "
			"stroke-dasharray=\"4 3\"/>\n<text x=\"%.1f\" y=\"%d\" fill=\"#c00\" "
			"text-anchor=\"middle\" font-size=\"11\">", x, y + 3, x, ax->bottom, x, y);
		scn_svg_text(out, res->reports[i]->label);
		fputs("</text>\n", out);
	}
}

/* A dotted line at each marked command, its text at the foot of the plot (outlined in white). */
static void draw_marks(FILE *out, const struct scn_results *res, const struct axes *ax)
{
	for (unsigned int i = 0; i < res->nmarks && res->nmarks <= MARKS_MAX; i++) {
		const struct scn_mark *m = &res->marks[i];
		char shown[MARK_CHARS + 4];
		double x = px(ax, ax->steps ? m->step : m->time_s);

		fputs("<g><title>", out);
		scn_svg_text(out, m->text);
		fprintf(out, "</title><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#bbb\" stroke-dasharray=\"2 2\"/><text transform=\"translate(%.1f "
			"%d) rotate(-90)\" font-size=\"10\" fill=\"#000\" stroke=\"#fff\" "
			"stroke-width=\"3\" paint-order=\"stroke\">", x, ax->top, x,
			ax->bottom, x - 3, ax->bottom - 4);
		snprintf(shown, sizeof(shown), "%.*s%s", MARK_CHARS, m->text,
			 strlen(m->text) > MARK_CHARS ? "..." : "");
		scn_svg_text(out, shown);
		fputs("</text></g>\n", out);
	}
}

static void svg_open(FILE *out, int width, const char *title, const struct scn_results *res)
{
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"20\" font-size=\"15\">", width, CHART_H, width, CHART_H,
		PLOT_LEFT);
	scn_svg_text(out, title);
	if (res) {
		fputs(": ", out);
		scn_svg_text(out, res->scenario);
		fprintf(out, " (%s)", res->backend);
	}
	fputs("</text>\n", out);
}

static void legend_entry(FILE *out, const struct axes *ax, int row, const char *color,
			 const char *fmt, unsigned int n)
{
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
		"<text x=\"%d\" y=\"%d\">", ax->right + 16, ax->top + 18 * row, color,
		ax->right + 34, ax->top + 18 * row + 11);
	fprintf(out, fmt, n);
	fputs("</text>\n", out);
}

/* Sample @i's free pages in @orders orders. */
static unsigned long sample_free(const struct scn_results *res, unsigned int i,
				 unsigned int orders)
{
	unsigned long total = 0;

	for (unsigned int o = 0; o < orders; o++)
		total += res->samples[i].free_pages[o];
	return total;
}

/* @pages of sample @i on the y axis: pages, or percent of @total. */
static double band_y(const struct axes *ax, bool share, double pages, unsigned long total)
{
	return py(ax, share ? (total ? 100.0 * pages / total : 0) : pages);
}

/* One order's band: the stack below it (@below) to @below plus its pages. */
static void draw_band(FILE *out, const struct scn_results *res, const struct axes *ax,
		      const unsigned long *below, unsigned int order, unsigned int orders,
		      bool share)
{
	unsigned int i;

	fprintf(out, "<polygon fill=\"%s\" stroke=\"none\" points=\"", order_colors[order]);
	for (i = 0; i < res->nsamples; i++)
		fprintf(out, "%.1f,%.1f ", px(ax, sample_x(res, &res->samples[i])),
			band_y(ax, share, below[i] + res->samples[i].free_pages[order],
			       sample_free(res, i, orders)));
	for (i = res->nsamples; i-- > 0;)
		fprintf(out, "%.1f,%.1f%s", px(ax, sample_x(res, &res->samples[i])),
			band_y(ax, share, below[i], sample_free(res, i, orders)), i ? " " : "");
	fputs("\"/>\n", out);
}

/**
 * scn_chart_free_by_order() - the chart of free memory by order over the
 * run: a stacked area, the highest order at the bottom, with the reports
 * marked, and the commands that change the machine's behaviour (compact,
 * sysctl, ksm, thp, balloon target, fault) if there are at most MARKS_MAX.
 * @res: the run's results, with its samples.
 * @out: where to write the <svg> element.
 * @width: its width in pixels.
 * @share: each order's share of free memory, in percent; false: in pages.
 *
 * Context: any; after the run.
 */
void scn_chart_free_by_order(const struct scn_results *res, FILE *out, int width, bool share)
{
	unsigned int orders = min(res->max_order + 1, (unsigned int)SCN_ORDERS_MAX), o, i;
	unsigned long *below = calloc(res->nsamples + 1, sizeof(*below));
	struct axes ax;

	axes_init(&ax, res, width);
	ax.ymax = 0;
	for (i = 0; i < res->nsamples; i++)
		ax.ymax = max(ax.ymax, (double)sample_free(res, i, orders));
	ax.ymax = share ? 100 : round_up(ax.ymax);
	svg_open(out, width, share ? "share of free memory by order" : "free memory by order",
		 res);
	draw_axes(out, &ax, share ? "% of free pages, by the order of the block holding them"
		  : "free pages, by the order of the block holding them");
	for (o = orders; below && res->nsamples && o-- > 0;) {
		draw_band(out, res, &ax, below, o, orders, share);
		for (i = 0; i < res->nsamples; i++)
			below[i] += res->samples[i].free_pages[o];
	}
	free(below);
	draw_marks(out, res, &ax);
	draw_reports(out, res, &ax);
	for (o = 0; o < orders; o++)
		legend_entry(out, &ax, o, order_colors[o], "order %u", o);
	fputs("</svg>\n", out);
}

/**
 * scn_chart_lines() - a line chart of values at each report.
 * @res: the run's results (its reports give x).
 * @out: where to write the <svg> element.
 * @width: its width in pixels.
 * @title: the chart's title.
 * @ylabel: what the values are.
 * @series: @nseries series, each with a value per report (NAN: none there).
 * @steps: each value holds from the report before (the start, for the
 *	first) to its own, as a rate between reports; false: a line through
 *	the values.
 *
 * Later series are drawn thinner and dashed, so that equal ones all show.
 *
 * Context: any; after the run.
 */
void scn_chart_lines(const struct scn_results *res, FILE *out, int width, const char *title,
		     const char *ylabel, const struct scn_series *series, unsigned int nseries,
		     bool steps)
{
	static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
					      "#9467bd", "#8c564b" };
	struct axes ax;
	unsigned int s, i;

	axes_init(&ax, res, width);
	ax.ymax = 0;
	for (s = 0; s < nseries; s++)
		for (i = 0; i < res->nreports; i++)
			if (!isnan(series[s].v[i]))
				ax.ymax = max(ax.ymax, series[s].v[i]);
	ax.ymax = round_up(ax.ymax);
	svg_open(out, width, title, NULL);
	draw_axes(out, &ax, ylabel);
	draw_reports(out, res, &ax);
	for (s = 0; s < nseries; s++) {
		const char *color = colors[s % ARRAY_SIZE(colors)];
		bool first = true;

		fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s "
			"points=\"", color, max(4.0 - 1.2 * s, 1.0),
			s ? " stroke-dasharray=\"6 3\"" : "");
		for (i = 0; i < res->nreports; i++) {
			if (isnan(series[s].v[i]))
				continue;
			if (steps)
				fprintf(out, "%s%.1f,%.1f", first ? "" : " ",
					px(&ax, i ? scn_chart_report_x(res, res->reports[i - 1]) : 0),
					py(&ax, series[s].v[i]));
			fprintf(out, "%s%.1f,%.1f", first && !steps ? "" : " ",
				px(&ax, scn_chart_report_x(res, res->reports[i])),
				py(&ax, series[s].v[i]));
			first = false;
		}
		fputs("\"/>\n", out);
		for (i = 0; i < res->nreports; i++)
			if (!isnan(series[s].v[i]))
				fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
					"<title>%g</title></circle>\n",
					px(&ax, scn_chart_report_x(res, res->reports[i])),
					py(&ax, series[s].v[i]), color, series[s].v[i]);
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\">", ax.right + 16, ax.top + 18 * s, color,
			ax.right + 34, ax.top + 18 * s + 11);
		scn_svg_text(out, series[s].name);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
}
