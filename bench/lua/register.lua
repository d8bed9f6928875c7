-- POST /api/v1/registrations: a new address every request (one argon2id hash each), or with
-- BENCH_EMAIL the same, already registered address every time (hashed all the same, so the two
-- cannot be told apart by timing).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local fixed = os.getenv("BENCH_EMAIL")
local password = os.getenv("BENCH_PASSWORD")
local tag = os.getenv("BENCH_TAG") or "r"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local n = 0
function request()
  n = n + 1
  local email = fixed or string.format("%s-%d-%d@register.bench.example", tag, id, n)
  local body = string.format('{"email":"%s","password":"%s","name":"Bench Person"}', email, password)
  return wrk.format("POST", "/api/v1/registrations", {["Content-Type"] = "application/json"}, body)
end
