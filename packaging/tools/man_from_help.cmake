# cmake -DEXE=PROGRAM -DNAME=NAME -DSUMMARY=TEXT -DVERSION=X.Y.Z -DOUT=FILE.1 [-DSUBCOMMANDS=a;b]
#       [-DSEE_ALSO=page] -P man_from_help.cmake
# Writes a man page (and FILE.1.gz) whose text is the program's own --help (and each listed
# subcommand's), so the manual says exactly what the program says.
foreach(v EXE NAME SUMMARY VERSION OUT)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "man_from_help: -D${v}=... is required")
  endif()
endforeach()

function(run_help out_var)
  execute_process(COMMAND ${EXE} ${ARGN} --help
    OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR text STREQUAL "")
    message(FATAL_ERROR "man_from_help: '${EXE} ${ARGN} --help' failed (${rc}): ${err}")
  endif()
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# Verbatim text for roff: backslashes and minus signs escaped (so flags copy and paste as
# typed), and a line that starts with a control character protected.
function(roff_verbatim out_var text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(REGEX REPLACE "\n+$" "" text "${text}")
  set(${out_var} ".nf\n${text}\n.fi\n" PARENT_SCOPE)
endfunction()

string(TOUPPER "${NAME}" upper)
string(REPLACE "-" "\\-" name_roff "${NAME}")
string(REPLACE "-" "\\-" summary_roff "${SUMMARY}")
run_help(main_help)
roff_verbatim(main_roff "${main_help}")
set(page ".\\\" Generated from '${NAME} --help' at build time; edit the program's help text, not this file.\n")
string(APPEND page ".TH ${upper} 1 \"\" \"${NAME} ${VERSION}\" \"User Commands\"\n")
string(APPEND page ".SH NAME\n${name_roff} \\- ${summary_roff}\n")
string(APPEND page ".SH DESCRIPTION\n${main_roff}")
foreach(sub IN LISTS SUBCOMMANDS)
  run_help(sub_help ${sub})
  roff_verbatim(sub_roff "${sub_help}")
  string(TOUPPER "${sub}" sub_upper)
  string(APPEND page ".SH ${sub_upper}\n${sub_roff}")
endforeach()
if(SEE_ALSO)
  string(REPLACE "-" "\\-" see_roff "${SEE_ALSO}")
  string(APPEND page ".SH SEE ALSO\n.BR ${see_roff} (1)\n")
endif()
file(WRITE ${OUT} "${page}")
set(IN ${OUT})
include(${CMAKE_CURRENT_LIST_DIR}/gzip_n.cmake)
