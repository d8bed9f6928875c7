-- A light probe (about 100 requests a second per connection): measures latency while something
-- else loads the server, without competing for the CPU itself.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
function delay()
  return 10
end
