# Hearth: the two commands are `make run` and `make test`; the rest are their steps.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
GOVUK := node_modules/govuk-frontend/dist/govuk
MOJ := node_modules/@ministryofjustice/frontend/moj

.PHONY: run test install assets scheduler clean

run: install assets
	$(BIN)/crm run

test: install assets
	$(BIN)/pytest

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
