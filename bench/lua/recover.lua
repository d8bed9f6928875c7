-- POST /api/v1/recoveries: a recovery start for an address nobody has (a new one each request),
-- or with BENCH_EMAIL for the same existing account every time. Both answer 202 before any
-- lookup; the lookup and the (paced) mail happen after the answer.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local fixed = os.getenv("BENCH_EMAIL")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local n = 0
function request()
  n = n + 1
  local email = fixed or string.format("nobody-%d-%d@recover.bench.example", id, n)
  local body = string.format('{"email":"%s","method":"code"}', email)
  return wrk.format("POST", "/api/v1/recoveries", {["Content-Type"] = "application/json"}, body)
end
