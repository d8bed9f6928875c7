-- Distinct pre-issued tokens for scripts that must never send one twice: each wrk thread takes
-- every n-th line of BENCH_TOKENS. A thread that runs out repeats its last token.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  tokens = {}
  local i = 0
  local stride = tonumber(os.getenv("BENCH_THREADS") or "2")
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if i % stride == id then table.insert(tokens, line) end
    i = i + 1
  end
  position = 0
end
function next_token()
  position = position + 1
  return tokens[position] or tokens[#tokens]
end
