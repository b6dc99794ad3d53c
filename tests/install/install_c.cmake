# install_c.cmake - install the build tree into a fresh prefix, then build
# and run a consumer against it twice: with find_package(weft CONFIG) and
# with pkg-config.  Run by ctest (tests/install/CMakeLists.txt):
#   cmake -DBUILD_DIR=... -DSRC=... -DWORK=... -DCC=... -P install_c.cmake
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
set(prefix "${WORK}/prefix")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f include/weft.h include/weft/inline.h include/weft/kernels.h
          lib/libweft.a lib/cmake/weft/weftConfig.cmake
          lib/pkgconfig/weft.pc bin/weft)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# 1. CMake: find_package(weft CONFIG) -> weft::weft.
run(${CMAKE_COMMAND} -S "${SRC}/consumer" -B "${WORK}/cmake-build"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK}/cmake-build")
set(ENV{LD_LIBRARY_PATH} "${prefix}/lib")
run("${WORK}/cmake-build/consumer")
message(STATUS "find_package consumer: ${last_output}")

# 2. pkg-config, with the .pc file found where it was installed (the file
# must be relocatable: its prefix follows its own location).
set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
run(pkg-config --cflags --libs weft)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CC} -O2 "${SRC}/consumer/consumer.c" ${flags} -o "${WORK}/pc-consumer")
run("${WORK}/pc-consumer")
message(STATUS "pkg-config consumer: ${last_output}")

# 3. The installed command-line tool runs.
run("${prefix}/bin/weft" --help)
