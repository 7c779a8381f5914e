/* SPDX-License-Identifier: MIT */
/*
 * symtab.c - the parser's name index: name -> the index of the newest
 * symbol of that name (a process, a region of a process, a kalloc set).
 * An open-addressing hash table, so that a script of a million commands
 * (loops make them easy to write) resolves its names in constant time.
 * The table does not own the names: they live as long as the script.
 */
#include <stdlib.h>
#include <string.h>
#include "scenario/parser_internal.h"

/* FNV-1a: any decent spread will do for names. */
static size_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	return h;
}

/* The slot of @name: where it is, or the empty one where it would go. */
static size_t slot_of(const struct scn_symtab *t, const char *name)
{
	size_t i = name_hash(name) & (t->cap - 1);

	while (t->slots[i].name && strcmp(t->slots[i].name, name))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void symtab_grow(struct scn_symtab *t)
{
	struct scn_symtab bigger = { .cap = t->cap ? 2 * t->cap : 16 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	BUG_ON(!bigger.slots);
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].name)
			bigger.slots[slot_of(&bigger, t->slots[i].name)] = t->slots[i];
	bigger.n = t->n;
	free(t->slots);
	*t = bigger;
}

/**
 * scn_symtab_get() - the index last set for @name.
 * @t: the table.
 * @name: the name.
 *
 * Context: parse time, one thread.
 * Return: the index, or -1 if @name was never set.
 */
int scn_symtab_get(const struct scn_symtab *t, const char *name)
{
	size_t i;

	if (!t->n)
		return -1;
	i = slot_of(t, name);
	return t->slots[i].name ? (int)t->slots[i].index : -1;
}

/**
 * scn_symtab_set() - make @index the symbol of @name.
 * @t: the table.
 * @name: the name; must live as long as the table.
 * @index: the symbol's index in its array.
 *
 * Context: parse time, one thread. Aborts if memory runs out.
 */
void scn_symtab_set(struct scn_symtab *t, const char *name, unsigned int index)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap)
		symtab_grow(t);
	i = slot_of(t, name);
	if (!t->slots[i].name)
		t->n++;
	t->slots[i].name = name;
	t->slots[i].index = index;
}

/**
 * scn_symtab_free() - free a table's memory (not the names).
 * @t: the table.
 *
 * Context: parse time, one thread.
 */
void scn_symtab_free(struct scn_symtab *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
