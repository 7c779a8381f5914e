# Test registration. Labels:
#   unit      cmocka unit tests
#   stress    seeded multi-threaded stress tests (scaled down under sanitizers)
#   scenario  tests/scenarios/*.scn run through the CLI, with expect lines
#   sanitize  the subset `make check` also runs in the ASan+UBSan and TSan builds
#   layers    the layer order of docs/design.md, read from includes and symbols
#   model     Promela models (tests/model/) checked exhaustively with spin
#   replay    tests/replay/*.trace through `pagelab replay`, with expected counts

function(pagelab_test name src)
  cmake_parse_arguments(T "" "" "LABELS" ${ARGN})
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE src tests)
  target_link_libraries(${name} PRIVATE pagelab_static PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 300)
endfunction()

# --- the machine: boot table, layer order ---
pagelab_test(test_boot tests/unit/test_boot.c LABELS unit sanitize)
pagelab_test(test_deferred_init tests/unit/test_deferred_init.c LABELS unit sanitize)
add_test(NAME layers COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/check_layers.sh ${CMAKE_SOURCE_DIR}
         ${CMAKE_BINARY_DIR}/CMakeFiles/pagelab_obj.dir)
set_tests_properties(layers PROPERTIES LABELS "layers" TIMEOUT 300)

add_test(NAME install COMMAND sh ${CMAKE_SOURCE_DIR}/tests/install/install.sh ${CMAKE_BINARY_DIR}
         ${CMAKE_SOURCE_DIR})
set_tests_properties(install PROPERTIES LABELS "install" TIMEOUT 300)

# pagelab-bench, one short repetition on a small machine: the code runs, no
# figure is judged.
add_test(NAME bench_smoke COMMAND sh ${CMAKE_SOURCE_DIR}/tests/bench/bench_smoke.sh
         $<TARGET_FILE:pagelab-bench>)
set_tests_properties(bench_smoke PROPERTIES LABELS "bench" TIMEOUT 120)

# --- core (page flags, bitmaps, refcounts, page lock, lock order, reports) ---
pagelab_test(test_page tests/unit/test_page.c LABELS unit sanitize)
pagelab_test(test_bitmap tests/unit/test_bitmap.c LABELS unit sanitize)
pagelab_test(test_page_lock tests/unit/test_page_lock.c LABELS unit sanitize)
pagelab_test(test_lockdep tests/unit/test_lockdep.c LABELS unit)
pagelab_test(test_reports tests/unit/test_reports.c LABELS unit sanitize)
pagelab_test(test_api tests/unit/test_api.c LABELS unit sanitize)
pagelab_test(test_validators tests/unit/test_validators.c LABELS unit sanitize)
pagelab_test(test_census tests/unit/test_census.c LABELS unit sanitize)

# --- the public API without a machine (config checks, size parsing) ---
pagelab_test(test_config tests/unit/test_config.c LABELS unit sanitize)

# --- address spaces ---
pagelab_test(test_vm tests/unit/test_vm.c LABELS unit sanitize)
pagelab_test(test_hugetlb tests/unit/test_hugetlb.c LABELS unit sanitize)
pagelab_test(test_stress_vm tests/stress/stress_vm.c LABELS stress sanitize)

# --- migration ---
pagelab_test(test_migrate tests/unit/test_migrate.c LABELS unit sanitize)
pagelab_test(test_migrate_large tests/unit/test_migrate_large.c LABELS unit sanitize)
pagelab_test(test_migrate_pmd tests/unit/test_migrate_pmd.c LABELS unit sanitize)
pagelab_test(test_stress_migrate tests/stress/stress_migrate.c LABELS stress sanitize)
pagelab_test(test_stress_thp tests/stress/stress_thp.c LABELS stress sanitize)

# --- compaction ---
pagelab_test(test_compaction tests/unit/test_compaction.c LABELS unit sanitize)
pagelab_test(test_compaction_heuristics tests/unit/test_compaction_heuristics.c LABELS unit sanitize)
# Both fill and drain a 64 MiB zone page by page; at PAGELAB_DEBUG=2 every
# pcp refill and drain validates all free lists: minutes under TSan on a
# busy machine.
set_tests_properties(test_compaction test_compaction_heuristics PROPERTIES TIMEOUT 900)

