#!/usr/bin/env bash
# One place for the set-up and test commands that README.md and .ci/run both use.
#   scripts/dev.sh setup   create the virtualenv ($VENV, default .venv) and install everything
#   scripts/dev.sh test    run the whole test suite in it
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"

setup() {
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # The CPU wheel of torch first: an unpinned torch would pull gigabytes of CUDA packages.
    "$VENV/bin/python" -m pip install --quiet torch==2.13.0
    "$VENV/bin/python" -m pip install --quiet -e ".[test]"
    # Headless Chromium for the report's browser test, and a CJK font so Chinese renders in
    # its screenshots (Debian packages; needs root or sudo).
    local debs=(chromium fonts-wqy-microhei) missing=()
    for deb in "${debs[@]}"; do dpkg -s "$deb" >/dev/null 2>&1 || missing+=("$deb"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "$(id -u)" = 0 ]; then APT=(apt-get); else APT=(sudo apt-get); fi
        "${APT[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq "${missing[@]}" >/dev/null
    fi
    "$VENV/bin/python" -c "import align, torch; print('align', align.__version__, 'torch', torch.__version__)"
}

run_tests() {
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
}

case "${1:-}" in
    setup) setup ;;
    test) shift; run_tests "$@" ;;
    *) echo "usage: $0 setup|test [pytest args]" >&2; exit 2 ;;
esac
