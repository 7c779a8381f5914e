/* SPDX-License-Identifier: MIT */
/*
 * parser.c - the scenario language's grammar and static checks.
 *
 * scn_parse() reads a whole file into a list of commands. It keeps symbol
 * tables as it goes (processes and their regions with sizes, kalloc sets),
 * so names and page ranges are checked statically, in issue order: a
 * command issued with & counts where it is written. Every erroneous line
 * reports its first error as "FILE:LINE: message"; parsing goes on, so one
 * run shows every bad line. A command that parsed is then offered to the
 * backend (->check_cmd, and ->check_name for an expect), which refuses what
 * it cannot run. The symbols a refused or half-bad command defines (a
 * process, a set) are still defined, so one mistake is reported once.
 * Expect names are parsed in expect_name.c; loops (for ... end) are
 * expanded in loop.c, which hands this file one command line at a time;
 * names are looked up through symtab.c's hash index.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "scenario/parser_internal.h"

static const char *const verb_names[SCN_NR_VERBS] = {
	[SCN_MACHINE] = "machine", [SCN_SYSCTL] = "sysctl", [SCN_KSM_SET] = "ksm",
	[SCN_PROCESS] = "process", [SCN_MMAP] = "mmap", [SCN_TOUCH] = "touch",
	[SCN_READ] = "read", [SCN_CHECK] = "check", [SCN_MADVISE] = "madvise",
	[SCN_MIGRATE] = "migrate", [SCN_FORK] = "fork", [SCN_MUNMAP] = "munmap",
	[SCN_EXIT] = "exit", [SCN_KALLOC] = "kalloc", [SCN_KFREE] = "kfree",
	[SCN_KCHECK] = "kcheck", [SCN_COMPACT] = "compact", [SCN_KSM_WAIT] = "ksm wait",
	[SCN_BALLOON_TARGET] = "balloon", [SCN_BALLOON_WAIT] = "balloon wait",
	[SCN_SLEEP] = "sleep", [SCN_WAIT] = "wait", [SCN_REPORT] = "report",
	[SCN_EXPECT] = "expect", [SCN_THP_SET] = "thp", [SCN_KSM_MERGE] = "ksm merge",
	[SCN_FAULT] = "fault",
};

/**
 * scn_verb_name() - a command's name as the language writes it.
 * @verb: the command.
 *
 * Context: pure.
 * Return: a static string such as "kalloc" or "ksm wait".
 */
const char *scn_verb_name(enum scn_verb verb)
{
	return verb_names[verb];
}

/* ------------------------------------------------------------------ */
/* Memory the script owns, and errors                                  */

/**
 * scn_alloc() - zeroed memory owned by @s, freed by scn_script_free().
 * @s: the script.
 * @size: bytes.
 *
 * Context: parse time, one thread.
 * Return: the memory; aborts the process if there is none.
 */
void *scn_alloc(struct scn_script *s, size_t size)
{
	void *m = calloc(1, size ? size : 1);

	BUG_ON(!m || scn_grow((void **)&s->pool, &s->pool_cap, s->npool, sizeof(void *)));
	s->pool[s->npool++] = m;
	return m;
}

/**
 * scn_strdup() - a copy of @str owned by @s.
 * @s: the script.
 * @str: the string.
 *
 * Context: parse time, one thread.
 * Return: the copy.
 */
char *scn_strdup(struct scn_script *s, const char *str)
{
	size_t n = strlen(str) + 1;

	return memcpy(scn_alloc(s, n), str, n);
}

/**
 * scn_perr() - report the current line's error, unless it already has one.
 * @p: the parser.
 * @fmt: printf format of the message, without FILE:LINE.
 *
 * In a loop the message is "FILE:LINE (i=7): message", and a line reports
 * only the first iteration's error (p->quiet for the later ones).
 *
 * Context: parse time, one thread.
 * Return: -1, so that callers can `return scn_perr(...)`.
 */
int scn_perr(struct parser *p, const char *fmt, ...)
{
	struct scn_script *s = p->s;
	char msg[512], *line;
	va_list ap;
	int n;

	if (p->failed)
		return -1;
	p->failed = true;
	if (p->quiet)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->iter)
		n = asprintf(&line, "%s:%u (%s): %s", s->file, p->lineno, p->iter, msg);
	else
		n = asprintf(&line, "%s:%u: %s", s->file, p->lineno, msg);
	BUG_ON(n < 0);
	BUG_ON(scn_grow((void **)&s->errors, &s->errors_cap, s->nerrors, sizeof(char *)));
	s->errors[s->nerrors++] = line;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Symbol tables                                                       */

/* Words that start a command or a name family: no process may be called so. */
static const char *const reserved[] = {
	"machine", "sysctl", "ksm", "process", "kalloc", "kfree", "kcheck", "compact",
	"balloon", "sleep", "wait", "report", "expect", "vmstat", "buddy", "extfrag",
	"unusable", "compaction", "thp", "fault", "for", "end", "meminfo", "zoneinfo",
	"frames", NULL,
};

/**
 * scn_in_list() - whether @word is one of @list.
 * @word: the word.
 * @list: NULL-terminated words.
 *
 * Context: pure.
 * Return: true if it is.
 */
bool scn_in_list(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(word, *list))
			return true;
	return false;
}

/**
 * scn_find_proc() - the live process called @name.
 * @p: the parser.
 * @name: the name.
 *
 * Context: parse time.
 * Return: the process, or NULL if none lives under that name.
 */
struct proc_sym *scn_find_proc(struct parser *p, const char *name)
{
	int i = scn_symtab_get(&p->proc_names, name);

	return i >= 0 && p->procs[i].alive ? &p->procs[i] : NULL;
}

/**
 * scn_find_region() - the mapped region @name of @proc.
 * @proc: the process.
 * @name: the region's name.
 *
 * Context: parse time.
 * Return: the region, or NULL.
 */
struct region_sym *scn_find_region(struct proc_sym *proc, const char *name)
{
	int i = scn_symtab_get(&proc->region_names, name);

	return i >= 0 && proc->regions[i].alive ? &proc->regions[i] : NULL;
}

/**
 * scn_no_proc() - report a use of process @name, which is not alive.
 * @p: the parser.
 * @name: the name used.
 * @in: the expect name it was used in, or NULL for a command.
 *
 * Says when the process exited, if one of that name did.
 * Context: parse time.
 * Return: -1.
 */
int scn_no_proc(struct parser *p, const char *name, const char *in)
{
	int i = scn_symtab_get(&p->proc_names, name);
	unsigned int line = i >= 0 ? p->procs[i].exit_line : 0;

	if (!line)
		return in ? scn_perr(p, "unknown process '%s' in '%s'", name, in)
			  : scn_perr(p, "unknown process '%s'", name);
	return in ? scn_perr(p, "process '%s' in '%s' exited at line %u", name, in, line)
		  : scn_perr(p, "process '%s' exited at line %u", name, line);
}

/**
 * scn_no_region() - report a use of region @name of @proc, which is not mapped.
 * @p: the parser.
 * @proc: the process.
 * @name: the region's name.
 *
 * Says when the region was unmapped, if one of that name was.
 * Context: parse time.
 * Return: -1.
 */
