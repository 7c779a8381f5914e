/* SPDX-License-Identifier: MIT */
/*
 * sim_internal.h - inside the sim backend (backend_sim.c): its processes
 * and their memory (sim_process.c) and its kalloc sets (sim_kalloc.c), on
 * pagelab's simulated machine. Included by those three files only.
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

#endif /* PAGELAB_SCENARIO_SIM_INTERNAL_H */
