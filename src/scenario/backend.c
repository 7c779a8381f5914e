/* SPDX-License-Identifier: MIT */
/*
 * backend.c - the backends of this build, by the name --backend gives.
 *
 * A backend is registered by a line in the table below: its name and its
 * operations table (backend.h). A name the language knows whose backend is
 * not built yet has a NULL table and the reason, so that asking for it says
 * why rather than "unknown". The first entry is the default.
 */
#include <stdio.h>
#include <string.h>
#include "core/compiler.h"
#include "scenario/backend.h"

static const struct {
	const char *name;
	const struct scn_backend *be;	/* NULL: not in this build */
	const char *absent;		/* then why */
} backends[] = {
	{ "sim", &scn_backend_sim, NULL },
	{ "kernel", &scn_backend_kernel, NULL },
};

/* "unknown backend 'NAME' (expected A, B or C)", in @msg. */
static void unknown_backend(const char *name, char *msg, size_t len)
{
	size_t n = snprintf(msg, len, "unknown backend '%s' (expected ", name);

	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		const char *sep = !i ? "" : i + 1 < ARRAY_SIZE(backends) ? ", " : " or ";

		n += snprintf(msg + min(n, len), len - min(n, len), "%s%s", sep,
			      backends[i].name);
	}
	snprintf(msg + min(n, len), len - min(n, len), ")");
}

/**
 * scn_backend_find() - the backend --backend names.
 * @name: a registered name; NULL means the default, sim.
 * @msg: the reason when there is none.
 * @len: its size.
 *
 * Context: any.
 * Return: the backend, or NULL with @msg set.
 */
const struct scn_backend *scn_backend_find(const char *name, char *msg, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (name && strcmp(name, backends[i].name))
			continue;
		if (backends[i].be)
			return backends[i].be;
		snprintf(msg, len, "backend '%s' is not in this build yet (%s); use --backend %s",
			 backends[i].name, backends[i].absent, backends[0].name);
		return NULL;
	}
	unknown_backend(name, msg, len);
	return NULL;
}
