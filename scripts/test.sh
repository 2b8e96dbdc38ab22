#!/usr/bin/env bash
# The test command: installs what the suite needs, starts a throwaway
# PostgreSQL on 127.0.0.1, and runs pytest (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh --test

pg_dir=$(mktemp -d /tmp/oneedge-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
ONEEDGE_TEST_PG=$(scripts/postgres.sh start "$pg_dir")
export ONEEDGE_TEST_PG

.venv/bin/python -m pytest "$@"
