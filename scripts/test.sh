#!/usr/bin/env bash
# Runs every test of Tandem: front-end unit tests and type check, vet, staticcheck, and the
# Go tests (unit, integration, and end-to-end in headless Chromium and with
# the OpenSSH client) under the race detector. The PostgreSQL store's tests run
# on one PostgreSQL that this script starts for the whole run (or on the server
# that TANDEM_TEST_POSTGRES names, whose user may CREATE DATABASE).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v ssh >/dev/null || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v node >/dev/null || need+=(nodejs npm)
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
[ -n "${TANDEM_TEST_POSTGRES:-}" ] || [ -n "$(pg_bin)" ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

# Front-end dependencies, exactly as locked.
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd web && npm test --silent)
# The TypeScript type check: the bundler strips types without checking them.
(cd web && npm run --silent check)

# One PostgreSQL for the whole run, in a temporary directory, stopped at exit.
# initdb refuses root: as root, the server runs as the postgres user.
if [ -z "${TANDEM_TEST_POSTGRES:-}" ]; then
  pg_dir=$(mktemp -d)
  as_pg=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pg_dir"
    as_pg=(runuser -u postgres --)
  fi
  stop_pg() {
    "${as_pg[@]}" "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  }
  trap stop_pg EXIT
  "${as_pg[@]}" "$(pg_bin)/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >/dev/null
  for try in 1 2 3 4 5; do
    pg_port=$((20000 + RANDOM % 40000))
    # A test database need not survive a crash of the machine: no fsync.
    if "${as_pg[@]}" "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 120 -o \
      "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null; then
      break
    fi
    [ "$try" = 5 ] && { cat "$pg_dir/log" >&2; exit 1; }
  done
  export TANDEM_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
fi

go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -timeout 15m ./...
