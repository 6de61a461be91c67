# Runs `xcallsim validate` or a small `xcallsim scaling` (from the repository
# root) and checks that it completes and prints its table; prints the output.
# Usage: cmake -DXCALLSIM=<binary> -DMODE=validate|scaling [-DOUT_DIR=<dir>] -P check_command.cmake
if(MODE STREQUAL "validate")
  execute_process(COMMAND ${XCALLSIM} validate RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  set(row_regex "IPI, [A-Za-z -]+ +[0-9]+/[0-9]+ +[-+][0-9.]+% +[0-9]+/[0-9]+ +[-+][0-9.]+% +[0-9]+/[0-9]+ +[-+][0-9.]+%")
  set(want 4)
elseif(MODE STREQUAL "scaling")
  # Two presets, files in OUT_DIR (the plot too if gnuplot is installed).
  execute_process(COMMAND ${XCALLSIM} scaling -m configs/machines/default.toml
                          -m configs/machines/qemu.toml --out-dir ${OUT_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(row_regex "\\| (default|qemu) \\| [0-9]+ \\| (xAPIC|x2APIC) [a-z]+")
  set(want 6)
else()
  message(FATAL_ERROR "MODE must be validate or scaling")
endif()
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "xcallsim ${MODE} exited with ${rc}")
endif()
string(REGEX MATCHALL "${row_regex}" rows "${out}")
list(LENGTH rows n)
if(NOT n EQUAL want)
  message(FATAL_ERROR "xcallsim ${MODE} printed ${n} table rows, expected ${want}")
endif()
# validate also prints the composites C1 (2 lines), C2 (3), C3 (3) and C4 (5).
if(MODE STREQUAL "validate")
  string(REGEX MATCHALL "  C[1-4] [^\n]+ [0-9.]+ / [0-9.]+ +[a-z]+ +[-+][0-9.]+%" composites "${out}")
  list(LENGTH composites n)
  if(NOT n EQUAL 13)
    message(FATAL_ERROR "xcallsim validate printed ${n} composite rows, expected 13")
  endif()
endif()
if(MODE STREQUAL "scaling" AND (NOT EXISTS ${OUT_DIR}/scaling.dat OR NOT EXISTS ${OUT_DIR}/scaling.gp))
  message(FATAL_ERROR "xcallsim scaling wrote no scaling.dat / scaling.gp in ${OUT_DIR}")
endif()