# --- KSM ---
pagelab_test(test_ksm tests/unit/test_ksm.c LABELS unit sanitize)
pagelab_test(test_rbtree tests/unit/test_rbtree.c LABELS unit sanitize)
pagelab_test(test_stress_ksm tests/stress/stress_ksm.c LABELS stress sanitize)

# --- allocator ---
pagelab_test(test_buddy tests/unit/test_buddy.c LABELS unit sanitize)
pagelab_test(test_fallback tests/unit/test_fallback.c LABELS unit sanitize)
pagelab_test(test_watermark tests/unit/test_watermark.c LABELS unit sanitize)
pagelab_test(test_pcp tests/unit/test_pcp.c LABELS unit sanitize)
pagelab_test(test_vmstat tests/unit/test_vmstat.c LABELS unit sanitize)
pagelab_test(test_fail_page_alloc tests/unit/test_fail_page_alloc.c LABELS unit sanitize)
pagelab_test(test_fail_nth tests/unit/test_fail_nth.c LABELS unit sanitize)
# One child process per failure site (~270): minutes under a sanitizer on a busy machine.
set_tests_properties(test_fail_nth PROPERTIES TIMEOUT 900)
pagelab_test(test_stress_alloc tests/stress/stress_alloc.c LABELS stress sanitize)

# --- scenario language ---
pagelab_test(test_parser tests/unit/test_parser.c LABELS unit sanitize)
pagelab_test(test_pattern tests/unit/test_pattern.c LABELS unit sanitize)
pagelab_test(test_runner tests/unit/test_runner.c LABELS unit sanitize)
pagelab_test(test_kernel_knobs tests/unit/test_kernel_knobs.c LABELS unit sanitize)
pagelab_test(test_scenario_input tests/unit/test_scenario_input.c LABELS unit sanitize)

# pagelab_scenario(NAME FILE [LABELS ...] [ARGS ...]): `pagelab run FILE ARGS`
# must exit 0.
function(pagelab_scenario name file)
  cmake_parse_arguments(S "" "" "LABELS;ARGS" ${ARGN})
  add_test(NAME scn_${name} COMMAND pagelab run ${CMAKE_SOURCE_DIR}/${file} ${S_ARGS})
  set_tests_properties(scn_${name} PROPERTIES LABELS "scenario;${S_LABELS}" TIMEOUT 300)
endfunction()

add_test(NAME scn_default COMMAND pagelab run)
set_tests_properties(scn_default PROPERTIES LABELS "scenario;sanitize" TIMEOUT 300)
pagelab_scenario(kalloc_orders tests/scenarios/kalloc_orders.scn)
pagelab_scenario(exhaustion tests/scenarios/exhaustion.scn LABELS sanitize)
pagelab_scenario(buddy_names tests/scenarios/buddy_names.scn)
pagelab_scenario(machine_names tests/scenarios/machine_names.scn)
pagelab_scenario(concurrent tests/scenarios/concurrent.scn LABELS sanitize)
pagelab_scenario(sysctl tests/scenarios/sysctl.scn)
pagelab_scenario(counting_rule tests/scenarios/counting_rule.scn LABELS sanitize)
pagelab_scenario(fault_page_alloc tests/scenarios/fault_page_alloc.scn LABELS sanitize)
pagelab_scenario(deterministic tests/scenarios/deterministic.scn ARGS --deterministic --seed 9)
pagelab_scenario(hugetlb_compaction tests/scenarios/hugetlb_compaction.scn ARGS --deterministic)
pagelab_scenario(hugetlb_mmap tests/scenarios/hugetlb_mmap.scn LABELS sanitize)
pagelab_scenario(hugetlb_concurrent tests/scenarios/hugetlb_concurrent.scn LABELS sanitize)
pagelab_scenario(hugetlb_migration tests/scenarios/hugetlb_migration.scn LABELS sanitize)
# Transparent huge pages (src/vm/huge_memory.c, thp_knobs.c; docs/huge-pages.md).
pagelab_scenario(thp_fault tests/scenarios/thp_fault.scn LABELS sanitize)
pagelab_scenario(thp_split tests/scenarios/thp_split.scn LABELS sanitize)
pagelab_scenario(thp_concurrent tests/scenarios/thp_concurrent.scn LABELS sanitize)
pagelab_scenario(thp_khugepaged tests/scenarios/thp_khugepaged.scn LABELS sanitize ARGS --deterministic)
pagelab_scenario(thp_fault_defrag tests/scenarios/thp_fault_defrag.scn ARGS --deterministic)
pagelab_scenario(thp_migration tests/scenarios/thp_migration.scn LABELS sanitize)
pagelab_scenario(thp_migration_split tests/scenarios/thp_migration_split.scn LABELS sanitize)
pagelab_scenario(outputs tests/scenarios/concurrent.scn LABELS sanitize
                 ARGS --json ${CMAKE_BINARY_DIR}/scn_outputs.json --svg ${CMAKE_BINARY_DIR}/scn_outputs.svg)
