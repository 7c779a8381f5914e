/* SPDX-License-Identifier: MIT */
/*
 * kmem_trace.c - read one line of a kernel trace of the kmem page events
 * (kmem_trace.h). The line layouts it knows (docs/replay.md):
 *
 *   ftrace:      COMM-PID [CPU] FLAGS SECS.USECS: EVENT: FIELDS
 *   trace-cmd:   COMM-PID [CPU] SECS.USECS: EVENT: FIELDS
 *   perf script: COMM PID [CPU] SECS.USECS: kmem:EVENT: FIELDS
 *
 * A line is an event when a timestamp token ("SECS.USECS:", or an integer
 * for the counter clocks) is followed by an event token ("NAME:" or
 * "SYSTEM:NAME:"); the CPU is the last "[N]" before the timestamp. FIELDS
 * are KEY=VALUE tokens; keys the reader does not need (page= beyond its
 * NULL-ness, nr_free=, cold=, percpu_refill=...) are ignored, so older and
 * newer kernels' variants read alike. Everything else (headers, perf's
 * call chains, other events) is KMEM_NONE or KMEM_OTHER, never an error: a
 * line is malformed only when it is one of the four kmem events and a field
 * it needs is missing or unreadable.
 *
 * The reader is pure (no allocation, no global state), so any thread may
 * use it and the fuzz target (tests/fuzz/fuzz_replay.c) can drive it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/compiler.h"
#include "scenario/kmem_trace.h"

/* A run of non-blank characters of the line. */
struct token {
	const char *s;
	size_t len;
};

#define MAX_TOKENS	64	/* an event line has about 15; the rest is ignored */
#define NUM_MAX		40	/* the longest number token read */

static const char *const event_names[] = {
	[KMEM_ALLOC] = "mm_page_alloc", [KMEM_FREE] = "mm_page_free",
	[KMEM_FREE_BATCHED] = "mm_page_free_batched", [KMEM_EXTFRAG] = "mm_page_alloc_extfrag",
};

/*
 * gfp_flags names as the kernel's show_gfp_flags() prints them (v6.18),
 * with their bits: the composites, then the single flags. The values are
 * the kernel's, which pagelab's core/gfp.h shares.
 */
#define G_DMA		0x01UL
#define G_HIGHMEM	0x02UL
#define G_DMA32		0x04UL
#define G_MOVABLE	KMEM_GFP_MOVABLE
#define G_RECLAIMABLE	KMEM_GFP_RECLAIMABLE
#define G_HIGH		0x20UL
#define G_IO		0x40UL
#define G_FS		0x80UL
#define G_ZERO		0x100UL
#define G_DIRECT	0x400UL
#define G_KSWAPD	0x800UL
#define G_NOWARN	0x2000UL
#define G_COMP		0x40000UL
#define G_NOMEMALLOC	0x80000UL
#define G_HARDWALL	0x100000UL
#define G_ACCOUNT	0x400000UL
#define G_RECLAIM	(G_DIRECT | G_KSWAPD)
#define G_KERNEL	(G_RECLAIM | G_IO | G_FS)
#define G_HIGHUSER_MOV	(G_KERNEL | G_HARDWALL | G_HIGHMEM | G_MOVABLE)
#define G_THP_LIGHT	((G_HIGHUSER_MOV | G_COMP | G_NOMEMALLOC | G_NOWARN) & ~G_RECLAIM)

