#!/usr/bin/env bash
# `make demo`: a fresh SQLite database with the demo data, served at http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

$PY manage.py migrate --noinput -v 0
if $PY manage.py help demo_load >/dev/null 2>&1; then
  $PY manage.py demo_load
fi
echo "Zománc: http://127.0.0.1:8000  (Ctrl-C leállítja)"
exec $PY manage.py runserver 127.0.0.1:8000 --noreload
