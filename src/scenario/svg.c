/* SPDX-License-Identifier: MIT */
/*
 * svg.c - the --svg chart: a self-contained SVG document, the chart of free
 * memory by order over the run that the --html page opens with (chart.c),
 * from the runner's buddyinfo samples (at every command boundary, and every
 * 50 ms in threaded runs); and the escaping of text for SVG and XHTML.
 */
#include "scenario/runner_internal.h"

#define SVG_W		900

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
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	scn_chart_free_by_order(res, out, SVG_W, false);
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