int scn_no_region(struct parser *p, struct proc_sym *proc, const char *name)
{
	int i = scn_symtab_get(&proc->region_names, name);
	unsigned int line = i >= 0 ? proc->regions[i].unmap_line : 0;

	if (!line)
		return scn_perr(p, "unknown region '%s' of process '%s'", name, proc->name);
	return scn_perr(p, "region '%s' of process '%s' was unmapped at line %u", name,
			proc->name, line);
}

/**
 * scn_find_set() - the id of kalloc set @name.
 * @p: the parser.
 * @name: the set's name.
 *
 * Context: parse time.
 * Return: its index in the script's sets, or -1.
 */
int scn_find_set(struct parser *p, const char *name)
{
	return scn_symtab_get(&p->set_names, name);
}

static int check_name(struct parser *p, const char *name, const char *what)
{
	if (!scn_is_name(name))
		return scn_perr(p, "bad %s '%s' (names are [A-Za-z_][A-Za-z0-9_]*)", what, name);
	return 0;
}

/* A new process, or a process name already taken: the error says which. */
static struct proc_sym *new_proc(struct parser *p, const char *name)
{
	struct proc_sym *proc;

	if (check_name(p, name, "process name"))
		return NULL;
	if (scn_in_list(name, reserved)) {
		scn_perr(p, "'%s' is a command name and cannot name a process", name);
		return NULL;
	}
	if (scn_find_proc(p, name)) {
		scn_perr(p, "process '%s' already exists", name);
		return NULL;
	}
	BUG_ON(scn_grow((void **)&p->procs, &p->procs_cap, p->nprocs, sizeof(*p->procs)));
	proc = &p->procs[p->nprocs];
	*proc = (struct proc_sym){ .name = scn_strdup(p->s, name), .alive = true,
				   .id = p->s->nprocs++ };
	scn_symtab_set(&p->proc_names, proc->name, p->nprocs++);
	return proc;
}

/*
 * Whether @n more regions fit the script's bound. Each region is a symbol
 * that a fork copies, so without a bound a loop of forks of a process
 * with many regions would make the parse itself explode.
 */
static int region_room(struct parser *p, unsigned int n)
{
	if (n > scn_limits.region_syms - p->nregion_syms)
		return scn_perr(p, "too many regions: a script may map at most %u in all (a fork "
				"maps again every region of its parent)", scn_limits.region_syms);
	p->nregion_syms += n;
	return 0;
}

static void add_region(struct proc_sym *proc, const char *name, uint64_t pages)
{
	BUG_ON(scn_grow((void **)&proc->regions, &proc->regions_cap, proc->nregions,
		    sizeof(*proc->regions)));
	BUG_ON(scn_grow((void **)&proc->live, &proc->live_cap, proc->nlive,
		    sizeof(*proc->live)));
	proc->regions[proc->nregions] = (struct region_sym){ .name = name, .pages = pages,
							     .alive = true,
							     .live_pos = proc->nlive };
	proc->live[proc->nlive++] = proc->nregions;
	scn_symtab_set(&proc->region_names, name, proc->nregions++);
}

/* munmap: @r is no longer alive (its symbol stays, for messages). */
static void remove_region(struct proc_sym *proc, struct region_sym *r, unsigned int line)
{
	unsigned int last = proc->live[--proc->nlive];

	proc->live[r->live_pos] = last;
	proc->regions[last].live_pos = r->live_pos;
	r->alive = false;
	r->unmap_line = line;
}

/* ------------------------------------------------------------------ */
/* Arguments: positional words and key=value options                   */

/*
 * Split the tokens after the command word(s) into positionals and options,
 * refusing options the command does not take and options given twice.
 */
static int split_args(struct parser *p, unsigned int from, const char *verb,
		      const char *const *allowed)
{
	unsigned int i, j;

	p->npos = p->nopts = 0;
	for (i = from; i < p->line->ntok; i++) {
		char *tok = p->line->tok[i], *eq = strchr(tok, '=');

		if (!eq) {
			p->pos[p->npos++] = tok;
			continue;
		}
		*eq = '\0';
		if (!allowed || !scn_in_list(tok, allowed))
			return scn_unknown_option(p, tok, verb, allowed);
		for (j = 0; j < p->nopts; j++)
			if (!strcmp(p->opts[j].key, tok))
				return scn_perr(p, "duplicate option '%s' for '%s'", tok, verb);
		p->opts[p->nopts++] = (struct opt){ .key = tok, .val = eq + 1 };
	}
	return 0;
}

/**
 * scn_unknown_option() - report an option @verb does not take.
 * @p: the parser.
 * @key: the option.
 * @verb: the command, as written in messages.
 * @allowed: the options it takes (NULL-terminated), or NULL for none.
 *
 * Context: parse time.
 * Return: -1.
 */
int scn_unknown_option(struct parser *p, const char *key, const char *verb,
		   const char *const *allowed)
{
	char list[256] = "";
	size_t n = 0;

	if (!allowed || !*allowed)
		return scn_perr(p, "unknown option '%s' for '%s' (it takes none)", key, verb);
	for (; *allowed; allowed++)
		n += snprintf(list + n, sizeof(list) - min(n, sizeof(list)), "%s%s",
			      n ? ", " : "", *allowed);
	return scn_perr(p, "unknown option '%s' for '%s' (expected %s)", key, verb, list);
}

/* Check the number of positionals: @names says what each one is. */
static int want_pos(struct parser *p, const char *verb, unsigned int min_pos,
		    const char *const *names)
{
	unsigned int max_pos = 0;

	while (names && names[max_pos])
		max_pos++;
	if (p->npos < min_pos)
		return scn_perr(p, "missing %s for '%s'", names[p->npos], verb);
	if (p->npos > max_pos)
		return scn_perr(p, "unexpected argument '%s' for '%s'", p->pos[max_pos], verb);
	return 0;
}

static const char *get_opt(struct parser *p, const char *key)
{
	unsigned int i;

	for (i = 0; i < p->nopts; i++)
		if (!strcmp(p->opts[i].key, key))
			return p->opts[i].val;
	return NULL;
}

static int num_error(struct parser *p, int err, const char *key, const char *val,
		     uint64_t lo, uint64_t hi)
{
	if (err == -ERANGE)
		return scn_perr(p, "%s=%s is out of range (%" PRIu64 "..%" PRIu64 ")", key, val, lo, hi);
	return scn_perr(p, "bad number '%s' for '%s'", val, key);
}

/* A size that scn_parse_size() refused with @err; @what: " for 'KEY'" or "". */
static int size_error(struct parser *p, int err, const char *val, const char *what)
{
	if (err == -ERANGE)
		return scn_perr(p, "size '%s'%s is out of range (at most %" PRIu64 " bytes)", val,
				what, UINT64_MAX);
	return scn_perr(p, "bad size '%s'%s (expected an integer with an optional K, M, G or p)",
			val, what);
}

/* An optional numeric option in lo..hi; *@out keeps its default if absent. */
static int opt_u64(struct parser *p, const char *key, uint64_t lo, uint64_t hi,
		   uint64_t *out)
{
	const char *val = get_opt(p, key);
	uint64_t v;
	int err;

	if (!val)
		return 0;
	err = scn_parse_u64(val, &v);
	if (!err && (v < lo || v > hi))
		err = -ERANGE;
	if (err)
		return num_error(p, err, key, val, lo, hi);
	*out = v;
	return 0;
}

