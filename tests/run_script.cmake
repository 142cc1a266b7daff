# run_script.cmake — the driver of one script test (tests/scripts) or
# example test (examples/).
#
#   cmake -DCSP=path/to/csp -DSCRIPT=path/NAME.csp [-DEXPECTED=dir] [-DTIMEOUT=seconds] -P run_script.cmake
#
# Runs `${CSP} NAME.csp [args]` with the script's folder as the working
# directory (so messages name the script as `NAME.csp`, as a learner sees
# them), then checks it against the files named NAME.* in EXPECTED (default:
# beside the script; examples keep theirs in examples/expected/ so the
# learner's folder stays readable):
#   NAME.in    standard input (absent: empty input)
#   NAME.args  one line of extra arguments, split as a shell would (quotes ok)
#   NAME.env   lines VAR=value added to the environment
#   NAME.out   stdout must equal it byte for byte (absent: stdout must be empty)
#   NAME.err   each non-empty line must occur in stderr, in this order
#              (substring match per line, each search starting after the
#              previous match); absent: stderr is not checked
#   NAME.code  the expected exit status (absent: 0)
#   NAME.repeat  a number: run it that many times (for a race that shows
#              in some runs only); the first run with the wrong status, or
#              the last, is checked
# and, for output that is not the same on every run:
#   NAME.unordered  present (its content is ignored): stdout is compared
#                   with NAME.out as a sorted list of lines, for goroutines
#                   that print in whatever order they happen to run (Go's
#                   "Unordered output:" in testable examples)
#   NAME.mask       one regular expression (CMake syntax) per line; every
#                   match in stdout is replaced by `***` before the
#                   comparison, so NAME.out shows `***` where a number
#                   changes from run to run (a lost-update count, a time)
# The actual stdout and stderr are kept in <cwd>/script-out/NAME.{out,err}
# (cwd is build/tests under ctest) to look at or to copy over a new .out.
# A hang is cut by TIMEOUT (default 100 s, below ctest's own limit of 120 s).
cmake_minimum_required(VERSION 3.18) # CMP0054: quoted "${x}" is never re-read as a variable

if(NOT CSP OR NOT SCRIPT)
  message(FATAL_ERROR "usage: cmake -DCSP=csp -DSCRIPT=NAME.csp [-DEXPECTED=dir] -P run_script.cmake")
endif()
if(NOT TIMEOUT)
  set(TIMEOUT 100)
endif()

get_filename_component(dir "${SCRIPT}" DIRECTORY)
get_filename_component(name "${SCRIPT}" NAME_WE)
if(NOT EXPECTED)
  set(EXPECTED "${dir}")
endif()
set(base "${EXPECTED}/${name}")

# Arguments, environment, input.
set(args "")
if(EXISTS "${base}.args")
  file(STRINGS "${base}.args" argline LIMIT_COUNT 1)
  separate_arguments(args UNIX_COMMAND "${argline}")
