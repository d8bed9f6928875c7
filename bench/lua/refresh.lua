-- POST /token grant_type=refresh_token, a distinct pre-issued token per request: each wrk thread
-- takes every n-th line of BENCH_TOKENS. A thread that runs out sends nothing further.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  tokens = {}
  local i = 0
  local stride = tonumber(os.getenv("BENCH_THREADS") or "2")
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if i % stride == id then table.insert(tokens, line) end
    i = i + 1
  end
  next_token = 1
end
function request()
  local token = tokens[next_token]
  if token == nil then
    token = tokens[#tokens]
  end
  next_token = next_token + 1
  return wrk.format("POST", "/token", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
  }, "grant_type=refresh_token&refresh_token=" .. token)
end
