# Test registration. Labels:
#   unit      cmocka unit tests
#   stress    seeded multi-threaded stress tests (scaled down under sanitizers)
#   scenario  tests/scenarios/*.scn run through the CLI, with expect lines
#   sanitize  the subset `make check` also runs in the ASan+UBSan and TSan builds

function(pagelab_test name src)
  cmake_parse_arguments(T "" "" "LABELS" ${ARGN})
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE src tests)
  target_link_libraries(${name} PRIVATE pagelab_static PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 300)
endfunction()

# --- core (page flags, refcounts, page lock, lock order, reports) ---
pagelab_test(test_page tests/unit/test_page.c LABELS unit sanitize)
pagelab_test(test_page_lock tests/unit/test_page_lock.c LABELS unit sanitize)
pagelab_test(test_lockdep tests/unit/test_lockdep.c LABELS unit)
pagelab_test(test_reports tests/unit/test_reports.c LABELS unit sanitize)

# --- allocator ---

# --- scenario language ---
