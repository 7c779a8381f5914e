/* SPDX-License-Identifier: MIT */
/*
 * loop.c - the scenario language's loops, a pagelab extension
 * (docs/scenario.md, "Loops"):
 *
 *	for VAR in A..B[:STEP]
 *	  ...			$VAR or ${VAR} in any token: A, A+STEP, ... <= B
 *	end
 *
 * Loops are expanded at parse time: scn_expand() reads every line of the
 * file, pairs each `for` with its `end`, and hands the parser one command
 * line at a time, with every $VAR of the loops around it replaced by its
 * value. The script that comes out is a plain list of commands, as if it
 * had been written out by hand; each remembers its line and its iteration
 * ("i=7, j=3"), which errors name: "FILE:LINE (i=7, j=3): message". A line
 * reports only its first iteration's error, so one mistake in a loop of a
 * thousand iterations is reported once.
 *
 * Bounds keep a script's expansion sane: loops may produce at most
 * SCN_MAX_LOOP_COMMANDS commands and run SCN_MAX_LOOP_ITERATIONS
 * iterations in all (scn_limits, which the fuzz target lowers), and nest
 * SCN_MAX_LOOP_DEPTH deep. A loop that is
 * certain to cross a bound is refused before it expands (its count is
 * known whenever the bounds of the loops inside it do not depend on its
 * own variable); one that crosses it while expanding is stopped there.
 * Either way the parse stops, with one message.
 *
 * Outside loops, `$` is an ordinary character, as in version 1 of the
 * language: only a `for` line and the lines of a loop's body substitute.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "scenario/parser_internal.h"

struct scn_limits scn_limits = {
	.loop_commands = SCN_MAX_LOOP_COMMANDS,
	.loop_iterations = SCN_MAX_LOOP_ITERATIONS,
	.region_syms = SCN_MAX_REGION_SYMS,
};

enum src_kind { SRC_CMD, SRC_FOR, SRC_END };

/* A line of the file, kept for as many expansions as its loops need. */
struct src_line {
	struct scn_line line;	/* tok points into line.buf, never written */
	enum src_kind kind;
	unsigned int end;	/* SRC_FOR: index of its end (nlines if none) */
	bool bad;		/* SRC_FOR: never expanded (no end, too deep, &) */
	bool bg;		/* the line starts with & */
};

/* A loop variable while its loop runs. */
struct binding {
	const char *name;
	uint64_t value;
	unsigned int line;	/* of its for */
};

struct expander {
	struct parser *p;
	void (*parse)(struct parser *p);
	struct src_line *lines;
	unsigned int nlines, cap;
	bool *reported;		/* by line number: the line has reported an error */
	struct binding vars[SCN_MAX_LOOP_DEPTH];
	unsigned int depth;
	bool iter_stale;	/* vars changed since p->iter was written */
	uint64_t commands, iterations;
	bool stop;		/* a bound was crossed: nothing more is parsed */
	struct scn_line out;	/* the line being parsed, with $VARs replaced */
	size_t out_cap;		/* of out.buf; out.cap counts out.tok and off */
	size_t *off;		/* where each token of out starts in out.buf */
};

/* ------------------------------------------------------------------ */
/* Reading the file                                                    */

static void keep_line(struct expander *x, const struct scn_line *l)
{
	struct src_line *src;
	size_t size = 0, off = 0;
	unsigned int i;

	BUG_ON(scn_grow((void **)&x->lines, &x->cap, x->nlines, sizeof(*x->lines)));
	src = &x->lines[x->nlines++];
	*src = (struct src_line){ .line = *l };
	for (i = 0; i < l->ntok; i++)
		size += strlen(l->tok[i]) + 1;
	src->line.buf = malloc(size + 1);
	src->line.tok = calloc(l->ntok + 1, sizeof(char *));
	BUG_ON(!src->line.buf || !src->line.tok);
	for (i = 0; i < l->ntok; i++) {
		src->line.tok[i] = strcpy(src->line.buf + off, l->tok[i]);
		off += strlen(l->tok[i]) + 1;
	}
	src->line.cap = l->ntok;
	/* "& for" and "& end" pair as loops do, so that the error is told once. */
	src->bg = l->ntok > 1 && !strcmp(l->tok[0], "&");
	if (l->ntok > src->bg && !strcmp(l->tok[src->bg], "for"))
		src->kind = SRC_FOR;
	else if (l->ntok > src->bg && !strcmp(l->tok[src->bg], "end"))
		src->kind = SRC_END;
}

