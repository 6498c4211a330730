# macOS disk image (DragNDrop). Not built in CI; see README "Packaging" for what is tested.
# The icon and the document types (file associations) live in the bundle's Info.plist
# (packaging/macos/Info.plist.in, set on the tfjs-studio target in app/CMakeLists.txt); the
# image only shows the bundle beside a link to /Applications.
set(CPACK_DMG_VOLUME_NAME "tfjs-studio ${CPACK_PACKAGE_VERSION}")
set(CPACK_DMG_FORMAT UDBZ)
# The volume icon of the mounted image (made from the SVG at build time, app/CMakeLists.txt).
set(CPACK_PACKAGE_ICON "${CPACK_STUDIO_ICON_DIR}/tfjs-studio.icns")
set(CPACK_DMG_SLA_USE_RESOURCE_FILE_LICENSE OFF)
set(CPACK_DMG_DS_STORE_SETUP_SCRIPT "")
set(CPACK_DMG_DISABLE_APPLICATIONS_SYMLINK OFF)
