# Two commands: `make run` sets everything up and serves the site; `make test` checks it.
VENV     ?= .venv
PYTHON   ?= python3.11
PY       := $(VENV)/bin/python
FLASK    := $(VENV)/bin/flask --app wsgi
RUFF     := $(VENV)/bin/ruff
PORT     ?= 5000
HTMX     := 2.0.11
SORTABLE := 1.15.7

.PHONY: run serve install test lint format pytest translations extract-messages vendor clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

# Test-only tools from npm (the Nu HTML Checker); the site itself needs no Node.
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

# A development .env with a fresh random SECRET_KEY, written once and never overwritten.
.env:
	@printf 'FLASK_DEBUG=1\nSECRET_KEY=%s\n' "$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')" > $@
	@echo "wrote .env (development settings; see README for the others)"

run: install .env
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Site: http://127.0.0.1:$(PORT)  (mail is printed here and kept in instance/outbox/)"
	$(FLASK) worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; $(FLASK) run --port $(PORT)

# The production shape (README, "Running in production"): migrations, then gunicorn on
# wsgi:app with app/gunicorn_conf.py and the worker beside it. Reads the environment (and
# .env), but never debug mode: set BASE_URL, DATABASE_URL, REDIS_URL, SECURE_COOKIES=0 for
# plain http on this machine. Procfile says the same for process managers.
BIND ?= 127.0.0.1:$(PORT)
serve: install
	FLASK_DEBUG=0 $(FLASK) db upgrade
	FLASK_DEBUG=0 $(FLASK) worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  FLASK_DEBUG=0 $(VENV)/bin/gunicorn -c python:app.gunicorn_conf --bind $(BIND) wsgi:app

test: install node_modules/.installed lint pytest

# One pytest process per core; a test file stays on one process, so its module fixtures (the
# browser journeys' live server) start once.
PYTEST_WORKERS ?= auto
pytest:
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile

lint:
	$(RUFF) check .
	$(RUFF) format --check .

format:
	$(RUFF) check --fix .
	$(RUFF) format .

translations:
	$(VENV)/bin/pybabel compile -d app/translations --statistics

extract-messages:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 -o app/translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --ignore-obsolete --no-wrap

# Re-vendor htmx and SortableJS from the npm registry (the copies in static/vendor are
# committed; templates/canvas/show.html names SortableJS's folder).
vendor:
	cd $$(mktemp -d) && npm pack --silent htmx.org@$(HTMX) && tar xzf htmx.org-$(HTMX).tgz \
	  && cp package/dist/htmx.min.js package/LICENSE $(CURDIR)/static/vendor/htmx-$(HTMX)/
	mkdir -p static/vendor/sortablejs-$(SORTABLE)
	cd $$(mktemp -d) && npm pack --silent sortablejs@$(SORTABLE) \
	  && tar xzf sortablejs-$(SORTABLE).tgz \
	  && cp package/Sortable.min.js package/LICENSE $(CURDIR)/static/vendor/sortablejs-$(SORTABLE)/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
