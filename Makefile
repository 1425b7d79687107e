# Two commands on a fresh machine with only Python and make: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 2

.PHONY: run serve test install install-dev migrate seed schema lint lint-schema typecheck clean backup restore sdk soak fuzz bench require-node require-chromium

run: install migrate seed ## Serve the API at http://127.0.0.1:$(PORT)/ with gunicorn (DEBUG off, static files by WhiteNoise)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving the API at http://127.0.0.1:$(PORT)/api/v1/ (docs: http://127.0.0.1:$(PORT)/api/docs/); Ctrl-C stops it."
	$(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - --log-level warning

serve: install migrate ## Production server: gunicorn with DJANGO_ENV=production (needs SECRET_KEY and ALLOWED_HOSTS)
	DJANGO_ENV=production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_ENV=production $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile -

test: require-node require-chromium install-dev node_modules lint typecheck lint-schema ## Lint code and schema, type-check, check migrations, then run the whole suite
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

# Both fail on any warning; the rules they leave out are named, with the reason, in .spectral.yaml and redocly.yaml.
lint-schema: node_modules ## Lint openapi.yaml with Spectral (spectral:oas) and Redocly (recommended, strict)
	node_modules/.bin/spectral lint openapi.yaml --ruleset .spectral.yaml --fail-severity=warn
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly lint openapi.yaml --config redocly.yaml

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

# What `make test` needs besides Python: Node.js with npm for the pinned npm tools, and Debian's Chromium for the
# browser tests. Each is installed from Debian where it is missing and that is possible (as root, with apt-get);
# otherwise make stops here, saying what to install. With DRY_RUN=1 they only say what they would install.
require-node:
	@scripts/require-system-tool.sh node nodejs
	@scripts/require-system-tool.sh npm npm
	@! command -v node >/dev/null || node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 18 || (major === 18 && minor >= 18) ? 0 : 1)' \
		|| { echo "error: the npm tools need Node.js 18.18 or newer, not $$(node --version): install a newer Node.js." >&2; exit 1; }

require-chromium:
	@scripts/require-system-tool.sh /usr/bin/chromium chromium

# openapi-typescript, typescript and the OpenAPI linters (Spectral, Redocly), pinned by package-lock.json (used by
# `make sdk`, `make lint-schema` and tests/test_sdk.py). Spectral's usage report is off (scarfSettings in package.json).
node_modules: package.json package-lock.json | require-node
	SCARF_ANALYTICS=false npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
