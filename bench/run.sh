#!/usr/bin/env bash
# Portcullis load benchmarks, side by side with node-oidc-provider. See BENCHMARKS.md.
#
#   bench/run.sh [--quick] [--db sqlite|postgres] [--rounds N] [--no-peer]
#
# Builds the release binary, starts Portcullis on a fresh database, creates its clients and user
# through the CLI, seeds refresh tokens, runs every scenario with wrk (2 threads, 32 connections)
# alternating with the peer, then the full authorization-code flow (bench/flow.mjs), a mixed run
# for memory flatness and the scaling runs on 1M users and 1M refresh tokens, and writes
# bench/results/<db>.json and .md (medians of the rounds; --quick writes <db>-quick.* instead,
# which git ignores).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

quick=0; db=sqlite; rounds=3; peer=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --db) db="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        --no-peer) peer=0 ;;
        *) echo "usage: bench/run.sh [--quick] [--db sqlite|postgres] [--rounds N] [--no-peer]" >&2; exit 2 ;;
    esac
    shift
done
duration=12s; warmup=3s; per_round=100000; mixed_seconds=300; scale_rows=1000000; flow_concurrency=8; drain=20000
if [ "$quick" = 1 ]; then duration=2s; warmup=1s; rounds=1; per_round=20000; mixed_seconds=10; scale_rows=20000; drain=1000; fi
# Distinct tokens per round for each token-consuming scenario: enough for a whole run at over
# 8,000 requests per second (the fastest refresh measured here is about 6,000). A scenario that
# still ran out would repeat a token, get 400s and fail the run (see `record`).
seed=$(( per_round * rounds ))
threads=2; connections=32

if ! command -v wrk >/dev/null; then
    echo "installing wrk"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --locked -q --bin portcullis --example totp_rate
bin="$root/target/release/portcullis"

work=$(mktemp -d)
pids=()
pg_db=""
cleanup() {
    for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "$pg_db" ] && psql -q "${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" -c "drop database if exists $pg_db with (force)" || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

port=$(free_port)
hash_key=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
export PORTCULLIS_SECRETS__HASH_KEY="$hash_key"
export PORTCULLIS_KEYS__ENCRYPTION_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
export PORTCULLIS_LISTEN="127.0.0.1:$port" PORTCULLIS_ISSUER="http://127.0.0.1:$port"
export PORTCULLIS_SERVER__DATA_DIR="$work" RUST_LOG=warn
# The scenarios load one path from one loopback address, which the built-in rate limits would
# rightly refuse; they measure the paths themselves. The limits' own cost is measured apart
# (`limits_overhead`), with them on. LIMITS=on runs everything with the shipped limits.
if [ "${LIMITS:-off}" = off ]; then
    export PORTCULLIS_RATE_LIMITS__ENABLED=false
fi
# Mail goes to a loopback SMTP server that counts and forgets it (registrations, recoveries, the
# outbox drain).
sink_port=$(free_port)
python3 bench/smtp_sink.py "$sink_port" "$work/smtp_count" &
pids+=("$!")
export PORTCULLIS_EMAIL__SMTP_URL="smtp://127.0.0.1:$sink_port"
if [ "$db" = postgres ]; then
    admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    pg_db="portcullis_bench_$$"
    psql -q "$admin" -c "create database $pg_db"
    export DATABASE_URL="${admin%/*}/$pg_db"
    seed_target="$DATABASE_URL"
else
    export DATABASE_URL="sqlite://$work/portcullis.db"
    seed_target="$work/portcullis.db"
fi

