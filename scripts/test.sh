#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throw-away PostgreSQL cluster (browser and
# race tests included); exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_ALLOW_ASYNC_UNSAFE=true   # Playwright's sync API runs an event loop in the test thread
mkdir -p artifacts/screenshots
# pytest runs with linli.settings_test (pyproject), which sets LINLI_MODE=test itself; the
# production-mode tests start their own gunicorn with production settings and keys.
unset DJANGO_SETTINGS_MODULE
status=0

$PY scripts/compile_messages.py --check || status=1

echo "== tests on SQLite"
$PY -m pytest "$@" || status=1

PGDIR=$(mktemp -d /tmp/linli-pg.XXXXXX)
PGPORT=${LINLI_PG_PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
trap 'bash scripts/pg.sh stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
bash scripts/pg.sh start "$PGDIR" "$PGPORT" || { echo "could not start PostgreSQL"; exit 1; }
export DATABASE_URL="postgres://linli@127.0.0.1:$PGPORT/linli"
echo "== tests on PostgreSQL"
LINLI_REQUIRE_POSTGRES=1 $PY -m pytest "$@" || status=1
exit $status
