# CPACK_PROJECT_CONFIG_FILE: cpack reads this once per generator it runs; each generator's
# settings live in <generator>.cmake beside it (TGZ needs none; NSIS64 shares NSIS's).
set(studio_generator_file "${CPACK_GENERATOR}")
if(studio_generator_file STREQUAL "NSIS64")
  set(studio_generator_file NSIS)
endif()
if(EXISTS "${CPACK_STUDIO_PACKAGING_DIR}/cpack/${studio_generator_file}.cmake")
  include("${CPACK_STUDIO_PACKAGING_DIR}/cpack/${studio_generator_file}.cmake")
endif()
