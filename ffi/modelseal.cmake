# CMake snippet: an imported target for the modelseal static library.
#
#   set(MODELSEAL_ROOT /path/to/modelseal)
#   include(${MODELSEAL_ROOT}/ffi/modelseal.cmake)
#   target_link_libraries(my_firmware PRIVATE modelseal::modelseal)
#
# Build the library first: cargo build -p modelseal-ffi --profile ecu
# (MODELSEAL_PROFILE ecu: no_std, no system libraries; a host profile such as
# release links Rust's std and its system libraries).

if(NOT DEFINED MODELSEAL_ROOT)
  get_filename_component(MODELSEAL_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()
if(NOT DEFINED MODELSEAL_PROFILE)
  set(MODELSEAL_PROFILE ecu)
endif()
if(NOT DEFINED MODELSEAL_LIB_DIR)
  set(MODELSEAL_LIB_DIR "${MODELSEAL_ROOT}/target/${MODELSEAL_PROFILE}")
endif()

add_library(modelseal::modelseal STATIC IMPORTED)
set_target_properties(modelseal::modelseal PROPERTIES
  IMPORTED_LOCATION "${MODELSEAL_LIB_DIR}/libmodelseal.a"
  INTERFACE_INCLUDE_DIRECTORIES "${MODELSEAL_ROOT}/include")
if(NOT MODELSEAL_PROFILE STREQUAL "ecu")
  set_property(TARGET modelseal::modelseal APPEND PROPERTY
    INTERFACE_LINK_LIBRARIES pthread dl m rt util)
endif()
