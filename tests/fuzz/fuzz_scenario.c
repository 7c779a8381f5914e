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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scn_script *s = scn_parse("fuzz.scn", (const char *)data, size, &scn_backend_sim, 0);

	for (unsigned int i = 0; i < s->nerrors; i++)
		if (strncmp(s->errors[i], "fuzz.scn:", 9) || strchr(s->errors[i], '\n'))
			abort();
	scn_script_free(s);
	return 0;
}
