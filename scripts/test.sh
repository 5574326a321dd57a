#!/usr/bin/env bash
# The whole test suite, with throwaway services on loopback.
#
# Starts PostgreSQL, Redis and moto (S3) on free ports in a temporary
# directory, then runs:
#   1. ruff check
#   2. makemigrations --check and the layering contract (lint-imports)
#   3. the documentation site (mkdocs build --strict: a broken link fails it)
#   4. unit tests on SQLite          (-m "not integration and not browser"),
#      then the same on PostgreSQL
#   5. the mkt client on its own: its wheel (clients/mkt) in a fresh virtual
#      environment without Django, driven against a live server
#   6. the customer's typo journey in the browser on SQLite (make run's database),
#      then integration + browser tests (-m "integration or browser") against
#      the services above
#   7. the coverage report of 4 and 6, which fails under the floor
#      (fail_under in pyproject.toml; a partial run such as -k falls under it)
# Every stage runs even if an earlier one failed; the summary lists them all
# and the exit status is non-zero if any failed. A service that does not
# start is fatal at once (its log is printed). Called by `make test`.
#
# Extra arguments are passed to both pytest runs (e.g. scripts/test.sh -x -k pipeline).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-30}

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\n\033[1;31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

[[ -x $PY ]] || die "$PY not found: run 'make test' (it creates the virtualenv)"

# --- temporary directory -----------------------------------------------------
# World-traversable so the postgres user can reach its data directory.
WORK=$(mktemp -d /tmp/marketplace-test.XXXXXX)
chmod 755 "$WORK"

PG_DIR=$WORK/pg
PG_STARTED=0
REDIS_PORT=
MOTO_PID=

cleanup() {
  local status=$?
  set +e
  if [[ $PG_STARTED == 1 ]]; then
    as_pg "$PGBIN/pg_ctl" -D "$PG_DIR" -m fast -w -t 20 stop >/dev/null 2>&1 \
      || echo "warning: pg_ctl stop failed" >&2
  fi
  if [[ -n $REDIS_PORT ]]; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
    if [[ -f $WORK/redis.pid ]] && kill -0 "$(cat "$WORK/redis.pid")" 2>/dev/null; then
      kill "$(cat "$WORK/redis.pid")" 2>/dev/null
    fi
  fi
  if [[ -n $MOTO_PID ]]; then
    kill "$MOTO_PID" 2>/dev/null
    wait "$MOTO_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until "$@" succeeds, up to STARTUP_TIMEOUT seconds.
wait_for() {
  local deadline=$((SECONDS + STARTUP_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# --- PostgreSQL -------------------------------------------------------------
# PostgreSQL refuses to run as root: run it as the postgres user then.
if [[ $(id -u) -eq 0 ]]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n $PGBIN && -x $PGBIN/initdb ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
[[ -x $VENV/bin/moto_server ]] || die "$VENV/bin/moto_server not found (pip install -e '.[test]')"
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium not found (apt-get install chromium)"

PG_PORT=$(free_port)
log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
mkdir -p "$PG_DIR"
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DIR"
if ! as_pg "$PGBIN/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$WORK/initdb.log" 2>&1; then
  cat "$WORK/initdb.log" >&2
  die "initdb failed"
fi
PG_STARTED=1
if ! as_pg "$PGBIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/log" -w -t "$STARTUP_TIMEOUT" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
    start >/dev/null; then
  cat "$PG_DIR/log" >&2 || true
  die "PostgreSQL did not start"
fi
if ! wait_for "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -U postgres; then
  cat "$PG_DIR/log" >&2 || true
  die "PostgreSQL is not accepting connections"
fi
"$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres marketplace

# --- Redis --------------------------------------------------------------------
port=$(free_port)
log "Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port"
# A memory bound and an eviction policy, as production has (README, "Redis needs a memory bound"):
# volatile-lru evicts only keys with an expiry (cache entries), never Celery's queues.
if ! redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --maxmemory 256mb --maxmemory-policy volatile-lru \
    --dir "$WORK" --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"; then
  cat "$WORK/redis.log" >&2 || true
  die "redis-server did not start"
fi
REDIS_PORT=$port
if ! wait_for bash -c "[[ \$(redis-cli -h 127.0.0.1 -p $REDIS_PORT ping) == PONG ]]"; then
  cat "$WORK/redis.log" >&2 || true
  die "Redis is not answering PING"
fi

# --- moto (S3) ----------------------------------------------------------------
MOTO_PORT=$(free_port)
log "moto $("$PY" -c 'import moto; print(moto.__version__)') on 127.0.0.1:$MOTO_PORT"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
moto_ready() {
  kill -0 "$MOTO_PID" && "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/', timeout=2)"
}
if ! wait_for moto_ready; then
  cat "$WORK/moto.log" >&2 || true
  die "moto_server did not start"
fi

# --- stages ---------------------------------------------------------------------
declare -a SUMMARY=("$(printf 'PASS  %-44s %4ss' "services (PostgreSQL, Redis, moto) started" "$SECONDS")")
FAILED=0

# Runs one stage: NAME COMMAND...; records status and duration.
stage() {
  local name=$1
  shift
  log "$name"
  local start=$SECONDS status=0
  "$@" || status=$?
  local took=$((SECONDS - start))
  if [[ $status -eq 0 ]]; then
    SUMMARY+=("$(printf 'PASS  %-44s %4ss' "$name" "$took")")
  else
    FAILED=1
    local why="exit $status"
    [[ $status -eq 5 ]] && why="exit 5: no tests collected"
    SUMMARY+=("$(printf 'FAIL  %-44s %4ss  (%s)' "$name" "$took" "$why")")
  fi
}

# A clean environment for the unit tests: no services at all.
unset DATABASE_URL REDIS_URL MOTO_ENDPOINT STORAGE_BACKEND AWS_STORAGE_BUCKET_NAME \
  AWS_S3_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_S3_REGION_NAME \
  AWS_S3_ADDRESSING_STYLE CELERY_TASK_ALWAYS_EAGER CELERY_VISIBILITY_TIMEOUT \
  CELERY_FAST_REDELIVERY SITE_BANNER
export DJANGO_SETTINGS_MODULE=marketplace.settings
export DATA_DIR=$WORK/data
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$DATA_DIR"
rm -f "$ROOT"/.coverage "$ROOT"/.coverage.*

stage "ruff check" "$VENV/bin/ruff" check .
stage "makemigrations --check" "$PY" manage.py makemigrations --check --dry-run
stage "layers (lint-imports, pyproject.toml)" "$VENV/bin/lint-imports"

# The documentation (mkdocs.yml, docs/): installs the docs extra of pyproject.toml, then builds the
# site into build/site/ with --strict, so a broken link or a page missing from the nav fails the run.
# The stamp is the Makefile's (`make docs`): reinstall only when pyproject.toml changes.
docs_build() {
  if [[ ! $VENV/.installed-docs -nt $ROOT/pyproject.toml ]]; then
    "$PY" -m pip install --quiet -e "$ROOT[docs]" || { echo "pip install -e '.[docs]' failed" >&2; return 1; }
    touch "$VENV/.installed-docs"
  fi
  NO_MKDOCS_2_WARNING=1 "$VENV/bin/mkdocs" build --strict --clean --config-file "$ROOT/mkdocs.yml"
}
stage "docs (mkdocs build --strict)" docs_build

# --cov-fail-under=0: the coverage stage below applies the floor, to both runs together.
stage "unit tests (SQLite)" "$PY" -m pytest -m "not integration and not browser" \
  --junitxml="$WORK/junit-unit.xml" --cov --cov-report= --cov-fail-under=0 "$@"

# The same unit tests on PostgreSQL, which production uses (row locks, JSON, ordering differ).
unit_tests_postgres() {
  DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/marketplace" \
    "$PY" -m pytest -m "not integration and not browser" -p no:randomly -q \
      --junitxml="$WORK/junit-unit-postgres.xml" "$@"
}
if [[ ${UNIT_ON_POSTGRES:-1} == 1 ]]; then
  stage "unit tests (PostgreSQL)" unit_tests_postgres "$@"
fi

# The mkt client as a customer installs it: the wheel of clients/mkt alone in a fresh virtual
# environment (Django must not be importable there, nor any other server dependency), then the
# installed `mkt` run as a program against a live server: keygen, init, build, verify, install,
# list, uninstall (tests/argent_mkt/test_command_e2e.py, with MKT_COMMAND pointing at it).
mkt_wheel() {
  local dir=$WORK/mkt-wheel
  mkdir -p "$dir"
  "$PY" -m pip wheel --quiet --no-deps --wheel-dir "$dir/dist" "$ROOT/clients/mkt" || return
  local wheel
  wheel=$(ls "$dir"/dist/argent_mkt-*.whl) || return
  echo "built $(basename "$wheel")"
  "$PY" -m venv "$dir/venv" || return
  "$dir/venv/bin/python" -m pip install --quiet "$wheel" || return
  echo "installed in a fresh virtual environment:"
  "$dir/venv/bin/python" -m pip list --format=freeze --exclude pip --exclude setuptools | sed 's/^/  /'
  local forbidden
  for forbidden in django rest_framework celery boto3 yara stripe; do
    if "$dir/venv/bin/python" -c "import $forbidden" 2>/dev/null; then
      echo "the mkt wheel pulled in $forbidden" >&2
      return 1
    fi
  done
  echo "import django, rest_framework, celery, boto3, yara, stripe: all fail there, as they must"
  MKT_COMMAND="$dir/venv/bin/mkt" "$PY" -m pytest -m "not integration and not browser" -p no:randomly -q \
    --junitxml="$WORK/junit-mkt-wheel.xml" tests/argent_mkt/test_command_e2e.py
}
stage "mkt wheel in a fresh venv (no Django)" mkt_wheel

# The customer's typo journey on SQLite, the database `make run` uses by default: the look-alike
# rule there is the project's own (catalog/vocabulary.py), so the page is walked on both databases.
browser_sqlite() {
  DJANGO_ALLOW_ASYNC_UNSAFE=true \
    "$PY" -m pytest -m browser -p no:randomly -q --junitxml="$WORK/junit-browser-sqlite.xml" \
      --cov --cov-append --cov-report= --cov-fail-under=0 tests/browser/test_search_typo.py
}
stage "browser journey on SQLite (search with a typo)" browser_sqlite

integration_tests() {
  DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/marketplace" \
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  MOTO_ENDPOINT="http://127.0.0.1:$MOTO_PORT" \
  DJANGO_ALLOW_ASYNC_UNSAFE=true \
    "$PY" -m pytest -m "integration or browser" --junitxml="$WORK/junit-integration.xml" \
      --cov --cov-append --cov-report= --cov-fail-under=0 "$@"
}
stage "integration + browser tests (PostgreSQL)" integration_tests "$@"

# Coverage of unit + integration + browser (not the Celery worker process); fails under
# fail_under of [tool.coverage.report] in pyproject.toml.
COVERAGE_FLOOR=$("$PY" -c 'import pathlib, tomllib; print(tomllib.loads(pathlib.Path("pyproject.toml").read_text())["tool"]["coverage"]["report"]["fail_under"])')
stage "coverage (floor $COVERAGE_FLOOR %)" "$PY" -m coverage report --skip-covered --skip-empty

# Totals over both runs; a skipped test counts as a failure (nothing may skip here).
totals() {
  "$PY" - "$WORK"/junit-*.xml <<'PYEOF'
import sys
import xml.etree.ElementTree as ET

tests = failed = skipped = 0
for path in sys.argv[1:]:
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
print(f"tests: {tests - failed - skipped} passed, {failed + skipped} failed")
if skipped:
    print(f"{skipped} test(s) skipped: a missing service must fail the run, not skip it", file=sys.stderr)
sys.exit(1 if failed or skipped or not tests else 0)
PYEOF
}
stage "test totals (no skips allowed)" totals
TOTALS_LINE=$(totals 2>/dev/null || true)

log "Summary"
printf '%s\n' "${SUMMARY[@]}"
if [[ $FAILED -ne 0 ]]; then
  printf '\n\033[1;31mTESTS FAILED\033[0m\n'
  echo "$TOTALS_LINE"
  exit 1
fi
printf '\n\033[1;32mALL PASSED\033[0m\n'
echo "$TOTALS_LINE"
