#!/usr/bin/env bash
# A few minutes of mixed reads and writes against gunicorn on 127.0.0.1, with wrk.
# Prints request and error counts and p50/p99; exits non-zero on any error.
# DURATION (seconds, default 180), CONNECTIONS (16), WORKERS (4), PORT (8099), DATABASE_URL (a fresh SQLite file).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DURATION=${DURATION:-180}
CONNECTIONS=${CONNECTIONS:-16}
WORKERS=${WORKERS:-4}
PORT=${PORT:-8099}
workdir=$(mktemp -d)
export DATABASE_URL=${DATABASE_URL:-sqlite:///$workdir/soak.sqlite3}
# Production settings, minus the HTTPS redirect (plain HTTP on loopback); rates high enough
# that the soak measures the application rather than the throttle.
export DJANGO_ENV=production SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false
export THROTTLE_ANON=1000000/min THROTTLE_USER=1000000/min THROTTLE_WRITES=1000000/min

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py load_records
$BIN/python manage.py shell -c "from django.contrib.auth.models import Group, User; \
u, _ = User.objects.get_or_create(username='soak'); u.groups.add(Group.objects.get(name='editors'))"
export SOAK_TOKEN=$($BIN/python manage.py create_token soak --days 1 2>/dev/null)

$BIN/gunicorn config.wsgi --bind 127.0.0.1:$PORT --workers "$WORKERS" --log-level warning &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/countries/KZ/" && break; sleep 0.2; done

echo "== wrk: ${DURATION}s, $CONNECTIONS connections, $WORKERS gunicorn workers, $DATABASE_URL"
output=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s scripts/soak.lua "http://127.0.0.1:$PORT")
echo "$output"
summary=$(echo "$output" | grep '^requests=')
[[ "$summary" == *" errors=0 "* ]] || { echo "soak: errors above"; exit 1; }
