# Installing and packaging: `cmake --install` lays campus-probe out in FHS places (GNUInstallDirs),
# and `cpack -G DEB` (or the `package` target) makes the Debian 12 package of that layout, with
# the maintainer scripts in deploy/debian/. README.md, "Install from the .deb", tells the admin
# side. Included at the end of the top CMakeLists.txt; the binary and the plugin ABI are
# installed where their targets are defined (agent/, plugins/).
#
#   /usr/bin/campus-probe                         the agent, stripped in the package
#   /etc/campus-probe/campus.example.yaml         the example config (a conffile)
#   /lib/systemd/system/campus-probe.service      deploy/campus-probe.service
#   /var/lib/campus-probe/                        state: the evidence log; owned by campus-probe
#   /usr/share/campus-probe/                      indicator catalogs, recipes, other configs,
#                                                 Prometheus scrape config and alert rules,
#                                                 central metrics configs (deploy/central)
#   /usr/share/doc/campus-probe/                  README and docs/
#   /usr/include/campus_probe/plugin.h, /usr/lib/cmake/campus_probe/, /usr/share/pkgconfig/
#                                                 the native plugin ABI for vendors

set(CAMPUS_PACKAGE_NAME campus-probe)
set(campus_share "${CMAKE_INSTALL_DATADIR}/${CAMPUS_PACKAGE_NAME}")
set(campus_doc "${CMAKE_INSTALL_DATAROOTDIR}/doc/${CAMPUS_PACKAGE_NAME}")

# Below the prefix: data and documentation.
# configs/: the catalogs and recipes (compiled in too; here to read and to copy from) and any
# other config there (the demo); the example config goes to /etc instead.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/configs/" DESTINATION "${campus_share}"
        PATTERN "campus.example.yaml" EXCLUDE)
# Monitoring-side files from deploy/: Prometheus (and Grafana, Alertmanager and the central
# metrics configs, when present).
foreach(dir prometheus grafana alertmanager central)
  if(IS_DIRECTORY "${PROJECT_SOURCE_DIR}/deploy/${dir}")
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/deploy/${dir}" DESTINATION "${campus_share}"
            PATTERN "*_test.yml" EXCLUDE)
  endif()
endforeach()
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${campus_doc}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${campus_doc}")

# System paths: the config, the state directory and the systemd unit. With the prefix /usr (the
# package, or any system install) they go to /etc/campus-probe, /var/lib/campus-probe and
# /lib/systemd/system, as GNUInstallDirs places /etc and /var for /usr; under any other prefix
# (/usr/local, a scratch directory) below it, so that such an install touches nothing outside
# its prefix, and the unit is rewritten for that prefix's binary and config. Decided when
# installing, since `cmake --install --prefix` and cpack choose the prefix then.
set(campus_system_install [=[
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(campus_root "")
else()
  set(campus_root "${CMAKE_INSTALL_PREFIX}")
endif()
file(INSTALL DESTINATION "${campus_root}/etc/campus-probe" TYPE FILE
     FILES "@PROJECT_SOURCE_DIR@/configs/campus.example.yaml")
file(MAKE_DIRECTORY "$ENV{DESTDIR}${campus_root}/var/lib/campus-probe")
file(READ "@PROJECT_SOURCE_DIR@/deploy/campus-probe.service" campus_unit)
if(campus_root)
  string(REPLACE "/usr/bin/campus-probe" "${CMAKE_INSTALL_PREFIX}/@CMAKE_INSTALL_BINDIR@/campus-probe"
         campus_unit "${campus_unit}")
  string(REPLACE "/etc/campus-probe/" "${campus_root}/etc/campus-probe/" campus_unit "${campus_unit}")
  string(REPLACE "/usr/share/doc/campus-probe/" "${CMAKE_INSTALL_PREFIX}/@campus_doc@/"
         campus_unit "${campus_unit}")
endif()
# Written first to the build tree, a directory per destination, so that installs to different
# places at once (cpack and a scratch install, in parallel tests) do not share the file.
string(MD5 campus_unit_dir "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(campus_unit_dir "@PROJECT_BINARY_DIR@/packaging/unit-${campus_unit_dir}")
file(WRITE "${campus_unit_dir}/campus-probe.service" "${campus_unit}")
file(INSTALL DESTINATION "${campus_root}/lib/systemd/system" TYPE FILE
     FILES "${campus_unit_dir}/campus-probe.service")
file(REMOVE_RECURSE "${campus_unit_dir}")
]=])
string(CONFIGURE "${campus_system_install}" campus_system_install @ONLY)
install(CODE "${campus_system_install}")

# The Debian package. CPACK_SET_DESTDIR: the files are installed with the prefix /usr into a
# staging root, so the system paths above come out as /etc, /var/lib and /lib/systemd/system.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME "${CAMPUS_PACKAGE_NAME}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "campus-probe maintainers <maintainers@users.noreply.r-seed-b023e413.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "continuous proof that a vocational college's digital campus works")
set(CPACK_PACKAGE_DESCRIPTION
"campus-probe turns the key indicators of the Ministry of Education's benchmark-school
informatization monitoring indicators (higher and secondary vocational editions) into repeatable
checks against the campus systems that deliver them: SSO, the teaching platform, the library,
the one-card system, campus network authentication, attack monitoring, classroom video. It runs
as a daemon with Prometheus metrics, a status page, a tamper-evident evidence log and a
per-indicator compliance report.")
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The runtime libraries from dpkg-shlibdeps (dpkg-dev); adduser for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/deploy/debian/conffiles" "${PROJECT_SOURCE_DIR}/deploy/debian/postinst"
    "${PROJECT_SOURCE_DIR}/deploy/debian/prerm" "${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# `package_source`: the tracked tree, without builds.
set(CPACK_SOURCE_GENERATOR TXZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/\\\\.cache/")
include(CPack)
