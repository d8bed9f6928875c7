-- POST /token grant_type=refresh_token, a distinct pre-issued token per request (tokens.lua).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
dofile(os.getenv("BENCH_LUA") .. "/tokens.lua")
function request()
  return wrk.format("POST", "/token", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
  }, "grant_type=refresh_token&refresh_token=" .. next_token())
end
