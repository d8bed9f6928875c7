-- POST /token grant_type=client_credentials with HTTP Basic; BENCH_BASIC is base64(id:secret).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/token"
wrk.body = "grant_type=client_credentials" .. (os.getenv("BENCH_EXTRA") or "")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
