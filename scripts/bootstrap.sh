#!/usr/bin/env bash
# Idempotent set-up of everything Zománc needs on a fresh machine of this project's kind:
# Debian packages (apt, only when missing), a virtual environment on Python >= 3.12 and the
# pinned Python packages (reinstalled only when a requirements file changed).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: softhsm2 plays the eID card, chromium drives the end-to-end walk,
# pango + fonts for WeasyPrint, gettext compiles the Hungarian/English catalogues, ffmpeg
# records the setup guide's video (make guide; Playwright would download its own);
# chromium-l10n has Chromium's Hungarian UI strings (the walk runs it with --lang=hu, so a
# file input says "Fájl kiválasztása" in the guide's screenshots).
DEB_PACKAGES="softhsm2 chromium chromium-l10n ffmpeg gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core libxmlsec1-openssl"
missing=""
for p in $DEB_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bootstrap: installing Debian packages:$missing"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Python: the first interpreter >= 3.12 found (Django 6 needs it; the machine default is 3.11).
find_python() {
  local candidates=(python3.13 python3.12)
  for root in "${PYENV_ROOT:-$HOME/.pyenv}" /root/.pyenv; do
    for v in "$root"/versions/3.13.* "$root"/versions/3.12.*; do
      [ -x "$v/bin/python3" ] && candidates+=("$v/bin/python3")
    done
  done
  candidates+=(/usr/bin/python3.13 /usr/bin/python3.12 python3)
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  return 1
}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
  PY=$(find_python) || { echo "bootstrap: no Python >= 3.12 found; install python3.13 (Debian 13) or a pyenv 3.12/3.13" >&2; exit 1; }
  echo "bootstrap: creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi

stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing pinned Python packages"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

# Compiled message catalogues are build output, not source (Hungarian is the source language;
# the catalogues hold the other languages).
if find locale -name '*.po' 2>/dev/null | grep -q .; then
  .venv/bin/python manage.py compilemessages -v 0 --ignore '.venv' --ignore 'sandbox'
fi

# axe-core, the accessibility rules the browser tests run (zomanc/testing/browser.py
# axe_check): a test tool, never served to users, so it is fetched here from the npm registry
# at a pinned version and checked against the registry's integrity hash, not committed.
AXE_VERSION=4.10.3
AXE_INTEGRITY="sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
AXE_DIR="var/vendor/axe-core-$AXE_VERSION"
if [ ! -f "$AXE_DIR/axe.min.js" ]; then
  echo "bootstrap: fetching axe-core $AXE_VERSION (npm registry)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "axe-core@$AXE_VERSION" --silent >/dev/null)
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/axe-core-$AXE_VERSION.tgz" | base64 -w0)"
  if [ "$got" != "$AXE_INTEGRITY" ]; then
    echo "bootstrap: axe-core-$AXE_VERSION.tgz does not match its pinned integrity hash" >&2; rm -rf "$tmp"; exit 1
  fi
  mkdir -p "$AXE_DIR"
  tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp"
  cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$AXE_DIR/"
  rm -rf "$tmp"
fi
