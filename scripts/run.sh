#!/usr/bin/env bash
# `make run`: the demo server and, beside it, the periodic jobs (deadline sweep, outbox,
# follow-ups, domain events, retrains) run inline by the scheduler, so notices arrive and
# deadlines move as they would in production. Stopping the server stops the scheduler.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
$PY manage.py scheduler --run-inline --verbosity 1 > var/scheduler.log 2>&1 &
scheduler=$!
trap 'kill $scheduler 2>/dev/null; wait $scheduler 2>/dev/null' EXIT INT TERM
echo "后台任务已启动（日志 var/scheduler.log）。Periodic jobs running inline (log: var/scheduler.log)."
$PY manage.py runserver "$HOST:$PORT"
