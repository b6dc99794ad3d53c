# WeftJemalloc.cmake - find (or build) the jemalloc that weft allocates with.
#
# Why weft does not simply link Debian's libjemalloc.so.2:
#  * It is built with initial-exec TLS (2,632 bytes of static TLS).  A
#    library that depends on it cannot be dlopen()ed into a running process:
#    `import weft` in Python fails with "cannot allocate memory in static
#    TLS block".
#  * It exports malloc/free.  Linked statically, or listed before libc, it
#    replaces the process's malloc, which weft must never do.
#
# So by default (WEFT_JEMALLOC=bundled) weft builds Debian's jemalloc
# 5.3.0-1 *source package* (the same orig tarball plus Debian's patches,
# checked against the SHA-256 sums of the .dsc) with:
#   --with-jemalloc-prefix=weft_je_   public names become weft_je_mallocx...
#   --without-export                  and are not exported from libweft
#   --disable-initial-exec-tls        so libweft can be dlopen()ed
# installs it under WEFT_DEPS_DIR (built once, shared by every build tree),
# finds it there with pkg-config, and links its PIC archive into libweft.
#
# WEFT_JEMALLOC=system uses Debian's libjemalloc-dev through pkg-config
# instead; such a libweft works for C programs linked against it at start-up
# but cannot be loaded with dlopen (so not from Python).
#
# Defines the imported target weft::jemalloc and WEFT_JEMALLOC_ARCHIVE (the
# static archive to merge into libweft.a, bundled mode only).

set(WEFT_JEMALLOC "bundled" CACHE STRING "jemalloc to use: bundled or system")
set_property(CACHE WEFT_JEMALLOC PROPERTY STRINGS bundled system)

find_package(PkgConfig REQUIRED)

if(WEFT_JEMALLOC STREQUAL "system")
  pkg_check_modules(WEFT_JE IMPORTED_TARGET GLOBAL jemalloc)
  if(NOT WEFT_JE_FOUND)
    message(FATAL_ERROR
      "jemalloc not found by pkg-config. Install it with:\n"
      "  apt-get install libjemalloc-dev\n"
      "or configure with -DWEFT_JEMALLOC=bundled.")
  endif()
  add_library(weft::jemalloc ALIAS PkgConfig::WEFT_JE)
  set(WEFT_JEMALLOC_ARCHIVE "")
  return()
endif()

if(NOT WEFT_JEMALLOC STREQUAL "bundled")
  message(FATAL_ERROR "WEFT_JEMALLOC must be 'bundled' or 'system'")
endif()

set(_je_version "5.3.0")
set(_je_debian_rev "1")
set(_je_orig "jemalloc_${_je_version}.orig.tar.bz2")
set(_je_deb "jemalloc_${_je_version}-${_je_debian_rev}.debian.tar.xz")
set(_je_orig_sha256 "2db82d1e7119df3e71b7640219b6dfe84789bc0537983c3b7ac4f7189aecfeaa")
set(_je_deb_sha256 "4e87f3aa3709ce9ae9de501a56202de3b81f565aba441c579c57c29bda00006e")
set(WEFT_DEBIAN_MIRROR "http://deb.debian.org/debian" CACHE STRING
    "Debian mirror to fetch the jemalloc source package from")

if(DEFINED ENV{XDG_CACHE_HOME})
  set(_cache_home "$ENV{XDG_CACHE_HOME}")
elseif(DEFINED ENV{HOME})
  set(_cache_home "$ENV{HOME}/.cache")
else()
  set(_cache_home "${CMAKE_BINARY_DIR}")
endif()
set(WEFT_DEPS_DIR "${_cache_home}/weft" CACHE PATH
    "Where weft keeps the jemalloc it builds (shared by build trees)")

# Bump the last component when the configure flags change.
set(_je_prefix "${WEFT_DEPS_DIR}/jemalloc-${_je_version}-${_je_debian_rev}-w1")
set(_je_pc "${_je_prefix}/lib/pkgconfig/jemalloc.pc")

