# cmake -DIN=FILE -P gzip_n.cmake: writes FILE.gz with gzip -9n (no name or time stored, so the
# bytes depend on the content alone).
find_program(GZIP gzip REQUIRED)
execute_process(COMMAND ${GZIP} -9n -c ${IN} OUTPUT_FILE ${IN}.gz.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${IN}.gz.tmp)
  message(FATAL_ERROR "gzip ${IN} failed: ${rc}")
endif()
file(RENAME ${IN}.gz.tmp ${IN}.gz)