"$bin" migrate >/dev/null
client() { "$bin" client create "$@"; }
es256=$(client --name "bench ES256" --client-id bench-es256 --grant-type client_credentials --scope api:read)
rs256=$(client --name "bench RS256" --client-id bench-rs256 --grant-type client_credentials --scope api:read --access-token-alg RS256)
app=$(client --name "bench first party" --client-id bench-app --first-party --grant-type password --grant-type refresh_token --grant-type authorization_code --redirect-uri https://app.example.com/cb)
# The same, with ES256 ID tokens instead of the RS256 default (an RSA signature costs ~200 µs).
app_es=$(client --name "bench ES256 ID tokens" --client-id bench-app-es --id-token-alg ES256 --first-party --grant-type refresh_token --redirect-uri https://app.example.com/cb)
basic() { printf '%s:%s' "$(echo "$1" | json '["client_id"]')" "$(echo "$1" | json '["client_secret"]')" | base64 -w0; }
es256_basic=$(basic "$es256"); rs256_basic=$(basic "$rs256"); app_basic=$(basic "$app"); app_es_basic=$(basic "$app_es")
password="Tangerine sky 1234"
user_id=$(echo "$password" | "$bin" user create --email bench@example.com --password-stdin | json '["id"]')
seed_refresh() { # count file [client]
    python3 bench/seed.py refresh --db "$seed_target" --count "$1" --hash-key "$hash_key" \
        --client-id "${3:-bench-app}" --user-id "$user_id" --out "$2"
}
seed_refresh "$seed" "$work/refresh_tokens.txt"
seed_refresh "$seed" "$work/refresh_es_tokens.txt" bench-app-es
seed_refresh "$seed" "$work/revoke_tokens.txt"
if [ "$db" = postgres ]; then
    # Rows for pgbench's copy of the refresh statements: one family, many tokens.
    psql -q "$DATABASE_URL" <<SQL
insert into grants (id, client_id, user_id, scope, auth_time, created_at, expires_at)
    values ('00000000-0000-4000-8000-000000000001', 'bench-app', '$user_id', 'openid offline_access', now(), now(), now() + interval '90 days');
insert into refresh_tokens (token_hash, grant_id, created_at, expires_at)
    select 'pgbench-' || i, '00000000-0000-4000-8000-000000000001', now(), now() + interval '14 days'
    from generate_series(1, $(( seed * 4 ))) as i;
SQL
fi

export BENCH_LUA="$root/bench/lua" BENCH_THREADS=$threads
results="$work/results.txt"; : >"$results"
now_ms() { date +%s%3N; }
rss_peak_between() { awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b && $2 > m { m = $2 } END { print m + 0 }' "$work/rss.txt"; }
failed() { # why: the run stops and writes no figures
    echo "bench/run.sh: $1; no figures written. The servers' last log lines:" >&2
    tail -n 5 "$work/portcullis.log" "$work/peer.log" >&2 2>/dev/null || true
    exit 1
}
record() { # server scenario started_ms "RESULT {...}"
    local server=$1 scenario=$2 started=$3 line=$4 peak=0 errors
    [ -n "$line" ] || failed "no result for $server $scenario"
    # Every response must be a success: a rate that counts errors measures nothing.
    errors=$(echo "${line#RESULT }" | json '["non_2xx"] + 0, end=" "'; echo "${line#RESULT }" | json '["socket_errors"] + 0')
    [ "$errors" = "0 0" ] || failed "$server $scenario answered with errors (non-2xx, socket: $errors)"
    [ "$server" = portcullis ] && peak=$(rss_peak_between "$started" "$(now_ms)")
    echo "$server $scenario ${line#RESULT }" | sed "s/}\$/,\"rss_peak_kb\":$peak}/" | tee -a "$results"
}
run() { # server scenario script url [env...]; WRK_T / WRK_C / WRK_D override threads / connections / duration
    local server=$1 scenario=$2 script=$3 url=$4; shift 4
    local started line
    started=$(now_ms)
    line=$(env "$@" wrk -t"${WRK_T:-$threads}" -c"${WRK_C:-$connections}" -d"${WRK_D:-$duration}" -s "bench/lua/$script" "$url" | grep '^RESULT ' || true)
    record "$server" "$scenario" "$started" "$line"
}
warm() { # script url [env...]: the same load for a moment, unrecorded, so no server is measured cold
    local script=$1 url=$2; shift 2
    env "$@" wrk -t"$threads" -c"$connections" -d"$warmup" -s "bench/lua/$script" "$url" >/dev/null
}
warm_in_round_1() { [ "$round" = 1 ] && warm "$@"; return 0; }
run_interleaved() { # kind concurrency: records <kind>_interleaved_known and _unknown
    local kind=$1 started out
    started=$(now_ms)
    out=$(BENCH_KNOWN=bench@example.com BENCH_PASSWORD="$password" BENCH_TAG="$kind-r$round" \
        node bench/known_unknown.mjs "$ours" "${duration%s}" "$2" "$kind")
    record portcullis "${kind}_interleaved_known" "$started" "$(echo "$out" | sed -n 's/^RESULT known /RESULT /p')"
    record portcullis "${kind}_interleaved_unknown" "$started" "$(echo "$out" | sed -n 's/^RESULT unknown /RESULT /p')"
}
pgbench_run() { # scenario script
    local tps
    tps=$(pgbench -n -M prepared -D rows=$(( seed * 4 )) -c "$connections" -j "$threads" -T "${duration%s}" -f "bench/pgbench/$2" "$DATABASE_URL" 2>/dev/null \
        | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -n 1)
    echo "pgbench $1 {\"requests\":0,\"duration_us\":0,\"rps\":$tps,\"p50_ms\":0,\"p99_ms\":0,\"non_2xx\":0,\"socket_errors\":0}" | tee -a "$results"
}

peer_port=""
if [ "$peer" = 1 ]; then
    peer_dir="$work/peer"; mkdir -p "$peer_dir"
    cp bench/peer/package.json bench/peer/server.mjs "$peer_dir/"
    (cd "$peer_dir" && npm install --no-audit --no-fund --silent >/dev/null)
    peer_port=$(free_port)
    (cd "$peer_dir" && PORT="$peer_port" CLIENT_SECRET=bench-secret NODE_ENV=production exec node server.mjs >"$work/peer.log" 2>&1) &
    pids+=("$!")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$peer_port/jwks" >/dev/null && break; sleep 0.1; done
    peer_basic() { printf '%s:bench-secret' "$1" | base64 -w0; }
    peer_opaque=$(curl -sf -u bench-opaque:bench-secret -d grant_type=client_credentials "http://127.0.0.1:$peer_port/token" | json '["access_token"]')
fi
theirs="http://127.0.0.1:$peer_port"
# The peer's scenarios, each run twice in a row: side by side with ours (series node), then
# alone (series node_alone) with Portcullis stopped (SIGSTOP: it holds its memory and connections
# but gets no CPU), so the pair is measured seconds apart on the same box.
peer_run() { # scenario
    local scenario=$1 script url args=()
    case "$scenario" in
        discovery) script=get.lua; url="$theirs/.well-known/openid-configuration" ;;
        jwks) script=get.lua; url="$theirs/jwks" ;;
        client_credentials_es256) script=client_credentials.lua; url="$theirs"; args=(BENCH_BASIC="$(peer_basic bench-es256)") ;;
        client_credentials_rs256) script=client_credentials.lua; url="$theirs"; args=(BENCH_BASIC="$(peer_basic bench-rs256)") ;;
        introspection) script=introspect.lua; url="$theirs"; args=(BENCH_BASIC="$(peer_basic bench-opaque)" BENCH_TOKEN="$peer_opaque" BENCH_PATH=/token/introspection) ;;
    esac
    warm_in_round_1 "$script" "$url" "${args[@]}"
    run node "$scenario" "$script" "$url" "${args[@]}"
    kill -STOP "$server_pid"
    run node_alone "$scenario" "$script" "$url" "${args[@]}"
    kill -CONT "$server_pid"
}

