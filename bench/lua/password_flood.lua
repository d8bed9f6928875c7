-- A flood of wrong passwords through the password grant (first-party client, HTTP Basic);
-- BENCH_BASIC is base64(id:secret), BENCH_USER the targeted account. Most answers are 429.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.method = "POST"
wrk.path = "/token"
wrk.body = "grant_type=password&username=" .. os.getenv("BENCH_USER") .. "&password=not-the-password"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
-- BENCH_DELAY_MS paces each connection (60 connections at 3 ms: at most 20,000 requests/s).
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
function delay()
  return pause
end
