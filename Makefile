# Careleaf: `make run` serves the demo, `make test` runs every check CI runs on SQLite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local runs are debug runs unless the caller says otherwise (DJANGO_DEBUG=false make run).
run: export DJANGO_DEBUG ?= true
# Checks that need settings but no secret; pytest itself runs on the test settings path.
MANAGE_DEV := DJANGO_DEBUG=true $(BIN)/python manage.py

.PHONY: install run test test-browser bench bench-smoke bench-varnish bench-webhooks format clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo --create-admin
	@echo ""
	@echo "  Careleaf is starting on http://127.0.0.1:8000"
	@echo "    Admin:     http://127.0.0.1:8000/admin/"
	@echo "    API:       http://127.0.0.1:8000/api/v1/"
	@echo "    API docs:  http://127.0.0.1:8000/api/docs/"
	@echo "    Worker:    manage.py run_worker (webhooks, CDN purges, scheduled moments), stopped with the server"
	@echo ""
	@$(BIN)/python manage.py run_worker --verbosity 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver 127.0.0.1:8000

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
	$(MAKE) bench-varnish bench-webhooks

# Details through Varnish vs nginx serving the same bytes, and the hit ratio while staff edit.
bench-varnish: install
	.ci/install_varnish.sh
	$(BIN)/python bench/varnish.py $(VARNISH_ARGS)

# Webhooks: commit-to-receiver latency, and a worker killed mid-batch (PostgreSQL by default).
bench-webhooks: install
	$(BIN)/python bench/webhooks.py $(WEBHOOK_ARGS)

bench-smoke:
	$(MAKE) bench ARGS="--smoke" VARNISH_ARGS="--smoke" WEBHOOK_ARGS="--smoke"

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .coverage .pytest_cache .ruff_cache
