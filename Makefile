# J County budget performance management: research compendium build.
#
#   make all     environment, data, notebooks, figures, tables, paper PDF
#   make test    the test suite, including an end-to-end build of the PDF
#   make help    every target, with what it does
#
# Parameters come from params.yaml; override any as NAME=value, e.g.
#   make all SEED=7 ROTATION=varimax

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-builtin-variables

PYTHON_BOOT ?= python3
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
ENV_STAMP := $(VENV)/.installed
TEX_STAMP := build/.tex-ok
BUILD := build
NBOUT := $(BUILD)/notebooks
PARAMS := $(BUILD)/params.yaml
# Debian packages of the paper build: XeLaTeX with xeCJK (Chinese), latexmk,
# booktabs/threeparttable (latex-extra), the GB/T 7714 reference style of the Chinese edition
# (bibtex-extra), Latin Modern, the ZapfDingbats metrics
# hyperref loads under XeTeX (fonts-recommended) and the Noto CJK fonts (also
# used by the figures); poppler-utils lets the tests read the PDF's text.
# tests/test_tex_packages.py proves the list complete: every file the paper
# build reads belongs to one of these packages or to one they depend on.
TEX_PACKAGES := texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex texlive-bibtex-extra \
                texlive-lang-chinese texlive-lang-cjk lmodern latexmk fonts-noto-cjk poppler-utils
export PYTHONDONTWRITEBYTECODE :=
export UV_PYTHON_DOWNLOADS := never
export MPLBACKEND := Agg
# semopy's optimiser visits parameters in hash order: a fixed seed makes CFA results byte-stable.
export PYTHONHASHSEED := 0
export JCOUNTY_ROOT := $(CURDIR)

# Command-line variables become parameter overrides (make all SEED=7 → seed: 7).
OVERRIDES := $(foreach v,$(sort $(.VARIABLES)),$(if $(filter command line,$(origin $(v))),'$(v)=$($(v))'))
# `lang` shares its name with the locale variable: a command-line LANG=zh chooses the language of the
# labels (captured in OVERRIDES above) and must not reach the recipes as a locale (perl, under latexmk,
# warns about an unknown locale)
ifeq ($(origin LANG),command line)
override LANG := C.UTF-8
endif

PKG_SRC := $(wildcard $(shell find src/analysis -name "*.py" -o -name "*.json" -o -name "*.yaml"))
COMMON := $(ENV_STAMP) $(PKG_SRC) requirements.lock data/raw/SIMULATED.sha256
RUN = @$(PY) -m analysis.build.runner $< --params $(PARAMS)

.DEFAULT_GOAL := help
.PHONY: all help env tex browser test test-fast lab clean clean-all simulate results bench fuzz check-raw print-outputs robustness verify expected FORCE

help: ## Show this help
	@echo "J County BPM compendium. Usage: make <target> [NAME=value ...]"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n",$$1,$$2}'
	@echo "Parameters (override as NAME=value): see params.yaml"

# --------------------------------------------------------------------------- environment
env: $(ENV_STAMP) ## Create .venv and install the locked Python packages

