#!/usr/bin/env python3
"""Turns bench/run.sh's raw wrk lines into medians, ratios to the peer, JSON and a Markdown table."""
import argparse, json, statistics
from collections import defaultdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    for name in ["--cores", "--db", "--quick", "--rounds", "--duration", "--rss-idle-kb", "--rss-peak-kb",
                 "--rss-mixed-early-kb", "--rss-mixed-late-kb", "--mixed-seconds", "--scale-rows",
                 "--load-start", "--load-end", "--json", "--markdown"]:
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    runs = defaultdict(list)
    for line in open(args.raw):
        server, scenario, payload = line.split(" ", 2)
        runs[(server, scenario)].append(json.loads(payload))
    medians = {}
    for (server, scenario), samples in runs.items():
        medians.setdefault(scenario, {})[server] = {
            key: statistics.median(s[key] for s in samples)
            for key in ["rps", "p50_ms", "p99_ms"]
        } | {
            "non_2xx": sum(s["non_2xx"] for s in samples),
            "socket_errors": sum(s["socket_errors"] for s in samples),
            "rounds": len(samples),
            "rss_peak_mb": round(max(s.get("rss_peak_kb", 0) for s in samples) / 1024, 1),
        }
    ceiling = medians.get("health_live", {}).get("portcullis", {}).get("rps")
    # argon2 limit: cores / the time of one sign-in measured alone, in the same run.
    single = medians.get("password_single", {}).get("portcullis")
    storm = medians.get("password_grant", {}).get("portcullis")
    if single and storm and single["p50_ms"]:
        limit = int(args.cores) / (single["p50_ms"] / 1000)
        storm["argon2_limit_rps"] = round(limit, 1)
        storm["share_of_argon2_limit"] = round(storm["rps"] / limit, 2)
    if single and single["p50_ms"]:
        limit = int(args.cores) / (single["p50_ms"] / 1000)
        for scenario in ["registration_new", "registration_taken", "challenge_first_step"]:
            ours_registration = medians.get(scenario, {}).get("portcullis")
            if ours_registration:
                ours_registration["argon2_limit_rps"] = round(limit, 1)
                ours_registration["share_of_argon2_limit"] = round(ours_registration["rps"] / limit, 2)
    # Known against unknown addresses: the p99 of one over the other's (1.0 = alike).
    for known, unknown in [("registration_taken", "registration_new"),
                           ("recovery_start_known", "recovery_start_unknown"),
                           ("registration_interleaved_known", "registration_interleaved_unknown"),
                           ("recovery_interleaved_known", "recovery_interleaved_unknown")]:
        a, b = medians.get(known, {}).get("portcullis"), medians.get(unknown, {}).get("portcullis")
        if a and b and b["p99_ms"]:
            a["p99_to_unknown"] = round(a["p99_ms"] / b["p99_ms"], 3)
    raw = medians.get("refresh_token", {}).get("pgbench")
    for scenario in ["refresh_token", "refresh_token_es256_id"]:
        ours_refresh = medians.get(scenario, {}).get("portcullis")
        if raw and ours_refresh and raw["rps"]:
            ours_refresh["share_of_pgbench"] = round(ours_refresh["rps"] / raw["rps"], 2)
            ours_refresh["pgbench_rps"] = raw["rps"]
    # Scaling: the same scenario on the loaded database, against the run's own median.
    for scenario, servers in medians.items():
        ours = servers.get("portcullis")
        base = medians.get(scenario.removesuffix("_at_scale"), {}).get("portcullis")
        if scenario.endswith("_at_scale") and ours and base and base["rps"]:
            ours["share_of_base"] = round(ours["rps"] / base["rps"], 2)
    for scenario, servers in medians.items():
        ours, peer, alone = servers.get("portcullis"), servers.get("node"), servers.get("node_alone")
        if ours and peer and peer["rps"]:
            ours["ratio_to_node"] = round(ours["rps"] / peer["rps"], 2)
            # Round by round: each of our runs against the peer's run right after it.
            ratios = [o["rps"] / p["rps"] for o, p in zip(runs[("portcullis", scenario)], runs[("node", scenario)])]
            ours["ratio_to_node_range"] = [round(min(ratios), 2), round(max(ratios), 2)]
        if peer and alone and alone["rps"]:
            # The peer side by side against the same peer with nothing else running.
            peer["share_of_alone"] = round(peer["rps"] / alone["rps"], 3)
        if ours and ceiling:
            ours["share_of_health_live"] = round(ours["rps"] / ceiling, 2)
    result = {
        "db": args.db, "quick": args.quick == "1", "rounds": int(args.rounds), "duration": args.duration,
        "wrk": {"threads": 2, "connections": 32},
        "rss_kb": {"idle": int(args.rss_idle_kb), "peak": int(args.rss_peak_kb),
                   "mixed_first_fifth_peak": int(args.rss_mixed_early_kb),
                   "mixed_last_fifth_peak": int(args.rss_mixed_late_kb)},
        "mixed_seconds": int(args.mixed_seconds), "scale_rows": int(args.scale_rows),
        "load_average": {"start": float(args.load_start), "end": float(args.load_end)},
        "scenarios": medians,
    }
    with open(args.json, "w") as out:
        json.dump(result, out, indent=2)
    rows = [
        f"Database: {args.db}; wrk 2 threads, 32 connections, {args.duration} per run, median of {args.rounds} round(s).",
        f"Portcullis RSS: {int(args.rss_idle_kb) // 1024} MB idle, {int(args.rss_peak_kb) // 1024} MB peak over the whole run; "
        f"in the {args.mixed_seconds}s mixed run {int(args.rss_mixed_early_kb) / 1024:.1f} MB peak in its first fifth, "
        f"{int(args.rss_mixed_late_kb) / 1024:.1f} MB in its last. Load average {args.load_start} → {args.load_end}. "
        f"Scaling runs (`*_at_scale`) after seeding {int(args.scale_rows):,} users and {int(args.scale_rows):,} refresh tokens. "
        "Every server was warmed before it was measured; no run had a non-2xx response or a socket error (the harness stops otherwise). "
        "node-oidc-provider is measured twice in a row: side by side with Portcullis (right after our run of the scenario) and alone (Portcullis stopped with SIGSTOP); "
        "the ratio is the median's, with the range of the rounds' own ratios.",
        "",
        "| scenario | Portcullis req/s | p50 ms | p99 ms | peak RSS MB | node-oidc-provider req/s (side by side / alone) | ratio (rounds' range) | against the limit |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    # In the order Portcullis ran them.
    order = list(dict.fromkeys(scenario for server, scenario in runs if server == "portcullis"))
    for scenario in order:
        servers = medians[scenario]
        ours, peer, alone = servers["portcullis"], servers.get("node"), servers.get("node_alone")
        limit = ""
        if "share_of_health_live" in ours and scenario != "health_live":
            limit = f"{ours['share_of_health_live']:.0%} of /health/live"
        if "share_of_argon2_limit" in ours:
            limit = f"{ours['share_of_argon2_limit']:.0%} of argon2 limit ({ours['argon2_limit_rps']:.0f}/s)"
        if "share_of_pgbench" in ours:
            limit = f"{ours['share_of_pgbench']:.0%} of pgbench ({ours['pgbench_rps']:,.0f} tps)"
        if "share_of_base" in ours:
            limit = f"{ours['share_of_base']:.0%} of {scenario.removesuffix('_at_scale')}"
        if scenario == "authorization_code_flow":
            limit = "complete flows per second (8 at a time)"
        if "p99_to_unknown" in ours:
            limit += f"; p99 {ours['p99_to_unknown']:.2f}× the unknown addresses'"
        if scenario == "outbox_drain":
            limit = "mails per second into a loopback SMTP server"
        if scenario == "totp_verification":
            limit = "wrong codes checked per second on one core (no HTTP)"
        if scenario.startswith("admin_users_"):
            limit = "a page of 50; target p99 ≤ 10 ms"
            first = medians.get("admin_users_first_page_at_scale", {}).get("portcullis")
            if scenario == "admin_users_deep_page_at_scale" and first and first["p99_ms"]:
                limit += f"; p99 {ours['p99_ms'] / first['p99_ms']:.2f}× the first page's"
        peer_cell, ratio_cell = "—", "—"
        if peer:
            peer_cell = f"{peer['rps']:,.0f}"
            if alone:
                peer_cell += f" / {alone['rps']:,.0f} ({peer['share_of_alone'] - 1:+.0%})"
            low, high = ours["ratio_to_node_range"]
            ratio_cell = f"{ours['ratio_to_node']:.2f}× ({low:.2f}–{high:.2f})"
        rows.append(
            f"| {scenario} | {ours['rps']:,.0f} | {ours['p50_ms']:.2f} | {ours['p99_ms']:.2f} | "
            f"{ours['rss_peak_mb']:.0f} | {peer_cell} | {ratio_cell} | {limit} |"
        )
    with open(args.markdown, "w") as out:
        out.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
