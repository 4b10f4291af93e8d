# BatchTrack — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=
# `make run PORT=8080` serves on another port; mailed links follow it unless BASE_URL is set.
PORT ?= 5000
BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install install-dev browser migrate seed bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## make run: install, migrate the embedded SQLite database, seed reference data and a demo
## organization (a fresh random password is printed), serve on http://127.0.0.1:$(PORT) (default 5000)
run: install
	$(FLASK) db upgrade
	$(FLASK) init-production
	BASE_URL=$(BASE_URL) $(FLASK) seed-users --reset-password
	BASE_URL=$(BASE_URL) $(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app

## make test: install with test tools, make sure Debian chromium is there for browser tests, run everything
test: install-dev browser
	bash scripts/run_tests.sh $(PYTEST_ARGS)

browser:
	@command -v chromium >/dev/null 2>&1 || bash scripts/install_chromium.sh || echo "chromium unavailable: browser tests will be skipped"

bench: install-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance/batchtrack.db* instance/sessions