$(ENV_STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON_BOOT) >/dev/null || { echo "error: $(PYTHON_BOOT) not found; install Python 3.11+"; exit 1; }
	@$(PYTHON_BOOT) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python 3.11+ needed"; exit 1; }
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing python3-venv (Debian package)"; rm -rf $(VENV); \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && $(PYTHON_BOOT) -m venv $(VENV); \
	  else echo "error: cannot create a virtual environment. Run: sudo apt-get install -y python3-venv"; exit 1; fi; }
	@echo "Python environment: installing the locked packages into $(VENV) (about a minute)"
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; { \
	  $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) && \
	  $(UV) pip sync --quiet --python $(PY) --compile-bytecode requirements.lock && \
	  $(UV) pip install --quiet --python $(PY) --no-deps --compile-bytecode -e . && \
	  $(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (J County BPM)"; \
	} >$$log 2>&1 || { grep -v "^WARNING: Location 'file:" $$log | tail -30; exit 1; }
	@# a relocatable kernelspec: jupyter_client maps the command "python" to the running interpreter
	@$(PY) -c 'import json, sys, pathlib; p = pathlib.Path(sys.prefix, "share/jupyter/kernels/python3/kernel.json"); \
	  k = json.loads(p.read_text()); k["argv"][0] = "python"; p.write_text(json.dumps(k, indent=1))'
	@touch $@

tex: $(TEX_STAMP) ## Install the LaTeX toolchain from Debian packages (when missing)

$(TEX_STAMP): Makefile
	@mkdir -p $(BUILD)
	@tools/ensure_debian_packages.sh "LaTeX toolchain" $(TEX_PACKAGES)
	@# matplotlib caches its font list: drop it so that newly installed CJK fonts are found
	@rm -f $$HOME/.cache/matplotlib/fontlist-*.json
	@touch $@

# The offline test of the executed pages drives Debian's Chromium (tests/test_site.py).
BROWSER_PACKAGES := chromium
BROWSER_STAMP := build/.browser-ok
browser: $(BROWSER_STAMP) ## Install Chromium for the offline page test (when missing)
$(BROWSER_STAMP): Makefile
	@mkdir -p $(BUILD)
	@tools/ensure_debian_packages.sh "Browser for the page test" $(BROWSER_PACKAGES)
	@touch $@

# Resolved parameters and the commit, rewritten only when they change. This runs
# while make reads this file (not as a recipe), so that `make -n` shows the truth
# and an unknown parameter stops make before anything runs.
ifneq ($(wildcard $(ENV_STAMP)),)
ifneq ($(filter-out results help print-outputs clean clean-all check-raw bench fuzz verify,$(or $(MAKECMDGOALS),help)),)
# (JCOUNTY_ROOT is given explicitly: GNU make before 4.4 does not export variables to $(shell), and
# without it a copy of the repository that shares this .venv would read the params.yaml of the checkout)
PARAMS_ERROR := $(shell mkdir -p $(BUILD) && JCOUNTY_ROOT=$(CURDIR) $(PY) -m analysis.core.params resolve $(PARAMS) $(OVERRIDES) 2>&1 >/dev/null)
ifneq ($(PARAMS_ERROR),)
$(error $(PARAMS_ERROR))
endif
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo -dirty)
$(shell mkdir -p $(BUILD) && { [ -f $(BUILD)/commit.txt ] && [ "$$(cat $(BUILD)/commit.txt)" = "$(COMMIT)" ] || echo "$(COMMIT)" > $(BUILD)/commit.txt; })
endif
endif

# On a fresh clone the environment comes first, then the parameters.
$(PARAMS): params.yaml $(ENV_STAMP)
	@mkdir -p $(BUILD)
	@$(PY) -m analysis.core.params resolve $@ $(OVERRIDES)

$(BUILD)/commit.txt: $(ENV_STAMP)
	@mkdir -p $(BUILD)
	@git rev-parse --short=12 HEAD 2>/dev/null > $@ || echo unknown > $@

# --------------------------------------------------------------------------- data
simulate: $(ENV_STAMP) ## Regenerate the simulated stand-in raw data (byte for byte) in data/raw
	$(PY) -m analysis.simulate --out data/raw

results: $(ENV_STAMP) ## Measurement analyses of any survey: make results SURVEY=f CODEBOOK=f OUT=dir [CLEAN=none] [N_FACTORS= EXTRACTION= ROTATION= MISSING= SEED= N_ITER= CONF_LEVEL=]
	@test -n "$(SURVEY)" -a -n "$(CODEBOOK)" -a -n "$(OUT)" || { echo "usage: make results SURVEY=file [SURVEY_NUMBER=file] CODEBOOK=file OUT=dir [CLEAN=none] [N_FACTORS=k] [EXTRACTION=minres|ml|pa] [ROTATION=none|varimax|promax|oblimin] [MISSING=pairwise|listwise] [SEED=n] [N_ITER=n] [CONF_LEVEL=0.95]"; exit 2; }
	$(PY) -m analysis.build.results --survey "$(SURVEY)" --survey-number "$(SURVEY_NUMBER)" --codebook "$(CODEBOOK)" \
	  --out "$(OUT)" $(if $(CLEAN),--clean "$(CLEAN)") $(if $(N_FACTORS),--n-factors "$(N_FACTORS)") \
	  $(if $(EXTRACTION),--extraction "$(EXTRACTION)") $(if $(ROTATION),--rotation "$(ROTATION)") \
	  $(if $(MISSING),--missing "$(MISSING)") $(if $(SEED),--seed "$(SEED)") \
	  $(if $(N_ITER),--n-iter "$(N_ITER)") $(if $(CONF_LEVEL),--conf-level "$(CONF_LEVEL)")

check-raw: ## Verify data/raw against its SHA256SUMS
	cd data/raw && sha256sum --quiet -c SHA256SUMS && echo "data/raw: all checksums match"

