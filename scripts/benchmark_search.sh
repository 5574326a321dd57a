#!/usr/bin/env bash
# The search benchmark (scripts/benchmark_search.py), with what it needs installed first:
# gunicorn (a dependency of the project: pip), wrk and redis-server (Debian packages, when run as root).
# Arguments go to the Python script, e.g. scripts/benchmark_search.sh --listings 20000 --duration 10
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-$PWD/.venv}
PY=$VENV/bin/python
[[ -x $PY ]] || { echo "$PY not found: create the virtualenv first (make test does)" >&2; exit 2; }

if [[ ! -x $VENV/bin/gunicorn ]]; then
  echo "==> installing the project's dependencies (gunicorn)"
  "$PY" -m pip install -q -e .
fi
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "==> installing wrk (apt-get)"
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
      || echo "warning: wrk could not be installed; the Python client will generate the load" >&2
  else
    echo "note: wrk not found (sudo apt-get install wrk); the Python client will generate the load" >&2
  fi
fi

if ! command -v redis-server >/dev/null && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "==> installing redis-server (apt-get)"
  apt-get install -y -qq redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
fi

exec "$PY" scripts/benchmark_search.py "$@"
