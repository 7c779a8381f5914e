/* SPDX-License-Identifier: MIT */
/*
 * census.h - the frame census of the public interface: every frame of a
 * pagelab machine in exactly one state, counted. Included by pagelab.h.
 *
 * The census is the invariant checker's walk (pagelab_check() runs the
 * same one), so its states add up to the zone's present pages whenever
 * the check passes. docs/design.md, "The frame census", says how each
 * state is decided.
 */
#ifndef PAGELAB_CENSUS_H
#define PAGELAB_CENSUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pagelab_machine;

/**
 * enum pagelab_frame_state - what a frame is used for. The names are the
 * scenario language's frames.STATE (pagelab_frame_state_name()). New
 * states are added before PAGELAB_NR_FRAME_STATES, which stays below
 * PAGELAB_FRAME_STATES_CAP.
 */
enum pagelab_frame_state {
	PAGELAB_FRAMES_FREE,			/* "free": on a buddy free list */
	PAGELAB_FRAMES_PCP,			/* "pcp": on a per-cpu free list */
	PAGELAB_FRAMES_ANON,			/* "anon": a process's anonymous page */
	PAGELAB_FRAMES_KSM,			/* "ksm": a KSM page */
	PAGELAB_FRAMES_SHMEM,			/* "shmem": shared anonymous memory */
	PAGELAB_FRAMES_PAGETABLE,		/* "pagetable": a page-table page */
	PAGELAB_FRAMES_KERNEL_UNMOVABLE,	/* "kernel_unmovable" */
	PAGELAB_FRAMES_KERNEL_RECLAIMABLE,	/* "kernel_reclaimable" */
	PAGELAB_FRAMES_KERNEL_MOVABLE,		/* "kernel_movable" */
	PAGELAB_FRAMES_DRIVER,			/* "driver": a movable_ops page */
	PAGELAB_FRAMES_BALLOON,			/* "balloon": inflated */
	PAGELAB_FRAMES_ISOLATED,		/* "isolated": held by migration */
	PAGELAB_FRAMES_RESERVED,		/* "reserved": never in the allocator
						 * (or not yet: deferred struct
						 * page init has not reached it) */
	PAGELAB_FRAMES_HUGETLB,			/* "hugetlb": a hugetlb pool page */
	PAGELAB_FRAMES_THP,			/* "thp": an anonymous transparent huge page */
	PAGELAB_NR_FRAME_STATES
};

#define PAGELAB_FRAME_STATES_CAP 32

/**
 * struct pagelab_frame_census - the frames of each state.
 * @frames: indexed by enum pagelab_frame_state; the room above
 *	PAGELAB_NR_FRAME_STATES is zero.
 * @total: their sum: the machine's frames (machine.zone_pages).
 */
struct pagelab_frame_census {
	unsigned long frames[PAGELAB_FRAME_STATES_CAP];
	unsigned long total;
};

/**
 * pagelab_frame_census() - count every frame of @m by state.
 * @m: the machine.
 * @census: receives the counts.
 * @msg: receives the problem, if the walk found one.
 * @len: the size of @msg, at least 1.
 *
 * Context: any thread, but exact only while no other thread changes the
 * machine: a frame that moves during the walk can be seen twice or not at
 * all, which is reported as -EUCLEAN (call again once the machine is
 * quiet). Walks every frame; may sleep.
 * Return: 0, -EINVAL for a bad handle, NULL @census or no @msg, -EUCLEAN with the
 * problem in @msg (a frame in no state or in two), or -ENOMEM.
 */
int pagelab_frame_census(struct pagelab_machine *m, struct pagelab_frame_census *census,
			 char *msg, size_t len);

/**
 * pagelab_frame_state_name() - the name of @state (frames.STATE).
 * Context: any; needs no machine.
 * Return: the name, or NULL for a state out of range.
 */
const char *pagelab_frame_state_name(enum pagelab_frame_state state);

#ifdef __cplusplus
}
#endif

#endif /* PAGELAB_CENSUS_H */