# --------------------------------------------------------------------------- notebooks
# The notebook rules come from stages.toml, the one declaration of each stage's
# parameters, inputs and outputs (src/analysis/build/stages.py writes them with the
# resolved parameters, so `make all CASES_DIR=...` tracks the right files).
STAGES_MK := $(BUILD)/stages.mk
NOTEBOOK_OUTPUTS :=
STAGE_NAMES :=
ifneq ($(filter-out results help clean clean-all check-raw bench fuzz simulate env tex browser verify,$(or $(MAKECMDGOALS),help)),)
-include $(STAGES_MK)
endif

$(STAGES_MK): stages.toml src/analysis/build/stages.py $(PARAMS) $(wildcard notebooks/*.ipynb)
	@$(PY) -m analysis.build.stages makefile $@ $(PARAMS)
	@touch $@   # written only when its text changes: the stamp keeps a no-op make from remaking it every time

# --------------------------------------------------------------------------- sweeps (notebook 08)
# The robustness sweep and the Monte Carlo recovery study run outside notebook 08, through the
# sweep engine (python -m analysis.sweep), wherever SWEEP_ENGINE and SWEEP_WORKERS say; a progress
# bar shows on the terminal. Every task's result is cached in build/sweep/cache under a hash of the
# package source, so an unchanged sweep reads all of them back. The sweeps read the parameters
# notebook 08 declares (build/params/08_robustness.yaml, rewritten only when one of them changes);
# the robustness sweep also reads the raw files its dependency file lists (written as it runs).
SWEEP_DIR := $(BUILD)/sweep
SWEEP_PARAMS := $(BUILD)/params/08_robustness.yaml
SWEEP = @$(PY) -m analysis.sweep $(1) --params $(SWEEP_PARAMS) --out $@ --cache $(SWEEP_DIR)/cache
-include $(SWEEP_DIR)/robustness.json.d

$(SWEEP_DIR)/robustness.json: $(SWEEP_PARAMS) $(COMMON)
	$(call SWEEP,robustness)

$(SWEEP_DIR)/recovery.json: $(SWEEP_PARAMS) $(COMMON) data/raw/codebook.yaml
	$(call SWEEP,recovery)

robustness: $(ENV_STAMP) $(OUT_08_robustness) ## Specification curve, parameter recovery and planning tables (notebook 08; SWEEP_WORKERS=n)

# --------------------------------------------------------------------------- paper
PAPER_GEN := paper/generated/provenance.tex paper/generated/tab_parameters.tex paper/generated/appendix_provenance.tex \
             paper/generated/appendix_instrument.tex paper/generated/appendix_registry.tex
# each of these rules also writes the Chinese edition's copy in paper/generated/zh/

paper/generated/appendix_instrument.tex: $(ENV_STAMP) $(PARAMS) $(NOTEBOOK_OUTPUTS) src/analysis/build/paper.py
	@mkdir -p paper/generated
	@$(PY) -m analysis.build.paper instrument $(PARAMS) $@

# the registry: every exhibit and number with its stage, notebook, parameters, inputs and results key
paper/generated/appendix_registry.tex: $(ENV_STAMP) $(NOTEBOOK_OUTPUTS) stages.toml src/analysis/build/registry.py
	@mkdir -p paper/generated
	@$(PY) -m analysis.build.registry paper/generated

paper/generated/appendix_provenance.tex: $(ENV_STAMP) stages.toml requirements.lock $(wildcard data/raw/*) $(PARAMS) src/analysis/build/paper.py
	@mkdir -p paper/generated
	@$(PY) -m analysis.build.paper appendix $@

paper/generated/tab_parameters.tex: $(PARAMS) params.yaml src/analysis/build/paper.py
	@mkdir -p paper/generated
	@$(PY) -m analysis.build.paper parameters $(PARAMS) $@

paper/generated/provenance.tex: $(ENV_STAMP) data/processed/survey_status.json data/processed/cases_status.json $(BUILD)/commit.txt stages.toml
	@mkdir -p paper/generated
	@$(PY) -m analysis.build.paper provenance $@

# LATEX(stem): build paper/build/<stem>.pdf with latexmk (XeLaTeX), print its time, check its log
define LATEX
	@mkdir -p paper/build
	@start=$$(date +%s%N); cd paper && { latexmk -xelatex -interaction=nonstopmode -halt-on-error -file-line-error \
	    -recorder -outdir=build -quiet $(1).tex >build/latexmk-$(1).out 2>&1 \
	  || { $(CURDIR)/$(PY) -m analysis.build.paper explain-failure build/$(1).log build/latexmk-$(1).out; rm -f build/$(1).fdb_latexmk missfont.log; exit 1; }; }; \
	  if [ -f missfont.log ]; then echo "error: TeX could not find these fonts (paper/missfont.log):"; cat missfont.log; rm -f missfont.log; exit 1; fi; \
	  t=$$(( ($$(date +%s%N) - start) / 100000000 )); printf 'paper    %-26s %3d.%d s  -> %s\n' $(1).tex $$((t / 10)) $$((t % 10)) paper/build/$(1).pdf
	@$(PY) -m analysis.build.paper check-log paper/build/$(1).log || { rm -f paper/build/$(1).pdf paper/build/$(1).fdb_latexmk; exit 1; }
	@touch paper/build/$(1).pdf
endef

paper/build/main.pdf: paper/main.tex $(wildcard paper/sections/*.tex) paper/references.bib $(NOTEBOOK_OUTPUTS) $(PAPER_GEN) $(TEX_STAMP)
	$(call LATEX,main)

# the Chinese edition: the same generated numbers, its own prose (paper/sections-zh/), tables and figures
paper/build/main-zh.pdf: paper/main-zh.tex $(wildcard paper/sections-zh/*.tex) $(wildcard paper/sections/*.tex) paper/references.bib $(NOTEBOOK_OUTPUTS) $(PAPER_GEN) $(TEX_STAMP) paper/build/main.pdf
	$(call LATEX,main-zh)

SITE_INDEX := $(NBOUT)/index.html
$(SITE_INDEX): paper/build/main.pdf $(NOTEBOOK_OUTPUTS) src/analysis/build/site.py
	@$(PY) -m analysis.build.site index $(NBOUT) paper/build/main.pdf

all: $(ENV_STAMP) paper/build/main.pdf paper/build/main-zh.pdf $(SITE_INDEX) ## Build everything: environment, data, notebooks, figures, tables, both editions of the paper
	@echo "Paper: paper/build/main.pdf, Chinese edition paper/build/main-zh.pdf · executed notebooks: $(NBOUT)/index.html"

# --------------------------------------------------------------------------- checks
test: $(ENV_STAMP) $(TEX_STAMP) $(BROWSER_STAMP) ## Run the test suite (includes the end-to-end build of the PDF)
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-fast: $(ENV_STAMP) ## Unit tests only (no end-to-end build)
	$(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

FUZZ_CASES ?= 10000
fuzz: $(ENV_STAMP) ## Fuzz the importers, the case tables and the codebook loader: FUZZ_CASES mutated inputs (default 10000); summary and reproducers in build/fuzz
	$(PY) tools/fuzz.py --cases $(FUZZ_CASES) --out build/fuzz

bench: $(ENV_STAMP) ## Time the measurement core beside R psych/lavaan (n = 300 to 300,000), the build's fixed costs and each step; writes bench/ [BENCH_SIZES=300,3000 BENCH_REPEAT=n BENCH_R=no BENCH_FIXED=no]
	$(PY) tools/bench.py $(if $(BENCH_SIZES),--sizes "$(BENCH_SIZES)") $(if $(BENCH_REPEAT),--repeat "$(BENCH_REPEAT)") \
	  $(if $(filter no,$(BENCH_R)),--no-r) $(if $(filter no,$(BENCH_FIXED)),--no-fixed)

verify: $(ENV_STAMP) ## The reviewer's check: rebuild from data/raw/ in a scratch copy and compare every result with expected/results/ (exit 1 on a difference)
	@$(PY) -m analysis.build.verify run --root $(CURDIR)

expected: all ## After an intended change: make results/ the expected results (expected/results/) that make verify compares with
	@rm -rf expected/results && mkdir -p expected/results
	@cp results/*.csv results/*.json expected/results/
	@echo "expected/results: $$(ls expected/results | wc -l) files from this build (commit them with the change)"

lab: $(ENV_STAMP) ## Open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean: ## Remove everything the build made (keeps .venv and data/raw)
	rm -rf $(BUILD) paper/build paper/generated results figures/*.pdf figures/*.png figures/zh
	find data/processed -type f ! -name README.md ! -name .gitkeep -delete

clean-all: clean ## Also remove the virtual environment
	rm -rf $(VENV)

FORCE:

print-outputs: ## List every file the notebooks declare as outputs
	@printf '%s\n' $(NOTEBOOK_OUTPUTS)

print-stages: ## One line per notebook: the notebook, then the files it declares
	@$(foreach n,$(STAGE_NAMES),echo "$(OUT_$(n))";)