# The --html page and the --svg chart, checked by an XML parser (xmllint).
add_test(NAME scn_pictures_default
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_pictures.sh $<TARGET_FILE:pagelab>)
add_test(NAME scn_pictures_compact_selftest
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_pictures.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/compact_selftest.scn --deterministic)
add_test(NAME scn_pictures_thp
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_pictures.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/thp_fault.scn --deterministic)
set_tests_properties(scn_pictures_thp PROPERTIES ENVIRONMENT CHECK_THP=1)
set_tests_properties(scn_pictures_default scn_pictures_compact_selftest scn_pictures_thp
                     PROPERTIES LABELS scenario TIMEOUT 300)
add_test(NAME scn_deterministic_repeat
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_deterministic.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/deterministic.scn)
set_tests_properties(scn_deterministic_repeat PROPERTIES LABELS "scenario;sanitize" TIMEOUT 300)

# Processes and their memory (src/scenario/sim_process.c).
pagelab_scenario(proc_patterns tests/scenarios/proc_patterns.scn)
pagelab_scenario(proc_fork tests/scenarios/proc_fork.scn LABELS sanitize)
pagelab_scenario(proc_dontneed tests/scenarios/proc_dontneed.scn)
pagelab_scenario(proc_exit tests/scenarios/proc_exit.scn LABELS sanitize)
pagelab_scenario(proc_concurrent tests/scenarios/proc_concurrent.scn LABELS sanitize)
pagelab_scenario(loop_stride tests/scenarios/loop_stride.scn LABELS sanitize)
pagelab_scenario(proc_outputs tests/scenarios/proc_concurrent.scn LABELS sanitize
                 ARGS --seed 5 --json ${CMAKE_BINARY_DIR}/scn_proc_outputs.json
                      --svg ${CMAKE_BINARY_DIR}/scn_proc_outputs.svg)
add_test(NAME scn_proc_deterministic_repeat
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_deterministic.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/proc_concurrent.scn)
set_tests_properties(scn_proc_deterministic_repeat PROPERTIES LABELS "scenario;sanitize" TIMEOUT 300)

# Migration and compaction (P migrate, compact, kalloc type=movable, kcompactd).
# The compaction scenarios state exact numbers: they run deterministic.
pagelab_scenario(proc_migrate tests/scenarios/proc_migrate.scn LABELS sanitize ARGS --deterministic)
pagelab_scenario(migrate_concurrent tests/scenarios/migrate_concurrent.scn LABELS sanitize)
pagelab_scenario(compact_selftest tests/scenarios/compact_selftest.scn ARGS --deterministic)
pagelab_scenario(compact_unmovable tests/scenarios/compact_unmovable.scn ARGS --deterministic)
pagelab_scenario(compact_driver tests/scenarios/compact_driver.scn LABELS sanitize ARGS --deterministic)
pagelab_scenario(compact_direct tests/scenarios/compact_direct.scn LABELS sanitize ARGS --deterministic)
pagelab_scenario(compact_proactive tests/scenarios/compact_proactive.scn ARGS --deterministic)
# The frame census, meminfo and zoneinfo, exact (src/machine/census.c).
pagelab_scenario(census tests/scenarios/census.scn LABELS sanitize ARGS --deterministic)
# A 64 GiB machine, deferred init in the background (not sanitize: ASan/TSan shadow of 64 GiB)
pagelab_scenario(big_machine tests/scenarios/big_machine.scn ARGS --deterministic)
add_test(NAME scn_migrate_deterministic_repeat
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_deterministic.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/migrate_concurrent.scn)
set_tests_properties(scn_migrate_deterministic_repeat PROPERTIES LABELS "scenario;sanitize" TIMEOUT 300)
add_test(NAME scn_trace_compaction
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_trace.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/compact_direct.scn
                 "mm_compaction_begin: zone_start=0x0 " "mm_compaction_end: .* status="
                 "mm_compaction_try_to_compact_pages: order=9 "
                 "mm_migrate_pages: nr_succeeded=[1-9].* reason=compaction$")