function(_weft_build_jemalloc)
  file(MAKE_DIRECTORY "${WEFT_DEPS_DIR}")
  file(LOCK "${WEFT_DEPS_DIR}/jemalloc.lock" GUARD FUNCTION TIMEOUT 1800)
  if(EXISTS "${_je_pc}")
    return() # another configure built it while we waited for the lock
  endif()
  message(STATUS "weft: building Debian's jemalloc ${_je_version}-${_je_debian_rev} "
                 "source package into ${_je_prefix} (once, about 2 minutes)")
  set(_work "${WEFT_DEPS_DIR}/jemalloc-build")
  file(REMOVE_RECURSE "${_work}")
  file(MAKE_DIRECTORY "${_work}")
  foreach(_pair "${_je_orig}|${_je_orig_sha256}" "${_je_deb}|${_je_deb_sha256}")
    string(REPLACE "|" ";" _pair "${_pair}")
    list(GET _pair 0 _file)
    list(GET _pair 1 _sha)
    set(_dst "${WEFT_DEPS_DIR}/${_file}")
    if(NOT EXISTS "${_dst}")
      file(DOWNLOAD "${WEFT_DEBIAN_MIRROR}/pool/main/j/jemalloc/${_file}" "${_dst}.part"
           EXPECTED_HASH SHA256=${_sha} STATUS _st TLS_VERIFY ON)
      list(GET _st 0 _code)
      if(NOT _code EQUAL 0)
        file(REMOVE "${_dst}.part")
        message(FATAL_ERROR
          "weft: could not download ${_file} from ${WEFT_DEBIAN_MIRROR}: ${_st}\n"
          "Put the file in ${WEFT_DEPS_DIR} by hand, or configure with "
          "-DWEFT_JEMALLOC=system (apt-get install libjemalloc-dev).")
      endif()
      file(RENAME "${_dst}.part" "${_dst}")
    endif()
    file(SHA256 "${_dst}" _got)
    if(NOT _got STREQUAL _sha)
      message(FATAL_ERROR "weft: ${_dst} has SHA-256 ${_got}, expected ${_sha}")
    endif()
    file(ARCHIVE_EXTRACT INPUT "${_dst}" DESTINATION "${_work}")
  endforeach()
  set(_src "${_work}/jemalloc-${_je_version}")
  # Debian's patches, in the order of debian/patches/series.
  file(STRINGS "${_work}/debian/patches/series" _patches)
  foreach(_p IN LISTS _patches)
    if(_p MATCHES "^[ \t]*(#|$)")
      continue()
    endif()
    execute_process(COMMAND patch -p1 -s -i "${_work}/debian/patches/${_p}"
                    WORKING_DIRECTORY "${_src}" RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "weft: Debian patch ${_p} did not apply to jemalloc")
    endif()
  endforeach()
  set(_log "${_work}/build.log")
  execute_process(
    COMMAND sh -c "./configure --prefix='${_je_prefix}' \
        --with-jemalloc-prefix=weft_je_ --with-private-namespace=weft_je_priv_ \
        --without-export --disable-initial-exec-tls --disable-cxx \
        --disable-doc CFLAGS='-O2 -g -fPIC' \
      && make -j4 build_lib_static \
      && make install_lib_static install_include install_lib_pc"
    WORKING_DIRECTORY "${_src}" RESULT_VARIABLE _rc
    OUTPUT_FILE "${_log}" ERROR_FILE "${_log}")
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "weft: building jemalloc failed; see ${_log}")
  endif()
  file(REMOVE_RECURSE "${_src}")
endfunction()

if(NOT EXISTS "${_je_pc}")
  _weft_build_jemalloc()
endif()

# Find it through its pkg-config file, like any installed package.
set(_saved_pcp "$ENV{PKG_CONFIG_PATH}")
set(ENV{PKG_CONFIG_PATH} "${_je_prefix}/lib/pkgconfig")
pkg_check_modules(WEFT_JE QUIET jemalloc)
pkg_get_variable(_je_libdir jemalloc libdir)
set(ENV{PKG_CONFIG_PATH} "${_saved_pcp}")
if(NOT WEFT_JE_FOUND OR NOT EXISTS "${_je_libdir}/libjemalloc_pic.a")
  message(FATAL_ERROR "weft: the bundled jemalloc in ${_je_prefix} is incomplete; "
                      "delete that directory and configure again")
endif()

set(WEFT_JEMALLOC_ARCHIVE "${_je_libdir}/libjemalloc_pic.a")
add_library(weft_jemalloc_bundled STATIC IMPORTED GLOBAL)
set_target_properties(weft_jemalloc_bundled PROPERTIES
  IMPORTED_LOCATION "${WEFT_JEMALLOC_ARCHIVE}"
  INTERFACE_INCLUDE_DIRECTORIES "${WEFT_JE_INCLUDE_DIRS}"
  INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS};m")
add_library(weft::jemalloc ALIAS weft_jemalloc_bundled)
message(STATUS "weft: jemalloc ${WEFT_JE_VERSION} (bundled, prefix weft_je_) at ${_je_prefix}")
