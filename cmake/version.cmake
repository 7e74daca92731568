# The project's one version: the first entry of debian/changelog, e.g.
# "earlydata-vlink (0.1.0) unstable; ..." gives 0.1.0. The packages, the
# library's file name, nkddi.pc and every tool's --version take it from
# here (scripts/version.sh prints the same for scripts).
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/../debian/changelog NKHV_CHANGELOG_TOP
     LIMIT_COUNT 1)
if(NOT NKHV_CHANGELOG_TOP MATCHES "^[a-z0-9.+-]+ \\(([0-9]+\\.[0-9]+\\.[0-9]+)[^)]*\\)")
  message(FATAL_ERROR "debian/changelog: first line '${NKHV_CHANGELOG_TOP}' "
          "has no version MAJOR.MINOR.PATCH in parentheses")
endif()
set(NKHV_VERSION ${CMAKE_MATCH_1})