"$bin" serve >"$work/portcullis.log" 2>&1 &
server_pid=$!; pids+=("$server_pid")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
sleep 1
rss_idle=$(ps -o rss= -p "$server_pid" | tr -d ' ')

token_for() { curl -sf -u "$(echo "$1" | base64 -d)" -d "$2" "http://127.0.0.1:$port/token" | json '["access_token"]'; }
# Access tokens live 10 minutes: fetched afresh before each round, and checked to be active.
fresh_tokens() {
    cc_token=$(token_for "$es256_basic" grant_type=client_credentials)
    user_token=$(token_for "$app_basic" "grant_type=password&username=bench@example.com&password=$password&scope=openid")
    active=$(curl -sf -u "$(echo "$es256_basic" | base64 -d)" -d "token=$cc_token" "http://127.0.0.1:$port/introspect" | json '["active"]')
    [ "$active" = True ] || { echo "the introspection token is not active" >&2; exit 1; }
    curl -sf -o /dev/null -H "Authorization: Bearer $user_token" "http://127.0.0.1:$port/userinfo"
}

# RSS of our server ("<unix ms> <kB>"), sampled through the whole run; each scenario reports the
# peak within its own time window.
( while kill -0 "$server_pid" 2>/dev/null; do
    echo "$(date +%s%3N) $(ps -o rss= -p "$server_pid" | tr -d ' ')" >>"$work/rss.txt" || true; sleep 0.5
  done ) &
