// Known against unknown addresses in one run: each of `concurrency` workers alternates a request
// for an address that has an account with one for an address that has none, so both kinds meet
// the same load at the same moments (two separate wrk runs meet different moments of a busy
// box, and at saturation their p99s differ by more than the target allows for identical work).
// Prints one RESULT line per kind, like the wrk scripts, with that kind's own p50 and p99:
// "RESULT known {...}" and "RESULT unknown {...}".
//
//   node bench/known_unknown.mjs <base url> <seconds> <concurrency> registration|recovery
//   env: BENCH_KNOWN (an address with an account), BENCH_PASSWORD (plain), BENCH_TAG
const [base, seconds, concurrency, kind] = [
  process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5],
];
const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const known = env("BENCH_KNOWN"), password = env("BENCH_PASSWORD");
const tag = process.env.BENCH_TAG ?? "k";

const request = (email) => kind === "registration"
  ? ["/api/v1/registrations", { email, password, name: "Bench Person" }]
  : ["/api/v1/recoveries", { email, method: "code" }];

const latencies = { known: [], unknown: [] };
const failures = { known: 0, unknown: 0 };
const deadline = performance.now() + seconds * 1000;
let started = 0;

async function worker(id) {
  let n = 0;
  while (performance.now() < deadline) {
    for (const which of n % 2 === 0 ? ["known", "unknown"] : ["unknown", "known"]) {
      const email = which === "known" ? known : `${tag}-${id}-${n}@unknown.bench.example`;
      const [path, body] = request(email);
      const at = performance.now();
      started += 1;
      const response = await fetch(new URL(path, base), {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      if (response.status !== 202) failures[which] += 1;
      latencies[which].push(performance.now() - at);
    }
    n += 1;
  }
}

const begin = performance.now();
await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
const elapsed = (performance.now() - begin) / 1000;
const quantile = (sorted, q) => sorted.length ? sorted[Math.floor(q * (sorted.length - 1))] : 0;
for (const which of ["known", "unknown"]) {
  const sorted = latencies[which].sort((a, b) => a - b);
  console.log(`RESULT ${which} ` + JSON.stringify({
    requests: sorted.length,
    duration_us: Math.round(elapsed * 1e6),
    rps: Number((sorted.length / elapsed).toFixed(1)),
    p50_ms: Number(quantile(sorted, 0.5).toFixed(3)),
    p99_ms: Number(quantile(sorted, 0.99).toFixed(3)),
    non_2xx: failures[which],
    socket_errors: 0,
  }));
}
