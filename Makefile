# GaiaMine — build, test, demo, benchmark.
#   make demo    synthesise a small DR3-format data set, repack it with 2 MPI ranks, inspect it,
#                run the XP search and the periodogram search on it
#   make test    unit tests + MPI tests (np 1/2/3) + end-to-end checks against astropy/h5py
#   make example build Examples/light-curve-stats (a user's own job on GaiaMineKit) and run it with
#                2 MPI ranks on the demo data → demo/light_curve_stats.{ecsv,h5,yaml}
#   make sanitize AddressSanitizer build + the bad-input end-to-end tests
#   make bench   repack vs zcat/astropy, XP search vs numpy, periodograms vs nifty-ls/astropy, GW kernels vs numpy (→ Docs/benchmarks.md)
# Both demo and test install missing system packages (Debian/Ubuntu) first.

SWIFT      ?= swift
# CPU-specific code generation (SIMD, FMA). For clusters with mixed nodes name the oldest: make CPU=haswell
CPU        ?= native
RELEASE     = -c release -Xswiftc -target-cpu -Xswiftc $(CPU) -Xcc -march=$(CPU)
BIN         = .build/release/gaiamine
NP         ?= 2
DEMO_DIR   ?= demo
PYTHON     ?= python3

# mpirun as root (containers, CI) and with more ranks than cores needs these; users on a
# cluster never see them.
MPIRUN_FLAGS = --oversubscribe
ifeq ($(shell id -u),0)
export OMPI_ALLOW_RUN_AS_ROOT = 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = 1
endif
export OPENBLAS_NUM_THREADS = 1
export OMP_NUM_THREADS = 1
MPIRUN = mpirun $(MPIRUN_FLAGS)

APT_PACKAGES = libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libopenblas-dev liblapacke-dev \
               libfftw3-dev zlib1g-dev pkg-config
PY_PACKAGES  = numpy scipy pandas h5py astropy pyyaml pytest nifty-ls

EXAMPLE_DIR = Examples/light-curve-stats
EXAMPLE_BIN = $(EXAMPLE_DIR)/.build/release/light-curve-stats

.PHONY: all deps build debug test unit-test e2e-test demo demo-data example example-test sanitize bench clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@$(PYTHON) -c "import numpy, scipy, pandas, h5py, astropy, yaml, pytest, nifty_ls" 2>/dev/null || \
	  $(PYTHON) -m pip install -q $(PY_PACKAGES) 2>&1 | grep -v "WARNING: Running pip as the 'root'" || true
	@$(PYTHON) -c "import numpy, scipy, pandas, h5py, astropy, yaml, pytest, nifty_ls"

build: deps
	$(SWIFT) build $(RELEASE) --product gaiamine

debug: deps
	$(SWIFT) build

unit-test: deps
	$(SWIFT) test

e2e-test: build
	GAIAMINE=$(BIN) MPIRUN="$(MPIRUN)" $(PYTHON) -m pytest -q Tests/e2e

# e2e-test runs gaiamine under mpirun -np 1/2/3 and compares with astropy/h5py.
test: unit-test e2e-test example-test

