-- POST /revoke, a distinct live refresh token per request (each revocation ends a whole family):
-- each wrk thread takes every n-th line of BENCH_TOKENS, as refresh.lua does.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
dofile(os.getenv("BENCH_LUA") .. "/tokens.lua")
function request()
  return wrk.format("POST", "/revoke", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
  }, "token_type_hint=refresh_token&token=" .. next_token())
end
