-- GET of the URL given to wrk (discovery, JWKS, health).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
