# run_script.cmake — the driver of one script test.
#
#   cmake -DCSP=path/to/csp -DSCRIPT=path/NAME.csp [-DTIMEOUT=seconds] -P run_script.cmake
#
# Runs `${CSP} NAME.csp [args]` with the scripts folder as the working
# directory (so messages name the script as `NAME.csp`), then checks it
# against the files beside the script:
#   NAME.in    standard input (absent: empty input)
#   NAME.args  one line of extra arguments, split as a shell would (quotes ok)
#   NAME.env   lines VAR=value added to the environment
#   NAME.out   stdout must equal it byte for byte (absent: stdout must be empty)
#   NAME.err   each non-empty line must occur in stderr, in this order
#              (substring match per line, each search starting after the
#              previous match); absent: stderr is not checked
#   NAME.code  the expected exit status (absent: 0)
# The actual stdout and stderr are kept in <cwd>/script-out/NAME.{out,err}
# (cwd is build/tests under ctest) to look at or to copy over a new .out.
# A hang is cut by TIMEOUT (default 100 s, below ctest's own limit of 120 s).
cmake_minimum_required(VERSION 3.18) # CMP0054: quoted "${x}" is never re-read as a variable

if(NOT CSP OR NOT SCRIPT)
  message(FATAL_ERROR "usage: cmake -DCSP=csp -DSCRIPT=NAME.csp -P run_script.cmake")
endif()
if(NOT TIMEOUT)
  set(TIMEOUT 100)
endif()

get_filename_component(dir "${SCRIPT}" DIRECTORY)
get_filename_component(name "${SCRIPT}" NAME_WE)
set(base "${dir}/${name}")

# Read an optional file into var (empty when absent).
function(read_optional var path)
  set(text "")
  if(EXISTS "${path}")
    file(READ "${path}" text)
  endif()
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

# Arguments and environment.
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

execute_process(
  COMMAND "${CSP}" "${name}.csp" ${args}
  WORKING_DIRECTORY "${dir}"
  INPUT_FILE "${input}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE code
  TIMEOUT ${TIMEOUT})

file(MAKE_DIRECTORY script-out)
file(WRITE "script-out/${name}.out" "${out}")
file(WRITE "script-out/${name}.err" "${err}")

read_optional(want_out "${base}.out")
set(want_code 0)
if(EXISTS "${base}.code")
  file(STRINGS "${base}.code" want_code LIMIT_COUNT 1)
  string(STRIP "${want_code}" want_code)
endif()

set(failures "")

# 1. Exit status.
if(NOT "${code}" STREQUAL "${want_code}")
  string(APPEND failures "exit status: expected ${want_code}, got ${code}\n")
endif()

# 2. Stdout, exactly; a unified diff when diff is there.
if(NOT "${out}" STREQUAL "${want_out}")
  string(APPEND failures "stdout differs from ${name}.out")
  find_program(DIFF diff)
  if(DIFF)
    set(want_file "${base}.out")
    if(NOT EXISTS "${want_file}")
      set(want_file /dev/null)
    endif()
    execute_process(
      COMMAND "${DIFF}" -u --label "expected (${name}.out)" --label "actual stdout" "${want_file}" "script-out/${name}.out"
      OUTPUT_VARIABLE diff_text)
    string(APPEND failures ":\n${diff_text}")
  else()
    string(APPEND failures ".\n--- expected:\n${want_out}\n--- actual:\n${out}\n")
  endif()
endif()

# 3. Stderr: each non-empty line of NAME.err in order, as substrings.
# Walked by hand (not as a CMake list) so `;` and `[` in messages are literal.
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
  message(FATAL_ERROR "script test ${name} failed")
endif()