add_test(NAME scn_trace_migrate
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_trace.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/proc_migrate.scn
                 "mm_migrate_pages_start: mode=MIGRATE_SYNC reason=syscall_or_cpuset"
                 "mm_migrate_pages: nr_succeeded=256 nr_failed=0 .* reason=syscall_or_cpuset$")
set_tests_properties(scn_trace_compaction scn_trace_migrate PROPERTIES LABELS "scenario;sanitize"
                     TIMEOUT 300)

# KSM in scenarios (src/scenario/backend_sim.c, sim_process.c): the kernel's
# KSM selftests with exact counts, each threaded (ksmd a real thread) and
# deterministic (ksmd stepped on the virtual clock), twice alike, and traced.
foreach(ksm_scn merge unmerge zero_pages max_page_sharing cow fork prctl dontneed concurrent thp
        thp_fork)
  pagelab_scenario(ksm_${ksm_scn} tests/scenarios/ksm_${ksm_scn}.scn LABELS sanitize)
  pagelab_scenario(ksm_${ksm_scn}_deterministic tests/scenarios/ksm_${ksm_scn}.scn
                   ARGS --deterministic)
endforeach()
# The kernel backend's KSM scenario, deterministic: threaded, its fork and
# writes race a running ksmd (and kcompactd), which may merge a content
# into two KSM pages, or count a retried copy-on-write twice, as Linux may.
pagelab_scenario(ksm_kernel_scenario tests/kernel/ksm.scn LABELS sanitize ARGS --deterministic)
pagelab_scenario(ksm_outputs tests/scenarios/ksm_prctl.scn LABELS sanitize
                 ARGS --json ${CMAKE_BINARY_DIR}/scn_ksm_outputs.json
                      --svg ${CMAKE_BINARY_DIR}/scn_ksm_outputs.svg)
add_test(NAME scn_ksm_deterministic_repeat
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_deterministic.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/ksm_fork.scn)
add_test(NAME scn_trace_ksm
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_trace.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/ksm_merge.scn
                 "ksm_start_scan: seq [0-9]+ rmap size [0-9]+$" "ksm_stop_scan: seq [0-9]+ rmap size "
                 "ksm_merge_with_ksm_page: ksm pfn [0-9]+ rmap_item 0x[0-9a-f]+ mm 0x[0-9a-f]+ error 0$"
                 "ksm_remove_ksm_page: pfn [0-9]+$")
add_test(NAME scn_ksm_report
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/ksm_outputs.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/scenarios/ksm_prctl.scn)
set_tests_properties(scn_ksm_deterministic_repeat scn_trace_ksm scn_ksm_report PROPERTIES
                     LABELS "scenario;sanitize" TIMEOUT 300)

# The command line's help: every command's usage, and the list an unknown
# command gets (tests/cli/check_help.sh; a new command joins this list).
add_test(NAME cli_help
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/cli/check_help.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/man/pagelab.1
                 run compare restore report host balloon replay version help)
set_tests_properties(cli_help PROPERTIES LABELS "scenario" TIMEOUT 120)

