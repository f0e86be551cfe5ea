# Hearth: the two commands are `make run` and `make test`; the rest are their steps.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
GOVUK := node_modules/govuk-frontend/dist/govuk
MOJ := node_modules/@ministryofjustice/frontend/moj

.PHONY: run test test-any-date install assets scheduler clean

run: install assets
	$(BIN)/crm run

test: install assets
	$(BIN)/pytest

# The SQLite suite again under Debian's faketime, more than a year ahead at 23:30 UTC on 31 March: 00:30 on
# 1 April in London, a new financial year there but not yet in UTC. Real child processes and the browser stay
# out: faking the clock breaks sleeping on a child, and the monotonic clock is left alone (Python hangs at exit).
FUTURE ?= $(shell echo $$(( $$(date -u +%Y) + 2 ))-03-31 23:30:00)
test-any-date: install assets
	env -u TEST_DATABASE_URL FAKETIME_DONT_FAKE_MONOTONIC=1 faketime '$(FUTURE)' \
		$(BIN)/pytest -q -m 'not browser and not processes'

scheduler: install
	$(BIN)/crm scheduler

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# GOV.UK Frontend and MOJ Frontend both expect fonts and images under /assets/,
# which is where Flask serves static/.
assets: node_modules/.installed
	mkdir -p static/vendor static/images static/fonts
	cp $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.js static/vendor/
	cp $(MOJ)/moj-frontend.min.css $(MOJ)/moj-frontend.min.js static/vendor/
	cp -R $(GOVUK)/assets/fonts/. static/fonts/
	cp -R $(GOVUK)/assets/images/. static/images/
	cp -R $(MOJ)/assets/images/. static/images/
	cp $(GOVUK)/assets/manifest.json static/manifest.json

clean:
	rm -rf $(VENV) node_modules static/vendor static/fonts static/images static/manifest.json
