/* SPDX-License-Identifier: MIT */
/*
 * lexer.c - the scenario language's lexical rules: cut a file into lines
 * and blank-separated tokens (dropping # comments), and read the language's
 * numbers, sizes, durations, ranges and names. Every reader is strict:
 * the whole token must be consumed, and overflow is an error, never a wrap.
 * The command line reads its numbers and sizes the same way, through
 * pagelab_parse_u64() and pagelab_parse_size().
 */
#include <stdlib.h>
#include <string.h>
#include "pagelab/scenario.h"
#include "core/utf8.h"
#include "scenario/parser_internal.h"

/**
 * scn_lexer_init() - start cutting @text into lines.
 * @lx: the lexer.
 * @text: the file's bytes; need not be NUL-terminated and may contain NULs.
 * @len: its length.
 *
 * Context: any; @text must outlive the lexer.
 */
void scn_lexer_init(struct scn_lexer *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
	lx->len = len;
}

static int line_push(struct scn_line *l, char *tok)
{
	if (l->ntok == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 8;
		char **tok_array = realloc(l->tok, cap * sizeof(*tok_array));

		if (!tok_array)
			return -ENOMEM;
		l->tok = tok_array;
		l->cap = cap;
	}
	l->tok[l->ntok++] = tok;
	return 0;
}

/*
 * Record the line's first lexical error: a control character (a CR only
 * ends a line, before its LF), or bytes that are not UTF-8. Return: how
 * many bytes to step over (a whole UTF-8 character).
 */
static size_t check_char(struct scn_line *l, const unsigned char *p, size_t left)
{
	size_t len;

	if (*p < 0x20 || *p == 0x7f) {
		if (l->bad_char < 0 && l->bad_utf8 < 0)
			l->bad_char = *p;
		return 1;
	}
	len = utf8_char_len(p, left);
	if (len)
		return len;
	if (l->bad_char < 0 && l->bad_utf8 < 0)
		l->bad_utf8 = *p;
	return 1;
}

/* Copy one line into l->buf, cut at the comment, and split it into tokens. */
static int line_split(struct scn_line *l, const char *start, size_t n)
{
	char *buf = realloc(l->buf, n + 1), *p;
	bool in_token = false;
	size_t i, step;

	if (!buf)
		return -ENOMEM;
	l->buf = buf;
	memcpy(buf, start, n);
	buf[n] = '\0';
	l->ntok = 0;
	l->bad_char = l->bad_utf8 = -1;
	for (i = 0, p = buf; i < n; i += step, p += step) {
		unsigned char c = *p;

		step = 1;
		if (c == '#')
			break;
		if (c == ' ' || c == '\t' || (c == '\r' && i == n - 1)) {
			*p = '\0';
			in_token = false;
			continue;
		}
		step = check_char(l, (const unsigned char *)p, n - i);
		if (!in_token && line_push(l, p))
			return -ENOMEM;
		in_token = true;
	}
	*p = '\0';
	return 0;
}

/**
 * scn_lexer_next() - the next line that holds a command.
 * @lx: the lexer.
 * @out: the line, valid until the next call.
 *
 * Blank and comment-only lines are skipped. A line with a control
 * character (a CR anywhere but right before the line's end included) is
 * returned with ->bad_char set, one with bytes that are not UTF-8 with
 * ->bad_utf8 set, even if it has no tokens.
 *
 * Context: any.
 * Return: 1 and *@out; 0 at the end of the text; -ENOMEM.
 */
int scn_lexer_next(struct scn_lexer *lx, struct scn_line **out)
{
	while (lx->pos < lx->len) {
		const char *start = lx->text + lx->pos;
		const char *nl = memchr(start, '\n', lx->len - lx->pos);
		size_t n = nl ? (size_t)(nl - start) : lx->len - lx->pos;

		lx->pos += n + (nl ? 1 : 0);
		lx->lineno++;
		if (line_split(&lx->line, start, n))
			return -ENOMEM;
		if (lx->line.ntok || lx->line.bad_char >= 0 || lx->line.bad_utf8 >= 0) {
			lx->line.lineno = lx->lineno;
			*out = &lx->line;
			return 1;
		}
	}
	return 0;
}

/**
 * scn_lexer_free() - free the lexer's line buffers.
 * @lx: the lexer.
 *
 * Context: any.
 */
void scn_lexer_free(struct scn_lexer *lx)
{
	free(lx->line.buf);
	free(lx->line.tok);
	memset(&lx->line, 0, sizeof(lx->line));
}

/**
 * scn_is_name() - whether @s is a name: [A-Za-z_][A-Za-z0-9_]*.
 * @s: the token.
 *
 * Context: pure.
 * Return: true if it is.
 */
