# Windows installer (NSIS). Not built in CI; see README "Packaging" for what is tested.
set(CPACK_PACKAGE_INSTALL_REGISTRY_KEY tfjs-studio)
set(CPACK_NSIS_PACKAGE_NAME "tfjs-studio ${CPACK_PACKAGE_VERSION}")
set(CPACK_NSIS_DISPLAY_NAME "tfjs-studio")
set(CPACK_NSIS_MUI_ICON "${CPACK_STUDIO_ICON_DIR}/tfjs-studio.ico")
set(CPACK_NSIS_MUI_UNIICON "${CPACK_STUDIO_ICON_DIR}/tfjs-studio.ico")
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\tfjs-studio.exe")
set(CPACK_NSIS_URL_INFO_ABOUT "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_NSIS_CONTACT "${CPACK_PACKAGE_CONTACT}")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH ON) # offers to put bin\ (tfjs-studio-cli) on PATH
set(CPACK_NSIS_EXECUTABLES_DIRECTORY bin)

# cpack reads this file directly, so one CMake escape level: "\\" is one backslash in NSIS.
# File associations: .h5 and .keras open in the studio through a ProgID; model.json and
# saved_model.pb are file names, not extensions, so Windows cannot associate them: the studio
# offers them in its Open dialog and takes them by drag and drop. SHChangeNotify makes Explorer
# pick the change up without a restart.
set(studio_progid "tfjs-studio.model")
set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS "
  WriteRegStr SHCTX 'Software\\Classes\\${studio_progid}' '' 'TensorFlow model'
  WriteRegStr SHCTX 'Software\\Classes\\${studio_progid}\\DefaultIcon' '' '$INSTDIR\\bin\\tfjs-studio.exe,0'
  WriteRegStr SHCTX 'Software\\Classes\\${studio_progid}\\shell\\open\\command' '' '\"$INSTDIR\\bin\\tfjs-studio.exe\" \"%1\"'
  WriteRegStr SHCTX 'Software\\Classes\\.h5\\OpenWithProgids' '${studio_progid}' ''
  WriteRegStr SHCTX 'Software\\Classes\\.keras\\OpenWithProgids' '${studio_progid}' ''
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
")
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS "
  DeleteRegValue SHCTX 'Software\\Classes\\.h5\\OpenWithProgids' '${studio_progid}'
  DeleteRegValue SHCTX 'Software\\Classes\\.keras\\OpenWithProgids' '${studio_progid}'
  DeleteRegKey SHCTX 'Software\\Classes\\${studio_progid}'
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
")
