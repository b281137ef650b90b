#!/usr/bin/env bash
# Runs every test of Tandem: front-end unit tests and type check, vet, staticcheck, and the
# Go tests (unit, integration, and end-to-end in headless Chromium and with
# the OpenSSH client) under the race detector. The PostgreSQL store's tests run
# on one PostgreSQL that this script starts for the whole run (or on the server
# that TANDEM_TEST_POSTGRES names, whose user may CREATE DATABASE); the blob
# tests likewise on one versitygw, installed when missing (or on the
# S3-compatible server that TANDEM_TEST_S3 names). The end-to-end suites then
# run a second time on PostgreSQL and S3 instead of SQLite and a directory.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromium-headless-shell >/dev/null || need+=(chromium-headless-shell)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
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

# S3-compatible storage for the blob tests: versitygw, installed when missing.
# The install takes minutes from a cold module cache, so it runs in the
# background while the front-end tests do (if they fail, it still completes,
# for the next run).
s3_gobin=$(go env GOBIN)
[ -n "$s3_gobin" ] || s3_gobin="$(go env GOPATH | cut -d: -f1)/bin"
s3_bin=$(command -v versitygw || echo "$s3_gobin/versitygw")
s3_install_pid=
s3_install_log=
if [ -z "${TANDEM_TEST_S3:-}" ] && [ ! -x "$s3_bin" ]; then
  echo "installing versitygw v1.8.0 (in the background)"
  s3_install_log=$(mktemp)
  go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 >"$s3_install_log" 2>&1 &
  s3_install_pid=$!
fi

# Front-end dependencies, exactly as locked.
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd web && npm test --silent)
# The TypeScript type check: the bundler strips types without checking them.
(cd web && npm run --silent check)

# Static checks before the services start: a versitygw being installed
# meanwhile gets these minutes.
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

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

# One versitygw for the whole run on 127.0.0.1, with credentials of this run;
# the Go tests find it through TANDEM_TEST_S3 (set it yourself to use another
# S3-compatible server whose credentials may create buckets).
if [ -z "${TANDEM_TEST_S3:-}" ]; then
  s3_pid=
  s3_dir=
  stop_s3() {
    if [ -n "$s3_pid" ]; then
      kill "$s3_pid" 2>/dev/null || true
      wait "$s3_pid" 2>/dev/null || true
    fi
    rm -rf "$s3_dir"
  }
  # Keep the EXIT trap set before this one (say PostgreSQL's): it runs after.
  s3_prev_exit=
  if [ -n "$(trap -p EXIT)" ]; then
    eval "set -- $(trap -p EXIT)"
    s3_prev_exit=$3
  fi
  trap 'stop_s3; eval "$s3_prev_exit"' EXIT
  if [ -n "$s3_install_pid" ]; then
    if ! wait "$s3_install_pid"; then
      cat "$s3_install_log" >&2
      echo "installing versitygw failed: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0" >&2
      exit 1
    fi
    rm -f "$s3_install_log"
  fi
  s3_dir=$(mktemp -d)
  mkdir "$s3_dir/iam" "$s3_dir/data"
  s3_access=tandem$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  s3_secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  for try in 1 2 3 4 5; do
    s3_port=$((20000 + RANDOM % 40000))
    # A port something already listens on is not ours to wait for.
    if (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; then continue; fi
    # The credentials go in the environment, not in arguments ps shows.
    ROOT_ACCESS_KEY_ID=$s3_access ROOT_SECRET_ACCESS_KEY=$s3_secret "$s3_bin" \
      --port "127.0.0.1:$s3_port" --iam-dir "$s3_dir/iam" --quiet --keep-alive \
      posix "$s3_dir/data" >"$s3_dir/log" 2>&1 &
    s3_pid=$!
    for _ in $(seq 300); do
      kill -0 "$s3_pid" 2>/dev/null || break
      if (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; then
        export TANDEM_TEST_S3="http://$s3_access:$s3_secret@127.0.0.1:$s3_port"
        break 2
      fi
      sleep 0.1
    done
    kill "$s3_pid" 2>/dev/null || true
    wait "$s3_pid" 2>/dev/null || true
    s3_pid=
  done
  if [ -z "${TANDEM_TEST_S3:-}" ]; then
    cat "$s3_dir/log" >&2
    echo "versitygw did not start" >&2
    exit 1
  fi
fi

# The browser suite is the longest package: its timeout leaves room for a
# slow machine.
go test -race -timeout 30m ./...
# The browser and OpenSSH end-to-end suites once more, on PostgreSQL and
# S3-compatible storage (internal/backendtest). The browser tests of what
# stores nothing of its own (accessibility, layout, calls, control, the
# mirror's drawing, tabs) ran above and are not repeated.
ui_only='^Test(Accessibility|KeyboardOnlyAssist|ConsoleRoom|CallSurvivesNavigationAndTheStripTellsTheTruth|AssistFollowsTheTabInFront|CallConnectsAndHangsUp|CallThroughTURNOnly|CallDeclined|RemoteControlOfAFrameworkApp|ControlHandOverBetweenAgents|PointerLandsOnTheSameElement|MirrorIsolation|DemoPagesMirror|ReactControlledFieldsMirror)$'
TANDEM_TEST_BACKENDS=postgres+s3 go test -race -timeout 30m -skip "$ui_only" ./internal/e2e ./internal/sshrelay
