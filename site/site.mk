# site/site.mk: builds and checks the course website (build/site/).
#
# A GNU make fragment: the top-level Makefile includes it after slides/slides.mk.
#
#   make deps-site       install pandoc (Debian), and what the slides need
#   make site            handouts, slides, reference, glossary, search -> build/site/ (offline)
#   make site-check      every page in headless Chromium, from disk and served; and the self-test
#   make site-selftest   only the self-test: a broken fixture site the checker must catch
#
# Every name here starts with SITE_ or site, so it does not clash with the main Makefile.

SITE_DIR    := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SITE_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

SITE_BUILD  ?= build/site
SITE_PANDOC ?= pandoc
SITE_PYTHON ?= python3

.PHONY: site site-check site-selftest site-tools deps-site site-clean

## site: build the course website into $(SITE_BUILD)/ (the slides first)
site: slides | site-tools
	@start=$$(date +%s%N); \
	$(SITE_PYTHON) $(SITE_DIR)/build.py --slides $(SLIDES_BUILD) --out $(SITE_BUILD) && \
	ms=$$(( ($$(date +%s%N) - start) / 1000000 )) && \
	echo "site: built in $$((ms / 1000)).$$((ms % 1000 / 100)) s; open $(SITE_BUILD)/index.html"

# Installs pandoc when it is missing (as slides-tools does for marp), saying so.
site-tools:
	@command -v $(SITE_PANDOC) >/dev/null 2>&1 || { \
	  echo "site: pandoc missing: running 'make deps-site' first"; \
	  $(MAKE) --no-print-directory deps-site; }

## site-check: the checker's self-test, then every page of the built site
site-check: site site-selftest
	@start=$$(date +%s%N); \
	SITE_CHROMIUM=$(SLIDES_CHROMIUM) $(SLIDES_NODE) $(SITE_DIR)/check.mjs $(SITE_BUILD); rc=$$?; \
	ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	echo "site-check: pages checked in $$((ms / 1000)).$$((ms % 1000 / 100)) s"; exit $$rc

## site-selftest: prove the checker catches a broken link, anchor, image, page and search
site-selftest: | slides-tools
	@test -d $(SLIDES_DIR)/node_modules/puppeteer-core || $(MAKE) --no-print-directory deps-slides
	SITE_CHROMIUM=$(SLIDES_CHROMIUM) $(SLIDES_NODE) $(SITE_DIR)/check.mjs --self-test

## deps-site: install what the site needs, if it is missing: pandoc, and the slides' tools
deps-site: deps-slides
	@if command -v $(SITE_PANDOC) >/dev/null 2>&1; then \
	  echo "deps-site: pandoc present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "deps-site: need root or sudo to install: pandoc" >&2; exit 1; fi; \
	echo "deps-site: installing Debian packages: pandoc"; \
	$$sudo apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pandoc

site-clean:
	rm -rf $(SITE_BUILD)

.DEFAULT_GOAL := $(SITE_SAVED_DEFAULT_GOAL)
