-- The memory-flatness run: discovery, JWKS, client_credentials, introspection and userinfo in
-- turn, for minutes, so that any per-request leak shows as RSS growth.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local form = { ["Content-Type"] = "application/x-www-form-urlencoded",
               ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC") }
local requests = {
  wrk.format("GET", "/.well-known/openid-configuration"),
  wrk.format("GET", "/jwks"),
  wrk.format("POST", "/token", form, "grant_type=client_credentials"),
  wrk.format("POST", "/introspect", form, "token=" .. os.getenv("BENCH_TOKEN")),
  wrk.format("GET", "/userinfo", { ["Authorization"] = "Bearer " .. os.getenv("BENCH_USER_TOKEN") }),
}
local i = 0
function request()
  i = i + 1
  return requests[(i % #requests) + 1]
end