static int opt_ulong(struct parser *p, const char *key, uint64_t lo, uint64_t hi,
		     unsigned long *out)
{
	uint64_t v = *out;

	if (opt_u64(p, key, lo, hi, &v))
		return -1;
	*out = v;
	return 0;
}

static int opt_uint(struct parser *p, const char *key, uint64_t lo, uint64_t hi,
		    unsigned int *out)
{
	uint64_t v = *out;

	if (opt_u64(p, key, lo, hi, &v))
		return -1;
	*out = v;
	return 0;
}

/* An optional option whose value is one of @words; *@out is its index. */
static int opt_word(struct parser *p, const char *key, const char *const *words,
		    unsigned int *out)
{
	const char *val = get_opt(p, key);
	char list[128] = "";
	size_t n = 0;
	unsigned int i;

	if (!val)
		return 0;
	for (i = 0; words[i]; i++) {
		if (!strcmp(val, words[i])) {
			*out = i;
			return 0;
		}
		n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", words[i]);
	}
	return scn_perr(p, "bad value '%s' for '%s' (expected %s)", val, key, list);
}

static int opt_duration(struct parser *p, const char *key, uint64_t *ms)
{
	const char *val = get_opt(p, key);

	if (val && scn_parse_duration(val, ms))
		return scn_perr(p, "bad duration '%s' for '%s' (expected an integer with ms or s)",
				val, key);
	return 0;
}

static int need_opt(struct parser *p, const char *key, const char *verb)
{
	if (!get_opt(p, key))
		return scn_perr(p, "missing required option '%s' for '%s'", key, verb);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Machine and knobs                                                   */

/* @bytes as a size the language reads back: 256M, 1G, 4K, or plain bytes. */
static void size_text(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && bytes && !(bytes % 1024) && bytes >= 1024) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, bytes);
	else
		snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
}

/* With --connect, the machine is the host's: its memory must be the host's. */
static int check_host_memory(struct parser *p, uint64_t memory_bytes)
{
	char mine[32], host[32];

	if (!p->host_memory || memory_bytes == p->host_memory)
		return 0;
	size_text(mine, sizeof(mine), memory_bytes);
	size_text(host, sizeof(host), p->host_memory);
	return scn_perr(p, "machine memory=%s disagrees with the balloon host's memory %s "
			"(with --connect the machine's memory is the host's)", mine, host);
}

static int validate_machine(const struct scn_machine *m, char *msg, size_t len)
{
	const struct machine_config config = {
		.memory_bytes = m->memory_bytes, .cpus = m->cpus,
		.max_order = m->max_order, .pageblock_order = m->pageblock_order,
	};

	return machine_validate_config(&config, msg, len);
}

static int parse_machine(struct parser *p, struct scn_cmd *c)
{
	static const char *const opts[] = { "memory", "cpus", "max_order",
					    "pageblock_order", "deferred_init", NULL };
	/* In enum deferred_init_mode's order. */
	static const char *const modes[] = { "wait", "background", "off", NULL };
	struct scn_machine *m = &c->machine;
	const char *mem;
	char msg[256];
	int err;

	if (p->lines || p->bg)
		return scn_perr(p, "'machine' must be the first command");
	if (split_args(p, 1, "machine", opts) || want_pos(p, "machine", 0, NULL) ||
	    need_opt(p, "memory", "machine"))
		return -1;
	*m = SCN_DEFAULT_MACHINE;
	mem = get_opt(p, "memory");
	err = scn_parse_size(mem, &m->memory_bytes);
	if (err)
		return size_error(p, err, mem, " for 'memory'");
	if (opt_uint(p, "cpus", 0, UINT_MAX, &m->cpus) ||
	    opt_uint(p, "max_order", 0, UINT_MAX, &m->max_order))
		return -1;
	m->pageblock_order = min(m->pageblock_order, m->max_order);
	if (opt_uint(p, "pageblock_order", 0, UINT_MAX, &m->pageblock_order) ||
	    opt_word(p, "deferred_init", modes, &m->deferred_init))
		return -1;
	if (validate_machine(m, msg, sizeof(msg)))
		return scn_perr(p, "bad machine: %s", msg);
	if (check_host_memory(p, m->memory_bytes))
		return -1;
	p->s->machine = *m;
	p->s->has_machine = true;
	return 0;
}

static int knob_push(struct parser *p, struct scn_cmd *c, const char *verb,
		     const char *key)
{
	unsigned int i;

	for (i = 0; i < c->knobs.n; i++)
		if (!strcmp(c->knobs.v[i].name, key))
			return scn_perr(p, "duplicate option '%s' for '%s'", key, verb);
	c->knobs.v[c->knobs.n++].name = scn_strdup(p->s, key);
	return 0;
}

static int parse_sysctl(struct parser *p, struct scn_cmd *c)
{
	struct scn_line *l = p->line;
	unsigned int i;

	if (l->ntok == p->first + 1)
		return scn_perr(p, "missing vm.NAME=VALUE for 'sysctl'");
	c->knobs.v = scn_alloc(p->s, l->ntok * sizeof(*c->knobs.v));
	for (i = p->first + 1; i < l->ntok; i++) {
		char *key = l->tok[i], *eq = strchr(key, '=');
		struct scn_knob *k;
		int err;

		if (!eq || strncmp(key, "vm.", 3))
			return scn_perr(p, "bad sysctl '%s' (expected vm.NAME=VALUE)", key);
		*eq = '\0';
		if (!scn_is_name(key + 3))
			return scn_perr(p, "bad sysctl name '%s' (expected vm.NAME=VALUE)", key);
		if (knob_push(p, c, "sysctl", key))
			return -1;
		k = &c->knobs.v[c->knobs.n - 1];
		err = scn_parse_long(eq + 1, &k->value);
		if (err == -ERANGE)
			return scn_perr(p, "%s=%s is out of range (%ld..%ld)", key, eq + 1, LONG_MIN,
					LONG_MAX);
		if (err)
			return scn_perr(p, "bad number '%s' for '%s'", eq + 1, key);
	}
	return 0;
}

/* Writable files of /sys/kernel/mm/ksm. */
const char *const scn_ksm_knobs[] = {
	"run", "pages_to_scan", "sleep_millisecs", "max_page_sharing", "use_zero_pages",
	"merge_across_nodes", "smart_scan", "stable_node_chains_prune_millisecs",
	"advisor_mode", "advisor_max_cpu", "advisor_min_pages_to_scan",
	"advisor_max_pages_to_scan", "advisor_target_scan_time", NULL,
};

static int ksm_knob_value(struct parser *p, struct scn_knob *k, const char *val)
{
	static const char *const modes[] = { "none", "scan-time", NULL };
	uint64_t v;
	int err;

	if (!strcmp(k->name, "advisor_mode")) {
		if (!scn_in_list(val, modes))
			return scn_perr(p, "bad value '%s' for 'advisor_mode' (expected none, "
					"scan-time)", val);
		k->word = scn_strdup(p->s, val);
		return 0;
	}
	err = scn_parse_u64(val, &v);
	if (!err && v > LONG_MAX)
		err = -ERANGE;
	if (err)
		return num_error(p, err, k->name, val, 0, LONG_MAX);
	k->value = v;
	return 0;
}

