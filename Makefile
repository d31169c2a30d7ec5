# Evals before prompt changes (see evals/README.md).
#
#   make eval                      brief + score the gold set with the working-tree prompts
#   make eval-compare              committed prompts (BASE_REF) vs working-tree prompts: the gate
#   make eval-check                eval-compare only when prompts/ differs from BASE_REF
#   make eval-compare CASES='seed-*' BASE_REF=origin/main
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

.PHONY: eval eval-compare eval-check

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
