// The whole authorization-code flow at fixed concurrency, as a browser and its app would run it:
// GET /authorize → GET the login page → POST the sign-in form → follow to the redirect URI with a
// code → POST /token (PKCE). Each flow has its own cookie jar. Prints one RESULT line like the
// wrk scripts (one "request" = one complete flow).
//
//   node bench/flow.mjs <base url> <seconds> <concurrency>
//   env: BENCH_CLIENT_ID, BENCH_BASIC, BENCH_REDIRECT_URI, BENCH_USER, BENCH_PASSWORD (plain)
import { createHash, randomBytes } from "node:crypto";

const [base, seconds, concurrency] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const clientId = env("BENCH_CLIENT_ID"), basic = env("BENCH_BASIC"), redirectUri = env("BENCH_REDIRECT_URI");
const user = env("BENCH_USER"), password = env("BENCH_PASSWORD");
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

async function flow() {
  const cookies = new Map();
  const send = async (path, init = {}) => {
    const headers = { ...(init.headers ?? {}) };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(new URL(path, base), { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  const expect = async (response, status, step) => {
    if (response.status !== status) throw new Error(`${step}: ${response.status} ${await response.text()}`);
    return response;
  };
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash("sha256").update(verifier).digest());
  const state = b64url(randomBytes(16));
  const query = new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: redirectUri, scope: "openid",
    state, nonce: b64url(randomBytes(16)), code_challenge: challenge, code_challenge_method: "S256",
  });
  let response = await expect(await send(`/authorize?${query}`), 303, "authorize");
  const loginUrl = response.headers.get("location");
  response = await expect(await send(loginUrl), 200, "login page");
  const html = await response.text();
  const hidden = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];
  const form = new URLSearchParams({ csrf_token: hidden("csrf_token"), email: user, password });
  if (hidden("request")) form.set("request", hidden("request").replaceAll("&amp;", "&"));
  response = await expect(await send("/login", {
    method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" },
  }), 303, "sign-in");
  let next = response.headers.get("location");
  while (next.startsWith("/")) {
    response = await send(next);
    if (![302, 303].includes(response.status)) throw new Error(`following ${next}: ${response.status}`);
    next = response.headers.get("location");
  }
  const callback = new URL(next);
  if (callback.searchParams.get("state") !== state) throw new Error(`bad callback ${next}`);
  response = await expect(await fetch(new URL("/token", base), {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: callback.searchParams.get("code"),
      redirect_uri: redirectUri, code_verifier: verifier,
    }),
  }), 200, "token");
  const tokens = await response.json();
  if (!tokens.id_token || !tokens.access_token) throw new Error("no tokens");
}

const latencies = [];
let failures = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
async function worker() {
  while (performance.now() < deadline) {
    const t0 = performance.now();
    try {
      await flow();
      latencies.push(performance.now() - t0);
    } catch (error) {
      failures += 1;
      if (failures <= 3) console.error(String(error));
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = performance.now() - started;
latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
console.log("RESULT " + JSON.stringify({
  requests: latencies.length, duration_us: Math.round(elapsed * 1000),
  rps: latencies.length / (elapsed / 1000), p50_ms: pct(50), p99_ms: pct(99),
  non_2xx: failures, socket_errors: 0,
}));