static int parse_ksm_knobs(struct parser *p, struct scn_cmd *c)
{
	struct scn_line *l = p->line;
	unsigned int i;

	c->knobs.v = scn_alloc(p->s, l->ntok * sizeof(*c->knobs.v));
	for (i = p->first + 1; i < l->ntok; i++) {
		char *key = l->tok[i], *eq = strchr(key, '=');

		if (!eq)
			return scn_perr(p, "unexpected argument '%s' for 'ksm' (expected wait or "
					"NAME=VALUE)", key);
		*eq = '\0';
		if (!scn_in_list(key, scn_ksm_knobs))
			return scn_unknown_option(p, key, "ksm", scn_ksm_knobs);
		if (knob_push(p, c, "ksm", key) ||
		    ksm_knob_value(p, &c->knobs.v[c->knobs.n - 1], eq + 1))
			return -1;
	}
	return 0;
}

static int parse_ksm(struct parser *p, struct scn_cmd *c)
{
	static const char *const opts[] = { "scans", "timeout", NULL };
	struct scn_line *l = p->line;

	if (l->ntok == p->first + 1)
		return scn_perr(p, "missing wait or NAME=VALUE for 'ksm'");
	if (strcmp(l->tok[p->first + 1], "wait")) {
		c->verb = SCN_KSM_SET;
		return parse_ksm_knobs(p, c);
	}
	c->verb = SCN_KSM_WAIT;
	c->ksm_wait.scans = 2;
	if (split_args(p, p->first + 2, "ksm wait", opts) || want_pos(p, "ksm wait", 0, NULL))
		return -1;
	return opt_ulong(p, "scans", 1, UINT32_MAX, &c->ksm_wait.scans) ||
	       opt_duration(p, "timeout", &c->ksm_wait.timeout_ms);
}

/* Files of /sys/kernel/mm/transparent_hugepage, with their words if they take words. */
static const struct thp_knob {
	const char *name;
	const char *const *words;	/* NULL: a non-negative number */
} thp_knobs[] = {
	{ "enabled", (const char *const[]){ "always", "madvise", "never", NULL } },
	{ "defrag", (const char *const[]){ "always", "defer", "defer+madvise", "madvise",
					   "never", NULL } },
	{ "shmem_enabled", (const char *const[]){ "always", "within_size", "advise", "never",
						  "deny", "force", NULL } },
	{ "use_zero_page", NULL }, { "shrink_underused", NULL },
	{ "khugepaged/pages_to_scan", NULL }, { "khugepaged/scan_sleep_millisecs", NULL },
	{ "khugepaged/alloc_sleep_millisecs", NULL }, { "khugepaged/max_ptes_none", NULL },
	{ "khugepaged/max_ptes_swap", NULL }, { "khugepaged/max_ptes_shared", NULL },
	{ "khugepaged/defrag", NULL },
};

static int thp_knob_value(struct parser *p, const struct thp_knob *t, struct scn_knob *k,
			  const char *val)
{
	char list[128] = "";
	size_t n = 0;
	uint64_t v;
	int err;

	if (!t->words) {
		err = scn_parse_u64(val, &v);
		if (!err && v > LONG_MAX)
			err = -ERANGE;
		if (err)
			return num_error(p, err, k->name, val, 0, LONG_MAX);
		k->value = v;
		return 0;
	}
	if (scn_in_list(val, t->words)) {
		k->word = scn_strdup(p->s, val);
		return 0;
	}
	for (unsigned int i = 0; t->words[i]; i++)
		n += snprintf(list + n, sizeof(list) - min(n, sizeof(list)), "%s%s", i ? ", " : "",
			      t->words[i]);
	return scn_perr(p, "bad value '%s' for '%s' (expected %s)", val, k->name, list);
}

