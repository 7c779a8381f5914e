/* SPDX-License-Identifier: MIT */
/*
 * sim_internal.h - inside the sim backend (backend_sim.c): its processes
 * and their memory (sim_process.c), its kalloc sets (sim_kalloc.c) and its
 * meminfo, zoneinfo and frame census (sim_census.c), on pagelab's
 * simulated machine. Included by those files only.
 */
#ifndef PAGELAB_SCENARIO_SIM_INTERNAL_H
#define PAGELAB_SCENARIO_SIM_INTERNAL_H

#include "machine/machine.h"
#include "scenario/backend.h"

/* The sim backend's processes and their memory (sim_process.c). */
struct sim_procs;
struct sim_procs *sim_procs_create(const struct scn_script *s);
void sim_procs_exit_all(struct sim_procs *procs);
void sim_procs_destroy(struct sim_procs *procs);
int sim_proc_exec(struct scn_run *run, struct sim_procs *procs, const struct scn_cmd *cmd);
int sim_region_value(struct sim_procs *procs, const struct scn_name *name, long *value);
int sim_ksm_stat_value(struct sim_procs *procs, const struct scn_name *name, long *value);
void sim_procs_ksm_snapshot(struct sim_procs *procs, struct scn_snapshot *snap);

/* The sim backend's kalloc sets (sim_kalloc.c). */
struct sim_sets;
struct sim_sets *sim_sets_create(const struct scn_script *s);
void sim_sets_free_all(struct sim_sets *sets);
void sim_sets_destroy(struct sim_sets *sets);
int sim_kalloc(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd);
int sim_kfree(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd);
int sim_kcheck(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd);
long sim_set_value(struct sim_sets *sets, const struct scn_name *name);

/* The sim backend's meminfo, zoneinfo and frame census (sim_census.c). */
int sim_check_proc_name(const struct scn_script *s, const struct scn_name *name, char *msg,
			size_t len);
int sim_proc_value(bool deterministic, const struct scn_name *name, long *value);
int sim_snapshot_proc(bool deterministic, struct scn_snapshot *snap, char *msg, size_t len);

#endif /* PAGELAB_SCENARIO_SIM_INTERNAL_H */
