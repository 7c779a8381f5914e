/* SPDX-License-Identifier: MIT */
/*
 * parser_internal.h - the parser's state and symbol tables, shared by
 * parser.c (commands) and expect_name.c (the names expect reads), the
 * lexer's lines, tokens and readers (lexer.c), and the loops that expand
 * lines into commands (loop.c).
 */
#ifndef PAGELAB_PARSER_INTERNAL_H
#define PAGELAB_PARSER_INTERNAL_H

#include "machine/machine.h"
#include "scenario/backend.h"
#include "scenario/script.h"

/* ------------------------------------------------------------------ */
/* Lexer (lexer.c)                                                     */

/* One line of the file, cut into blank-separated tokens. */
struct scn_line {
	unsigned int lineno;
	char *buf;		/* the line without its comment, NUL-separated */
	char **tok;
	unsigned int ntok, cap;
	int bad_char;		/* first control character found, or -1 */
	int bad_utf8;		/* first byte that starts no UTF-8 character, or -1 */
};

struct scn_lexer {
	const char *text;
	size_t len, pos;
	unsigned int lineno;
	struct scn_line line;
};

void scn_lexer_init(struct scn_lexer *lx, const char *text, size_t len);
int scn_lexer_next(struct scn_lexer *lx, struct scn_line **out);
void scn_lexer_free(struct scn_lexer *lx);
bool scn_is_name(const char *s);
int scn_parse_u64(const char *s, uint64_t *out);
int scn_parse_long(const char *s, long *out);
int scn_parse_size(const char *s, uint64_t *bytes);
int scn_parse_duration(const char *s, uint64_t *ms);
int scn_parse_range(const char *s, uint64_t *first, uint64_t *last, uint64_t *step);

/* ------------------------------------------------------------------ */
/* Parser (parser.c, expect_name.c)                                    */

/* Name -> index of the newest symbol of that name (symtab.c). */
struct scn_symtab {
	struct {
		const char *name;	/* NULL: an empty slot */
		unsigned int index;
	} *slots;
	size_t cap, n;		/* cap: a power of two, or 0 */
};

int scn_symtab_get(const struct scn_symtab *t, const char *name);
void scn_symtab_set(struct scn_symtab *t, const char *name, unsigned int index);
void scn_symtab_free(struct scn_symtab *t);

/*
 * A region mapped in a process, while the parse goes. Only the newest
 * symbol of a name can be alive: a name is taken again only after its
 * munmap (or, for a process, its exit).
 */
struct region_sym {
	const char *name;
	uint64_t pages;
	bool alive;		/* false after munmap */
	unsigned int unmap_line;	/* of its munmap */
	unsigned int live_pos;	/* while alive: its place in the process's live[] */
};

/* A process instance: `process P` or `Q fork P`. */
struct proc_sym {
	const char *name;
	bool alive;		/* false after exit */
	unsigned int exit_line;	/* of its exit */
	unsigned int id;
	struct region_sym *regions;
	unsigned int nregions, regions_cap;
	struct scn_symtab region_names;
	unsigned int *live;	/* indexes of the alive regions, in no order */
	unsigned int nlive, live_cap;
};

struct opt {
	const char *key, *val;
};

struct parser {
	struct scn_script *s;
	const struct scn_backend *be;
	uint64_t host_memory;	/* the --connect host's memory, or 0 */
	struct scn_line *line;
	unsigned int lineno;
	const char *iter;	/* in a loop: "i=7, j=3", owned by the script; else NULL */
	bool failed;		/* this line has reported its error */
	bool quiet;		/* an earlier iteration of this line reported one */
	bool bg;		/* this line starts with & */
	unsigned int lines;	/* command lines before this one, good or bad */
	unsigned int first;	/* index of the command word: 1 after & */
	const char **pos;	/* positional arguments of the current command */
	unsigned int npos;
	struct opt *opts;	/* its key=value options */
	unsigned int nopts;
	struct proc_sym *procs;
	unsigned int nprocs, procs_cap;
	struct scn_symtab proc_names, set_names;
	unsigned int nregion_syms;	/* regions of every process: mmap and fork copies */
};

int scn_perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int scn_unknown_option(struct parser *p, const char *key, const char *verb,
		   const char *const *allowed);
void *scn_alloc(struct scn_script *s, size_t size);
char *scn_strdup(struct scn_script *s, const char *str);
struct proc_sym *scn_find_proc(struct parser *p, const char *name);
struct region_sym *scn_find_region(struct proc_sym *proc, const char *name);
int scn_no_proc(struct parser *p, const char *name, const char *in);
int scn_no_region(struct parser *p, struct proc_sym *proc, const char *name);
int scn_find_set(struct parser *p, const char *name);
extern const char *const scn_ksm_knobs[];
bool scn_in_list(const char *word, const char *const *list);
int scn_parse_expect_name(struct parser *p, const char *text, struct scn_name *name);
int scn_line_chars(struct parser *p);

/* ------------------------------------------------------------------ */
/* Loops (loop.c): for VAR in A..B[:STEP] ... end, expanded at parse time */

#define SCN_MAX_LOOP_COMMANDS	1000000U	/* commands loops may produce */
#define SCN_MAX_LOOP_ITERATIONS	10000000U	/* iterations of all loops */
#define SCN_MAX_LOOP_DEPTH	8U		/* loops inside loops */
#define SCN_MAX_REGION_SYMS	1000000U	/* regions mapped or copied by fork */

/*
 * The bounds a parse enforces: the values above, which the fuzz target
 * lowers so that no input takes long (tests/fuzz/fuzz_scenario.c).
 */
struct scn_limits {
	unsigned int loop_commands, loop_iterations, region_syms;
};
extern struct scn_limits scn_limits;

void scn_expand(struct parser *p, struct scn_lexer *lx, void (*parse)(struct parser *p));

#endif /* PAGELAB_PARSER_INTERNAL_H */
