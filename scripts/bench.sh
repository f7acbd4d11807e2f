#!/usr/bin/env bash
# `make bench`: generate a city on PostgreSQL and run the benchmarks, each printing a ratio
# against a baseline measured in the same run (or a page's time against its aim), then the
# table of every result with its aim and the worst. Uses $DATABASE_URL's server if set, else
# a throw-away cluster of its own. BENCH_SCALE=1 is the full 2,000,000-resident city.
# BENCH_DB names the generated database (default linli_bench); BENCH_REUSE=1 keeps a city
# and cases generated before (same scale) instead of generating them again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Benchmarks run on throw-away data with development keys.
export LINLI_MODE=${LINLI_MODE:-development}
SCALE=${BENCH_SCALE:-0.1}
DB=${BENCH_DB:-linli_bench}
if [ -z "${DATABASE_URL:-}" ]; then
  bash scripts/install-test-deps.sh
  PGDIR=$(mktemp -d /tmp/linli-bench-pg.XXXXXX)
  PGPORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  trap 'bash scripts/pg.sh stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
  bash scripts/pg.sh start "$PGDIR" "$PGPORT"
  DATABASE_URL="postgres://linli@127.0.0.1:$PGPORT/postgres"
fi
SERVER=${DATABASE_URL%/*}
export BENCH_RESULTS=${BENCH_RESULTS:-$(mktemp /tmp/linli-bench-results.XXXXXX)}
CASES=$(python3 -c "print(max(1000, int(1000000 * $SCALE)))")
if [ "${BENCH_REUSE:-0}" = 1 ]; then
  echo "== reusing the city and cases in $DB (scale $SCALE); migrating it"
  DATABASE_URL="$SERVER/$DB" $PY manage.py migrate -v0
else
  echo "== generating the city (scale $SCALE)"
  DATABASE_URL="$SERVER/postgres" $PY bench/generate_city.py --scale "$SCALE" --db "$DB"
fi
echo "== scoped reads: linli vs hand-written SQL"
DATABASE_URL="$SERVER/$DB" $PY bench/bench_scope.py
if [ "${BENCH_REUSE:-0}" != 1 ]; then
  echo "== a year of cases ($CASES) on the city"
  DATABASE_URL="$SERVER/$DB" $PY bench/generate_cases.py --cases "$CASES"
fi
echo "== street figures: linli vs one hand-written SQL aggregate"
DATABASE_URL="$SERVER/$DB" $PY bench/bench_case_figures.py
echo "== pages per role: server-side time at one client (aim < 100 ms)"
DATABASE_URL="$SERVER/$DB" $PY bench/bench_pages.py
echo "== case intake: linli's API vs a bare Ninja endpoint (own small database linli_bench_intake)"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_case_intake.py
echo "== activities: sign-up throughput, 20 clients on one activity vs a bare locked counter update"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_signup.py
echo "== points: balances of 100,000 accounts vs hand-written SQL"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_balances.py
echo "== three lists: street roll-up of progress and money, 10,000 items (own small database linli_bench_lists)"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_lists_rollup.py
echo "== owners' vote tally: linli vs one hand-written SQL aggregate (own small database linli_bench_votes)"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_vote_tally.py
echo "== every result, its aim, and the worst (scale $SCALE)"
$PY bench/results.py "$BENCH_RESULTS"
