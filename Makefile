# One-command set-up and the course's everyday tasks.  `make help` lists them.
#
# The environment is a virtualenv in .venv built from requirements.lock (exact versions).
# It is (re)built only when it is missing or the lock changed: a second `make lab` installs nothing.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := gradclip
LAB_PORT ?= 8888
LAB_ARGS ?=
# Jupyter refuses to run as root (containers, CI) unless told it may.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Small CPU models run faster and far steadier on one thread.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONDONTWRITEBYTECODE := 1
# Tools that nbgrader and Jupyter start by name (alembic, jupyter-*) come from the course environment.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help setup lab test test-fast lint release quizzes execute sources bench lock student-pack clean
.PHONY: grade-release collect autograde feedback export

help:
	@echo "make lab       set up .venv if needed, then start JupyterLab on the course"
	@echo "make test      set up .venv if needed, then run everything CI runs"
	@echo "make test-fast only the quick tests (no notebook execution, no nbgrader)"
	@echo "make lint      ruff (lint and format check) and mypy, configured in pyproject.toml"
	@echo "make setup     only build .venv (nothing is installed when it is up to date)"
	@echo "make release   rebuild the quizzes if stale, then regenerate the student release notebooks/ from solutions/"
	@echo "make quizzes   build solutions/quiz_*/ from the question bank quizzes/bank/ (only stale ones)"
	@echo "make execute   rebuild the lesson notebooks from lessons/*.md, then re-run every solution notebook"
	@echo "               in place (refreshes the outputs nbval checks); L=01_gradients for one lesson"
	@echo "make sources   write lessons/*.md from the notebooks (after editing a notebook in Jupyter)"
	@echo "make bench     time every lesson and the gradient-norm monitor's overhead"
	@echo "make lock      re-resolve requirements.in into requirements.lock and environment.yml"
	@echo "make student-pack  build dist/gradient-clipping-student.zip (all a graded class receives)"
	@echo "make clean     remove build and test artifacts (keeps .venv)"
	@echo "Grading (scripts/course.py over nbgrader; COURSE=dir for another course folder):"
	@echo "make grade-release            record every assignment in gradebook.db (generate_assignment)"
	@echo "make collect FROM=folder      copy folder/<student>/<assignment>/<assignment>.ipynb into submitted/"
	@echo "make collect ZIP=lms.zip      collect <student>_<assignment>.ipynb files (nbgrader zip_collect)"
	@echo "make autograde [A=\"01_gradients ...\"]  autograde every submission; lists the ungradable"
	@echo "make feedback [A=...]         feedback HTML in feedback/<student>/<assignment>/"
	@echo "make export [CSV=grades.csv]  export the gradebook as CSV"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --no-input -r requirements.lock
	$(PY) -m pip install --quiet --no-input --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) \
	    --display-name "Python 3 (gradient clipping course)" >/dev/null
	touch $(STAMP)
	@echo "Environment ready in $(VENV) (kernel '$(KERNEL)')."

setup: $(STAMP)

lab: $(STAMP)
	@echo "Starting JupyterLab on the course; open the URL printed below (Ctrl-C stops it)."
	$(VENV)/bin/jupyter lab --notebook-dir=. --port=$(LAB_PORT) $(LAB_ROOT) $(LAB_ARGS)

# Two pytest workers (pytest-xdist); each file's tests stay in one worker (--dist loadfile).
# TEST_WORKERS=0 runs everything in this one process.
TEST_WORKERS ?= 2
test: lint
	$(PY) -m pytest tests solutions --nbval --nbval-sanitize-with nbval_sanitize.cfg \
	    --nbval-current-env --durations=15 $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not slow"

release: quizzes
	$(PY) scripts/release.py

quizzes: $(STAMP)
	$(PY) scripts/build_quizzes.py

# The lesson sources lessons/*.md are what contributors edit (scripts/sources.py); the quizzes
# are built from quizzes/bank/ by `make quizzes`.
execute: $(STAMP)
	$(PY) scripts/sources.py build $(L)
	$(PY) scripts/execute.py $(if $(L),$(foreach l,$(L),solutions/$(l)),solutions)

sources: $(STAMP)
	$(PY) scripts/sources.py export

bench: $(STAMP)
	$(PY) scripts/bench.py

lock: $(PY)
	$(PY) scripts/lock.py

student-pack: release
	$(PY) scripts/release.py --pack dist/gradient-clipping-student.zip

COURSE ?= .
GRADE := $(PY) scripts/course.py --course $(COURSE)
CSV ?= grades.csv

grade-release: $(STAMP)
	$(GRADE) release

collect: $(STAMP)
	$(GRADE) collect $(if $(ZIP),--zip $(ZIP),--from $(or $(FROM),$(error give FROM=folder or ZIP=file.zip)))

autograde: $(STAMP)
	$(GRADE) autograde $(A)

feedback: $(STAMP)
	$(GRADE) feedback $(A)

export: $(STAMP)
	$(GRADE) export --csv $(CSV) $(A)

clean:
	rm -rf dist bench-results test-artifacts .pytest_cache .mypy_cache .ruff_cache
