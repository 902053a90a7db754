#!/usr/bin/env sh
# Provide what the browser/accessibility tests need: Debian's Chromium and, from npm,
# axe-core + puppeteer-core (pinned in tests/e2e/axe/package.json / package-lock.json).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installiere Chromium (Debian-Paket) für die Browser-Tests …"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium fehlt: bitte 'sudo apt-get install chromium' ausführen oder CHROMIUM_PATH setzen." >&2
    exit 1
  fi
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "Node.js/npm fehlt (>= 18): bitte installieren, z. B. 'sudo apt-get install nodejs npm'." >&2
  exit 1
fi
if [ ! -d "$here/axe/node_modules/axe-core" ] || [ ! -d "$here/axe/node_modules/puppeteer-core" ]; then
  echo "Installiere axe-core und puppeteer-core (npm) …"
  cd "$here/axe"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
fi
