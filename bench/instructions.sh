#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: repeatable where wall-clock
# throughput on a shared 2-core machine is not (BENCHMARKS.md, "Operations").
#
#   bench/instructions.sh
#
# For client_credentials (ES256) and discovery, with metrics and rate limits both off and both
# on (the per-client budget raised so that it counts but never refuses): the server runs under
# callgrind, takes 500 and then, in a second run, 1,500 requests over one keep-alive connection;
# the difference of the two totals over 1,000 is the per-request count, start-up excluded.
# Thread scheduling still moves the totals a few percent between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
cargo build --release --locked -q --bin portcullis
bin=target/release/portcullis
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ours="http://127.0.0.1:$port"
export PORTCULLIS_SECRETS__HASH_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
export PORTCULLIS_KEYS__ENCRYPTION_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
export PORTCULLIS_LISTEN="127.0.0.1:$port" PORTCULLIS_ISSUER="$ours" PORTCULLIS_SERVER__DATA_DIR="$work" RUST_LOG=warn
export DATABASE_URL="sqlite://$work/portcullis.db"
"$bin" migrate >/dev/null
secret=$("$bin" client create --name m --client-id m --grant-type client_credentials --scope api:read \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
wait_ready() { for _ in $(seq 1 600); do curl -sf "$ours/health/ready" >/dev/null && return; sleep 0.2; done; exit 1; }
# The first start makes the signing keys (RSA key generation varies a lot): not measured.
"$bin" serve >/dev/null 2>&1 & pid=$!; wait_ready; kill "$pid"; wait "$pid" 2>/dev/null || true
load() { # kind count
    python3 - "$port" "$1" "$2" "$secret" <<'PY'
import base64, http.client, sys
port, kind, n, secret = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
connection = http.client.HTTPConnection("127.0.0.1", port)
auth = "Basic " + base64.b64encode(f"m:{secret}".encode()).decode()
for _ in range(n):
    if kind == "client_credentials":
        connection.request("POST", "/token", "grant_type=client_credentials",
                           {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth})
    else:
        connection.request("GET", "/.well-known/openid-configuration")
    response = connection.getresponse(); response.read()
    assert response.status == 200, response.status
PY
}
total() { # on kind count: instructions of a whole server run
    PORTCULLIS_METRICS__ENABLED=$1 PORTCULLIS_RATE_LIMITS__ENABLED=$1 PORTCULLIS_RATE_LIMITS__TOKEN__PER_CLIENT=1000000000 \
        valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$bin" serve >/dev/null 2>/dev/null &
    local pid=$!
    wait_ready; load "$2" "$3"
    kill -INT "$pid"; wait "$pid" 2>/dev/null || true
    grep -E "^(summary|totals):" "$work/callgrind.out" | head -1 | awk '{ print $2 }'
}
for kind in client_credentials discovery; do
    for on in false true; do
        small=$(total "$on" "$kind" 500); large=$(total "$on" "$kind" 1500)
        echo "instructions $kind metrics_and_limits=$on per_request=$(( (large - small) / 1000 ))"
    done
done
