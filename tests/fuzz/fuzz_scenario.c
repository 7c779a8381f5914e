/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scenario.c - libFuzzer target: any bytes as a scenario file, parsed
 * and checked for the sim backend (scn_parse()), never run. Whatever the
 * input, the parser must return a script (with errors, most of the time)
 * that frees cleanly: no crash, no leak, no undefined behaviour. Every
 * message it produces must be one "FILE:LINE: message" line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "scenario/backend.h"
#include "scenario/parser_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A loop makes a million commands of a few bytes: lower the parse's
 * bounds, so that every input parses in milliseconds (the bounds' own
 * code runs the same at any value).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	scn_limits = (struct scn_limits){ .loop_commands = 200, .loop_iterations = 2000,
					  .region_syms = 200 };
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scn_script *s = scn_parse("fuzz.scn", (const char *)data, size, &scn_backend_sim, 0);

	for (unsigned int i = 0; i < s->nerrors; i++)
		if (strncmp(s->errors[i], "fuzz.scn:", 9) || strchr(s->errors[i], '\n'))
			abort();
	scn_script_free(s);
	return 0;
}