static const struct {
	const char *name;
	unsigned long bits;
} gfp_names[] = {
	{ "GFP_TRANSHUGE", G_THP_LIGHT | G_DIRECT }, { "GFP_TRANSHUGE_LIGHT", G_THP_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", G_HIGHUSER_MOV },
	{ "GFP_HIGHUSER", G_KERNEL | G_HARDWALL | G_HIGHMEM },
	{ "GFP_USER", G_KERNEL | G_HARDWALL }, { "GFP_KERNEL_ACCOUNT", G_KERNEL | G_ACCOUNT },
	{ "GFP_KERNEL", G_KERNEL }, { "GFP_NOFS", G_RECLAIM | G_IO },
	{ "GFP_ATOMIC", G_HIGH | G_KSWAPD }, { "GFP_NOIO", G_RECLAIM },
	{ "GFP_NOWAIT", G_KSWAPD | G_NOWARN }, { "GFP_DMA", G_DMA }, { "GFP_DMA32", G_DMA32 },
	{ "__GFP_RECLAIM", G_RECLAIM },
	{ "__GFP_DMA", G_DMA }, { "__GFP_HIGHMEM", G_HIGHMEM }, { "__GFP_DMA32", G_DMA32 },
	{ "__GFP_MOVABLE", G_MOVABLE }, { "__GFP_RECLAIMABLE", G_RECLAIMABLE },
	{ "__GFP_HIGH", G_HIGH }, { "__GFP_IO", G_IO }, { "__GFP_FS", G_FS },
	{ "__GFP_ZERO", G_ZERO }, { "__GFP_DIRECT_RECLAIM", G_DIRECT },
	{ "__GFP_KSWAPD_RECLAIM", G_KSWAPD }, { "__GFP_WRITE", 0x1000UL },
	{ "__GFP_NOWARN", G_NOWARN }, { "__GFP_RETRY_MAYFAIL", 0x4000UL },
	{ "__GFP_NOFAIL", 0x8000UL }, { "__GFP_NORETRY", 0x10000UL },
	{ "__GFP_MEMALLOC", 0x20000UL }, { "__GFP_COMP", G_COMP },
	{ "__GFP_NOMEMALLOC", G_NOMEMALLOC }, { "__GFP_HARDWALL", G_HARDWALL },
	{ "__GFP_THISNODE", 0x200000UL }, { "__GFP_ACCOUNT", G_ACCOUNT },
	{ "__GFP_ZEROTAGS", 0x800000UL }, { "__GFP_NO_OBJ_EXT", 0x1000000UL },
};

/**
 * kmem_event_name() - the tracepoint name of an event type.
 * @type: KMEM_ALLOC .. KMEM_EXTFRAG.
 *
 * Context: pure.
 * Return: "mm_page_alloc" and so on; "other" for the other types.
 */
const char *kmem_event_name(enum kmem_event_type type)
{
	if (type < KMEM_ALLOC || type > KMEM_EXTFRAG)
		return "other";
	return event_names[type];
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool tok_is(const struct token *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

/* Split @line into tokens; returns how many (at most MAX_TOKENS). */
static int tokenize(const char *line, size_t len, struct token *toks)
{
	size_t i = 0;
	int n = 0;

	while (n < MAX_TOKENS) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i >= len || !line[i])
			break;
		toks[n].s = line + i;
		while (i < len && line[i] && !is_blank(line[i]))
			i++;
		toks[n].len = line + i - toks[n].s;
		n++;
	}
	return n;
}

/* "SECS.USECS:" or "COUNT:": the timestamp token. */
static bool is_timestamp(const struct token *t)
{
	size_t i = 0, digits = 0;

	if (t->len < 2 || t->s[t->len - 1] != ':')
		return false;
	while (i < t->len - 1 && is_digit(t->s[i]))
		i++, digits++;
	if (i < t->len - 1 && t->s[i] == '.') {
		i++;
		while (i < t->len - 1 && is_digit(t->s[i]))
			i++;
	}
	return digits && i == t->len - 1;
}

/* "NAME:" or "SYSTEM:NAME:": set @name to NAME and @sys to SYSTEM (len 0 if none). */
static bool is_event_token(const struct token *t, struct token *sys, struct token *name)
{
	const char *colon;

	if (t->len < 2 || t->s[t->len - 1] != ':')
		return false;
	name->s = t->s;
	name->len = t->len - 1;
	sys->s = t->s;
	sys->len = 0;
	colon = memchr(name->s, ':', name->len);
	if (colon) {
		sys->len = colon - t->s;
		name->s = colon + 1;
		name->len = t->s + t->len - 1 - name->s;
	}
	return name->len > 0 && !memchr(name->s, ':', name->len);
}

static enum kmem_event_type event_type(const struct token *sys, const struct token *name)
{
	if (sys->len && !tok_is(sys, "kmem"))
		return KMEM_OTHER;
	for (int t = KMEM_ALLOC; t <= KMEM_EXTFRAG; t++)
		if (tok_is(name, event_names[t]))
			return t;
	return KMEM_OTHER;
}

/* "[N]": a CPU number. */
static bool read_cpu(const struct token *t, int *cpu)
{
	long v = 0;

	if (t->len < 3 || t->len > 8 || t->s[0] != '[' || t->s[t->len - 1] != ']')
		return false;
	for (size_t i = 1; i < t->len - 1; i++) {
		if (!is_digit(t->s[i]))
			return false;
		v = v * 10 + (t->s[i] - '0');
	}
	*cpu = v;
	return true;
}

/* The value of field @key among @toks, or false. */
static bool field(const struct token *toks, int n, const char *key, struct token *val)
{
	size_t klen = strlen(key);

	for (int i = n - 1; i >= 0; i--) {
		if (toks[i].len > klen && toks[i].s[klen] == '=' && !memcmp(toks[i].s, key, klen)) {
			val->s = toks[i].s + klen + 1;
			val->len = toks[i].len - klen - 1;
			return true;
		}
	}
	return false;
}

/* An unsigned number: 0x hex, or decimal (or hex without 0x when @hex). */
static int read_ulong(const struct token *t, bool hex, unsigned long *v)
{
	char buf[NUM_MAX + 1];
	const char *p = buf;
	unsigned long long x = 0;
	int base = hex ? 16 : 10;

	if (!t->len || t->len > NUM_MAX)
		return -EINVAL;
	memcpy(buf, t->s, t->len);
	buf[t->len] = 0;
	if (!strncmp(buf, "0x", 2) || !strncmp(buf, "0X", 2)) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		int d = is_digit(*p) ? *p - '0' : (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f' ?
			(*p | 0x20) - 'a' + 10 : 99;

		if (d >= base)
			return -EINVAL;
		if (x > (~0ULL - d) / base)
			return -ERANGE;
		x = x * base + d;
	}
	*v = x;
	return 0;
}

/* A field that must be there and be a number at most @max. */
static int need_number(const struct token *toks, int n, const char *key, unsigned long max,
		       unsigned long *v, char *msg, size_t msglen)
{
	struct token val;

	if (!field(toks, n, key, &val)) {
		snprintf(msg, msglen, "no %s= field", key);
		return -EINVAL;
	}
	if (read_ulong(&val, false, v) || *v > max) {
		snprintf(msg, msglen, "bad %s '%.*s' (expected a number up to %lu)", key,
			 (int)min(val.len, (size_t)NUM_MAX), val.s, max);
		return -EINVAL;
	}
	return 0;
}

/* One name or mask of gfp_flags=, added to @ev. */
static int gfp_item(const struct token *item, struct kmem_event *ev)
{
	unsigned long bits;

	if (item->len && is_digit(item->s[0])) {
		if (read_ulong(item, false, &bits))
			return -EINVAL;
		ev->gfp |= bits;
		return 0;
	}
	for (size_t i = 0; i < item->len; i++) {
		char c = item->s[i];

		if (!(c == '_' || is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
			return -EINVAL;
	}
	if (!item->len)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names); i++) {
		if (tok_is(item, gfp_names[i].name)) {
			ev->gfp |= gfp_names[i].bits;
			return 0;
		}
	}
	ev->unknown_gfp++;
	return 0;
}

/* gfp_flags=NAME|NAME|0xMASK, or "none". */
static int read_gfp(const struct token *toks, int n, struct kmem_event *ev, char *msg,
		    size_t msglen)
{
	struct token val, item;
	const char *end, *bar;

	if (!field(toks, n, "gfp_flags", &val)) {
		snprintf(msg, msglen, "no gfp_flags= field");
		return -EINVAL;
	}
	if (tok_is(&val, "none"))
		return 0;
	end = val.s + val.len;
	for (item.s = val.s; ; item.s = bar + 1) {
		bar = memchr(item.s, '|', end - item.s);
		item.len = (bar ? bar : end) - item.s;
		if (gfp_item(&item, ev)) {
			snprintf(msg, msglen, "bad gfp_flags '%.*s' (expected flag names or a mask "
				 "joined by '|')", (int)min(val.len, (size_t)200), val.s);
			return -EINVAL;
		}
		if (!bar)
			break;
	}
	if ((ev->gfp & G_MOVABLE) && (ev->gfp & G_RECLAIMABLE)) {
		snprintf(msg, msglen, "gfp_flags ask for both __GFP_MOVABLE and __GFP_RECLAIMABLE");
		return -EINVAL;
	}
	return 0;
}

/* page=: NULL as "(null)", "(nil)" or 0 (a failed allocation), else a page. */
static bool page_is_null(const struct token *val)
{
	unsigned long v;

	if (tok_is(val, "(null)") || tok_is(val, "(nil)"))
		return true;
	return !read_ulong(val, true, &v) && v == 0;
}

static int parse_alloc(const struct token *toks, int n, struct kmem_event *ev, char *msg,
		       size_t msglen)
{
	struct token page;
	unsigned long mt;

	if (!field(toks, n, "page", &page)) {
		snprintf(msg, msglen, "no page= field");
		return -EINVAL;
	}
	ev->failed = page_is_null(&page);
	if (need_number(toks, n, "migratetype", 15, &mt, msg, msglen))
		return -EINVAL;
	ev->migratetype = mt;
	return read_gfp(toks, n, ev, msg, msglen);
}

static int parse_extfrag(const struct token *toks, int n, struct kmem_event *ev, char *msg,
			 size_t msglen)
{
	unsigned long v;

	if (need_number(toks, n, "fallback_order", KMEM_ORDER_MAX, &v, msg, msglen) ||
	    need_number(toks, n, "fragmenting", 1, &v, msg, msglen))
		return -EINVAL;
	ev->fragmenting = v;
	return 0;
}

/* The fields of a kmem event: @toks are those after the event token. */
static int parse_fields(const struct token *toks, int n, struct kmem_event *ev, char *msg,
			size_t msglen)
{
	const char *order_key = ev->type == KMEM_EXTFRAG ? "alloc_order" : "order";
	unsigned long v;

	for (int i = 0; i < n; i++) {
		if (!memchr(toks[i].s, '=', toks[i].len)) {
			snprintf(msg, msglen, "expected KEY=VALUE, found '%.*s'",
				 (int)min(toks[i].len, (size_t)60), toks[i].s);
			return -EINVAL;
		}
	}
	if (need_number(toks, n, "pfn", (~0UL) >> 12, &ev->pfn, msg, msglen))
		return -EINVAL;
	if (ev->type == KMEM_FREE_BATCHED && !field(toks, n, "order", &(struct token){ 0 }))
		v = 0;
	else if (need_number(toks, n, order_key, KMEM_ORDER_MAX, &v, msg, msglen))
		return -EINVAL;
	ev->order = v;
	if (ev->type == KMEM_ALLOC && parse_alloc(toks, n, ev, msg, msglen))
		return -EINVAL;
	if (ev->type == KMEM_EXTFRAG)
		return parse_extfrag(toks, n, ev, msg, msglen);
	if (!ev->failed && ev->pfn & ((1UL << ev->order) - 1)) {
		snprintf(msg, msglen, "pfn 0x%lx is not aligned to order %u (a block of 2^%u "
			 "pages starts at a multiple of %lu)", ev->pfn, ev->order, ev->order,
			 1UL << ev->order);
		return -EINVAL;
	}
	return 0;
}

/* The event token's index (after its timestamp), or -1. */
static int find_event(const struct token *toks, int n, struct token *sys, struct token *name)
{
	for (int i = 0; i + 1 < n; i++)
		if (is_timestamp(&toks[i]) && is_event_token(&toks[i + 1], sys, name))
			return i + 1;
	return -1;
}

/* A kmem event token with no timestamp before it: a malformed event line. */
static bool bare_kmem_event(const struct token *toks, int n)
{
	struct token sys, name;

	for (int i = 0; i < n; i++)
		if (is_event_token(&toks[i], &sys, &name) && event_type(&sys, &name) != KMEM_OTHER)
			return true;
	return false;
}

/**
 * kmem_trace_parse_line() - read one line of a trace.
 * @line: the line (its newline may be included; need not be NUL-terminated).
 * @len: its length in bytes.
 * @ev: receives the event; zeroed first, with @cpu -1.
 * @msg: receives what is wrong with a malformed line, without FILE:LINE.
 * @msglen: the size of @msg.
 *
 * Context: pure; any thread.
 * Return: 0 (@ev->type says what the line is), or -EINVAL for a malformed
 * kmem event line, with @msg set.
 */
int kmem_trace_parse_line(const char *line, size_t len, struct kmem_event *ev, char *msg,
			  size_t msglen)
{
	struct token toks[MAX_TOKENS], sys, name;
	int n = tokenize(line, len, toks), ev_idx, i;
	char stamp[NUM_MAX + 1], why[300];

	memset(ev, 0, sizeof(*ev));
	ev->cpu = -1;
	if (!n || toks[0].s[0] == '#')
		return 0;
	ev_idx = find_event(toks, n, &sys, &name);
	if (ev_idx < 0) {
		ev->type = KMEM_OTHER;
		if (!bare_kmem_event(toks, n))
			return 0;
		snprintf(msg, msglen, "kmem event without a timestamp (SECS.USECS:) before it");
		return -EINVAL;
	}
	ev->type = event_type(&sys, &name);
	if (ev->type == KMEM_OTHER)
		return 0;
	for (i = ev_idx - 2; i >= 0 && !read_cpu(&toks[i], &ev->cpu); i--)
		;
	if (toks[ev_idx - 1].len - 1 > NUM_MAX) {
		snprintf(msg, msglen, "timestamp too long");
		return -EINVAL;
	}
	memcpy(stamp, toks[ev_idx - 1].s, toks[ev_idx - 1].len - 1);
	stamp[toks[ev_idx - 1].len - 1] = 0;
	ev->time_s = strtod(stamp, NULL);
	if (parse_fields(toks + ev_idx + 1, n - ev_idx - 1, ev, why, sizeof(why))) {
		snprintf(msg, msglen, "%s: %s", kmem_event_name(ev->type), why);
		return -EINVAL;
	}
	return 0;
}
