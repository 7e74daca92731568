# Convenience targets; the build itself is CMake (scripts/build.sh).
.PHONY: all bench bench-quick bench-arm64-smoke

all:
	scripts/build.sh release

# Every benchmark comparison in one run: bench/results/<time>/report.md
bench:
	scripts/deps.sh bench
	scripts/build.sh release
	bench/run.sh build

# A smoke run of about a minute (fewer records and runs).
bench-quick:
	scripts/deps.sh bench
	scripts/build.sh release
	BENCH_QUICK=1 bench/run.sh build

# The Earlydata benchmark programs as aarch64 binaries under qemu-user: a
# functional smoke, no figures (those need arm64 hardware: docs/arm64.md).
bench-arm64-smoke:
	scripts/deps.sh arm64
	scripts/build.sh arm64
	scripts/arm64/bench-smoke.sh build-arm64
