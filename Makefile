# Careleaf: `make run` serves the demo, `make test` runs every check CI runs on SQLite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run PORT=8080 HOST=0.0.0.0`: where the server listens (another HOST also needs
# DJANGO_ALLOWED_HOSTS). Printed addresses and API_PUBLIC_URL (the URLs in webhook payloads) follow.
# PORT may come from the environment too; HOST only from the command line (some shells export
# HOST as the machine's name).
PORT ?= 8000
HOST := 127.0.0.1
# Listening on every interface (0.0.0.0) is still reached, and printed, as this machine.
URL := http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
# The worker and the server put this address in webhook payloads: unless the caller set one, in the
# environment or in .env (which the settings read), it is where make run serves.
ifeq ($(shell grep -s '^API_PUBLIC_URL=' .env),)
run: export API_PUBLIC_URL ?= $(URL)
endif
# Checks that need settings but no secret; pytest itself runs on the test settings path.
MANAGE_DEV := DJANGO_DEBUG=true $(BIN)/python manage.py

.PHONY: install run reset test test-browser check-clients bench bench-smoke bench-compression bench-varnish bench-webhooks format clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# Handouts (WeasyPrint) subset their fonts with HarfBuzz's subsetter when the system has it: about
# 100 ms less per handout than its fontTools fallback, and what WeasyPrint's next versions require.
# Installed as root from Debian; anyone else is told, and the fallback works.
$(VENV)/.system-libs: | $(BIN)/activate
	@ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's libharfbuzz-subset0 (handouts: font subsetting)"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null; } \
				|| echo "Could not install libharfbuzz-subset0: handouts use fontTools (slower)."; \
		else echo "Note: without libharfbuzz-subset0 (Debian), handouts subset fonts with fontTools (slower)."; fi; }
	@touch $@

install: $(VENV)/.installed $(VENV)/.system-libs

# Local settings for manage.py and make run (cms/settings.py reads them; the environment wins).
# Written once; yours to edit. Debug runs: a development secret key, mail printed, http allowed.
.env:
	@printf '%s\n' \
		'# Careleaf local settings, read by cms/settings.py for manage.py and make run (not by tests).' \
		'# A variable set in the environment wins over this file. Never used in production.' \
		'DJANGO_DEBUG=true' \
		'# DATABASE_URL=postgres://postgres@127.0.0.1:5432/careleaf' \
		'# REDIS_URL=redis://127.0.0.1:6379/0' > $@
	@echo "Wrote .env (DJANGO_DEBUG=true): local settings for manage.py and make run."

run: install .env
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo --create-admin
	@echo ""
	@echo "  Careleaf is starting on $(URL)"
	@echo "    Admin:     $(URL)/admin/"
	@echo "    API:       $(URL)/api/v1/"
	@echo "    API docs:  $(URL)/api/docs/"
	@echo "    Worker:    manage.py run_worker (webhooks, CDN purges, scheduled moments), stopped with the server"
	@echo "    Stop:      Ctrl-C (stops the server and the worker)"
	@echo ""
	@$(BIN)/python manage.py run_worker --verbosity 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Start again from the demo: deletes the local SQLite database (db.sqlite3: every article, account
# and edit in it), then migrates and loads the demo with new logins. Refuses any other database.
reset: install .env
	@$(BIN)/python manage.py shell --verbosity 0 --no-imports -c "import sys; from django.conf import \
		settings as s; sys.exit(s.DATABASES['default']['NAME'] != str(s.BASE_DIR / 'db.sqlite3'))" || { \
		echo "make reset deletes the local SQLite database only; DATABASE_URL points elsewhere."; exit 1; }
	rm -f db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py load_demo --create-admin
	@echo "Demo reloaded: make run serves it."

test: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(MANAGE_DEV) check
	$(MANAGE_DEV) makemigrations --check --dry-run
	$(BIN)/pytest -n auto --dist worksteal --cov --cov-report=term

# End-to-end tests in Debian's Chromium (Playwright drives it; no browser download).
test-browser: install
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[browser]"
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium (needs root: apt-get install chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/pytest browser_tests -p no:cacheprovider
	@echo "Screenshots: browser_tests/artifacts/"

# Load test: SQLite by default; `make bench ARGS="--db postgres"`. See bench/README.md.
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py $(ARGS)
	$(MAKE) bench-varnish bench-webhooks bench-compression

# Details through Varnish vs nginx serving the same bytes, and the hit ratio while staff edit.
bench-varnish: install
	.ci/install_varnish.sh
	$(BIN)/python bench/varnish.py $(VARNISH_ARGS)

# Webhooks: commit-to-receiver latency, and a worker killed mid-batch (PostgreSQL by default).
bench-webhooks: install
	$(BIN)/python bench/webhooks.py $(WEBHOOK_ARGS)

bench-smoke:
	$(MAKE) bench ARGS="--smoke" VARNISH_ARGS="--smoke" WEBHOOK_ARGS="--smoke" COMPRESSION_ARGS="--smoke"

# Sizes and compression times of the demo's answers as JSON, gzip and brotli.
bench-compression: install
	$(BIN)/python bench/compression.py $(COMPRESSION_ARGS)

# TypeScript client and example site: schema snapshot, generated types, tsc --strict (Node 20, npm).
check-clients: install
	clients/check.sh

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .coverage .pytest_cache .ruff_cache
