# GaiaMine — build, test, demo, benchmark.
#   make demo    synthesise a small DR3-format data set, repack it with 2 MPI ranks, inspect it,
#                run the XP search and the periodogram search on it
#   make test    unit tests + MPI tests (np 1/2/3) + end-to-end checks against astropy/h5py
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

APT_PACKAGES = libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libfftw3-dev \
               zlib1g-dev pkg-config
PY_PACKAGES  = numpy scipy h5py astropy pytest nifty-ls

.PHONY: all deps build debug test unit-test e2e-test demo bench clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@$(PYTHON) -c "import numpy, scipy, h5py, astropy, pytest, nifty_ls" 2>/dev/null || \
	  $(PYTHON) -m pip install -q $(PY_PACKAGES) 2>&1 | grep -v "WARNING: Running pip as the 'root'" || true
	@$(PYTHON) -c "import numpy, scipy, h5py, astropy, pytest, nifty_ls"

build: deps
	$(SWIFT) build $(RELEASE) --product gaiamine

debug: deps
	$(SWIFT) build

unit-test: deps
	$(SWIFT) test

e2e-test: build
	GAIAMINE=$(BIN) MPIRUN="$(MPIRUN)" $(PYTHON) -m pytest -q Tests/e2e

# e2e-test runs gaiamine under mpirun -np 1/2/3 and compares with astropy/h5py.
test: unit-test e2e-test

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
	rm -rf .build $(DEMO_DIR) bench-data
