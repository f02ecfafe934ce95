#!/usr/bin/env bash
# Usage: benchmarks/otp/run.sh BENCH [ARGS...]   (see pg_scale.erl: mesh, converge, memory, biggroup)
# Compiles pg_scale.erl into a temp dir, makes sure epmd runs on loopback (starting one only if
# none answers, and stopping that one by its pid), runs node A; peers are started by pg_scale
# with `peer` and stopped again; a leftover one is killed by the pid it wrote.
set -euo pipefail
cd "$(dirname "$0")"
EBIN=$(mktemp -d)
PIDFILE=$(mktemp)
EPMD_PID=""
cleanup() {
    while read -r p; do
        if grep -qs pg_scale_ "/proc/$p/cmdline"; then kill -9 "$p" || true; fi
    done < "$PIDFILE"
    rm -rf "$EBIN" "$PIDFILE"
    if [ -n "$EPMD_PID" ]; then kill "$EPMD_PID" 2>/dev/null || true; wait "$EPMD_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
erlc -o "$EBIN" pg_scale.erl
if ! epmd -names >/dev/null 2>&1; then
    epmd -address 127.0.0.1 &
    EPMD_PID=$!
    sleep 0.5
fi
PG_BENCH_PIDFILE=$PIDFILE erl -noshell -start_epmd false +P 4000000 \
    -name pg_scale_a@127.0.0.1 -setcookie pg_scale \
    -kernel inet_dist_use_interface '{127,0,0,1}' -kernel start_pg true \
    -pa "$EBIN" -run pg_scale main "$@"
