# libFuzzer targets (make fuzz, make check): every tests/fuzz/fuzz_NAME.c is
# a target NAME, linked with -fsanitize=fuzzer against the library, which
# this build (PAGELAB_FUZZ, clang) instruments for coverage and compiles
# with ASan and UBSan. scripts/fuzz.sh runs them over tests/fuzz/corpus/NAME
# with tests/fuzz/NAME.dict.
file(GLOB PAGELAB_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
add_custom_target(pagelab_fuzz)
foreach(src ${PAGELAB_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE src tests)
  target_link_libraries(${name} PRIVATE pagelab_static)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  add_dependencies(pagelab_fuzz ${name})
endforeach()
