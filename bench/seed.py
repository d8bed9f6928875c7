#!/usr/bin/env python3
"""Seeds rows straight into a Portcullis database, fast, for the benchmarks.

refresh: N grants, each with one live refresh token; prints the plaintext tokens (one per line)
         to --out. Token hashes are HMAC-SHA-256 under the server's hash key, as the server
         computes them, so every token is valid.
users:   N users without passwords (the 1M-row scaling runs): one a second back in time, named,
         one in twenty suspended, each with a role (one in twenty a manager).
cursor:  the admin listing's cursor (created_at order) after the user at --position, signed with
         the server's hash key as the server signs it (the deep-page run).
outbox:  N messages due now in the mail outbox (the drain run).

PostgreSQL is fed with COPY through psql; SQLite with executemany in one transaction.
"""
import argparse, base64, datetime, hashlib, hmac, io, json, secrets, sqlite3, subprocess, sys, uuid


def token_hash(key: bytes, token: str) -> str:
    digest = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def stamp(moment: datetime.datetime) -> str:
    # The server's one SQLite form (src/store/timestamp.rs): fixed width, so text compares as time.
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def copy_postgres(url: str, table: str, columns: list, rows, quiet_triggers: bool = False) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    command = f"\\copy {table} ({', '.join(columns)}) from stdin"
    # Seeded role links need not bump versions or announce a million changes to the server.
    setup = ["-c", "set session_replication_role = replica"] if quiet_triggers else []
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, *setup, "-c", command],
                   input=buffer.getvalue(), text=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["refresh", "users", "outbox", "cursor"])
    parser.add_argument("--db", required=True, help="postgres://... or a SQLite file path")
    parser.add_argument("--count", type=int, help="rows to seed (all but cursor)")
    parser.add_argument("--hash-key", help="base64 hash key (refresh)")
    parser.add_argument("--client-id")
    parser.add_argument("--user-id")
    parser.add_argument("--out")
    parser.add_argument("--position", type=int)
    args = parser.parse_args()
    if args.what != "cursor" and args.count is None:
        parser.error("--count is needed")
    postgres = args.db.startswith("postgres")
    now = datetime.datetime.now(datetime.timezone.utc)
    if args.what == "users":
        rows, roles = [], []
        for i in range(args.count):
            uid = uuid.uuid4()
            key = str(uid) if postgres else uid.bytes
            at = stamp(now - datetime.timedelta(seconds=i))
            rows.append((key, f"seed{i}@bench.example", f"Seed Person {i}", None,
                         "suspended" if i % 20 == 0 else "active", at, at))
            roles.append((key, "manager" if i % 20 == 1 else "user", at))
        columns = ["id", "email", "name", "password_hash", "status", "created_at", "updated_at"]
        write(args.db, postgres, "users", columns, rows)
        write(args.db, postgres, "user_roles", ["user_id", "role_name", "created_at"], roles,
              quiet_triggers=True)
        return
    if args.what == "cursor":
        print(cursor(args.db, postgres, args.hash_key, args.position))
        return
    if args.what == "outbox":
        rows = []
        for i in range(args.count):
            mid = uuid.uuid4()
            rows.append((str(mid) if postgres else mid.bytes, "test", f"drain-{i}@bench.example",
                         "Mail from the benchmark", "A short message.", "<p>A short message.</p>",
                         stamp(now), 0, stamp(now)))
        columns = ["id", "kind", "recipient", "subject", "text_body", "html_body", "created_at",
                   "attempts", "next_attempt_at"]
        write(args.db, postgres, "mail_outbox", columns, rows)
        return
    key = base64.b64decode(args.hash_key + "=" * (-len(args.hash_key) % 4))
    user = uuid.UUID(args.user_id)
    grants, tokens, plaintext = [], [], []
    for _ in range(args.count):
        token = secrets.token_urlsafe(32)
        gid = uuid.uuid4()
        plaintext.append(token)
        g = str(gid) if postgres else gid.bytes
        grants.append((g, args.client_id, str(user) if postgres else user.bytes, "openid offline_access",
                       stamp(now), None, stamp(now), stamp(now + datetime.timedelta(days=90)), None))
        tokens.append((token_hash(key, token), g, stamp(now), stamp(now + datetime.timedelta(days=14)), None))
    write(args.db, postgres, "grants",
          ["id", "client_id", "user_id", "scope", "auth_time", "sid", "created_at", "expires_at", "revoked_at"], grants)
    write(args.db, postgres, "refresh_tokens", ["token_hash", "grant_id", "created_at", "expires_at", "consumed_at"], tokens)
    with open(args.out, "w") as out:
        out.write("\n".join(plaintext) + "\n")


def write(db: str, postgres: bool, table: str, columns: list, rows: list,
          quiet_triggers: bool = False) -> None:
    if postgres:
        copy_postgres(db, table, columns, rows, quiet_triggers)
        return
    connection = sqlite3.connect(db)
    with connection:
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"insert into {table} ({', '.join(columns)}) values ({marks})", rows)
    connection.close()


def cursor(db: str, postgres: bool, hash_key: str, position: int) -> str:
    """The listing cursor after the user at `position` in created_at, id order (src/admin/cursor.rs)."""
    query = ("select created_at, email, id from users where status <> 'deleted' "
             f"order by created_at, id limit 1 offset {position}")
    if postgres:
        # extract() is exact (numeric) on PostgreSQL 14 and later.
        exact = "(extract(epoch from created_at) * 1000000)::bigint, email"
        out = subprocess.run(["psql", "-Atq", "-F", "\t", db, "-c", query.replace("created_at, email", exact, 1)],
                             capture_output=True, text=True, check=True).stdout.strip()
        micros, email, uid = out.split("\t")
        nanos = int(micros) * 1000
        uid = uuid.UUID(uid)
    else:
        connection = sqlite3.connect(db)
        at, email, uid = connection.execute(query).fetchone()
        connection.close()
        moment = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        nanos = (int(moment.timestamp()) * 1_000_000 + moment.microsecond) * 1000
        uid = uuid.UUID(bytes=uid)
    payload = json.dumps({"s": "created_at", "t": nanos, "e": email, "i": str(uid)}, separators=(",", ":"))
    encoded = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode()
    key = base64.b64decode(hash_key + "=" * (-len(hash_key) % 4))
    return f"{encoded}.{token_hash(key, 'portcullis: user cursor v1:' + encoded)}"


if __name__ == "__main__":
    sys.exit(main())
