# One command per job, the same for people and CI (see README.md).
PY := .venv/bin/python
PYTEST := .venv/bin/pytest

.PHONY: bootstrap demo sandbox test test-zomanc test-sandbox check format messages

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	@bash scripts/demo.sh

# The EESZT sandbox alone: first start creates DB, PKI, demo data and the SoftHSM card;
# prints where it listens and the demo logins (card PIN included).
sandbox: bootstrap
	$(PY) -m django runsandbox --settings=sandbox.settings

test: bootstrap
	@$(MAKE) --no-print-directory test-zomanc test-sandbox

test-zomanc:
	$(PYTEST) zomanc

test-sandbox:
	@if [ -d sandbox ]; then $(PYTEST) sandbox --ds=sandbox.settings; fi

check: bootstrap
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy
	@if [ -f sandbox/mypy.ini ]; then .venv/bin/mypy --config-file sandbox/mypy.ini; fi

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# Hungarian is the source language (no hu catalogue needed): update the English .po, translate
# the new/fuzzy entries, commit the .po; .mo files are build output (bootstrap compiles them).
messages:
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'sandbox/*' --ignore 'var/*'
	$(PY) manage.py compilemessages -v 0 --ignore '.venv' --ignore 'sandbox'
