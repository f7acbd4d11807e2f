#!/usr/bin/env bash
# `make bench`: generate a city on PostgreSQL and run the benchmarks, each printing a ratio
# against a baseline measured in the same run. Uses $DATABASE_URL's server if set, else a
# throw-away cluster of its own. BENCH_SCALE=1 is the full 2,000,000-resident city.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SCALE=${BENCH_SCALE:-0.1}
if [ -z "${DATABASE_URL:-}" ]; then
  bash scripts/install-test-deps.sh
  PGDIR=$(mktemp -d /tmp/linli-bench-pg.XXXXXX)
  PGPORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  trap 'bash scripts/pg.sh stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
  bash scripts/pg.sh start "$PGDIR" "$PGPORT"
  DATABASE_URL="postgres://linli@127.0.0.1:$PGPORT/postgres"
fi
SERVER=${DATABASE_URL%/*}
echo "== generating the city (scale $SCALE)"
DATABASE_URL="$SERVER/postgres" $PY bench/generate_city.py --scale "$SCALE" --db linli_bench
echo "== scoped reads: linli vs hand-written SQL"
DATABASE_URL="$SERVER/linli_bench" $PY bench/bench_scope.py
CASES=$(python3 -c "print(max(1000, int(1000000 * $SCALE)))")
echo "== a year of cases ($CASES) on the city"
DATABASE_URL="$SERVER/linli_bench" $PY bench/generate_cases.py --cases "$CASES"
echo "== street figures: linli vs one hand-written SQL aggregate"
DATABASE_URL="$SERVER/linli_bench" $PY bench/bench_case_figures.py
echo "== case intake: linli's API vs a bare Ninja endpoint (own small database linli_bench_intake)"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_case_intake.py
echo "== activities: sign-up throughput, 20 clients on one activity vs a bare locked counter update"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_signup.py
echo "== points: balances of 100,000 accounts vs hand-written SQL"
DATABASE_URL="$SERVER/postgres" $PY bench/bench_balances.py
