-- The cost of the memory cap's counted allocator on Lua code that only makes tables:
--   build/ntrun exec bench/scripts/alloc_tables.lua   (counted: every ntrun state)
--   luajit bench/scripts/alloc_tables.lua             (LuaJIT's allocator, uncounted)
-- Prints the nanoseconds per table, the minimum of 5 rounds of 5M tables.
local best = math.huge
for _ = 1, 5 do
  local keep = {} -- luacheck: ignore 241 (kept so the tables live a while, as a strategy's would)
  local t0 = os.clock()
  for i = 1, 5e6 do keep[i % 1000 + 1] = { i, i + 1, x = i } end
  best = math.min(best, (os.clock() - t0) / 5e6 * 1e9)
end
print(string.format("%.1f ns per table (min of 5 rounds of 5M)", best))