bool scn_is_name(const char *s)
{
	const char *p;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (p = s + 1; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* Decimal digits at *@s, up to a non-digit; *@s moves past them. */
static int read_digits(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

/**
 * scn_parse_u64() - read a non-negative decimal integer.
 * @s: the text; all of it must be digits.
 * @out: the value.
 *
 * Context: pure.
 * Return: 0; -EINVAL if @s is not a number; -ERANGE if it overflows.
 */
int scn_parse_u64(const char *s, uint64_t *out)
{
	int ret = read_digits(&s, out);

	if (ret)
		return ret;
	return *s ? -EINVAL : 0;
}

/**
 * scn_parse_long() - read a decimal integer with an optional '-'.
 * @s: the text.
 * @out: the value.
 *
 * Context: pure.
 * Return: 0; -EINVAL if @s is not a number; -ERANGE if it does not fit a long.
 */
int scn_parse_long(const char *s, long *out)
{
	bool neg = *s == '-';
	uint64_t v;
	int ret = scn_parse_u64(s + neg, &v);

	if (ret)
		return ret;
	if (v > (uint64_t)LONG_MAX + neg)
		return -ERANGE;
	*out = neg ? (long)(0 - v) : (long)v;
	return 0;
}

/**
 * scn_parse_size() - read a size: an integer with an optional suffix K, M
 * or G (powers of 1024) or p (4 KiB pages).
 * @s: the text.
 * @bytes: the size in bytes.
 *
 * Context: pure.
 * Return: 0; -EINVAL if @s is not a size; -ERANGE if it overflows.
 */
int scn_parse_size(const char *s, uint64_t *bytes)
{
	unsigned int shift = 0;
	uint64_t v;
	int ret = read_digits(&s, &v);

	if (ret)
		return ret;
	switch (*s) {
	case '\0': break;
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'p': shift = PAGE_SHIFT; break;
	default: return -EINVAL;
	}
	if (*s && s[1])
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

/**
 * scn_parse_duration() - read a duration: an integer with ms or s.
 * @s: the text.
 * @ms: the duration in milliseconds.
 *
 * Context: pure.
 * Return: 0; -EINVAL if @s is not a duration; -ERANGE if it overflows.
 */
int scn_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t v;
	int ret = read_digits(&s, &v);

	if (ret)
		return ret;
	if (!strcmp(s, "ms")) {
		*ms = v;
		return 0;
	}
	if (strcmp(s, "s"))
		return -EINVAL;
	if (v > UINT64_MAX / 1000)
		return -ERANGE;
	*ms = v * 1000;
	return 0;
}

/**
 * scn_parse_range() - read a range: A..B, A..B:STEP or A.
 * @s: the text.
 * @first: A.
 * @last: B, or A when there is no "..B".
 * @step: STEP, or 1 when there is no ":STEP" (**pagelab:** strided page
 *	ranges and loops, docs/scenario.md).
 *
 * Does not check that A <= B nor that STEP is not 0: the caller says so
 * in its own words.
 *
 * Context: pure.
 * Return: 0; -EINVAL if @s is not a range; -ERANGE if a number overflows.
 */
int scn_parse_range(const char *s, uint64_t *first, uint64_t *last, uint64_t *step)
{
	int ret = read_digits(&s, first);

	*step = 1;
	if (ret)
		return ret;
	if (!*s) {
		*last = *first;
		return 0;
	}
	if (strncmp(s, "..", 2))
		return -EINVAL;
	s += 2;
	ret = read_digits(&s, last);
	if (ret || !*s)
		return ret;
	if (*s != ':')
		return -EINVAL;
	return scn_parse_u64(s + 1, step);
}

/**
 * pagelab_parse_size() - read a size as scenarios write it.
 * @text: the text.
 * @bytes: the size in bytes.
 *
 * See include/pagelab/scenario.h; the same as scn_parse_size().
 * Context: pure.
 * Return: 0; -EINVAL if @text is not a size; -ERANGE if it overflows.
 */
int pagelab_parse_size(const char *text, uint64_t *bytes)
{
	return scn_parse_size(text, bytes);
}

/**
 * pagelab_parse_u64() - read a non-negative decimal integer.
 * @text: the text.
 * @value: the number.
 *
 * See include/pagelab/scenario.h; the same as scn_parse_u64().
 * Context: pure.
 * Return: 0; -EINVAL if @text is not a number; -ERANGE if it overflows.
 */
int pagelab_parse_u64(const char *text, uint64_t *value)
{
	return scn_parse_u64(text, value);
}
