# Runs examples/xmpp_lint on one capture and checks both its exit status and
# its verdict line against what the capture is known to contain.
#   cmake -DLINT=<exe> -DCAPTURE=<file> -DRC=<status> -DVERDICT=<regex> -P lint_check.cmake
execute_process(COMMAND ${LINT} --chunk 7 ${CAPTURE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "verdict: [^\n]*" line "${out}")
if(NOT rc STREQUAL RC)
  message(FATAL_ERROR "${CAPTURE}: exit status ${rc}, expected ${RC}\n${line}\n${err}")
endif()
if(NOT line MATCHES "${VERDICT}")
  message(FATAL_ERROR "${CAPTURE}: '${line}' does not match '${VERDICT}'")
endif()
message(STATUS "${line}")
