#!/usr/bin/env bash
# The cost of the operational layer (metrics and rate limits), and a flood of bad sign-ins.
#
#   bench/operations.sh [--quick] [--db sqlite|postgres] [--rounds N]
#
# 1. Overhead: client_credentials (ES256) and discovery throughput with metrics and rate limits
#    both off, then both on (the per-client budget raised so that it counts but never refuses),
#    each round starting a fresh server per mode and alternating which mode goes first.
# 2. Flood: wrong passwords through the password grant from one address at up to 20,000/s
#    (60 paced connections), while another client runs client_credentials (8 connections); the
#    same client_credentials load alone first, for comparison. The server's own metrics say how
#    many requests were refused by which budget and how many passwords were hashed.
# Prints one line per measurement; BENCHMARKS.md records the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=0; db=sqlite; rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --db) db="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        *) echo "usage: bench/operations.sh [--quick] [--db sqlite|postgres] [--rounds N]" >&2; exit 2 ;;
    esac
    shift
done
duration=10s; warmup=3s
if [ "$quick" = 1 ]; then duration=2s; warmup=1s; rounds=1; fi
. bench/standalone.sh
machine=$(basic "$("$bin" client create --name machine --client-id ops-machine --grant-type client_credentials --scope api:read)")
app=$(basic "$("$bin" client create --name app --client-id ops-app --first-party --grant-type password)")
echo "Tangerine sky 1234" | "$bin" user create --email target@example.com --password-stdin >/dev/null

start() { # metrics limits
    PORTCULLIS_METRICS__ENABLED=$1 PORTCULLIS_RATE_LIMITS__ENABLED=$2 \
        PORTCULLIS_RATE_LIMITS__TOKEN__PER_CLIENT=1000000000 "$bin" serve >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do curl -sf "$ours/health/ready" >/dev/null && break; sleep 0.1; done
}
stop() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
wrk_rps() { # threads connections script url [env...]: "rps p99_ms non_2xx"
    local t=$1 c=$2 script=$3 url=$4; shift 4
    env "$@" wrk -t"$t" -c"$c" -d"$duration" -s "bench/lua/$script" "$url" | sed -n 's/^RESULT //p' \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rps"], r["p99_ms"], r["non_2xx"])'
}
metric() { # name{labels} (exact): its value in a scrape, 0 when absent
    curl -sf "$ours/metrics" | awk -v k="$1" '$1 == k { print $2; found=1 } END { if (!found) print 0 }'
}

echo "== overhead ($db, $rounds rounds of $duration)"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order="off on"; else order="on off"; fi
    for mode in $order; do
        if [ "$mode" = on ]; then start true true; else start false false; fi
        env BENCH_BASIC="$machine" wrk -t2 -c32 -d"$warmup" -s bench/lua/client_credentials.lua "$ours" >/dev/null
        echo "overhead $mode client_credentials $(wrk_rps 2 32 client_credentials.lua "$ours" BENCH_BASIC="$machine")"
        echo "overhead $mode discovery $(wrk_rps 2 32 get.lua "$ours/.well-known/openid-configuration")"
        stop
    done
done

echo "== flood ($db): wrong passwords from one address beside another client's client_credentials"
start true true
env BENCH_BASIC="$machine" wrk -t1 -c8 -d"$warmup" -s bench/lua/client_credentials.lua "$ours" >/dev/null
echo "flood alone client_credentials $(wrk_rps 1 8 client_credentials.lua "$ours" BENCH_BASIC="$machine")"
hashes_before=$(metric 'portcullis_argon2_queue_wait_seconds_count')
# 60 connections, each pausing 3 ms between requests: at most 20,000 requests/s.
wrk_rps 1 60 password_flood.lua "$ours" BENCH_BASIC="$app" BENCH_USER=target@example.com BENCH_DELAY_MS=3 >"$work/flood.txt" &
flood=$!
echo "flood beside client_credentials $(wrk_rps 1 8 client_credentials.lua "$ours" BENCH_BASIC="$machine")"
wait "$flood"
read -r flood_rps flood_p99 flood_refused <"$work/flood.txt"
hashes=$(python3 -c "print(int(float('$(metric portcullis_argon2_queue_wait_seconds_count)') - float('$hashes_before')))")
echo "flood bad_sign_ins rps=$flood_rps p99_ms=$flood_p99 non_2xx=$flood_refused argon2_hashes=$hashes" \
    "refused_by_sign_in=$(metric 'portcullis_rate_limited_total{family="sign-in"}')" \
    "decided=$(metric 'portcullis_sign_ins_total{outcome="wrong_credentials"}')"
stop
