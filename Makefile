# Convenience targets; the build itself is CMake (scripts/build.sh).
.PHONY: all bench bench-quick

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
