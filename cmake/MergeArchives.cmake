# Append the members of EXTRA (a static archive) to ARCHIVE, in place.
# Used to fold the bundled, prefixed jemalloc into libweft.a.
get_filename_component(_dir "${ARCHIVE}" DIRECTORY)
set(_tmp "${_dir}/merge-tmp")
file(REMOVE_RECURSE "${_tmp}")
file(MAKE_DIRECTORY "${_tmp}")
execute_process(COMMAND "${AR}" x "${EXTRA}" WORKING_DIRECTORY "${_tmp}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ar x ${EXTRA} failed")
endif()
file(GLOB _objs "${_tmp}/*.o")
list(SORT _objs)
execute_process(COMMAND "${AR}" qs "${ARCHIVE}" ${_objs} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ar qs ${ARCHIVE} failed")
endif()
file(REMOVE_RECURSE "${_tmp}")
