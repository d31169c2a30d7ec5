# Evals before prompt changes (see evals/README.md).
#
#   make eval                      brief + score the gold set with the working-tree prompts
#   make eval-compare              committed prompts (BASE_REF) vs working-tree prompts: the gate
#   make eval-check                eval-compare only when prompts/ differs from BASE_REF
#   make eval-compare CASES='seed-*' BASE_REF=origin/main
#
# Installs (see README, Development):
#
#   make lock                      re-resolve requirements/*.lock after a pyproject.toml change
#   make lock UPGRADE=--upgrade    move every pin to its newest release (run make drift first)
#   make drift                     newest releases of everything in a throwaway venv + the tests
#
# Tests (see docs/testing.md):
#
#   make mutate                    mutation score of the modules that keep promises (not in CI)
#   make mutate MODULES=grounding  one module; JOBS=2 tests two mutants at a time
#
# The model is briefer's usual choice: OPENAI_API_KEY / OPENAI_BASE_URL when set, else the
# embedded local model. The response cache makes re-runs of unchanged prompts free.

SHELL := /bin/bash
BRIEFER ?= briefer
CASES ?= *
BASE_REF ?= HEAD
PROMPTS ?= prompts
EVAL_RUNS ?= evals/runs
EVAL_FLAGS ?=

VENV ?= .venv
UV ?= $(VENV)/bin/uv
UPGRADE ?=
PYTHON ?= $(VENV)/bin/python
MODULES ?=
JOBS ?=
LOCK_FLAGS = $(UPGRADE) --generate-hashes --universal --python-version 3.11 --no-header --custom-compile-command 'make lock' -q

.PHONY: eval eval-compare eval-check lock drift mutate

# The dev lock is resolved first; the user's lock is held to its versions, so both agree.
lock:
	$(UV) pip compile pyproject.toml --extra dev --extra local $(LOCK_FLAGS) -o requirements/dev.lock
	$(UV) pip compile pyproject.toml --extra local -c requirements/dev.lock $(LOCK_FLAGS) -o requirements/local.lock

# Drift on purpose: what a lock-free install would get today, tested before users meet it.
drift:
	@set -euo pipefail; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(UV) pip compile pyproject.toml --extra dev --extra local --upgrade --universal \
	  --python-version 3.11 --no-header --no-annotate -q -o "$$tmp/newest.txt"; \
	echo "drift: packages whose newest release differs from requirements/dev.lock:"; \
	diff <(grep -E '^[A-Za-z0-9]' requirements/dev.lock | sed 's/ .*//' | sort) \
	     <(grep -E '^[A-Za-z0-9]' "$$tmp/newest.txt" | sed 's/ .*//' | sort) || true; \
	python3 -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/pip" install -q -r "$$tmp/newest.txt"; \
	"$$tmp/venv/bin/pip" install -q --no-deps -e .; \
	"$$tmp/venv/bin/pip" install -q --no-deps -r requirements/test-models.lock; \
	"$$tmp/venv/bin/python" -m pytest -q -m 'not slow'; \
	echo "drift: the newest releases pass; 'make lock UPGRADE=--upgrade' takes them"

# Each module in its own copy under mutants/ (git-ignored); the table lives in scripts/mutate.py.
mutate:
	$(PYTHON) scripts/mutate.py $(if $(JOBS),--jobs $(JOBS)) $(MODULES)

eval:
	$(BRIEFER) eval run --prompts $(PROMPTS) --cases '$(CASES)' --out $(EVAL_RUNS)/latest $(EVAL_FLAGS)

eval-compare:
	@set -euo pipefail; \
	if ! git cat-file -e '$(BASE_REF):$(PROMPTS)/manifest.toml' 2>/dev/null; then \
	  echo "eval-compare: no $(PROMPTS)/ at $(BASE_REF); nothing to compare against"; exit 0; \
	fi; \
	base=$$(mktemp -d); trap 'rm -rf "$$base"' EXIT; \
	for file in $$(git ls-tree --name-only '$(BASE_REF)' '$(PROMPTS)/'); do \
	  git show "$(BASE_REF):$$file" > "$$base/$$(basename "$$file")"; \
	done; \
	out='$(EVAL_RUNS)'/compare-$$(date -u +%Y%m%d-%H%M%S); \
	echo "eval-compare: $(BASE_REF):$(PROMPTS) vs working tree $(PROMPTS) -> $$out"; \
	$(BRIEFER) eval compare "$$base" '$(PROMPTS)' --cases '$(CASES)' --out "$$out" $(EVAL_FLAGS)

eval-check:
	@if git cat-file -e '$(BASE_REF):$(PROMPTS)/manifest.toml' 2>/dev/null \
	   && git diff --quiet '$(BASE_REF)' -- '$(PROMPTS)/' \
	   && [ -z "$$(git ls-files --others --exclude-standard -- '$(PROMPTS)/')" ]; then \
	  echo "eval-check: $(PROMPTS)/ unchanged since $(BASE_REF); no eval needed"; \
	else \
	  $(MAKE) --no-print-directory eval-compare; \
	fi
