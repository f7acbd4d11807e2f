#!/usr/bin/env bash
# Production start: migrate, gather static files for WhiteNoise, then gunicorn.
# Needs LINLI_SECRET_KEY, LINLI_PII_KEY, LINLI_PII_HASH_KEY, DATABASE_URL and LINLI_ALLOWED_HOSTS
# (README, Deployment). Run the background jobs as two more services:
#   .venv/bin/python manage.py scheduler      (one process, enqueues the periodic jobs)
#   .venv/bin/python manage.py db_worker      (one or more, runs them)
set -euo pipefail
cd "$(dirname "$0")/.."
export LINLI_MODE=production
PY=.venv/bin/python
$PY manage.py check --deploy --fail-level WARNING
$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
# Workers: about 2 per core (each loads the category model, ~150 MB); requests that wait on the
# database are short, so sync workers suffice. Behind a proxy that terminates TLS, bind to loopback.
exec .venv/bin/gunicorn linli.wsgi \
  --bind "${LINLI_BIND:-127.0.0.1:8000}" \
  --workers "${LINLI_WORKERS:-4}" \
  --timeout "${LINLI_TIMEOUT:-60}" \
  --max-requests 2000 --max-requests-jitter 200 \
  --access-logfile - --error-logfile -