# The demo's light curves, made only if absent (make example needs them; make demo remakes all).
demo-data: build
	@if [ ! -f $(DEMO_DIR)/epoch.h5 ]; then \
	  mkdir -p $(DEMO_DIR) && rm -rf $(DEMO_DIR)/epoch && \
	  $(BIN) synth epoch_photometry --sources 2000 --files 3 --seed 2 --out $(DEMO_DIR)/epoch && \
	  $(MPIRUN) -np $(NP) $(BIN) repack $(DEMO_DIR)/epoch/*.csv.gz --out $(DEMO_DIR)/epoch.h5 --overwrite; \
	fi

# A user's own job, in its own package, on GaiaMine as a library (Docs/adding-a-job.md).
example: demo-data
	$(SWIFT) build --package-path $(EXAMPLE_DIR) $(RELEASE)
	$(MPIRUN) -np 2 $(EXAMPLE_BIN) light-curve-stats $(DEMO_DIR)/epoch.h5 --out $(DEMO_DIR)/light_curve_stats --overwrite

example-test: example
	DEMO_DIR=$(abspath $(DEMO_DIR)) MPIRUN="$(MPIRUN)" $(PYTHON) -m pytest -q Tests/e2e/test_example.py

# AddressSanitizer (debug build: every bounds and overflow check on) and the bad-input tests,
# which drive gaiamine through its error paths under mpirun.
sanitize: deps
	$(SWIFT) build --sanitize=address --scratch-path .build-asan --product gaiamine
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 GAIAMINE=.build-asan/debug/gaiamine MPIRUN="$(MPIRUN)" \
	  $(PYTHON) -m pytest -q Tests/e2e/test_bad_input.py Tests/e2e/test_jobs.py -k "bad or missing or set_overrides"

demo: build
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(BIN) synth xp_continuous_mean_spectrum --sources 2000 --files 4 --seed 1 --out $(DEMO_DIR)/xp
	$(BIN) synth epoch_photometry --sources 2000 --files 3 --seed 2 --out $(DEMO_DIR)/epoch
	$(BIN) synth gaia_source --sources 5000 --files 3 --seed 3 --out $(DEMO_DIR)/gaia_source
	$(MPIRUN) -np $(NP) $(BIN) repack $(DEMO_DIR)/xp/*.csv.gz --out $(DEMO_DIR)/xp.h5 --overwrite
	$(MPIRUN) -np $(NP) $(BIN) repack $(DEMO_DIR)/epoch/*.csv.gz --out $(DEMO_DIR)/epoch.h5 --overwrite
	$(MPIRUN) -np $(NP) $(BIN) repack $(DEMO_DIR)/gaia_source/*.csv.gz --out $(DEMO_DIR)/gaia_source.h5 --overwrite
	$(BIN) inspect $(DEMO_DIR)/xp.h5
	$(BIN) inspect $(DEMO_DIR)/epoch.h5
	$(BIN) inspect $(DEMO_DIR)/gaia_source.h5
	# XP similarity search: index once, then search for the twins of a planted template
	$(MPIRUN) -np $(NP) $(BIN) xp-index $(DEMO_DIR)/xp.h5
	$(MPIRUN) -np $(NP) $(BIN) xp-search $(DEMO_DIR)/xp.h5 --k 10 --out $(DEMO_DIR)/xp_twins --overwrite \
	  --template-source-id $$($(PYTHON) -c "import json; print(json.load(open('$(DEMO_DIR)/xp/xp_continuous_mean_spectrum_truth.json'))['twins'][0]['template_source_id'])")
	$(MPIRUN) -np $(NP) $(BIN) run Inputs/xp_solar_twins.yaml
	# Periodogram search of every light curve (G, BP, RP): best periods, FAPs, figure
	$(MPIRUN) -np $(NP) $(BIN) run Inputs/periodic_variables.yaml
	# VSH fit of the quasar-like proper motions: rotation, glide, per-degree power, Ω_GW limit
	$(MPIRUN) -np $(NP) $(BIN) run Inputs/gw_vsh_qso.yaml
	# All-pairs proper-motion correlation vs the astrometric Hellings–Downs curve
	$(MPIRUN) -np $(NP) $(BIN) run Inputs/gw_correlation_qso.yaml

bench: build
	@dpkg -s libdeflate-dev >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get install -y -qq libdeflate-dev >/dev/null; }
	MPIRUN="$(MPIRUN)" GAIAMINE=$(BIN) $(PYTHON) Tests/bench/repack_bench.py
	MPIRUN="$(MPIRUN)" GAIAMINE=$(BIN) $(PYTHON) Tests/bench/xp_bench.py
	MPIRUN="$(MPIRUN)" GAIAMINE=$(BIN) $(PYTHON) Tests/bench/periodogram_bench.py
	MPIRUN="$(MPIRUN)" GAIAMINE=$(BIN) $(PYTHON) Tests/bench/gw_vsh_bench.py
	MPIRUN="$(MPIRUN)" GAIAMINE=$(BIN) $(PYTHON) Tests/bench/gw_correlation_bench.py

clean:
	rm -rf .build .build-asan $(EXAMPLE_DIR)/.build $(DEMO_DIR) bench-data
