-- Specs of how the host fails: strategy errors (runtime, syntax, undefined globals), bundle.lua
-- problems, the strategy sandbox, and bad CSV rows. Fixtures: tests/lua/fixtures/.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/"
local DATA = FIX .. "data/"

local function run(bundle, opts) return nt.backtest.run(FIX .. bundle, opts) end

local function contains(haystack, needle, what)
  if not tostring(haystack):find(needle, 1, true) then
    error(string.format("%s: %q does not contain %q", what or "text", tostring(haystack), needle), 2)
  end
end


describe("a wrong argument to a ctx method", function()
  -- Before: a bare "stack traceback:" with the message lost (a tail call moved the error's
  -- position into the host's runner, whose lines the host strips).
  for case, want in pairs({
    quantity_string = "strategy.lua:4: bad 'quantity' argument to ctx:buy: number expected (got string)",
    swapped = "strategy.lua:5: bad 'quantity' argument to ctx:buy: number expected (got string)",
    bad_tif = "strategy.lua:6: bad 'tif' option to ctx:sell: must be gtc, day, ioc or fok (got forever)",
  }) do
    it("keeps its message and the strategy's file:line (" .. case .. ")", function()
      local r = run("err_args/" .. case)
      assert.equals(1, r.exit_code)
      assert.contains(r.errors[1], want, "errors[1]")
      assert.contains(r.errors[1], "stack traceback:", "errors[1]")
    end)
  end
end)

describe("a Lua error in a callback", function()
  it("stops the run with exit code 1, the file:line and a traceback", function()
    local r = run("err_on_bar")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: strategy error in strategy.lua", r.status)
    assert.equals("stopped: strategy error in strategy.lua", nt.json.decode(r.json).status)
    assert.equals(1, #r.errors, "one error; on_stop does not run after it")
    contains(r.errors[1], "strategy.lua:10: boom on 2024-01-03", "errors[1]")
    contains(r.errors[1], "stack traceback", "errors[1]")
  end)

  it("keeps what happened before the error in the report", function()
    local r = run("err_on_bar")
    assert.equals(3, #r.equity, "equity points up to the error (01-01 .. 01-03)")
    assert.equals("2024-01-03T00:00:00Z", r.equity[3].time)
    assert.equals(10020, r.equity[2].equity, "10 bought at 100 on 01-02, marked at 102")
    assert.equals(9960, r.equity[3].equity, "marked at 96 on 01-03")
    assert.equals(9960, r.metrics.final_equity)
    assert.equals(2, r.metrics.num_orders)
    assert.equals(1, r.metrics.num_fills)
    assert.same({}, r.warnings, "the resting order was canceled when the strategy stopped")
  end)

  it("names an undefined global read in on_bar", function()
    local r = run("err_global_bar")
    assert.equals(1, r.exit_code)
    contains(r.errors[1], "strategy.lua:4: undefined global 'postion'", "errors[1]")
  end)
end)

describe("a strategy that does not load", function()
  it("raises from nt.backtest.run with file:line on a syntax error", function()
    local err = assert.has_error(function() run("err_syntax") end, "err_syntax/strategy.lua:3:")
    contains(err, "near '='")
  end)

  it("raises naming an undefined global read at load time", function()
    assert.has_error(function() run("err_global_load") end,
      "err_global_load/strategy.lua:2: undefined global 'fast_windw'")
  end)
end)

describe("bundle.lua problems", function()
  local cases = {
    { "unknown_key", "bundle.lua: unknown key 'capitol' (did you mean 'capital'? allowed: agents, capital," },
    { "missing_strategy", "bundle.lua: 'strategy': file '" },
    { "missing_strategy", "no_such_strategy.lua' not found" },
    { "missing_data", "bundle.lua: 'data[1].file': file '" },
    { "missing_data", "no_such_bars.csv' not found" },
    { "capital_type", "bundle.lua: 'capital': expected number, got string" },
    { "data_type", "bundle.lua: 'data': expected table, got string" },
    { "short_type", "bundle.lua: 'limits.allow_short': expected boolean, got string" },
    { "slippage_model", "bundle.lua: 'slippage.model': must be one of none, fixed, percentage, volume (got 'magic')" },
    { "no_symbol", "bundle.lua: 'data[1]': an ohlcv file holds one symbol" },
    { "endless", "bundle.lua: took more than 10000000 instructions (an endless loop?)" },
    { "no_return", "bundle.lua: must return a table (got nil)" },
    { "syntax", "syntax/bundle.lua:3:" },
    { "uses_io", "uses_io/bundle.lua:2: attempt to index global 'io'" },
    { "duplicate_symbol", "bundle.lua: symbol 'AAA' is declared twice" },
    { "description_type", "bundle.lua: 'description': expected string, got number" },
    { "empty_symbol", "bundle.lua: 'data[1].symbol': must not be empty" },
    { "nul_path", "bundle.lua: 'data[1].file': must not hold control characters" },
    { "seed_big", "bundle.lua: 'seed': must be a whole number in 0..2^53 (got 1.844674407371e+19)" },
    { "pattern_bomb", "bundle.lua: string.find (with a pattern) is not available in bundle.lua" },
    { "method_pattern", "bundle.lua: string.match is not available in bundle.lua" },
    { "rep_bomb", "bundle.lua: string.rep of more than 1000000 bytes in bundle.lua" },
    { "sandbox_key", "bundle.lua: 'sandbox': unknown key 'memory' (allowed: callback_ms, memory_mb)" },
    { "callback_ms", "bundle.lua: 'sandbox.callback_ms': must be between 10 and 3600000 (milliseconds; got 1)" },
    { "trusted_type", "bundle.lua: 'trusted': expected boolean, got string" },
  }
  for _, c in ipairs(cases) do
    it(c[1] .. " raises: " .. c[2], function()
      assert.has_error(function() run("bad_bundles/" .. c[1]) end, c[2])
    end)
  end

  it("a folder without bundle.lua raises", function()
    assert.has_error(function() run("no_such_bundle") end,
      "no_such_bundle/bundle.lua: no such file (a bundle is a folder with a bundle.lua)")
  end)
end)

describe("the strategy sandbox", function()
  it("keeps io, os, debug, ffi, load and friends out of reach (checked in the strategy)", function()
    local r = run("sandbox")
    assert.equals(0, r.exit_code, r.errors[1])
  end)

  it("string.dump is out of reach, also through the string metatable (fixture bug_string_meta)", function()
    local r = run("bug_string_meta")
    assert.equals(0, r.exit_code, r.errors[1])
  end)
end)

describe("bad CSV rows", function()
  local cases = {
    { "bad_high_low", "bad_high_low.csv:4: bad row: high < low (high=92, low=93)", 2 },
    { "bad_dates", "bad_dates.csv:5: bad row: timestamp not strictly increasing", 3 },
    { "bad_number", "bad_number.csv:4: bad row: bad number in column 'close': \"9x6\"", 2 },
  }
  for _, c in ipairs(cases) do
    local file, message, good_before = c[1], c[2], c[3]

    it(file .. " stops the run with file:line", function()
      local r = run("csv_probe", { data = DATA .. file .. ".csv" })
      assert.equals(1, r.exit_code)
      assert.equals("stopped: data error", r.status)
      contains(r.errors[1], message, "errors[1]")
      assert.truthy(#r.equity >= 1 and #r.equity <= good_before, "equity points before the bad row")
      assert.equals("2024-01-01T00:00:00Z", r.equity[1].time)
    end)

    it(file .. " with skip_bad_rows = true is skipped and listed in the warnings", function()
      local r = run("csv_probe", { data = DATA .. file .. ".csv", skip_bad_rows = true })
      assert.equals(0, r.exit_code, r.errors[1])
      assert.equals(1, #r.warnings)
      contains(r.warnings[1], message, "warnings[1]")
      assert.equals(4, #r.equity, "4 good rows of 5")
    end)
  end

  it("a bad first row stops the run before any bar, with file:line", function()
    local bad = run("csv_probe", { data = DATA .. "bad_first_row.csv" })
    assert.equals(1, bad.exit_code)
    assert.equals(0, #bad.equity)
    contains(bad.errors[1], "bad_first_row.csv:2: bad row: bad number in column 'close'", "errors[1]")
    local r = run("csv_probe", { data = DATA .. "bad_first_row.csv", skip_bad_rows = true })
    assert.equals(0, r.exit_code)
    assert.equals(2, #r.equity)
  end)

  it("a data file given as an option replaces the bundle's own, which need not exist", function()
    local r = run("missing_data", { data = DATA .. "aaa.csv" })
    assert.equals(0, r.exit_code, r.errors[1])
    assert.has_error(function() run("missing_data") end, "'data[1].file': file '")
  end)

  it("a missing data file given as an option raises naming it", function()
    assert.has_error(function() run("csv_probe", { data = DATA .. "nope.csv" }) end,
      "--data: file '" .. DATA .. "nope.csv' not found (it replaces data[1].file)")
  end)

  it("a data error keeps the last good bar in the report: with bad_high_low.csv (bad line 4) the "
    .. "01-02 bar is matched (the buy fills at 100) and its equity point is kept", function()
    local r = run("csv_probe", { data = DATA .. "bad_high_low.csv" })
    assert.equals(2, #r.equity)
    assert.equals(100020, r.metrics.final_equity)
  end)
end)
