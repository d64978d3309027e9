#!/usr/bin/env bash
# `make run`: govhall on one machine with demo data — SQLite, Huey on SQLite, gunicorn.
#
# Prepares the database (migrate, collectstatic, the demo city), then runs three children: the web
# server, the task consumer and the payment sandbox (a stand-in for the online payment gateway, on
# PAYSANDBOX_PORT, default PORT+1). Ctrl-C (SIGINT) or SIGTERM stops them all and exits 0; if any
# child dies on its own, the others are stopped and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT_DIR="$(pwd)"
PY="$PROJECT_DIR/.venv/bin/python"

export DEBUG=1
export GOVHALL_DEMO=1
export GOVHALL_VAR="${GOVHALL_VAR:-$PROJECT_DIR/var}"
PORT="${PORT:-8000}"
PAYSANDBOX_PORT="${PAYSANDBOX_PORT:-$((PORT + 1))}"
# The platform pays through the local sandbox unless a real gateway is configured.
export GOVHALL_PAY_GATEWAY_URL="${GOVHALL_PAY_GATEWAY_URL:-http://127.0.0.1:$PAYSANDBOX_PORT/gateway.do}"
DEMO_PASSWORD="${GOVHALL_DEMO_PASSWORD:-govhall-demo-2026}"
export GOVHALL_DEMO_PASSWORD="$DEMO_PASSWORD"
mkdir -p "$GOVHALL_VAR"
GOVHALL_VAR="$(cd "$GOVHALL_VAR" && pwd)"

# A persistent secret: sessions survive restarts, and the field-encryption key derived from it
# (when GOVHALL_FIELD_KEY is unset) keeps the stored ID and phone numbers readable.
if [[ -z "${SECRET_KEY:-}" && -z "${SECRET_KEY_FILE:-}" ]]; then
  export SECRET_KEY_FILE="$GOVHALL_VAR/secret_key"
  if [[ ! -s "$SECRET_KEY_FILE" ]]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$SECRET_KEY_FILE")
    echo "Created a new secret key in $SECRET_KEY_FILE"
  fi
  chmod 600 "$SECRET_KEY_FILE"
fi

manage() { "$PY" manage.py "$@"; }

echo "Preparing the database in $GOVHALL_VAR ..."
manage migrate --noinput -v 0
manage collectstatic --noinput -v 0
# Idempotent: the first start creates the demo city, later starts add only what is missing (demo
# data of newly added apps) and keep the demo accounts' password equal to the one printed below.
manage seed_demo
# The platform's RSA2 key pair for the payment gateway (var/payments/); the sandbox makes its own.
manage payments_keys --quiet-if-present

WEB_PID=""
HUEY_PID=""
PAY_PID=""

children() { local pid; for pid in "$WEB_PID" "$HUEY_PID" "$PAY_PID"; do [[ -n "$pid" ]] && echo "$pid"; done; return 0; }
all_alive() { local pid; for pid in $(children); do kill -0 "$pid" 2>/dev/null || return 1; done; return 0; }

stop_children() {
  local pid
  # gunicorn stops gracefully on TERM; the Huey consumer finishes running tasks on INT.
  [[ -n "$WEB_PID" ]] && kill -TERM "$WEB_PID" 2>/dev/null || true
  [[ -n "$HUEY_PID" ]] && kill -INT "$HUEY_PID" 2>/dev/null || true
  [[ -n "$PAY_PID" ]] && kill -TERM "$PAY_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    local alive=0
    for pid in $(children); do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ "$alive" == 0 ]] && break
    sleep 0.1
  done
  for pid in $(children); do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in $(children); do wait "$pid" 2>/dev/null || true; done
}

on_signal() {
  trap '' INT TERM
  echo
  echo "Stopping govhall ..."
  stop_children
  echo "Stopped."
  exit 0
}
trap on_signal INT TERM

"$PROJECT_DIR/.venv/bin/gunicorn" govhall.wsgi \
  --pythonpath "$PROJECT_DIR/src" \
  --bind "127.0.0.1:$PORT" \
  --workers 2 --threads 2 \
  --graceful-timeout 10 \
  --no-control-socket \
  --access-logfile - &
WEB_PID=$!
"$PY" manage.py run_huey &
HUEY_PID=$!
PYTHONPATH="$PROJECT_DIR/src${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m govhall.paysandbox \
  --host 127.0.0.1 --port "$PAYSANDBOX_PORT" --var "$GOVHALL_VAR/paysandbox" \
  --app-public-key "$GOVHALL_VAR/payments/app_public.pem" &
PAY_PID=$!

# Wait until the site answers (or a child has already failed) before printing where it is.
for _ in $(seq 1 150); do
  all_alive || break
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null \
    && curl -fsS -o /dev/null "http://127.0.0.1:$PAYSANDBOX_PORT/healthz" 2>/dev/null && break
  sleep 0.2
done

if all_alive; then
  cat <<EOF

  govhall is running:  http://127.0.0.1:$PORT/
  administration:      http://127.0.0.1:$PORT/admin/
  API documentation:   http://127.0.0.1:$PORT/api/v1/docs
  data directory:      $GOVHALL_VAR
  payment sandbox:     http://127.0.0.1:$PAYSANDBOX_PORT/  (stand-in for the online payment gateway)

  Demo accounts — password for all: $DEMO_PASSWORD
    demo-citizen      个人用户 citizen
    demo-enterprise   法人用户 enterprise (云浮市示范石材有限公司)
    demo-clerk        窗口人员 window clerk, 市政务服务中心 and 市市场监管局
    demo-approver     审核/审批人员 reviewer and approver, 市市场监管局
    demo-supervisor   监察人员 supervisor, 云浮市
    demo-admin        平台管理员 platform admin, Django admin superuser

  Approvers, supervisors and admins set up two-step verification at their first sign-in: scan the
  QR code with any TOTP authenticator app (FreeOTP, Google Authenticator, ...).
  Single sign-on for other systems: http://127.0.0.1:$PORT/o/.well-known/openid-configuration
  (clients at /sso/clients/, demo system in examples/relying_party/README.md)

  Press Ctrl-C to stop.

EOF
fi

# Returns as soon as any child exits; a signal runs on_signal instead.
set +e
wait -n "$WEB_PID" "$HUEY_PID" "$PAY_PID"
status=$?
set -e
if ! kill -0 "$WEB_PID" 2>/dev/null; then failed="web server (gunicorn)"
elif ! kill -0 "$HUEY_PID" 2>/dev/null; then failed="task consumer (huey)"
else failed="payment sandbox"; fi
echo "govhall: the $failed exited with status $status; stopping the other processes." >&2
stop_children
exit $((status == 0 ? 1 : status))