static void read_all(struct expander *x, struct scn_lexer *lx)
{
	struct scn_line *l;
	int ret;

	while ((ret = scn_lexer_next(lx, &l)) > 0)
		keep_line(x, l);
	BUG_ON(ret < 0);
	x->reported = calloc(lx->lineno + 1, sizeof(*x->reported));
	BUG_ON(!x->reported);
}

/* Make line @i the parser's current line, for messages about it. */
static void at_line(struct expander *x, unsigned int i)
{
	struct parser *p = x->p;

	p->line = &x->lines[i].line;
	p->lineno = p->line->lineno;
	p->failed = false;
	p->quiet = x->reported[p->lineno];
}

static void done_line(struct expander *x)
{
	x->reported[x->p->lineno] |= x->p->failed;
}

/*
 * Pair every for with its end, with a stack, and report what does not
 * pair: an end without a for, a for without an end, a for nested too deep.
 * Such a for is never expanded: its body is skipped.
 */
static void pair_loops(struct expander *x)
{
	unsigned int *stack = calloc(x->nlines + 1, sizeof(*stack)), depth = 0, i;

	BUG_ON(!stack);
	for (i = 0; i < x->nlines; i++) {
		struct src_line *l = &x->lines[i];

		if (l->kind == SRC_FOR) {
			l->end = x->nlines;
			at_line(x, i);
			if (l->bg)
				scn_perr(x->p, "'for' cannot run in the background");
			else if (depth >= SCN_MAX_LOOP_DEPTH)
				scn_perr(x->p, "loops nested more than %u deep", SCN_MAX_LOOP_DEPTH);
			l->bad = x->p->failed;
			done_line(x);
			stack[depth++] = i;
		} else if (l->kind == SRC_END) {
			at_line(x, i);
			if (l->bg)
				scn_perr(x->p, "'end' cannot run in the background");
			else if (!depth)
				scn_perr(x->p, "'end' without 'for'");
			else if (l->line.ntok > 1)
				scn_perr(x->p, "unexpected argument '%s' for 'end'", l->line.tok[1]);
			done_line(x);
			if (depth)
				x->lines[stack[--depth]].end = i;
		}
	}
	while (depth) {
		struct src_line *l = &x->lines[stack[--depth]];

		at_line(x, l - x->lines);
		scn_perr(x->p, "'for' without 'end' (a loop ends with a line 'end')");
		done_line(x);
		l->bad = true;
	}
	free(stack);
}

/* ------------------------------------------------------------------ */
/* Variables                                                           */

static const struct binding *lookup(const struct expander *x, const char *name, size_t len)
{
	for (unsigned int d = x->depth; d-- > 0;)
		if (strlen(x->vars[d].name) == len && !strncmp(x->vars[d].name, name, len))
			return &x->vars[d];
	return NULL;
}

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Append @n bytes of @s to x->out.buf at *@len. */
static void out_put(struct expander *x, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > x->out_cap) {
		size_t cap = max(2 * x->out_cap, *len + n + 1);
		char *buf = realloc(x->out.buf, cap);

		BUG_ON(!buf);
		x->out.buf = buf;
		x->out_cap = cap;
	}
	memcpy(x->out.buf + *len, s, n);
	*len += n;
}

/*
 * Append @tok to x->out.buf with $NAME and ${NAME} replaced. A reference
 * to no variable of the loops around is an error when @strict (and kept
 * as written otherwise); a `$` that starts no reference stays a `$`.
 * Return: 0, or -1 after reporting the error (unless @report is false).
 */
