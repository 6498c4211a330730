# Debian package (built and checked here: scripts/package.sh, tests/packaging).
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps on the installed binaries; nothing of the TF.js
# parity harness (Node, npm) is needed at run time. The Qt platform plugins for X11 and Wayland
# are in libqt6gui6, which shlibdeps finds; Wayland's own plugin is recommended.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Any installed Vulkan driver satisfies this; where none is, apt brings Mesa's (lavapipe runs on
# the CPU, so the benchmarks work on any machine).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mesa-vulkan-drivers | vulkan-icd, qt6-wayland")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The desktop database, the MIME database and the icon cache are refreshed by the triggers of
# desktop-file-utils, shared-mime-info and hicolor-icon-theme: no maintainer scripts needed.
