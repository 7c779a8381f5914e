/* SPDX-License-Identifier: MIT */
/*
 * replay.h - `pagelab replay`: a kernel trace of the kmem page events
 * replayed into the simulated allocator (replay.c; docs/replay.md).
 */
#ifndef PAGELAB_SCENARIO_REPLAY_H
#define PAGELAB_SCENARIO_REPLAY_H

#include <stdint.h>

/**
 * struct scn_replay_options - what `pagelab replay` replays and writes.
 * @trace_path: the trace file ("-" for stdin).
 * @memory_bytes: the machine's memory; 0: the trace's (its highest pfn).
 * @json_path: write the JSON report there ("-": stdout, and no text
 *	summary); NULL: none.
 * @interval: --interval DUR (an integer with ms or s), the trace time
 *	between two reports; NULL: 1s.
 */
struct scn_replay_options {
	const char *trace_path;
	uint64_t memory_bytes;
	const char *json_path;
	const char *interval;
};

int scn_replay(const struct scn_replay_options *opts);

#endif /* PAGELAB_SCENARIO_REPLAY_H */