static int substitute(struct expander *x, const char *tok, size_t *len, bool strict,
		      bool report)
{
	const char *p = tok;

	while (*p) {
		const char *dollar = strchr(p, '$'), *name, *after;
		const struct binding *b;
		size_t n;
		char num[24];

		if (!dollar) {
			out_put(x, len, p, strlen(p));
			break;
		}
		out_put(x, len, p, dollar - p);
		name = dollar + 1 + (dollar[1] == '{');
		for (n = 0; name_char(name[n]); n++)
			;
		after = name + n;
		if (dollar[1] == '{' && (!n || !name_start(*name) || *after != '}'))
			return report ? scn_perr(x->p, "bad variable reference in '%s' (expected "
						 "$NAME or ${NAME})", tok) : -1;
		if (!n || !name_start(*name)) {		/* "$" alone, "$5": text */
			out_put(x, len, "$", 1);
			p = dollar + 1;
			continue;
		}
		after += dollar[1] == '{';
		b = lookup(x, name, n);
		if (!b && strict)
			return report ? scn_perr(x->p, "unknown loop variable '%.*s' in '%s'",
						 (int)n, name, tok) : -1;
		if (b) {
			snprintf(num, sizeof(num), "%" PRIu64, b->value);
			out_put(x, len, num, strlen(num));
		} else {
			out_put(x, len, dollar, after - dollar);
		}
		p = after;
	}
	out_put(x, len, "", 1);
	return 0;
}

/*
 * x->out: line @i with its variables replaced. Return: 0, or -1 after
 * reporting a bad reference (if @report).
 */
static int expand_line(struct expander *x, unsigned int i, bool report)
{
	const struct scn_line *src = &x->lines[i].line;
	bool strict = x->depth || x->lines[i].kind == SRC_FOR;
	size_t len = 0, *off;
	unsigned int t;

	if (src->ntok > x->out.cap) {
		char **tok = realloc(x->out.tok, src->ntok * sizeof(*tok));

		BUG_ON(!tok);
		x->out.tok = tok;
		off = realloc(x->off, src->ntok * sizeof(*off));
		BUG_ON(!off);
		x->off = off;
		x->out.cap = src->ntok;
	}
	/* Offsets first: the buffer may move while it grows. */
	off = x->off;
	for (t = 0; t < src->ntok; t++) {
		off[t] = len;
		if (substitute(x, src->tok[t], &len, strict, report))
			return -1;
	}
	for (t = 0; t < src->ntok; t++)
		x->out.tok[t] = x->out.buf + off[t];
	x->out.ntok = src->ntok;
	x->out.lineno = src->lineno;
	x->out.bad_char = src->bad_char;
	x->out.bad_utf8 = src->bad_utf8;
	return 0;
}

/* p->iter for the current iteration: "i=7, j=3", written when first needed. */
static void update_iter(struct expander *x)
{
	char buf[SCN_MAX_LOOP_DEPTH * 96];
	size_t n = 0;

	if (!x->iter_stale)
		return;
	x->iter_stale = false;
	if (!x->depth) {
		x->p->iter = NULL;
		return;
	}
	for (unsigned int d = 0; d < x->depth; d++)
		n += snprintf(buf + n, sizeof(buf) - min(n, sizeof(buf)), "%s%.64s=%" PRIu64,
			      d ? ", " : "", x->vars[d].name, x->vars[d].value);
	x->p->iter = scn_strdup(x->p->s, buf);
}

/* ------------------------------------------------------------------ */
/* Expansion                                                           */

/* Stop the parse at the current line: a bound was crossed. */
static void too_big(struct expander *x, const char *fmt, uint64_t count, unsigned int limit)
{
	x->p->quiet = false;	/* the one message this error gets */
	x->p->failed = false;
	scn_perr(x->p, fmt, count, limit);
	x->stop = true;
}

