/* SPDX-License-Identifier: MIT */
/*
 * parser_internal.h - the parser's state and symbol tables, shared by
 * parser.c (commands) and expect_name.c (the names expect reads), and the
 * lexer's lines, tokens and readers (lexer.c).
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
int scn_parse_range(const char *s, uint64_t *first, uint64_t *last);

/* ------------------------------------------------------------------ */
/* Parser (parser.c, expect_name.c)                                    */

/* A region mapped in a process, while the parse goes. */
struct region_sym {
	const char *name;
	uint64_t pages;
	bool alive;		/* false after munmap */
	unsigned int unmap_line;	/* of its munmap */
};

/* A process instance: `process P` or `Q fork P`. */
struct proc_sym {
	const char *name;
	bool alive;		/* false after exit */
	unsigned int exit_line;	/* of its exit */
	unsigned int id;
	struct region_sym *regions;
	unsigned int nregions, regions_cap;
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
	bool failed;		/* this line has reported its error */
	bool bg;		/* this line starts with & */
	unsigned int lines;	/* command lines before this one, good or bad */
	unsigned int first;	/* index of the command word: 1 after & */
	const char **pos;	/* positional arguments of the current command */
	unsigned int npos;
	struct opt *opts;	/* its key=value options */
	unsigned int nopts;
	struct proc_sym *procs;
	unsigned int nprocs, procs_cap;
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

#endif /* PAGELAB_PARSER_INTERNAL_H */
