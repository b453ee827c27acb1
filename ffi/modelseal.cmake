# CMake snippet: an imported target for the modelseal static library.
#
#   set(MODELSEAL_ROOT /path/to/modelseal)
#   include(${MODELSEAL_ROOT}/ffi/modelseal.cmake)
#   target_link_libraries(my_firmware PRIVATE modelseal::modelseal)
#
# Build the library first: cargo build -p modelseal-ffi --profile ecu
# (MODELSEAL_PROFILE ecu: no_std, no system libraries; a host profile such as
# release, or debug for the plain `cargo build`, links Rust's std and its
# system libraries). The library is looked for under $ENV{CARGO_TARGET_DIR}
# when set, else the repository's target/; MODELSEAL_LIB_DIR overrides the
# directory (a cross target, say).
#
# Configuring fails, with what to build, when the library or the header is
# not there (instead of a linker error at build time).

if(NOT DEFINED MODELSEAL_ROOT)
  get_filename_component(MODELSEAL_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()
if(NOT DEFINED MODELSEAL_PROFILE)
  set(MODELSEAL_PROFILE ecu)
endif()
if(NOT DEFINED MODELSEAL_LIB_DIR)
  if(DEFINED ENV{CARGO_TARGET_DIR} AND NOT "$ENV{CARGO_TARGET_DIR}" STREQUAL "")
    set(MODELSEAL_LIB_DIR "$ENV{CARGO_TARGET_DIR}/${MODELSEAL_PROFILE}")
  else()
    set(MODELSEAL_LIB_DIR "${MODELSEAL_ROOT}/target/${MODELSEAL_PROFILE}")
  endif()
endif()

if(MODELSEAL_PROFILE STREQUAL "debug")
  set(_modelseal_build "cargo build -p modelseal-ffi")
elseif(MODELSEAL_PROFILE STREQUAL "release")
  set(_modelseal_build "cargo build -p modelseal-ffi --release")
else()
  set(_modelseal_build "cargo build -p modelseal-ffi --profile ${MODELSEAL_PROFILE}")
endif()
if(NOT EXISTS "${MODELSEAL_ROOT}/include/modelseal.h")
  message(FATAL_ERROR "modelseal: no header at ${MODELSEAL_ROOT}/include/modelseal.h; "
    "set MODELSEAL_ROOT to the modelseal repository")
endif()
if(NOT EXISTS "${MODELSEAL_LIB_DIR}/libmodelseal.a")
  message(FATAL_ERROR "modelseal: ${MODELSEAL_LIB_DIR}/libmodelseal.a not found "
    "(profile ${MODELSEAL_PROFILE}). Build it first, in ${MODELSEAL_ROOT}: "
    "${_modelseal_build} -- or set MODELSEAL_LIB_DIR to the directory that holds libmodelseal.a")
endif()

if(NOT TARGET modelseal::modelseal)
  add_library(modelseal::modelseal STATIC IMPORTED)
  set_target_properties(modelseal::modelseal PROPERTIES
    IMPORTED_LOCATION "${MODELSEAL_LIB_DIR}/libmodelseal.a"
    INTERFACE_INCLUDE_DIRECTORIES "${MODELSEAL_ROOT}/include")
  if(NOT MODELSEAL_PROFILE STREQUAL "ecu")
    set_property(TARGET modelseal::modelseal APPEND PROPERTY
      INTERFACE_LINK_LIBRARIES pthread dl m rt util)
  endif()
endif()
