# Amends: developer commands. `make help` lists them.
#
# Configuration comes from the environment (see .env.example); whatever is
# already set wins over the development defaults below, e.g.
#     PORT=8001 make demo
#     DATABASE_URL=postgres://me@db/amends make test
#     make test PYTEST_ARGS="-x -k inbox"

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8000
PYTHON ?= python3
VENV := .venv
PYTEST_ARGS ?=
BENCH ?= inbox
BENCH_ARGS ?=

# Development defaults, exported to every recipe.
export PORT
export SECRET_KEY ?= dev-insecure-not-for-production
export DEBUG ?= 1
export DJANGO_SETTINGS_MODULE ?= helpdesk.settings
export EMAIL_URL ?= smtp://127.0.0.1:1025
export SITE_URL ?= http://127.0.0.1:$(PORT)
export MAIL_DOMAIN ?= amends.example
# The venv's tools come first, for us and for the processes honcho starts.
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PATH := $(VIRTUAL_ENV)/bin:$(PATH)

# scripts/services.sh writes DATABASE_URL and CELERY_BROKER_URL here; recipes
# that talk to PostgreSQL or Redis source it first.
SERVICES_ENV := .local/services.env
WITH_SERVICES := . $(SERVICES_ENV) &&

# The local SMTP sink (Procfile `mail`) only runs when mail is meant for it.
MAIL_SINK_URLS := smtp://127.0.0.1:1025 smtp://127.0.0.1:1025/ smtp://localhost:1025 smtp://localhost:1025/
DEMO_PROCESSES := web worker beat $(if $(filter $(MAIL_SINK_URLS),$(EMAIL_URL)),mail)

.PHONY: help bootstrap services stop demo test test-deps lint fmt migrate bench \
	messages compiled-messages clean distclean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## Create .venv and install requirements.txt (only when it changed)
	@PYTHON=$(PYTHON) scripts/bootstrap.sh

services: bootstrap ## Find or start PostgreSQL and Redis; write .local/services.env
	@scripts/services.sh up

stop: ## Stop the private PostgreSQL/Redis started under .local/
	@scripts/services.sh down

migrate: services ## Apply database migrations
	@$(WITH_SERVICES) python manage.py migrate --noinput

demo: services compiled-messages ## Migrate, seed demo data and run web, worker, beat and mail sink
	@$(WITH_SERVICES) python manage.py migrate --noinput
	@$(WITH_SERVICES) python manage.py seed_demo
	@$(WITH_SERVICES) python manage.py collectstatic --noinput -v 0
	@echo
	@echo "  Amends is starting at http://127.0.0.1:$(PORT)/"
	@echo
	@echo "  Log in as the manager  maria                  password: demo12345"
	@echo "  or as an agent         alex, jonas or priya   password: demo12345"
	@echo "  Admin site:            http://127.0.0.1:$(PORT)/admin/ (as maria)"
	@echo
	@echo "  Mail: $(if $(findstring mail,$(DEMO_PROCESSES)),nothing leaves this machine; the 'mail' process below prints every message sent,sent to $(EMAIL_URL))"
	@echo "  Ctrl-C stops everything."
	@echo
	@$(WITH_SERVICES) exec honcho start -f Procfile -e /dev/null $(DEMO_PROCESSES)

test: services test-deps compiled-messages ## Lint, then run the whole test suite (PYTEST_ARGS=...)
	ruff check .
	@$(WITH_SERVICES) pytest $(PYTEST_ARGS)

test-deps: ## Install chromium, dovecot-imapd and gettext if missing
	@scripts/test-deps.sh

lint: bootstrap ## ruff check and ruff format --check
	ruff check .
	ruff format --check .

fmt: bootstrap ## Format the code and apply ruff's safe fixes
	ruff format .
	ruff check --fix .

bench: services ## Run a benchmark: BENCH=inbox|ingest|followups|trends BENCH_ARGS=...
	@$(WITH_SERVICES) python bench/$(BENCH).py $(BENCH_ARGS)

# compilemessages walks the tree for locale/ folders; it needs no settings
# (so no database), and must not descend into the venv.
COMPILEMESSAGES := env -u DJANGO_SETTINGS_MODULE django-admin compilemessages \
	-l de -i $(VENV) -i .local -i node_modules -v 0

messages: bootstrap ## Compile the German translations (.po -> .mo)
	@$(COMPILEMESSAGES)

# For demo and test: skip with a warning when gettext is not installed.
compiled-messages: bootstrap
	@if ! compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then :; \
	elif command -v msgfmt >/dev/null; then $(COMPILEMESSAGES); \
	else echo "WARNING: msgfmt not found (apt-get install gettext); German translations not compiled" >&2; fi

clean: ## Remove caches, collected static files and test artifacts
	rm -rf staticfiles .pytest_cache .ruff_cache test-artifacts
	find . -path ./$(VENV) -prune -o -path ./.local -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean, stop and delete the private databases (.local) and .venv
	scripts/services.sh purge
	rm -rf .local $(VENV)
