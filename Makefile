# Two commands on a fresh machine with only Python and make: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 2

.PHONY: run serve test install install-dev migrate seed schema lint typecheck clean backup restore sdk soak fuzz bench

run: install migrate seed ## Serve the API at http://127.0.0.1:$(PORT)/ with gunicorn (DEBUG off, static files by WhiteNoise)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving the API at http://127.0.0.1:$(PORT)/api/v1/ (docs: http://127.0.0.1:$(PORT)/api/docs/); Ctrl-C stops it."
	$(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - --log-level warning

serve: install migrate ## Production server: gunicorn with DJANGO_ENV=production (needs SECRET_KEY and ALLOWED_HOSTS)
	DJANGO_ENV=production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_ENV=production $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile -

test: install-dev node_modules lint typecheck ## Lint, type-check, check migrations, then run the whole suite
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --numprocesses auto

fuzz: install-dev ## Fuzz the whole API from its schema with many more examples (FUZZ_EXAMPLES, FUZZ_SEED)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/pytest -q tests/test_fuzz.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy .

schema: install-dev ## Regenerate the committed openapi.yaml and fixtures/fact-file.schema.json
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml
	$(BIN)/python manage.py export_fact_file_schema

# openapi-python-client formats its output with ruff, which it looks up on PATH.
sdk: install-dev node_modules ## Generate clients/python and clients/typescript from openapi.yaml; type-check the TypeScript example
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate --path openapi.yaml \
		--config sdk/python/config.yaml --output-path clients/python --overwrite
	node_modules/.bin/openapi-typescript openapi.yaml --output clients/typescript/schema.d.ts
	node_modules/.bin/tsc --noEmit -p sdk/typescript/tsconfig.json

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: install ## Load the countries, then import fixtures/kazakhstan-hungary.yaml with import_article (validated, all or nothing, idempotent)
	$(BIN)/python manage.py load_records

soak: install ## A few minutes of mixed reads and writes against gunicorn (DURATION=180 seconds)
	scripts/soak.sh

# Datasette goes into its own .venv-bench; wrk comes from Debian where it is missing.
bench: install ## The API against bare Django, Datasette and raw sqlite3 (BENCH_TRADE_FIGURES, BENCH_ROUNDS, BENCH_DURATION; bench/README.md)
	PYTHON=$(PYTHON) $(BIN)/python -m bench.run

backup: install ## Dump records, sources, history, users and groups to backups/
	$(BIN)/python manage.py backup

restore: install migrate ## Load a backup into an empty database: make restore FILE=backups/....json
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/backup-....json"; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)"

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

# openapi-typescript and typescript, pinned by package-lock.json (used by `make sdk` and tests/test_sdk.py).
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
