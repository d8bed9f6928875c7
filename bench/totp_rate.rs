//! TOTP verifications per second of one core: the check a sign-in's second step makes, for a
//! wrong code (the worst case: all three steps of the window are computed), for `BENCH_SECONDS`
//! (default 3). Prints one `RESULT {...}` line as the wrk scripts do (bench/run.sh records it).

use std::time::{Duration, Instant};

use portcullis::crypto::totp::TotpSecret;

fn main() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let secret = TotpSecret::generate();
    let now = 1_800_000_000_i64;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut checks: u64 = 0;
    let mut matched: u64 = 0;
    while Instant::now() < deadline {
        for i in 0..1_000_i64 {
            // Six digits that (almost never) match: every step of the window is computed.
            let code = format!("{:06}", (checks as i64 + i) % 1_000_000);
            if secret.matching_step(&code, now + i).is_some() {
                matched += 1;
            }
        }
        checks += 1_000;
    }
    let elapsed = started.elapsed();
    let rps = checks as f64 / elapsed.as_secs_f64();
    println!(
        "RESULT {{\"requests\":{checks},\"duration_us\":{},\"rps\":{rps:.1},\"p50_ms\":{:.4},\"p99_ms\":0,\"non_2xx\":0,\"socket_errors\":0,\"matched\":{matched}}}",
        elapsed.as_micros(),
        1000.0 / rps,
    );
}
