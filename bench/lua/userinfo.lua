-- GET /userinfo with one bearer token.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.path = os.getenv("BENCH_PATH") or "/userinfo"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
