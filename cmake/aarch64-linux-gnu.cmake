# Cross build for aarch64 (arm64) Linux with Debian's cross compiler
# (gcc-aarch64-linux-gnu) and the arm64 libraries of Debian multiarch:
#	scripts/deps.sh arm64 && scripts/build.sh arm64     (build-arm64/)
# or	cmake -S . -B build-arm64 \
#		-DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# jansson and cmocka are installed as arm64 packages (multiarch);
# libfdt-dev:arm64 cannot be installed beside the amd64 one, so the static
# libfdt.a comes from the package unpacked by scripts/arm64/sysroot.sh
# (NKHV_ARM64_SYSROOT, default build-arm64-sysroot/ of the source tree).
# Tests run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR). See
# docs/arm64.md.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Search programs on the host, libraries and headers for the target only.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config: the arm64 .pc files of multiarch, never the host's.
set(ENV{PKG_CONFIG_LIBDIR}
    /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

if(NOT NKHV_ARM64_SYSROOT)
  set(NKHV_ARM64_SYSROOT ${CMAKE_CURRENT_LIST_DIR}/../build-arm64-sysroot)
endif()
get_filename_component(NKHV_ARM64_SYSROOT ${NKHV_ARM64_SYSROOT} ABSOLUTE)
set(NKHV_ARM64_SYSROOT ${NKHV_ARM64_SYSROOT} CACHE PATH
    "arm64 packages unpacked by scripts/arm64/sysroot.sh")
if(EXISTS ${NKHV_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/libfdt.a)
  set(FDT_LIBRARY ${NKHV_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/libfdt.a
      CACHE FILEPATH "libfdt for aarch64")
  set(FDT_INCLUDE_DIR ${NKHV_ARM64_SYSROOT}/usr/include
      CACHE PATH "libfdt headers")
endif()

# Run what is built (ctest, try_run) under qemu-user.
find_program(NKHV_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(NKHV_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${NKHV_QEMU_AARCH64})
endif()
