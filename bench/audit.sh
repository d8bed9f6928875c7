#!/usr/bin/env bash
# The audit log under load (issue 12's targets).
#
#   bench/audit.sh [--quick] [--db postgres|sqlite] [--events N] [--no-overhead]
#
# 1. Overhead: client_credentials (ES256) and refresh throughput with `audit.record_token_issuance`
#    off and on (on, every token response writes and seals one event), alternating, a fresh
#    server per mode.
# 2. Sealer: client_credentials with issuance recorded until N events exist (default 1,000,000),
#    sampling the sealer's backlog and lag from /metrics every second: the event rate it keeps up
#    with, and the worst lag seen.
# 3. Verification: `portcullis audit verify` over all of them, timed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=0; db=postgres; events=1000000; overhead=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --db) db="$2"; shift ;;
        --events) events="$2"; shift ;;
        --no-overhead) overhead=0 ;;
        *) echo "usage: bench/audit.sh [--quick] [--db postgres|sqlite] [--events N] [--no-overhead]" >&2; exit 2 ;;
    esac
    shift
done
duration=10s; rounds=3
if [ "$quick" = 1 ]; then duration=2s; rounds=1; events=20000; fi
. bench/standalone.sh
export PORTCULLIS_RATE_LIMITS__ENABLED=false
machine=$(basic "$("$bin" client create --name machine --client-id audit-machine --grant-type client_credentials --scope api:read)")
app=$(basic "$("$bin" client create --name app --client-id audit-app --id-token-alg ES256 --first-party --grant-type refresh_token --redirect-uri https://app.example.com/cb)")
user_id=$(echo "Tangerine sky 1234" | "$bin" user create --email audit@example.com --password-stdin | json '["id"]')
per_round=$(( quick == 1 ? 20000 : 100000 ))
[ "$overhead" = 1 ] && python3 bench/seed.py refresh --db "$seed_target" --count $(( per_round * rounds * 2 )) --hash-key "$hash_key" \
    --client-id audit-app --user-id "$user_id" --out "$work/refresh_tokens.txt"

start() { # record_token_issuance
    PORTCULLIS_AUDIT__RECORD_TOKEN_ISSUANCE=$1 "$bin" serve >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do curl -sf "$ours/health/ready" >/dev/null && break; sleep 0.1; done
}
stop() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
wrk_rps() { # script url [env...]: "rps p99_ms non_2xx"
    local script=$1 url=$2; shift 2
    env "$@" wrk -t2 -c32 -d"$duration" -s "bench/lua/$script" "$url" | sed -n 's/^RESULT //p' \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rps"], r["p99_ms"], r["non_2xx"])'
}
metric() { curl -sf "$ours/metrics" | awk -v k="$1" '$1 == k { print $2; found=1 } END { if (!found) print 0 }'; }

echo "== overhead of recording token issuance ($db, $rounds rounds of $duration)"
offset=0
[ "$overhead" = 1 ] || rounds=0
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order="false true"; else order="true false"; fi
    for recording in $order; do
        start "$recording"
        echo "audit record_token_issuance=$recording client_credentials $(wrk_rps client_credentials.lua "$ours" BENCH_BASIC="$machine")"
        sed -n "$(( offset + 1 )),$(( offset + per_round ))p" "$work/refresh_tokens.txt" >"$work/round_tokens.txt"
        echo "audit record_token_issuance=$recording refresh $(wrk_rps refresh.lua "$ours" BENCH_BASIC="$app" \
            BENCH_TOKENS="$work/round_tokens.txt")"
        offset=$(( offset + per_round ))
        stop
    done
done

echo "== sealer: client_credentials with issuance recorded until $events events exist"
start true
started=$(date +%s.%N)
( env BENCH_BASIC="$machine" wrk -t2 -c32 -d3600s -s bench/lua/client_credentials.lua "$ours" >/dev/null ) &
load=$!
worst_lag=0; worst_backlog=0
while :; do
    sleep 1
    scrape=$(curl -sf "$ours/metrics")
    lag=$(echo "$scrape" | awk '$1 == "portcullis_audit_sealer_lag_seconds" { print $2 }')
    backlog=$(echo "$scrape" | awk '$1 == "portcullis_audit_unsealed_events" { print $2 }')
    issued=$(echo "$scrape" | awk '$1 ~ /^portcullis_tokens_issued_total/ { s += $2 } END { print s + 0 }')
    worst_lag=$(python3 -c "print(max($worst_lag, ${lag:-0}))")
    worst_backlog=$(python3 -c "print(max($worst_backlog, ${backlog:-0}))")
    [ "$(python3 -c "print(int($issued >= $events))")" = 1 ] && break
done
kill "$load"; wait "$load" 2>/dev/null || true
elapsed=$(python3 -c "import time; print(round(time.time() - $started, 1))")
sleep 2
echo "sealer events=$issued seconds=$elapsed events_per_s=$(python3 -c "print(round($issued / $elapsed))") worst_lag_s=$worst_lag worst_backlog=$worst_backlog"
stop

echo "== verification"
start_v=$(date +%s.%N)
"$bin" audit verify >"$work/verify.json" || true
echo "verify events=$issued seconds=$(python3 -c "import time; print(round(time.time() - $start_v, 2))") intact=$(json '["intact"]' <"$work/verify.json" 2>/dev/null || head -c 200 "$work/verify.json")"