/* thp NAME=VALUE ...: the transparent huge page knobs (spec 1.1). */
static int parse_thp(struct parser *p, struct scn_cmd *c)
{
	struct scn_line *l = p->line;
	unsigned int i, j;

	if (l->ntok == p->first + 1)
		return scn_perr(p, "missing NAME=VALUE for 'thp'");
	c->knobs.v = scn_alloc(p->s, l->ntok * sizeof(*c->knobs.v));
	for (i = p->first + 1; i < l->ntok; i++) {
		char *key = l->tok[i], *eq = strchr(key, '=');

		if (!eq)
			return scn_perr(p, "unexpected argument '%s' for 'thp' (expected NAME=VALUE)",
					key);
		*eq = '\0';
		for (j = 0; j < ARRAY_SIZE(thp_knobs) && strcmp(key, thp_knobs[j].name); j++)
			;
		if (j == ARRAY_SIZE(thp_knobs))
			return scn_perr(p, "unknown option '%s' for 'thp' (expected enabled, defrag, "
					"shmem_enabled, use_zero_page, shrink_underused or "
					"khugepaged/NAME)", key);
		if (knob_push(p, c, "thp", key) ||
		    thp_knob_value(p, &thp_knobs[j], &c->knobs.v[c->knobs.n - 1], eq + 1))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Kernel-side allocations                                             */

static int set_arg(struct parser *p, const char *name)
{
	int set;

	if (check_name(p, name, "set name"))
		return -1;
	set = scn_find_set(p, name);
	if (set < 0)
		return scn_perr(p, "unknown kalloc set '%s'", name);
	return set;
}

static int define_set(struct parser *p, const char *name)
{
	struct scn_script *s = p->s;
	int set;

	if (check_name(p, name, "set name"))
		return -1;
	set = scn_find_set(p, name);
	if (set >= 0)
		return scn_perr(p, "kalloc set '%s' already exists (line %u)", name,
				s->sets[set].line);
	BUG_ON(scn_grow((void **)&s->sets, &s->sets_cap, s->nsets, sizeof(*s->sets)));
	s->sets[s->nsets] = (struct scn_set){ .name = scn_strdup(s, name), .line = p->lineno };
	scn_symtab_set(&p->set_names, s->sets[s->nsets].name, s->nsets);
	return s->nsets++;
}

static int parse_kalloc(struct parser *p, struct scn_cmd *c)
{
	static const char *const opts[] = { "count", "order", "type", "compact", NULL };
	static const char *const pos[] = { "set name", NULL };
	static const char *const types[] = { "unmovable", "reclaimable", "movable", NULL };
	static const char *const yes_no[] = { "yes", "no", NULL };
	unsigned int type = SCN_UNMOVABLE, no_compact = 0;
	int set;

	if (split_args(p, p->first + 1, "kalloc", opts) || want_pos(p, "kalloc", 1, pos))
		return -1;
	set = define_set(p, p->pos[0]);
	if (set < 0 || need_opt(p, "count", "kalloc") ||
	    opt_ulong(p, "count", 1, UINT32_MAX, &c->kalloc.count) ||
	    opt_uint(p, "order", 0, p->s->machine.max_order, &c->kalloc.order) ||
	    opt_word(p, "type", types, &type) || opt_word(p, "compact", yes_no, &no_compact))
		return -1;
	c->kalloc.set = set;
	p->s->sets[set].order = c->kalloc.order;
	p->s->sets[set].movable = type == SCN_MOVABLE;
	c->kalloc.type = type;
	c->kalloc.compact = !no_compact;
	if (type == SCN_MOVABLE && c->kalloc.order)
		return scn_perr(p, "type=movable needs order=0 (got order=%u)", c->kalloc.order);
	return 0;
}

static int kfree_mode(struct parser *p, struct scn_cmd *c)
{
	bool all = p->npos == 2, every = get_opt(p, "every"), rnd = get_opt(p, "random");

	if (all && strcmp(p->pos[1], "all"))
		return scn_perr(p, "unexpected argument '%s' for 'kfree' (expected all, every=M "
				"or random=PCT)", p->pos[1]);
	if (all + every + rnd > 1)
		return scn_perr(p, "'all', 'every' and 'random' exclude each other in 'kfree'");
	if (get_opt(p, "seed") && !rnd)
		return scn_perr(p, "'seed' needs 'random' in 'kfree'");
	c->kfree.mode = every ? SCN_KFREE_EVERY : rnd ? SCN_KFREE_RANDOM : SCN_KFREE_ALL;
	return 0;
}

static int parse_kfree(struct parser *p, struct scn_cmd *c)
{
	static const char *const opts[] = { "every", "random", "seed", NULL };
	static const char *const pos[] = { "set name", "all", NULL };
	int set;

	if (split_args(p, p->first + 1, "kfree", opts) || want_pos(p, "kfree", 1, pos))
		return -1;
	set = set_arg(p, p->pos[0]);
	if (set < 0 || kfree_mode(p, c) ||
	    opt_ulong(p, "every", 1, UINT32_MAX, &c->kfree.arg) ||
	    opt_ulong(p, "random", 0, 100, &c->kfree.arg) ||
	    opt_u64(p, "seed", 0, UINT64_MAX, &c->kfree.seed))
		return -1;
	c->kfree.set = set;
	return 0;
}

static int parse_kcheck(struct parser *p, struct scn_cmd *c)
{
	static const char *const pos[] = { "set name", NULL };
	int set;

	if (split_args(p, p->first + 1, "kcheck", NULL) || want_pos(p, "kcheck", 1, pos))
		return -1;
	set = set_arg(p, p->pos[0]);
	if (set < 0)
		return -1;
	c->kcheck.set = set;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Daemons, actions, concurrency and observation                       */

static int parse_noargs(struct parser *p, struct scn_cmd *c)
{
	const char *verb = scn_verb_name(c->verb);

	return split_args(p, p->first + 1, verb, NULL) || want_pos(p, verb, 0, NULL);
}

static int parse_balloon(struct parser *p, struct scn_cmd *c)
{
	static const char *const target_opts[] = { "target", NULL };
	static const char *const wait_opts[] = { "timeout", NULL };
	struct scn_line *l = p->line;
	const char *target;
	int err;

	if (l->ntok > p->first + 1 && !strcmp(l->tok[p->first + 1], "wait")) {
		c->verb = SCN_BALLOON_WAIT;
		if (split_args(p, p->first + 2, "balloon wait", wait_opts) ||
		    want_pos(p, "balloon wait", 0, NULL))
			return -1;
		return opt_duration(p, "timeout", &c->balloon_wait.timeout_ms);
	}
	c->verb = SCN_BALLOON_TARGET;
	if (split_args(p, p->first + 1, "balloon", target_opts) ||
	    want_pos(p, "balloon", 0, NULL) || need_opt(p, "target", "balloon"))
		return -1;
	target = get_opt(p, "target");
	err = scn_parse_size(target, &c->balloon.bytes);
	if (err)
		return size_error(p, err, target, " for 'target'");
	if (c->balloon.bytes % PAGE_SIZE)
		return scn_perr(p, "balloon target %s is not a multiple of the page size (%lu)",
				target, PAGE_SIZE);
	return 0;
}

static int parse_sleep(struct parser *p, struct scn_cmd *c)
{
	static const char *const pos[] = { "duration", NULL };

	if (split_args(p, p->first + 1, "sleep", NULL) || want_pos(p, "sleep", 1, pos))
		return -1;
	if (scn_parse_duration(p->pos[0], &c->sleep.ms))
		return scn_perr(p, "bad duration '%s' for 'sleep' (expected an integer with ms or s)",
				p->pos[0]);
	return 0;
}

static int parse_report(struct parser *p, struct scn_cmd *c)
{
	static const char *const pos[] = { "label", NULL };
	char label[128];

	if (split_args(p, p->first + 1, "report", NULL) || want_pos(p, "report", 0, pos))
		return -1;
	if (p->npos) {
		c->report.label = scn_strdup(p->s, p->pos[0]);
		return 0;
	}
	if (p->iter)
		snprintf(label, sizeof(label), "line %u (%s)", p->lineno, p->iter);
	else
		snprintf(label, sizeof(label), "line %u", p->lineno);
	c->report.label = scn_strdup(p->s, label);
	return 0;
}

static int parse_expect(struct parser *p, struct scn_cmd *c)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=", NULL };
	struct scn_line *l = p->line;
	unsigned int n = l->ntok - p->first - 1, i;
	char *const *arg = l->tok + p->first + 1;
	int err;

	if (n < 3)
		return scn_perr(p, "missing %s for 'expect' (expected NAME OP VALUE, separated "
				"by blanks)", n == 0 ? "name" : n == 1 ? "operator" : "value");
	if (n > 3)
		return scn_perr(p, "unexpected argument '%s' for 'expect'", arg[3]);
	if (scn_parse_expect_name(p, arg[0], &c->expect.name))
		return -1;
	for (i = 0; ops[i] && strcmp(arg[1], ops[i]); i++)
		;
	if (!ops[i])
		return scn_perr(p, "bad operator '%s' for 'expect' (expected == != < <= > >=)",
				arg[1]);
	c->expect.op = i;
	err = scn_parse_long(arg[2], &c->expect.value);
	if (err == -ERANGE)
		return scn_perr(p, "value %s is out of range (%ld..%ld)", arg[2], LONG_MIN, LONG_MAX);
	if (err)
		return scn_perr(p, "bad number '%s' for 'expect' (expected an integer)", arg[2]);
	return 0;
}

/**
 * scn_op_name() - how the language writes a comparison.
 * @op: the comparison.
 *
 * Context: pure.
 * Return: "==", "!=", "<", "<=", ">" or ">=".
 */
const char *scn_op_name(enum scn_op op)
{
	static const char *const names[] = { "==", "!=", "<", "<=", ">", ">=" };

	return names[op];
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */

/* The attributes of `fault fail_page_alloc`, for messages. */
static const char *const fault_attrs[] = {
	"probability", "interval", "times", "space", "min_order", "ignore_gfp_wait",
	"ignore_gfp_highmem", "verbose", NULL,
};

/* ATTR=VALUE of `fault POINT`: a number in the attribute's range; Y/N for a boolean. */
static int fault_attr_value(struct parser *p, const char *point, struct scn_knob *k,
			    const char *val)
{
	static const char *const yes[] = { "Y", "y", "1", NULL };
	static const char *const no[] = { "N", "n", "0", NULL };
	long lo, hi;
	int err;

	if (machine_fault_attr_range(point, k->name, &lo, &hi)) {
		char verb[64];

		snprintf(verb, sizeof(verb), "fault %s", point);
		return scn_unknown_option(p, k->name, verb, fault_attrs);
	}
	if (lo == 0 && hi == 1) {
		if (!scn_in_list(val, yes) && !scn_in_list(val, no))
			return scn_perr(p, "bad value '%s' for '%s' (expected Y, N, 1 or 0)", val,
					k->name);
		k->value = scn_in_list(val, yes);
		return 0;
	}
	err = scn_parse_long(val, &k->value);
	if (!err && (k->value < lo || k->value > hi))
		err = -ERANGE;
	if (err == -ERANGE)
		return scn_perr(p, "%s=%s is out of range (%ld..%ld)", k->name, val, lo, hi);
	if (err)
		return scn_perr(p, "bad number '%s' for '%s'", val, k->name);
	return 0;
}

static int parse_fault(struct parser *p, struct scn_cmd *c)
{
	struct scn_line *l = p->line;
	const char *point;

	if (l->ntok == p->first + 1)
		return scn_perr(p, "missing fault name for 'fault' (expected fail_page_alloc)");
	point = l->tok[p->first + 1];
	if (!machine_fault_known(point))
		return scn_perr(p, "unknown fault '%s' (expected fail_page_alloc)", point);
	if (l->ntok == p->first + 2)
		return scn_perr(p, "missing ATTR=VALUE for 'fault %s'", point);
	c->fault.point = scn_strdup(p->s, point);
	c->fault.attrs = scn_alloc(p->s, l->ntok * sizeof(*c->fault.attrs));
	for (unsigned int i = p->first + 2; i < l->ntok; i++) {
		char *key = l->tok[i], *eq = strchr(key, '=');
		struct scn_knob *k = &c->fault.attrs[c->fault.n];

		if (!eq)
			return scn_perr(p, "unexpected argument '%s' for 'fault' (expected ATTR=VALUE)",
					key);
		*eq = '\0';
		for (unsigned int j = 0; j < c->fault.n; j++)
			if (!strcmp(c->fault.attrs[j].name, key))
				return scn_perr(p, "duplicate option '%s' for 'fault'", key);
		k->name = scn_strdup(p->s, key);
		if (fault_attr_value(p, point, k, eq + 1))
			return -1;
		c->fault.n++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Processes                                                           */

static int parse_process(struct parser *p, struct scn_cmd *c)
{
	static const char *const pos[] = { "process name", NULL };
	struct proc_sym *proc;

	if (split_args(p, p->first + 1, "process", NULL) || want_pos(p, "process", 1, pos))
		return -1;
	proc = new_proc(p, p->pos[0]);
	if (!proc)
		return -1;
	c->mm.proc = proc->name;
	c->mm.proc_id = proc->id;
	return 0;
}

/* The region named by the first positional, which must be mapped in @proc. */
static struct region_sym *region_arg(struct parser *p, struct proc_sym *proc,
				     struct scn_cmd *c)
{
	struct region_sym *r;

	if (check_name(p, p->pos[0], "region name"))
		return NULL;
	r = scn_find_region(proc, p->pos[0]);
	if (!r) {
		scn_no_region(p, proc, p->pos[0]);
		return NULL;
	}
	c->mm.region = r->name;
	return r;
}

static int range_opt(struct parser *p, struct proc_sym *proc, struct region_sym *r,
		     struct scn_cmd *c)
{
	struct scn_range *range = &c->mm.range;
	const char *val = get_opt(p, "pages");
	int err;

	if (!val)
		return 0;
	err = scn_parse_range(val, &range->first, &range->last, &range->step);
	if (err == -ERANGE)
		return scn_perr(p, "page range '%s' is out of range (numbers are at most %" PRIu64
				")", val, UINT64_MAX);
	if (err)
		return scn_perr(p, "bad page range '%s' (expected A..B, A..B:STEP or A)", val);
	if (range->first > range->last)
		return scn_perr(p, "bad page range '%s' (first page after last)", val);
	if (!range->step)
		return scn_perr(p, "bad page range '%s' (step 0)", val);
	if (range->last >= r->pages)
		return scn_perr(p, "pages=%s is outside region '%s' of process '%s' (%" PRIu64
				" pages: 0..%" PRIu64 ")", val, r->name, proc->name, r->pages,
				r->pages - 1);
	/*
	 * The last page the stride reaches, so that backends stop at it; a
	 * step that reaches no second page is 1, so that no loop overflows.
	 */
	range->last -= (range->last - range->first) % range->step;
	if (range->last == range->first)
		range->step = 1;
	range->given = true;
	return 0;
}

static int parse_mmap(struct parser *p, struct proc_sym *proc, struct scn_cmd *c)
{
	static const char *const pos[] = { "region name", "size", "private, shared or hugetlb",
					   NULL };
	static const char *const kinds[] = { "private", "shared", "hugetlb", NULL };
	const char *size;
	uint64_t bytes;
	int err;

	if (split_args(p, p->first + 2, "mmap", NULL) || want_pos(p, "mmap", 2, pos) ||
	    check_name(p, p->pos[0], "region name"))
		return -1;
	if (scn_find_region(proc, p->pos[0]))
		return scn_perr(p, "region '%s' already exists in process '%s'", p->pos[0],
				proc->name);
	if (region_room(p, 1))
		return -1;
	size = p->pos[1];
	err = scn_parse_size(size, &bytes);
	if (err)
		return size_error(p, err, size, "");
	if (!bytes || bytes % PAGE_SIZE)
		return scn_perr(p, "region size %s is not a positive multiple of the page size "
				"(%lu)", size, PAGE_SIZE);
	if (p->npos == 3 && !scn_in_list(p->pos[2], kinds))
		return scn_perr(p, "unexpected argument '%s' for 'mmap' (expected private, "
				"shared or hugetlb)", p->pos[2]);
	c->mm.region = scn_strdup(p->s, p->pos[0]);
	c->mm.pages = bytes / PAGE_SIZE;
	c->mm.shared = p->npos == 3 && !strcmp(p->pos[2], "shared");
	c->mm.hugetlb = p->npos == 3 && !strcmp(p->pos[2], "hugetlb");
	if (c->mm.hugetlb && bytes % SCN_HPAGE_SIZE)
		return scn_perr(p, "hugetlb region size %s is not a multiple of the huge page "
				"size (%d)", size, SCN_HPAGE_SIZE);
	add_region(proc, c->mm.region, c->mm.pages);
	return 0;
}

static int touch_opts(struct parser *p, struct scn_cmd *c)
{
	const char *pat = get_opt(p, "pattern");
	int err;

	c->mm.repeat = 1;
	if (opt_u64(p, "seed", 0, UINT64_MAX, &c->mm.seed) ||
	    opt_ulong(p, "repeat", 1, UINT32_MAX, &c->mm.repeat))
		return -1;
	if (!pat)
		return 0;
	err = pattern_parse(pat, &c->mm.pattern);
	if (err == -ERANGE)
		return scn_perr(p, "pattern %s is out of range (byte:0..255, dup:1..4294967295)",
				pat);
	if (err)
		return scn_perr(p, "bad pattern '%s' (expected zero, byte:V, same, dup:K, unique)",
				pat);
	return 0;
}

static int madvise_arg(struct parser *p, struct scn_cmd *c)
{
	static const char *const advice[] = { "mergeable", "unmergeable", "dontneed", "hugepage",
					      "nohugepage", NULL };
	unsigned int i;

	for (i = 0; advice[i]; i++) {
		if (!strcmp(p->pos[1], advice[i])) {
			c->mm.advice = i;
			return 0;
		}
	}
	return scn_perr(p, "bad advice '%s' for 'madvise' (expected mergeable, unmergeable, "
			"dontneed, hugepage, nohugepage)", p->pos[1]);
}

static int parse_fork(struct parser *p, struct proc_sym *proc, struct scn_cmd *c)
{
	static const char *const pos[] = { "child name", NULL };
	struct proc_sym *child;
	unsigned int parent = proc - p->procs, i;

	if (split_args(p, p->first + 2, "fork", NULL) || want_pos(p, "fork", 1, pos))
		return -1;
	child = new_proc(p, p->pos[0]);
	if (!child)
		return -1;
	proc = &p->procs[parent];	/* new_proc() may have moved the table */
	if (region_room(p, proc->nlive))
		return -1;
	for (i = 0; i < proc->nlive; i++) {
		const struct region_sym *r = &proc->regions[proc->live[i]];

		add_region(child, r->name, r->pages);
	}
	c->mm.child = child->name;
	c->mm.child_id = child->id;
	return 0;
}

/* Subcommands that name a region: their positionals and options. */
static const struct region_cmd {
	const char *name;
	enum scn_verb verb;
	const char *const *opts;
	const char *const *pos;
} region_cmds[] = {
	{ "touch", SCN_TOUCH, (const char *const[]){ "pattern", "seed", "pages", "repeat", NULL },
	  (const char *const[]){ "region name", NULL } },
	{ "read", SCN_READ, (const char *const[]){ "pages", NULL },
	  (const char *const[]){ "region name", NULL } },
	{ "check", SCN_CHECK, NULL, (const char *const[]){ "region name", NULL } },
	{ "madvise", SCN_MADVISE, (const char *const[]){ "pages", NULL },
	  (const char *const[]){ "region name", "advice", NULL } },
	{ "migrate", SCN_MIGRATE, (const char *const[]){ "pages", NULL },
	  (const char *const[]){ "region name", NULL } },
	{ "munmap", SCN_MUNMAP, NULL, (const char *const[]){ "region name", NULL } },
};

static int parse_region_cmd(struct parser *p, struct proc_sym *proc,
			    const struct region_cmd *rc, struct scn_cmd *c)
{
	unsigned int npos = 0;
	struct region_sym *r;

	while (rc->pos[npos])
		npos++;
	if (split_args(p, p->first + 2, rc->name, rc->opts) ||
	    want_pos(p, rc->name, npos, rc->pos))
		return -1;
	r = region_arg(p, proc, c);
	if (!r || range_opt(p, proc, r, c))
		return -1;
	if (c->verb == SCN_MADVISE)
		return madvise_arg(p, c);
	if (c->verb == SCN_TOUCH)
		return touch_opts(p, c);
	if (c->verb == SCN_MUNMAP)
		remove_region(proc, r, p->lineno);
	return 0;
}

static const char proc_verbs[] =
	"mmap, touch, read, check, madvise, migrate, fork, munmap, exit, ksm";

/* P ksm merge=on|off: the process-wide KSM switch, as prctl(PR_SET_MEMORY_MERGE). */
static int parse_ksm_merge(struct parser *p, struct scn_cmd *c)
{
	static const char *const opts[] = { "merge", NULL };
	static const char *const on_off[] = { "off", "on", NULL };
	unsigned int on = 0;

	if (split_args(p, p->first + 2, "ksm", opts) || want_pos(p, "ksm", 0, NULL) ||
	    need_opt(p, "merge", "ksm") || opt_word(p, "merge", on_off, &on))
		return -1;
	c->mm.merge = on;
	return 0;
}

static int parse_proc_cmd(struct parser *p, struct proc_sym *proc, struct scn_cmd *c)
{
	struct scn_line *l = p->line;
	const char *verb;
	unsigned int i;

	if (l->ntok == p->first + 1)
		return scn_perr(p, "missing command for process '%s' (expected %s)", proc->name,
				proc_verbs);
	verb = l->tok[p->first + 1];
	c->mm.proc = proc->name;
	c->mm.proc_id = proc->id;
	for (i = 0; i < ARRAY_SIZE(region_cmds); i++) {
		if (!strcmp(verb, region_cmds[i].name)) {
			c->verb = region_cmds[i].verb;
			return parse_region_cmd(p, proc, &region_cmds[i], c);
		}
	}
	if (!strcmp(verb, "mmap"))
		return c->verb = SCN_MMAP, parse_mmap(p, proc, c);
	if (!strcmp(verb, "fork"))
		return c->verb = SCN_FORK, parse_fork(p, proc, c);
	if (!strcmp(verb, "ksm"))
		return c->verb = SCN_KSM_MERGE, parse_ksm_merge(p, c);
	if (strcmp(verb, "exit"))
		return scn_perr(p, "unknown command '%s' for process '%s' (expected %s)", verb,
				proc->name, proc_verbs);
	c->verb = SCN_EXIT;
	if (split_args(p, p->first + 2, "exit", NULL) || want_pos(p, "exit", 0, NULL))
		return -1;
	proc->alive = false;
	proc->exit_line = p->lineno;
	return 0;
}

static bool is_proc_verb(const char *word)
{
	static const char *const words[] = { "mmap", "touch", "read", "check", "madvise",
					     "migrate", "fork", "munmap", "exit", "ksm", NULL };

	return scn_in_list(word, words);
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

static const struct top_cmd {
	const char *name;
	enum scn_verb verb;
	int (*parse)(struct parser *p, struct scn_cmd *c);
} top_cmds[] = {
	{ "machine", SCN_MACHINE, parse_machine },
	{ "sysctl", SCN_SYSCTL, parse_sysctl },
	{ "ksm", SCN_KSM_SET, parse_ksm },
	{ "thp", SCN_THP_SET, parse_thp },
	{ "process", SCN_PROCESS, parse_process },
	{ "kalloc", SCN_KALLOC, parse_kalloc },
	{ "kfree", SCN_KFREE, parse_kfree },
	{ "kcheck", SCN_KCHECK, parse_kcheck },
	{ "compact", SCN_COMPACT, parse_noargs },
	{ "balloon", SCN_BALLOON_TARGET, parse_balloon },
	{ "sleep", SCN_SLEEP, parse_sleep },
	{ "wait", SCN_WAIT, parse_noargs },
	{ "report", SCN_REPORT, parse_report },
	{ "expect", SCN_EXPECT, parse_expect },
	{ "fault", SCN_FAULT, parse_fault },
};

static int parse_command(struct parser *p, struct scn_cmd *c)
{
	struct scn_line *l = p->line;
	const char *word = l->tok[p->first];
	struct proc_sym *proc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(top_cmds); i++) {
		if (!strcmp(word, top_cmds[i].name)) {
			c->verb = top_cmds[i].verb;
			return top_cmds[i].parse(p, c);
		}
	}
	proc = scn_find_proc(p, word);
	if (proc)
		return parse_proc_cmd(p, proc, c);
	if (l->ntok > p->first + 1 && is_proc_verb(l->tok[p->first + 1]))
		return scn_no_proc(p, word, NULL);
	return scn_perr(p, "unknown command '%s'", word);
}

/* The command as written, tokens joined by one blank, without '&'. */
static const char *command_text(struct parser *p)
{
	struct scn_line *l = p->line;
	size_t n = 0, off = 0;
	unsigned int i;
	char *text;

	for (i = p->first; i < l->ntok; i++)
		n += strlen(l->tok[i]) + 1;
	text = scn_alloc(p->s, n);
	for (i = p->first; i < l->ntok; i++)
		off += sprintf(text + off, "%s%s", i > p->first ? " " : "", l->tok[i]);
	return text;
}

static int background(struct parser *p)
{
	struct scn_line *l = p->line;

	p->first = 0;
	p->bg = !strcmp(l->tok[0], "&");
	if (!p->bg)
		return 0;
	p->first = 1;
	if (l->ntok == 1)
		return scn_perr(p, "missing command after '&'");
	if (!strcmp(l->tok[1], "&"))
		return scn_perr(p, "'&' cannot be repeated");
	if (!strcmp(l->tok[1], "wait") || !strcmp(l->tok[1], "for") || !strcmp(l->tok[1], "end"))
		return scn_perr(p, "'%s' cannot run in the background", l->tok[1]);
	return 0;
}

/* Offer a parsed command to the backend: it refuses what it cannot run. */
static int backend_check(struct parser *p, const struct scn_cmd *c)
{
	char msg[400];	/* the sim's list of sysctls is long */

	if (!p->be)
		return 0;
	if (p->be->check_cmd(p->s, c, msg, sizeof(msg)))
		return scn_perr(p, "%s", msg);
	if (c->verb == SCN_EXPECT &&
	    p->be->check_name(p->s, &c->expect.name, msg, sizeof(msg)))
		return scn_perr(p, "%s", msg);
	return 0;
}

/**
 * scn_line_chars() - report the current line's lexical error, if it has one.
 * @p: the parser.
 *
 * Context: parse time.
 * Return: 0, or -1 for a control character or bytes that are not UTF-8.
 */
int scn_line_chars(struct parser *p)
{
	if (p->line->bad_char >= 0)
		return scn_perr(p, "invalid character 0x%02x", p->line->bad_char);
	if (p->line->bad_utf8 >= 0)
		return scn_perr(p, "invalid UTF-8 byte 0x%02x (a scenario is UTF-8 text)",
				p->line->bad_utf8);
	return 0;
}

static void parse_line(struct parser *p)
{
	struct scn_script *s = p->s;
	struct scn_cmd c = { .line = p->lineno, .iter = p->iter };

	if (scn_line_chars(p) || background(p))
		return;
	c.background = p->bg;
	c.text = command_text(p);
	if (parse_command(p, &c) || backend_check(p, &c))
		return;
	BUG_ON(scn_grow((void **)&s->cmds, &s->cmds_cap, s->ncmds, sizeof(*s->cmds)));
	s->cmds[s->ncmds++] = c;
}

static unsigned int count_lines(const char *text, size_t len)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	return n + (len && text[len - 1] != '\n');
}

static void parser_free(struct parser *p)
{
	unsigned int i;

	for (i = 0; i < p->nprocs; i++) {
		free(p->procs[i].regions);
		free(p->procs[i].live);
		scn_symtab_free(&p->procs[i].region_names);
	}
	scn_symtab_free(&p->proc_names);
	scn_symtab_free(&p->set_names);
	free(p->procs);
	free(p->pos);
	free(p->opts);
}

/* One command line, from the file or from a loop's expansion. */
static void parse_one(struct parser *p)
{
	free(p->pos);
	free(p->opts);
	p->pos = calloc(p->line->ntok + 1, sizeof(*p->pos));
	p->opts = calloc(p->line->ntok + 1, sizeof(*p->opts));
	BUG_ON(!p->pos || !p->opts);
	parse_line(p);
	p->lines++;
}

/* The line number of error @e: "FILE:LINE: ..." or "FILE:LINE (i=7): ...". */
static unsigned long error_line(const struct scn_script *s, const char *e)
{
	return strtoul(e + strlen(s->file) + 1, NULL, 10);
}

struct error_ref {
	unsigned long line;
	unsigned int index;
	char *text;
};

static int error_cmp(const void *a, const void *b)
{
	const struct error_ref *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Errors in line order: a loop's iterations can report them out of it. */
static void sort_errors(struct scn_script *s)
{
	struct error_ref *refs;
	unsigned int i;

	if (s->nerrors < 2)
		return;
	refs = calloc(s->nerrors, sizeof(*refs));
	BUG_ON(!refs);
	for (i = 0; i < s->nerrors; i++)
		refs[i] = (struct error_ref){ error_line(s, s->errors[i]), i, s->errors[i] };
	qsort(refs, s->nerrors, sizeof(*refs), error_cmp);
	for (i = 0; i < s->nerrors; i++)
		s->errors[i] = refs[i].text;
	free(refs);
}

/**
 * scn_parse() - parse and check a whole scenario.
 * @file: the file name used in messages.
 * @text: its contents (need not be NUL-terminated).
 * @len: their length.
 * @be: the backend that will run it, asked about every command; NULL to
 *	check the language alone.
 * @host_memory_bytes: the memory of the balloon host the run is connected
 *	to (--connect), or 0 for none. With a host, the machine's memory is
 *	the host's: the default when the script has no machine line, and an
 *	error on a machine line that says otherwise.
 *
 * Context: one thread; touches no machine and no connection.
 * Return: the script, with ->nerrors messages in ->errors, in line order
 * (a script with errors must not run). Free it with scn_script_free().
 * Aborts if memory runs out.
 */
struct scn_script *scn_parse(const char *file, const char *text, size_t len,
			     const struct scn_backend *be, uint64_t host_memory_bytes)
{
	struct scn_script *s = calloc(1, sizeof(*s));
	struct parser p = { .s = s, .be = be, .host_memory = host_memory_bytes };
	struct scn_lexer lx;

	BUG_ON(!s);
	s->file = scn_strdup(s, file);
	s->nlines = count_lines(text, len);
	s->machine = SCN_DEFAULT_MACHINE;
	/* With --connect and no machine line, the machine is the host's size. */
	if (host_memory_bytes)
		s->machine.memory_bytes = host_memory_bytes;
	scn_lexer_init(&lx, text, len);
	scn_expand(&p, &lx, parse_one);
	scn_lexer_free(&lx);
	parser_free(&p);
	sort_errors(s);
	return s;
}

/**
 * scn_script_free() - free a script and everything it owns.
 * @s: the script, or NULL.
 *
 * Context: any; nothing may use the script any more.
 */
void scn_script_free(struct scn_script *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < s->npool; i++)
		free(s->pool[i]);
	for (i = 0; i < s->nerrors; i++)
		free(s->errors[i]);
	free(s->pool);
	free(s->errors);
	free(s->cmds);
	free(s->sets);
	free(s);
}
