# End-to-end check of `ntrun keygen`: printed keys, key files (the secret one mode 0600), no
# overwriting of an existing key.
#   cmake -DNTRUN=<binary> -DWORK=<scratch dir> -P keygen.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run_keygen expected_rc)
  execute_process(COMMAND ${NTRUN} keygen ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "ntrun keygen ${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}\n${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()

set(z85 "[]0-9a-zA-Z.:+=^!/*?&<>()@%{}$#[-]")
string(REPEAT "${z85}" 40 key_re)

run_keygen(0 --help)
run_keygen(0)
if(NOT last_out MATCHES "^public-key ${key_re}\nsecret-key ${key_re}\n$")
  message(FATAL_ERROR "ntrun keygen printed:\n${last_out}")
endif()

run_keygen(0 --out ${WORK}/agent)
file(READ ${WORK}/agent.key secret)
file(READ ${WORK}/agent.pub public)
if(NOT secret MATCHES "^${key_re}\n$" OR NOT public MATCHES "^${key_re}\n$" OR secret STREQUAL public)
  message(FATAL_ERROR "key files:\nsecret: ${secret}\npublic: ${public}")
endif()
execute_process(COMMAND stat -c %a ${WORK}/agent.key OUTPUT_VARIABLE mode OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT mode STREQUAL "600")
  message(FATAL_ERROR "agent.key has mode ${mode}, expected 600")
endif()

# An existing key is never overwritten.
run_keygen(1 --out ${WORK}/agent)
if(NOT last_err MATCHES "never overwritten")
  message(FATAL_ERROR "keygen over an existing key said:\n${last_err}")
endif()
file(READ ${WORK}/agent.key again)
if(NOT again STREQUAL secret)
  message(FATAL_ERROR "keygen changed an existing key")
endif()
run_keygen(1 --out ${WORK}/no/such/folder/agent)
