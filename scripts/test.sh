#!/usr/bin/env bash
# Runs the whole suite: always on SQLite, then on PostgreSQL when DATABASE_URL is set or a server
# answers on 127.0.0.1:5432. With CI=true (or GOVHALL_REQUIRE_POSTGRES=1) a missing PostgreSQL fails.
# Redis-backed paths run when REDIS_URL is set or Redis answers on 127.0.0.1:6379 (required in CI).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export GOVHALL_TESTING=1
export GOVHALL_VAR="${GOVHALL_TEST_VAR:-$(mktemp -d -t govhall-test-XXXXXX)}"
REQUIRE_SERVICES=0
if [[ "${CI:-}" == "true" || "${GOVHALL_REQUIRE_POSTGRES:-}" == "1" ]]; then REQUIRE_SERVICES=1; fi

port_open() { "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PYEOF
}

if [[ -z "${REDIS_URL:-}" ]] && port_open 127.0.0.1 6379; then
  export GOVHALL_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
elif [[ -n "${REDIS_URL:-}" ]]; then
  export GOVHALL_TEST_REDIS_URL="$REDIS_URL"
fi
if [[ -z "${GOVHALL_TEST_REDIS_URL:-}" && "$REQUIRE_SERVICES" == "1" ]]; then
  echo "ERROR: Redis is required in CI but does not answer on 127.0.0.1:6379 and REDIS_URL is unset." >&2
  exit 1
fi

PG_URL="${DATABASE_URL:-}"
if [[ -z "$PG_URL" ]] && port_open 127.0.0.1 5432; then
  PG_URL="postgres://postgres@127.0.0.1:5432/test"
fi
if [[ -z "$PG_URL" && "$REQUIRE_SERVICES" == "1" ]]; then
  echo "ERROR: PostgreSQL is required in CI but does not answer on 127.0.0.1:5432 and DATABASE_URL is unset." >&2
  exit 1
fi
unset DATABASE_URL REDIS_URL

WORKERS="${GOVHALL_TEST_WORKERS:-2}"
declare -a RESULTS=()
status=0

run_suite() {
  local label="$1"; shift
  echo
  echo "=============== govhall test suite on ${label} ==============="
  env "$@" "$PY" -m pytest -n "$WORKERS" --dist loadgroup ${PYTEST_ARGS:-} 
  local rc=$?
  if [[ $rc -eq 0 ]]; then RESULTS+=("${label}: passed"); else RESULTS+=("${label}: FAILED (exit ${rc})"); status=1; fi
}

run_suite "SQLite" GOVHALL_TEST_DATABASE=sqlite
if [[ -n "$PG_URL" ]]; then
  run_suite "PostgreSQL (${PG_URL%%\?*})" DATABASE_URL="$PG_URL" GOVHALL_TEST_DATABASE=postgresql
else
  RESULTS+=("PostgreSQL: not run (no server on 127.0.0.1:5432 and DATABASE_URL unset)")
fi

echo
echo "=============== databases tested ==============="
for line in "${RESULTS[@]}"; do echo "  $line"; done
if [[ -n "${GOVHALL_TEST_REDIS_URL:-}" ]]; then
  echo "  Redis queue and cache paths: tested against ${GOVHALL_TEST_REDIS_URL}"
else
  echo "  Redis queue and cache paths: not run (no Redis on 127.0.0.1:6379)"
fi
exit $status
