#!/usr/bin/env bash
# Install the Debian packages the portal needs, only those that are missing.
#   scripts/install-system-deps.sh run   -> what `make run` needs (PDF rendering, fonts, gettext, Node for assets)
#   scripts/install-system-deps.sh test  -> plus PostgreSQL, Redis, Chromium and poppler for the test suite
#   scripts/install-system-deps.sh bench -> plus wrk, the HTTP load tool of `make bench`
set -euo pipefail
mode=${1:-run}

# Fonts of the documents (docs/documents.md): Noto Serif CJK SC for titles, LXGW WenKai (OFL) for the 仿宋-style body.
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-lxgw-wenkai gettext nodejs npm)
if [ "$mode" = "test" ] || [ "$mode" = "bench" ]; then
  packages+=(chromium poppler-utils postgresql redis-server)
fi
if [ "$mode" = "bench" ]; then
  packages+=(wrk)
fi

missing=()
# Debian's python3 needs python3-venv before it can make the project's virtualenv.
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian (the image ships one); npm on PATH is all we need.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=()
for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done
missing=("${filtered[@]+"${filtered[@]}"}")
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]} (no apt-get here: install them with your system's package manager)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
