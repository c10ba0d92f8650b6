#!/usr/bin/env bash
# `make demo`: the whole product on this machine, with demo data, until Ctrl-C:
#   - the EESZT sandbox (SOAP over mutual TLS on :9443, Ágazati portál on :9080) and, in
#     the same process, the NAV Online Számla sandbox (server TLS on :9444, portal /nav/),
#   - the practice system on http://127.0.0.1:8000 (SQLite in var/),
#   - the EESZT worker (delivers the reports in the background),
#   - the sandbox's mail catcher (SMTP on :2525, its page "Elküldött levelek" at /levelek/),
#     where the demo practices' e-mail goes (quotes, reminders), and its SMS gateway
#     (API /sms/api/messages, page "Elküldött SMS-ek" at /sms-ek/ on :9080),
#   - the card service on :9451, playing the workstation's eSzemélyi client with the
#     sandbox's SoftHSM demo card.
# Every port can be moved with an environment variable (the smoke test uses free ports).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"

PORT="${ZOMANC_PORT:-8000}"
DATA="${ZOMANC_DATA_DIR:-$PWD/var}"
mkdir -p "$DATA"
export ZOMANC_DATA_DIR="$DATA"
export SANDBOX_DATA_DIR="${SANDBOX_DATA_DIR:-$DATA/sandbox}"
export SANDBOX_HTTPS_PORT="${SANDBOX_HTTPS_PORT:-9443}"
export SANDBOX_HTTP_PORT="${SANDBOX_HTTP_PORT:-9080}"
# NAV's port: 9444 in the plain demo; a run that moved the EESZT port (the smoke test, the
# setup walk: free ports) gets a free NAV port too — never a fixed port parallel runs share.
if [ -z "${SANDBOX_NAV_HTTPS_PORT:-}" ]; then
  if [ "$SANDBOX_HTTPS_PORT" = "9443" ]; then SANDBOX_NAV_HTTPS_PORT=9444; else SANDBOX_NAV_HTTPS_PORT=0; fi
fi
export SANDBOX_NAV_HTTPS_PORT
# The mail catcher's SMTP port: the same rule (2525, or a free one when the ports moved).
if [ -z "${SANDBOX_SMTP_PORT:-}" ]; then
  if [ "$SANDBOX_HTTPS_PORT" = "9443" ]; then SANDBOX_SMTP_PORT=2525; else SANDBOX_SMTP_PORT=0; fi
fi
export SANDBOX_SMTP_PORT
CARD_PORT="${ZOMANC_CARDSERVICE_PORT:-9451}"
# The demo is SQLite by definition (a PostgreSQL URL in the shell must not receive it); the
# setup-guide walk passes a fresh database of its own explicitly through DEMO_*.
if [ -n "${DEMO_DATABASE_URL:-}" ]; then export DATABASE_URL="$DEMO_DATABASE_URL"; else unset DATABASE_URL; fi
if [ -n "${DEMO_SANDBOX_DATABASE_URL:-}" ]; then
  export SANDBOX_DATABASE_URL="$DEMO_SANDBOX_DATABASE_URL"
else
  unset SANDBOX_DATABASE_URL
fi

# The practice system reaches the sandbox only through these settings, like a real EESZT.
export EESZT_ENDPOINT="https://127.0.0.1:${SANDBOX_HTTPS_PORT}"
export EESZT_CA_BUNDLE="$SANDBOX_DATA_DIR/pki/ca-bundle.pem"
export EESZT_REFDATA_URL="http://127.0.0.1:${SANDBOX_HTTP_PORT}/refdata/getEntity"
export EESZT_PORTAL_URL="http://127.0.0.1:${SANDBOX_HTTP_PORT}/"
export ZOMANC_CARD_SERVICE_URL="http://127.0.0.1:${CARD_PORT}"
# NAV Online Számla likewise: the endpoint and the CA (the NAV port is known once the
# sandbox has started: NAV_ENDPOINT is set below, before the worker and the web start).
export NAV_CA_BUNDLE="$SANDBOX_DATA_DIR/pki/ca-bundle.pem"
export SANDBOX_CARD_SERVICE_URL="$ZOMANC_CARD_SERVICE_URL"
# The demo eID card's SoftHSM token lives in the sandbox's data folder; a SOFTHSM2_CONF left
# in the shell (another token directory) must not be used instead.
export SOFTHSM2_CONF="$SANDBOX_DATA_DIR/softhsm/softhsm2.conf"

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

