# huge_stdin.cmake — `csp -` fed a script larger than the heap may grow to.
#
#   cmake -DCSP=path/to/csp -P huge_stdin.cmake
#
# The heap is capped at 64 MB (the collector reads GC_MAXIMUM_HEAP_SIZE)
# and 256 MB of comment lines, a valid script, are piped in: reading them
# must stop with "fatal error: out of memory" and exit status 2, not crash.
# A pipe rather than a file in the tree: the input is generated, so the test
# stays small in git and fast (csp stops reading at the cap).
cmake_minimum_required(VERSION 3.18)

if(NOT CSP)
  message(FATAL_ERROR "usage: cmake -DCSP=csp -P huge_stdin.cmake")
endif()
find_program(YES yes REQUIRED)
find_program(HEAD head REQUIRED)

set(ENV{GC_MAXIMUM_HEAP_SIZE} 64000000)
execute_process(
  COMMAND "${YES}" "// a comment line, to make a script larger than the heap"
  COMMAND "${HEAD}" -c 256000000
  COMMAND "${CSP}" -
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE code
  TIMEOUT 60)

set(failures "")
if(NOT "${code}" STREQUAL "2")
  string(APPEND failures "exit status: expected 2, got ${code}\n")
endif()
string(FIND "${err}" "fatal error: out of memory" at)
if(at EQUAL -1)
  string(APPEND failures "stderr lacks: fatal error: out of memory\n")
endif()
if(NOT "${out}" STREQUAL "")
  string(APPEND failures "stdout should be empty\n")
endif()
if(NOT failures STREQUAL "")
  message("FAIL huge_stdin\n${failures}--- stderr was:\n${err}--- end of stderr")
  message(FATAL_ERROR "test huge_stdin failed")
endif()
