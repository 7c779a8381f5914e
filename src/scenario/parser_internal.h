/* SPDX-License-Identifier: MIT */
/*
 * parser_internal.h - the parser's state and symbol tables, shared by
 * parser.c (commands) and expect_name.c (the names expect reads).
 */
#ifndef PAGELAB_PARSER_INTERNAL_H
#define PAGELAB_PARSER_INTERNAL_H

#include "scenario/scenario_internal.h"

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