static void emit(struct expander *x, unsigned int i)
{
	struct parser *p = x->p;

	if (x->depth && ++x->commands > scn_limits.loop_commands) {
		update_iter(x);
		at_line(x, i);
		too_big(x, "loops expand past %" PRIu64 " commands; loops may produce at most %u "
			"in all", scn_limits.loop_commands, scn_limits.loop_commands);
		return;
	}
	update_iter(x);
	at_line(x, i);
	if (!expand_line(x, i, true)) {
		p->line = &x->out;
		x->parse(p);
		p->line = &x->lines[i].line;
	} else {
		p->lines++;
	}
	done_line(x);
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

struct loop_range {
	const char *var;	/* in x->out */
	uint64_t first, last, step, count;
};

/*
 * Read for line @i (already in x->out): for VAR in A..B[:STEP]. Return: 0,
 * or -1 after reporting (if @report) what is wrong.
 */
static int loop_header(struct expander *x, struct loop_range *r, bool report)
{
	struct parser *p = x->p;
	const struct binding *b;
	char *const *tok = x->out.tok;
	int err;

	if (!report)
		p->quiet = p->failed = true;
	if (x->out.ntok < 4 || strcmp(tok[2], "in") || x->out.ntok > 4) {
		if (x->out.ntok > 4 && !strcmp(tok[2], "in"))
			return scn_perr(p, "unexpected argument '%s' for 'for'", tok[4]);
		return scn_perr(p, "bad loop (expected for VAR in A..B or for VAR in A..B:STEP)");
	}
	if (!scn_is_name(tok[1]))
		return scn_perr(p, "bad loop variable '%s' (names are [A-Za-z_][A-Za-z0-9_]*)",
				tok[1]);
	b = lookup(x, tok[1], strlen(tok[1]));
	if (b)
		return scn_perr(p, "loop variable '%s' is already the variable of the loop at "
				"line %u", tok[1], b->line);
	err = strstr(tok[3], "..") ? scn_parse_range(tok[3], &r->first, &r->last, &r->step)
				   : -EINVAL;
	if (err == -ERANGE)
		return scn_perr(p, "bad range '%s' for 'for' (numbers are at most %" PRIu64 ")",
				tok[3], UINT64_MAX);
	if (err)
		return scn_perr(p, "bad range '%s' for 'for' (expected A..B or A..B:STEP)", tok[3]);
	if (r->first > r->last)
		return scn_perr(p, "bad range '%s' for 'for' (first after last)", tok[3]);
	if (!r->step)
		return scn_perr(p, "bad range '%s' for 'for' (step 0)", tok[3]);
	r->var = tok[1];
	r->count = (r->last - r->first) / r->step + 1;
	return 0;
}

static uint64_t least_commands(struct expander *x, unsigned int from, unsigned int to);

/*
 * The commands loop @i is sure to produce: its iterations times its body's,
 * or 0 if its header cannot be read yet (it names a variable not yet bound).
 */
static uint64_t loop_least(struct expander *x, unsigned int i)
{
	struct parser *p = x->p;
	struct loop_range r;
	uint64_t body;
	bool failed = p->failed, quiet = p->quiet;

	if (x->lines[i].bad || x->depth == SCN_MAX_LOOP_DEPTH)
		return 0;
	if (expand_line(x, i, false) || loop_header(x, &r, false)) {
		p->failed = failed;
		p->quiet = quiet;
		return 0;
	}
	p->failed = failed;
	p->quiet = quiet;
	/*
	 * A loop of the body that names this one's variable has a count not
	 * known yet: a binding no name matches makes it count 0.
	 */
	x->vars[x->depth++] = (struct binding){ .name = "" };
	body = least_commands(x, i + 1, x->lines[i].end);
	x->depth--;
	return mul_sat(r.count, body);
}

/* The commands lines @from..@to - 1 are sure to produce. */
static uint64_t least_commands(struct expander *x, unsigned int from, unsigned int to)
{
	uint64_t n = 0;

	for (unsigned int i = from; i < to; i++) {
		if (x->lines[i].kind == SRC_CMD) {
			n = add_sat(n, 1);
		} else if (x->lines[i].kind == SRC_FOR) {
			n = add_sat(n, loop_least(x, i));
			i = x->lines[i].end;
		}
	}
	return n;
}

static void run_block(struct expander *x, unsigned int from, unsigned int to);

/* Refuse loop @i if it is sure to cross a bound. Return: true if it does. */
static bool loop_too_big(struct expander *x, unsigned int i, const struct loop_range *r)
{
	uint64_t least;

	if (add_sat(x->iterations, r->count) > scn_limits.loop_iterations) {
		too_big(x, "loop would run %" PRIu64 " iterations; loops may run at most %u "
			"in all", r->count, scn_limits.loop_iterations);
		return true;
	}
	least = mul_sat(r->count, least_commands(x, i + 1, x->lines[i].end));
	if (add_sat(x->commands, least) > scn_limits.loop_commands) {
		too_big(x, "loop would expand to %" PRIu64 " commands; loops may produce at "
			"most %u in all", least, scn_limits.loop_commands);
		return true;
	}
	return false;
}

/* for line @i: read its header, then run its body once per value. */
static void run_loop(struct expander *x, unsigned int i)
{
	const struct src_line *l = &x->lines[i];
	struct loop_range r;
	char *var;
	int bad;

	if (l->bad)
		return;
	update_iter(x);
	at_line(x, i);
	bad = scn_line_chars(x->p) || expand_line(x, i, true) || loop_header(x, &r, true);
	x->p->lines++;
	var = bad ? NULL : strdup(r.var);	/* x->out is about to be reused */
	BUG_ON(!bad && !var);
	if (!bad && loop_too_big(x, i, &r))
		bad = -1;
	done_line(x);
	if (bad) {
		free(var);
		return;		/* its body is skipped */
	}
	x->vars[x->depth] = (struct binding){ .name = var, .line = l->line.lineno };
	x->depth++;
	for (uint64_t k = 0; k < r.count && !x->stop; k++) {
		x->vars[x->depth - 1].value = r.first + k * r.step;
		x->iter_stale = true;
		x->iterations++;
		run_block(x, i + 1, l->end);
	}
	x->depth--;
	x->iter_stale = true;
	free(var);
}

static void run_block(struct expander *x, unsigned int from, unsigned int to)
{
	for (unsigned int i = from; i < to && !x->stop; i++) {
		if (x->lines[i].kind == SRC_CMD)
			emit(x, i);
		else if (x->lines[i].kind == SRC_FOR) {
			run_loop(x, i);
			i = x->lines[i].end;	/* its end, or past the last line */
		}
		/* an end that pairs with no for was reported by pair_loops() */
	}
}

/**
 * scn_expand() - expand the loops of a file and parse its command lines.
 * @p: the parser; its current line, line number and iteration are set
 *	before each call of @parse.
 * @lx: the lexer, at the start of the file.
 * @parse: parses p->line, one command line, with its variables replaced.
 *
 * Reports loop errors ("'for' without 'end'", a bad range, a bound
 * crossed, ...) through scn_perr(), possibly out of line order.
 *
 * Context: parse time, one thread. Aborts if memory runs out.
 */
void scn_expand(struct parser *p, struct scn_lexer *lx, void (*parse)(struct parser *p))
{
	struct expander x = { .p = p, .parse = parse };

	read_all(&x, lx);
	pair_loops(&x);
	run_block(&x, 0, x.nlines);
	p->iter = NULL;
	p->line = NULL;
	for (unsigned int i = 0; i < x.nlines; i++) {
		free(x.lines[i].line.buf);
		free(x.lines[i].line.tok);
	}
	free(x.lines);
	free(x.reported);
	free(x.out.buf);
	free(x.out.tok);
	free(x.off);
}
