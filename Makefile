# One command per job, the same for people and CI (see README.md).
PY := .venv/bin/python
PYTEST := .venv/bin/pytest

.PHONY: bootstrap demo sandbox test test-zomanc test-sandbox test-reliability check format messages guide bench bench-quick

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	@bash scripts/demo.sh

# The EESZT sandbox alone (with the NAV Online Számla sandbox on its own TLS port, :9444):
# first start creates DB, PKI, demo data and the SoftHSM card; prints where it listens and
# the demo logins (card PIN and NAV technical users included).
sandbox: bootstrap
	$(PY) -m django runsandbox --settings=sandbox.settings

test: bootstrap
	@$(MAKE) --no-print-directory test-zomanc test-sandbox

# The reliability acceptance scenarios (EESZT, issue 5; NAV invoices, issue 16) are part of
# test-zomanc; this runs them alone.
RELIABILITY := zomanc/eeszt/outbox/tests/test_reliability.py::test_nothing_lost_nothing_doubled_under_faults_and_kills \
	zomanc/nav/tests/test_reliability.py::test_every_invoice_reaches_nav_exactly_once_under_faults_and_kills

test-zomanc:
	$(PYTEST) zomanc bench

test-reliability: bootstrap
	$(PYTEST) $(RELIABILITY)

# The EESZT setup guide's screenshots and video (docs/guide/img, docs/guide/video), regenerated
# by walking the guide in Chromium against a fresh demo (the same walk `make test` runs).
guide: bootstrap
	ZOMANC_GUIDE_DIR=docs/guide $(PYTEST) zomanc/e2e/test_setup_walk.py -p no:randomly

test-sandbox:
	@if [ -d sandbox ]; then $(PYTEST) sandbox --ds=sandbox.settings; fi

# Benchmarks (issue 7, docs/benchmarks.md): the full run writes its table into
# docs/benchmarks.md (PostgreSQL from DATABASE_URL or BENCH_DATABASE_URL, else
# 127.0.0.1:5432/test; skipped with the reason printed when unreachable); the quick one only
# prints it (CI).
bench: bootstrap
	$(PY) -m bench

bench-quick: bootstrap
	$(PY) -m bench --quick

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
# English only: locale/hu holds hand-kept overrides of Django's strings (docs/decisions.md),
# which makemessages -l hu would swamp with all of ours. compilemessages compiles both.
messages:
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'sandbox/*' --ignore 'var/*'
	$(PY) manage.py compilemessages -v 0 --ignore '.venv' --ignore 'sandbox'