wait_for() {  # wait_for <seconds> <what> <command...>
  local limit=$1 what=$2; shift 2
  for _ in $(seq "$((limit * 5))"); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "demo: $what did not start in ${limit}s" >&2
  return 1
}

echo "== EESZT sandbox"
rm -f "$SANDBOX_DATA_DIR/server.json"
$PY -m django runsandbox --settings=sandbox.settings >"$DATA/sandbox.log" 2>&1 &
pids+=($!)
wait_for 180 "the EESZT sandbox" grep -q "PIN" "$DATA/sandbox.log" || { cat "$DATA/sandbox.log"; exit 1; }

NAV_PORT=$($PY -c "import json, sys; print(json.load(open(sys.argv[1]))['navPort'])" "$SANDBOX_DATA_DIR/server.json")
export NAV_ENDPOINT="https://127.0.0.1:${NAV_PORT}"
SMTP_PORT=$($PY -c "import json, sys; print(json.load(open(sys.argv[1]))['smtpPort'])" "$SANDBOX_DATA_DIR/server.json")
# demo_load points the demo practices' e-mail settings at the catcher, and their SMS
# settings at the sandbox's SMS gateway (on its HTTP listener).
export ZOMANC_DEMO_SMTP_PORT="$SMTP_PORT"
export ZOMANC_DEMO_SMS_URL="http://127.0.0.1:${SANDBOX_HTTP_PORT}/sms/api/messages"

echo "== Zománc: database and demo data"
$PY manage.py migrate --noinput -v 0
$PY manage.py demo_load | tee "$DATA/demo-logins.txt"

echo "== Worker (EESZT and NAV reports)"
# 16 threads: EESZT calls wait on the network, and one slow answer must not hold up the
# rest (docs/eeszt-reporting.md, "how many worker threads").
$PY manage.py ox_worker --interval 0.5 --concurrency 16 >"$DATA/worker.log" 2>&1 &
pids+=($!)

echo "== Card service (eSzemélyi client stand-in)"
$PY manage.py card_service --port "$CARD_PORT" \
    --origin "http://127.0.0.1:${PORT}" --origin "http://127.0.0.1:${SANDBOX_HTTP_PORT}" \
    --state-dir "$DATA/cardservice" >"$DATA/cardservice.log" 2>&1 &
pids+=($!)
wait_for 30 "the card service" grep -qi "pár" "$DATA/cardservice.log" || cat "$DATA/cardservice.log"

echo "== Zománc web"
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload >"$DATA/web.log" 2>&1 &
pids+=($!)
wait_for 60 "the web server" $PY -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "http://127.0.0.1:${PORT}/healthz"

cat <<INFO

Zománc fut: http://127.0.0.1:${PORT}   (Ctrl-C mindent leállít)
EESZT sandbox – Ágazati portál: http://127.0.0.1:${SANDBOX_HTTP_PORT}/   (gyakorló környezet, nem a valódi EESZT)
NAV Online Számla sandbox: https://127.0.0.1:${NAV_PORT}/invoiceService/v3/   portál: http://127.0.0.1:${SANDBOX_HTTP_PORT}/nav/
Elküldött levelek (levélfogó): http://127.0.0.1:${SANDBOX_HTTP_PORT}/levelek/   (SMTP: 127.0.0.1:${SMTP_PORT}; a páciensnek küldött e-mailek itt olvashatók)
Elküldött SMS-ek (SMS-átjáró): http://127.0.0.1:${SANDBOX_HTTP_PORT}/sms-ek/   (API: ${ZOMANC_DEMO_SMS_URL}; a páciensnek küldött SMS-ek itt olvashatók)
Naplók: $DATA/{web,worker,sandbox,cardservice}.log

INFO
cat "$DATA/demo-logins.txt"
echo
sed -n '/Demó belépések/,/^$/p' "$DATA/sandbox.log"
sed -n '/NAV Online Számla demó/,/^$/p' "$DATA/sandbox.log"
grep -i -A2 "pár" "$DATA/cardservice.log" | head -5 || true
echo
# Stop everything as soon as any part stops (a crash must not leave a half-working demo).
wait -n "${pids[@]}"
echo "demo: a component stopped; see the logs in $DATA" >&2
exit 1
