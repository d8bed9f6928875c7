# Shared by the stand-alone benchmark scripts (operations.sh, audit.sh): sourced after their
# arguments are read, with `db` set (sqlite or postgres) and `root` the repository. Installs wrk
# if missing, builds the release binary, and sets up a scratch folder, a port, fresh secrets and
# a fresh database ($DATABASE_URL, and $seed_target for bench/seed.py), all removed on exit;
# `start`-style helpers remain each script's own. Defines $bin, $work, $ours, $hash_key,
# `json` and `basic` (HTTP Basic credentials from `client create` output).
command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q --bin portcullis
bin="$root/target/release/portcullis"
work=$(mktemp -d); server_pid=""; pg_db=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    [ -n "$pg_db" ] && psql -q "${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" -c "drop database if exists $pg_db with (force)" || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
basic() { printf '%s:%s' "$(echo "$1" | json '["client_id"]')" "$(echo "$1" | json '["client_secret"]')" | base64 -w0; }
port=$(free_port); ours="http://127.0.0.1:$port"
hash_key=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
export PORTCULLIS_SECRETS__HASH_KEY="$hash_key"
export PORTCULLIS_KEYS__ENCRYPTION_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
export PORTCULLIS_LISTEN="127.0.0.1:$port" PORTCULLIS_ISSUER="$ours" PORTCULLIS_SERVER__DATA_DIR="$work" RUST_LOG=warn
export BENCH_LUA="$root/bench/lua"
if [ "$db" = postgres ]; then
    admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    pg_db="portcullis_bench_$$"; psql -q "$admin" -c "create database $pg_db"
    export DATABASE_URL="${admin%/*}/$pg_db"; seed_target="$DATABASE_URL"
else
    export DATABASE_URL="sqlite://$work/portcullis.db"; seed_target="$work/portcullis.db"
fi
"$bin" migrate >/dev/null