# Scenarios that must not pass: errors/ exit 2 before anything runs, failures/
# run to the end and exit 1; their first line gives the expected stderr line.
file(GLOB PAGELAB_BAD_SCENARIOS CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/scenarios/errors/*.scn
     ${CMAKE_SOURCE_DIR}/tests/scenarios/failures/*.scn)
foreach(file ${PAGELAB_BAD_SCENARIOS})
  get_filename_component(name ${file} NAME_WE)
  get_filename_component(kind ${file} DIRECTORY)
  get_filename_component(kind ${kind} NAME)
  add_test(NAME scn_${kind}_${name}
           COMMAND sh ${CMAKE_SOURCE_DIR}/tests/scenarios/check_error.sh $<TARGET_FILE:pagelab> ${file})
  set_tests_properties(scn_${kind}_${name} PROPERTIES LABELS "scenario;sanitize" TIMEOUT 120)
endforeach()

# --- the kernel backend (label kernel; docs/kernel-backend.md) ---
# These run on the host's own kernel and change its knobs: they run as root
# only (skipped otherwise: exit 77, SKIP_RETURN_CODE), one at a time
# (RESOURCE_LOCK), and every one checks that no knob is left changed.
function(pagelab_kernel_test name)
  add_test(NAME kernel_${name} COMMAND ${ARGN})
  set_tests_properties(kernel_${name} PROPERTIES LABELS "kernel" TIMEOUT 600
                       SKIP_RETURN_CODE 77 RESOURCE_LOCK host_knobs)
endfunction()
set(PAGELAB_KDIR ${CMAKE_SOURCE_DIR}/tests/kernel)
pagelab_kernel_test(proc sh ${PAGELAB_KDIR}/run.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR} proc.scn)
pagelab_kernel_test(ksm sh ${PAGELAB_KDIR}/run.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR} ksm.scn)
pagelab_kernel_test(hugetlb sh ${PAGELAB_KDIR}/run.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR}
                    hugetlb.scn)
pagelab_kernel_test(knobs sh ${PAGELAB_KDIR}/knobs.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR})
pagelab_kernel_test(signals sh ${PAGELAB_KDIR}/signals.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR})
pagelab_kernel_test(nonroot sh ${PAGELAB_KDIR}/nonroot.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR})
pagelab_kernel_test(trace sh ${PAGELAB_KDIR}/trace.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR})
pagelab_kernel_test(refusals sh ${PAGELAB_KDIR}/refusals.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR})
# The kernel backend on stand-in knob files ($PAGELAB_KNOB_ROOT): signals, a
# refused lock, SIGKILL and pagelab restore, deterministically, as any
# user; it touches no host knob (labels backend and sanitize, not kernel).
add_test(NAME backend_kernel_knob_root
         COMMAND sh ${PAGELAB_KDIR}/knob_root.sh $<TARGET_FILE:pagelab> ${PAGELAB_KDIR})
set_tests_properties(backend_kernel_knob_root PROPERTIES LABELS "backend;sanitize" TIMEOUT 300)
# pagelab compare, one test per scenario.
pagelab_kernel_test(compare_compaction sh ${PAGELAB_KDIR}/compare.sh $<TARGET_FILE:pagelab>
                    ${PAGELAB_KDIR} compact_compare.scn)
pagelab_kernel_test(compare_ksm sh ${PAGELAB_KDIR}/compare.sh $<TARGET_FILE:pagelab>
                    ${PAGELAB_KDIR} ksm.scn vmstat.cow_ksm)
pagelab_kernel_test(compare_thp sh ${PAGELAB_KDIR}/compare.sh $<TARGET_FILE:pagelab>
                    ${PAGELAB_KDIR} thp.scn vmstat.thp_fault_alloc)
# The KSM selftests of tests/scenarios give the same exact counts on both
# (ksm_prctl.scn does not: a real process's heap and stack merge too).
foreach(ksm_scn merge unmerge zero_pages max_page_sharing cow fork dontneed thp thp_fork)
  pagelab_kernel_test(compare_ksm_${ksm_scn} sh ${PAGELAB_KDIR}/compare.sh $<TARGET_FILE:pagelab>
                      ${PAGELAB_KDIR} ../scenarios/ksm_${ksm_scn}.scn vmstat.cow_ksm)
endforeach()

# --- balloon ---
pagelab_test(test_balloon tests/unit/test_balloon.c LABELS unit sanitize)
pagelab_test(test_host tests/unit/test_host.c LABELS unit sanitize)
pagelab_test(test_stress_balloon tests/stress/stress_balloon.c LABELS stress sanitize)
# The balloon in scenarios (src/scenario/backend_sim.c): inflate and deflate,
# a clamped target, balloon pages moved by compaction (deterministic: exact),
# and the worker racing background commands.
pagelab_scenario(balloon_inflate tests/scenarios/balloon_inflate.scn LABELS sanitize)
pagelab_scenario(balloon_inflate_deterministic tests/scenarios/balloon_inflate.scn
                 ARGS --deterministic)
pagelab_scenario(balloon_clamp tests/scenarios/balloon_clamp.scn)
pagelab_scenario(balloon_compact tests/scenarios/balloon_compact.scn LABELS sanitize
                 ARGS --deterministic)
pagelab_scenario(balloon_concurrent tests/scenarios/balloon_concurrent.scn LABELS sanitize)
# The host in a separate process: `pagelab host`, a guest program on the
# public API (balloon_connect) and `pagelab balloon` (tests/balloon/).
add_executable(balloon_guest tests/balloon/balloon_guest.c)
target_link_libraries(balloon_guest PRIVATE pagelab_static)
add_test(NAME balloon_two_process
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/balloon/two_process.sh $<TARGET_FILE:pagelab>
                 $<TARGET_FILE:balloon_guest>)
set_tests_properties(balloon_two_process PROPERTIES LABELS "scenario;sanitize" TIMEOUT 300)

# --- models: the balloon protocol in Promela (tests/model/balloon.pml),
# the 2026 rules (must verify) and the old lockless page->private read
# (spin must find the counterexample).
add_test(NAME model_balloon
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/model/run_spin.sh
                 ${CMAKE_SOURCE_DIR}/tests/model/balloon.pml pass)
add_test(NAME model_balloon_old_lockless_read
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/model/run_spin.sh
                 ${CMAKE_SOURCE_DIR}/tests/model/balloon.pml violation OLD_LOCKLESS_READ)
set_tests_properties(model_balloon model_balloon_old_lockless_read PROPERTIES
                     LABELS model TIMEOUT 900)

# --- trace replay (pagelab replay; docs/replay.md) ---
# Each tests/replay/*.trace runs with the expectations its comment lines (or
# TRACE.expect) announce: exact counts for the hand-made ones, the trace's
# own event counts for the one recorded on the lab host; errors/*.trace are
# malformed and must fail with their FILE:LINE: message.
pagelab_test(test_kmem_trace tests/unit/test_kmem_trace.c LABELS unit sanitize)
file(GLOB PAGELAB_REPLAY_TRACES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/replay/*.trace
     ${CMAKE_SOURCE_DIR}/tests/replay/errors/*.trace)
foreach(file ${PAGELAB_REPLAY_TRACES})
  get_filename_component(name ${file} NAME_WE)
  get_filename_component(kind ${file} DIRECTORY)
  get_filename_component(kind ${kind} NAME)
  if(kind STREQUAL "errors")
    set(name error_${name})
  endif()
  add_test(NAME replay_${name}
           COMMAND sh ${CMAKE_SOURCE_DIR}/tests/replay/check_replay.sh $<TARGET_FILE:pagelab> ${file})
  set_tests_properties(replay_${name} PROPERTIES LABELS "replay;sanitize" TIMEOUT 300)
endforeach()
add_test(NAME replay_usage
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/replay/check_usage.sh $<TARGET_FILE:pagelab>
                 ${CMAKE_SOURCE_DIR}/tests/replay/ftrace_hex.trace)
set_tests_properties(replay_usage PROPERTIES LABELS "replay;sanitize" TIMEOUT 120)
# edge_cases.trace has a CPU beyond 64, so its machine has 64 CPUs, and the
# census walk holds every pcp->lock and the zone lock at once: 65 mutexes,
# past the 64 that TSan's own deadlock detector can track (it aborts with
# a CHECK). pagelab's lockdep still checks the order in that build.
if(PAGELAB_SANITIZE STREQUAL "thread")
  set_tests_properties(replay_edge_cases PROPERTIES ENVIRONMENT "TSAN_OPTIONS=detect_deadlocks=0")
endif()

# --- the soak: every subsystem at once (tests/stress/soak.c), the balloon's
# host a separate `pagelab host`. `make soak SOAK_MINUTES=N` runs it for
# longer under TSan; here a short run in each build keeps it honest.
add_executable(soak tests/stress/soak.c)
target_include_directories(soak PRIVATE src tests)
target_link_libraries(soak PRIVATE pagelab_static)
add_test(NAME soak COMMAND soak 8)
set_tests_properties(soak PROPERTIES LABELS "stress;sanitize" TIMEOUT 600
                     ENVIRONMENT "PAGELAB_BIN=$<TARGET_FILE:pagelab>")
