# slides/slides.mk: builds and checks the course's Marp slide decks.
#
# A GNU make fragment: the top-level Makefile includes it, and it also works
# alone, from the repository root:
#
#   make -f slides/slides.mk deps-slides    # install graphviz, chromium, node, npm packages
#   make -f slides/slides.mk slides         # slides/*.md -> build/slides/*.html (offline)
#   make -f slides/slides.mk slides-check   # blank/overflowing slide check in headless Chromium
#
# Every name here starts with SLIDES_ or slides, so it does not clash with the
# main Makefile. Paths are relative to the directory make runs in (the repo root).

# This fragment's own folder ("slides"), taken before any other include.
SLIDES_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

# Keep the includer's default goal: this fragment must not become it.
SLIDES_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

SLIDES_BUILD      ?= build/slides
SLIDES_DOT        ?= dot
SLIDES_NODE       ?= node
SLIDES_NPM        ?= npm
SLIDES_CHROMIUM   ?= /usr/bin/chromium
SLIDES_MARP       := $(SLIDES_DIR)/node_modules/.bin/marp
SLIDES_NPM_STAMP  := $(SLIDES_DIR)/node_modules/.slides-npm-ci
SLIDES_THEMES     := $(wildcard $(SLIDES_DIR)/themes/*.css)

# A deck is a slides/*.md whose front matter (between the first two "---"
# lines) says "marp: true"; README.md is not a deck.
SLIDES_DECKS      := $(shell awk 'FNR == 1 && !/^---/ { nextfile } \
                                  FNR > 1 && /^---/ { nextfile } \
                                  /^marp: *true/ { print FILENAME; nextfile }' \
                                 $(SLIDES_DIR)/*.md 2>/dev/null)
SLIDES_HTML       := $(patsubst $(SLIDES_DIR)/%.md,$(SLIDES_BUILD)/%.html,$(SLIDES_DECKS))
SLIDES_DOTS       := $(wildcard $(SLIDES_DIR)/diagrams/*.dot)
SLIDES_SVGS       := $(patsubst $(SLIDES_DIR)/diagrams/%.dot,$(SLIDES_BUILD)/diagrams/%.svg,$(SLIDES_DOTS))

SLIDES_MARP_FLAGS ?= --no-stdin --theme-set $(SLIDES_DIR)/themes

.PHONY: slides slides-check slides-selftest slides-clean deps-slides slides-apt slides-tools

## slides: build every deck to $(SLIDES_BUILD)/<name>.html (diagrams first)
slides: $(SLIDES_SVGS) $(SLIDES_HTML)
	@echo "slides: $(words $(SLIDES_HTML)) deck(s) and $(words $(SLIDES_SVGS)) diagram(s) in $(SLIDES_BUILD)/"

# Installs what building the slides needs when it is missing (as `make run` does for the
# emulators), saying so; deps-slides fails with its reason if it cannot.
slides-tools:
	@if ! command -v $(SLIDES_DOT) >/dev/null 2>&1 || ! test -x $(SLIDES_MARP); then \
	  echo "slides: graphviz or marp missing: running 'make deps-slides' first"; \
	  $(MAKE) --no-print-directory -f $(SLIDES_DIR)/slides.mk deps-slides; fi

$(SLIDES_BUILD)/diagrams/%.svg: $(SLIDES_DIR)/diagrams/%.dot | slides-tools
	@mkdir -p $(@D)
	$(SLIDES_DOT) -Tsvg $< -o $@

# Decks refer to diagrams as diagrams/NAME.svg, next to the built HTML.
$(SLIDES_BUILD)/%.html: $(SLIDES_DIR)/%.md $(SLIDES_THEMES) $(SLIDES_SVGS) | slides-tools
	@mkdir -p $(@D)
	@rm -f $@
	$(SLIDES_MARP) $(SLIDES_MARP_FLAGS) -o $@ -- $<
	@test -s $@ || { echo "slides: marp wrote no $@" >&2; exit 1; }

## slides-check: open every built deck in headless Chromium; fail on blank or overflowing slides
slides-check: slides
	@test -d $(SLIDES_DIR)/node_modules/puppeteer-core || { \
	  echo "slides-check: puppeteer-core not installed: run 'make deps-slides'" >&2; exit 1; }
	SLIDES_CHROMIUM=$(SLIDES_CHROMIUM) $(SLIDES_NODE) $(SLIDES_DIR)/check.mjs $(SLIDES_HTML)

## slides-selftest: prove the checker catches a blank and an overflowing deck
slides-selftest: | slides-tools
	SLIDES_CHROMIUM=$(SLIDES_CHROMIUM) $(SLIDES_NODE) $(SLIDES_DIR)/check.mjs --self-test

slides-clean:
	rm -rf $(SLIDES_BUILD)

## deps-slides: install what the slides need, if it is missing
deps-slides: slides-apt $(SLIDES_NPM_STAMP)
	@echo "deps-slides: all slide tools present"

# Debian packages, checked by the command each provides (node may come from a
# nodejs package that already has npm in it, so npm is installed only if missing).
slides-apt:
	@missing=""; \
	command -v $(SLIDES_DOT) >/dev/null 2>&1 || missing="$$missing graphviz"; \
	test -x $(SLIDES_CHROMIUM) || missing="$$missing chromium"; \
	command -v $(SLIDES_NODE) >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v $(SLIDES_NPM) >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -z "$$missing" ]; then \
	  echo "deps-slides: Debian packages present (graphviz, chromium, nodejs, npm)"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "deps-slides: need root or sudo to install:$$missing" >&2; exit 1; fi; \
	echo "deps-slides: installing Debian packages:$$missing"; \
	$$sudo apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing

# npm packages: (re)installed from the lock file when node_modules is missing
# or older than slides/package-lock.json. puppeteer-core downloads no browser.
$(SLIDES_NPM_STAMP): $(SLIDES_DIR)/package-lock.json $(SLIDES_DIR)/package.json | slides-apt
	@echo "deps-slides: installing npm packages: npm ci --prefix $(SLIDES_DIR)"
	PUPPETEER_SKIP_DOWNLOAD=1 $(SLIDES_NPM) ci --prefix $(SLIDES_DIR) --no-audit --no-fund
	@touch $@

# Restore the includer's default goal; run alone, default to "slides".
ifeq ($(SLIDES_SAVED_DEFAULT_GOAL)$(words $(MAKEFILE_LIST)),1)
.DEFAULT_GOAL := slides
else
.DEFAULT_GOAL := $(SLIDES_SAVED_DEFAULT_GOAL)
endif
