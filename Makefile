# Two commands for a fresh machine: `make run` (set up, build the default target) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SNAKEMAKE := $(VENV)/bin/snakemake
CORES ?= all
TARGET ?= all
# PRESET=ci: the same targets on the ci preset (workflow/presets/ci.yaml), minutes instead of hours
PRESET ?=
CONFIGS := $(if $(PRESET),--configfile workflow/presets/$(PRESET).yaml)
REPORT ?= results/report.html
STAMP := $(VENV)/.installed
# the contrib build of OpenCV (TV-L1 flow), pinned in pyproject.toml
OPENCV_VERSION := $(shell sed -n 's/.*"opencv-contrib-python-headless==\([0-9.]*\)".*/\1/p' pyproject.toml)

.PHONY: run report report-time claims test test-all bench bench-real docs lint setup system-deps clean-cache gpu-check smoke-paper

setup: $(STAMP)

# Debian's ffmpeg binary decodes and encodes videos; installed when missing (root or sudo needed).
system-deps:
	@scripts/install_system_deps.sh

$(STAMP): pyproject.toml scripts/install_mediapipe.sh scripts/install_detectron2.sh scripts/patch_detectron2.py scripts/opencv_contrib.sh | system-deps
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip==25.3
	$(PIP) install --quiet -e '.[dev,text,segment,detectron2]'
	scripts/install_mediapipe.sh $(PIP)
	scripts/install_detectron2.sh $(PIP)
	scripts/opencv_contrib.sh $(PIP) $(PY) $(OPENCV_VERSION)
	@touch $(STAMP)

# The headline result (results/synth4_sps.json) and its figures, then the HTML report of what it built.
run: setup
	$(SNAKEMAKE) --cores $(CORES) $(TARGET) $(CONFIGS)
	$(SNAKEMAKE) --report $(REPORT) $(TARGET) $(CONFIGS)
	@echo "report: $(REPORT)"

# The comparison DAG (every family, paper tables, leaderboards) and its HTML report.
report: setup
	$(SNAKEMAKE) --cores $(CORES) comparison $(CONFIGS)
	$(SNAKEMAKE) --report $(REPORT) comparison $(CONFIGS)
	@echo "report: $(REPORT)"

# `make report`'s build (rule comparison) under /usr/bin/time: CPU seconds (user + sys, every job),
# wall time and peak RSS in results/report_time.txt, with the core count and the load before and
# after; then the HTML report. The measurement of report.cpu_budget_hours (docs/comparison.md): run
# it on an otherwise idle machine, from an empty results/ (`make clean-cache`) to time everything.
REPORT_TIME ?= results/report_time.txt
report-time: setup
	@test -x /usr/bin/time || { echo "report-time needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }
	@mkdir -p $(dir $(REPORT_TIME))
	@{ echo "cores: $$(nproc)"; echo "load before (1, 5, 15 min): $$(cut -d' ' -f1-3 /proc/loadavg)"; } > $(REPORT_TIME)
	/usr/bin/time -v -a -o $(REPORT_TIME) $(SNAKEMAKE) --cores $(CORES) comparison $(CONFIGS)
	@echo "load after (1, 5, 15 min): $$(cut -d' ' -f1-3 /proc/loadavg)" >> $(REPORT_TIME)
	@grep -E "cores|load|User time|System time|Elapsed|Maximum resident" $(REPORT_TIME)
	$(SNAKEMAKE) --report $(REPORT) comparison $(CONFIGS)

# The diagnostic splits (docs/splits.md): every run of config `splits.sets` on its split dataset, the per-split
# metrics (results/splits/), their table (results/tables/splits_synth4.md), the split figures and the claims table
# with every claim also on its split (results/tables/claims_synth4.md, workflow/presets/claims.yaml); then the wall
# time and the CPU time of all jobs (user + system of every process it waited for). PRESET=ci: the tiny version.
claims: setup
	@TIMEFORMAT='make claims: %R s wall, %U s user + %S s system CPU (snakemake and every job)'; \
	time $(SNAKEMAKE) --cores $(CORES) splits results/tables/claims_synth4.md \
	  --configfile $(if $(PRESET),workflow/presets/$(PRESET).yaml) workflow/presets/claims.yaml

# The default suite (tests marked slow deselected: pyproject.toml); `make test-all` runs them too.
test: setup
	$(PY) -m pytest -q

test-all: setup
	@scripts/install_chromium.sh || echo "warning: chromium missing; the report's browser test will fail" >&2
	$(PY) -m pytest -q -m ''

bench: setup
	$(PY) bench/run_all.py

# Learn2Augment masks/backgrounds and AVD flow on real footage and synth4's ground truth:
# bench/results/l2a_real.json (rendered by `make docs`; docs/l2a.md, docs/avd.md).
bench-real: setup
	$(PY) bench/bench_l2a_real.py

# docs/results.md from what the pipeline wrote: results/tables/*.md, results/*.json,
# benchmarks/**/*.tsv, bench/results.json, with the machine's CPU, cores and load (docs/benchmarks.md).
docs: setup
	$(PY) scripts/render_docs.py

# On a CUDA machine: set up, run the `cuda` tests and GPU benchmarks, write results/gpu_check.json.
# Without a GPU it says so and exits 0 in seconds.
gpu-check:
	@scripts/gpu_check.sh

# The paper preset's DAG once, on CPU, on UCF101/HMDB51 stand-ins (every paper table's target with
# workflow/presets/paper_smoke.yaml, in smoke/paper/), then docs/paper_scale.md: memory, CPU per step
# and the projected cost of every paper table. Hours on 2 cores (docs/paper_scale.md says how many).
SMOKE_CORES ?= 2
smoke-paper: setup
	$(PY) scripts/smoke_paper.py --cores $(SMOKE_CORES)

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(SNAKEMAKE) --lint

clean-cache:
	rm -rf cache results logs benchmarks .snakemake