pids+=("$!")
flow_env=(BENCH_CLIENT_ID=bench-app BENCH_BASIC="$app_basic" BENCH_REDIRECT_URI=https://app.example.com/cb
          BENCH_USER=bench@example.com BENCH_PASSWORD="$password")
run_flow() { # the authorization-code flow at fixed concurrency
    local started line
    started=$(now_ms)
    line=$(env "${flow_env[@]}" node bench/flow.mjs "$ours" "${duration%s}" "$flow_concurrency" | grep '^RESULT ' || true)
    record portcullis authorization_code_flow "$started" "$line"
}
ours="http://127.0.0.1:$port"

load_start=$(cut -d' ' -f1 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
    echo "== round $round of $rounds"
    fresh_tokens
    ours_run() { # scenario script url [env...]: warmed in the first round (these consume nothing)
        local scenario=$1; shift
        warm_in_round_1 "$@"
        run portcullis "$scenario" "$@"
    }
    ours_run health_live get.lua "$ours/health/live"
    ours_run discovery get.lua "$ours/.well-known/openid-configuration"
    [ "$peer" = 1 ] && peer_run discovery
    ours_run jwks get.lua "$ours/jwks"
    [ "$peer" = 1 ] && peer_run jwks
    ours_run client_credentials_es256 client_credentials.lua "$ours" BENCH_BASIC="$es256_basic"
    [ "$peer" = 1 ] && peer_run client_credentials_es256
    ours_run client_credentials_rs256 client_credentials.lua "$ours" BENCH_BASIC="$rs256_basic"
    [ "$peer" = 1 ] && peer_run client_credentials_rs256
    ours_run introspection introspect.lua "$ours" BENCH_BASIC="$es256_basic" BENCH_TOKEN="$cc_token"
    [ "$peer" = 1 ] && peer_run introspection
    ours_run userinfo userinfo.lua "$ours" BENCH_TOKEN="$user_token"
    encoded_password=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$password")
    password_env=(BENCH_BASIC="$app_basic" BENCH_USER=bench@example.com BENCH_PASSWORD="$encoded_password")
    # One request at a time: the cost of one sign-in (one argon2id hash plus the rest).
    WRK_T=1 WRK_C=1 run portcullis password_single password.lua "$ours" "${password_env[@]}"
    # A 64-connection login storm, with a JWKS probe alongside: hashing must not stall the executor.
    WRK_T=1 WRK_C=2 run portcullis jwks_during_login_storm probe.lua "$ours/jwks" &
    probe=$!
    WRK_C=64 run portcullis password_grant password.lua "$ours" "${password_env[@]}"
    wait "$probe"
    # The authorization challenge endpoint's first step: the same password check, answered with
    # a code (the bench user has no second factor).
    WRK_C=64 run portcullis challenge_first_step challenge.lua "$ours" "${password_env[@]}"
    # Registration hashes the password once, for a new address and a taken one alike (the owner
    # of a taken one is mailed instead); 64 connections, as the login storm.
    registration_env=(BENCH_PASSWORD="$password" BENCH_TAG="r$round")
    WRK_C=64 run portcullis registration_new register.lua "$ours" "${registration_env[@]}"
    WRK_C=64 run portcullis registration_taken register.lua "$ours" "${registration_env[@]}" BENCH_EMAIL=bench@example.com
    # Recovery start answers before any lookup and never hashes.
    ours_run recovery_start_unknown recover.lua "$ours"
    ours_run recovery_start_known recover.lua "$ours" BENCH_EMAIL=bench@example.com
    # The same two comparisons with both kinds of address interleaved in one run, so they meet
    # the same load at the same moments: the p99s the enumeration target compares.
    run_interleaved registration 64
    run_interleaved recovery "$connections"
    # Each round uses a fresh slice of the seeded tokens.
    sed -n "$(( (round - 1) * per_round + 1 )),$(( round * per_round ))p" "$work/refresh_tokens.txt" >"$work/round_tokens.txt"
    run portcullis refresh_token refresh.lua "$ours" BENCH_BASIC="$app_basic" BENCH_TOKENS="$work/round_tokens.txt"
    sed -n "$(( (round - 1) * per_round + 1 )),$(( round * per_round ))p" "$work/refresh_es_tokens.txt" >"$work/round_tokens.txt"
    run portcullis refresh_token_es256_id refresh.lua "$ours" BENCH_BASIC="$app_es_basic" BENCH_TOKENS="$work/round_tokens.txt"
    # The same statements Portcullis runs for one refresh, straight from pgbench.
    [ "$db" = postgres ] && pgbench_run refresh_token refresh.sql
    sed -n "$(( (round - 1) * per_round + 1 )),$(( round * per_round ))p" "$work/revoke_tokens.txt" >"$work/round_tokens.txt"
    run portcullis revocation revoke.lua "$ours" BENCH_BASIC="$app_basic" BENCH_TOKENS="$work/round_tokens.txt"
    run_flow
done

# TOTP verification, CPU only: one core checking wrong codes (three HMAC-SHA-1 each).
record portcullis totp_verification "$(now_ms)" "$(BENCH_SECONDS="${duration%s}" "$root/target/release/examples/totp_rate" | grep '^RESULT ')"

# The outbox drain: once the mail of the scenarios above has left, $drain messages are queued
# at once (straight into the table) and timed from the first to the last one the SMTP server
# accepts.
sink_count() { cut -d' ' -f1 "$work/smtp_count" 2>/dev/null || echo 0; }
echo "== outbox drain, $drain messages"
settled=$(sink_count)
for _ in $(seq 1 600); do sleep 1; now_count=$(sink_count); [ "$now_count" = "$settled" ] && break; settled=$now_count; done
python3 bench/seed.py outbox --db "$seed_target" --count "$drain"
drain_line=$(python3 - "$work/smtp_count" "$settled" "$drain" <<'PY'
import json, sys, time
path, base, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def seen():
    try:
        value, at = open(path).read().split()
        return int(value) - base, float(at)
    except (OSError, ValueError):
        return 0, time.time()
deadline = time.time() + 600
first = None
while time.time() < deadline:
    n, at = seen()
    if n > 0 and first is None:
        first = (n, at)
    if n >= count:
        elapsed = max(at - first[1], 1e-3)
        rate = (n - first[0]) / elapsed
        print("RESULT " + json.dumps({"requests": n, "duration_us": int(elapsed * 1e6), "rps": round(rate, 1),
                                      "p50_ms": 0, "p99_ms": 0, "non_2xx": 0, "socket_errors": 0}))
        break
    time.sleep(0.05)
PY
)
record portcullis outbox_drain "$(now_ms)" "$drain_line"

# Memory flatness: several minutes of mixed traffic; RSS compared between its first minute and
# its end.
echo "== mixed run, ${mixed_seconds}s"
fresh_tokens
mixed_started=$(now_ms)
WRK_D="${mixed_seconds}s" run portcullis mixed mixed.lua "$ours" BENCH_BASIC="$es256_basic" BENCH_TOKEN="$cc_token" BENCH_USER_TOKEN="$user_token"
mixed_ended=$(now_ms)
settle=$(( mixed_started + (mixed_ended - mixed_started) / 5 ))
rss_mixed_early=$(rss_peak_between "$mixed_started" "$settle")
rss_mixed_late=$(rss_peak_between $(( mixed_ended - (mixed_ended - mixed_started) / 5 )) "$mixed_ended")

# Scaling: the same scenarios with 1M more users and 1M more refresh tokens in the database.
echo "== scaling: seeding $scale_rows users and $scale_rows refresh tokens"
python3 bench/seed.py users --db "$seed_target" --count "$scale_rows"
seed_refresh "$scale_rows" "$work/scale_tokens.txt"
[ "$db" = postgres ] && psql -q "$DATABASE_URL" -c "analyze"
fresh_tokens
head -n "$per_round" "$work/scale_tokens.txt" >"$work/round_tokens.txt"
run portcullis client_credentials_es256_at_scale client_credentials.lua "$ours" BENCH_BASIC="$es256_basic"
run portcullis introspection_at_scale introspect.lua "$ours" BENCH_BASIC="$es256_basic" BENCH_TOKEN="$cc_token"
run portcullis refresh_token_at_scale refresh.lua "$ours" BENCH_BASIC="$app_basic" BENCH_TOKENS="$work/round_tokens.txt"
# The admin API's user listing over the same users, as a service account holding the admin role:
# the first page, a filtered one (a prefix, a status and a role) and one halfway down the table
# (keyset: it should cost what the first does).
admin_client=$(client --name "bench admin" --client-id bench-admin --grant-type client_credentials --scope admin)
admin_basic=$(basic "$admin_client")
if [ "$db" = postgres ]; then
    psql -q "$DATABASE_URL" -c "insert into client_roles (client_id, role_name, created_at) values ('bench-admin', 'admin', now())"
else
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"insert into client_roles (client_id, role_name, created_at) values ('bench-admin', 'admin', strftime('%Y-%m-%dT%H:%M:%S.000000Z','now'))\"); c.commit()" "$seed_target"
fi
admin_token=$(token_for "$admin_basic" "grant_type=client_credentials&scope=admin")
deep_cursor=$(python3 bench/seed.py cursor --db "$seed_target" --hash-key "$hash_key" --position $(( scale_rows / 2 )))
for listing in "first_page:/admin/v1/users?limit=50" \
               "filtered:/admin/v1/users?q=seed12&status=active&role=user&limit=50" \
               "deep_page:/admin/v1/users?limit=50&cursor=$deep_cursor"; do
    curl -sf -o /dev/null -H "Authorization: Bearer $admin_token" "$ours${listing#*:}" \
        || failed "the admin listing ${listing%%:*} did not answer 200"
    run portcullis "admin_users_${listing%%:*}_at_scale" userinfo.lua "$ours" BENCH_TOKEN="$admin_token" BENCH_PATH="${listing#*:}"
done
load_end=$(cut -d' ' -f1 /proc/loadavg)
rss_peak=$(rss_peak_between 0 "$(now_ms)")

mkdir -p bench/results
name="$db"; [ "$quick" = 1 ] && name="$db-quick"
python3 bench/report.py "$results" --cores "$(nproc)" --db "$db" --quick "$quick" --rounds "$rounds" --duration "$duration" \
    --rss-idle-kb "$rss_idle" --rss-peak-kb "$rss_peak" --rss-mixed-early-kb "$rss_mixed_early" --rss-mixed-late-kb "$rss_mixed_late" \
    --mixed-seconds "$mixed_seconds" --scale-rows "$scale_rows" --load-start "$load_start" --load-end "$load_end" \
    --json "bench/results/$name.json" --markdown "bench/results/$name.md"
cat "bench/results/$name.md"