endif()
if(EXISTS "${base}.env")
  file(STRINGS "${base}.env" envlines)
  foreach(kv IN LISTS envlines)
    if(kv MATCHES "^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
      set(ENV{${CMAKE_MATCH_1}} "${CMAKE_MATCH_2}")
    elseif(NOT kv STREQUAL "")
      message(FATAL_ERROR "${name}.env: not a VAR=value line: ${kv}")
    endif()
  endforeach()
endif()
set(input /dev/null)
if(EXISTS "${base}.in")
  set(input "${base}.in")
endif()

set(want_code 0)
if(EXISTS "${base}.code")
  file(STRINGS "${base}.code" want_code LIMIT_COUNT 1)
  string(STRIP "${want_code}" want_code)
endif()
set(repeat 1)
if(EXISTS "${base}.repeat")
  file(STRINGS "${base}.repeat" repeat LIMIT_COUNT 1)
  string(STRIP "${repeat}" repeat)
endif()

# A race shows in some runs only: the first run with a wrong status (or the
# last run) is the one checked below.
foreach(run RANGE 1 ${repeat})
  execute_process(
    COMMAND "${CSP}" "${name}.csp" ${args}
    WORKING_DIRECTORY "${dir}"
    INPUT_FILE "${input}"
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULT_VARIABLE code
    TIMEOUT ${TIMEOUT})
  if(NOT "${code}" STREQUAL "${want_code}")
    if(repeat GREATER 1)
      set(err "(run ${run} of ${repeat})\n${err}")
    endif()
    break()
  endif()
endforeach()

file(MAKE_DIRECTORY script-out)
file(WRITE "script-out/${name}.out" "${out}")
file(WRITE "script-out/${name}.err" "${err}")

set(want_out "")
if(EXISTS "${base}.out")
  file(READ "${base}.out" want_out)
endif()

# What stdout is compared as: masked, then sorted if unordered.
set(got "${out}")
if(EXISTS "${base}.mask")
  file(STRINGS "${base}.mask" masks)
  foreach(re IN LISTS masks)
    if(NOT re STREQUAL "")
      string(REGEX REPLACE "${re}" "***" got "${got}")
    endif()
  endforeach()
endif()

# Sort the lines of text into var (a trailing newline stays at the end).
# `;` is CMake's list separator and a `[` stops the splitting until its `]`:
# both are swapped for control characters while the text is a list.
function(sort_lines var text)
  string(ASCII 1 semi)
  string(ASCII 2 lsq)
  string(ASCII 3 rsq)
  string(REPLACE ";" "${semi}" text "${text}")
  string(REPLACE "[" "${lsq}" text "${text}")
  string(REPLACE "]" "${rsq}" text "${text}")
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  list(SORT lines)
  list(JOIN lines "\n" text)
  string(REPLACE "${semi}" ";" text "${text}")
  string(REPLACE "${lsq}" "[" text "${text}")
  string(REPLACE "${rsq}" "]" text "${text}")
  set(${var} "${text}\n" PARENT_SCOPE)
endfunction()

set(want "${want_out}")
set(how "")
if(EXISTS "${base}.unordered")
  sort_lines(got "${got}")
  sort_lines(want "${want}")
  set(how " (as sorted lines)")
endif()

set(failures "")

# 1. Exit status.
if(NOT "${code}" STREQUAL "${want_code}")
  string(APPEND failures "exit status: expected ${want_code}, got ${code}\n")
endif()

# 2. Stdout; a unified diff when diff is there.
if(NOT "${got}" STREQUAL "${want}")
  string(APPEND failures "stdout differs from ${name}.out${how}")
  file(WRITE "script-out/${name}.compared" "${got}")
  file(WRITE "script-out/${name}.wanted" "${want}")
  find_program(DIFF diff)
  if(DIFF)
    execute_process(
      COMMAND "${DIFF}" -u --label "expected (${name}.out)" --label "actual stdout"
              "script-out/${name}.wanted" "script-out/${name}.compared"
      OUTPUT_VARIABLE diff_text)
    string(APPEND failures ":\n${diff_text}")
  else()
    string(APPEND failures ".\n--- expected:\n${want}\n--- actual:\n${got}\n")
  endif()
endif()

# 3. Stderr: each non-empty line of NAME.err in order, as substrings.
if(EXISTS "${base}.err")
  file(READ "${base}.err" want_err)
  set(rest_err "${err}")
  while(NOT want_err STREQUAL "")
    string(FIND "${want_err}" "\n" nl)
    if(nl EQUAL -1)
      set(line "${want_err}")
      set(want_err "")
    else()
      string(SUBSTRING "${want_err}" 0 ${nl} line)
      math(EXPR nl "${nl} + 1")
      string(SUBSTRING "${want_err}" ${nl} -1 want_err)
    endif()
    string(REGEX REPLACE "\r$" "" line "${line}")
    if(line STREQUAL "")
      continue()
    endif()
    string(FIND "${rest_err}" "${line}" at)
    if(at EQUAL -1)
      string(APPEND failures "stderr lacks (in order) the line of ${name}.err: ${line}\n")
      break()
    endif()
    string(LENGTH "${line}" len)
    math(EXPR at "${at} + ${len}")
    string(SUBSTRING "${rest_err}" ${at} -1 rest_err)
  endwhile()
endif()

if(NOT failures STREQUAL "")
  message("FAIL ${name}.csp (run in ${dir})\n${failures}--- stderr was:\n${err}--- end of stderr")
  message(FATAL_ERROR "test ${name} failed")
endif()
