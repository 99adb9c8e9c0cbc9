-- Specs of nt.test's matchers themselves: each one must be able to fail. NaN compares false
-- with everything, so a matcher written as "fail when the difference is too large" passes
-- vacuously on NaN; these specs pin the cases where it must fail instead.
local nan, inf = 0 / 0, math.huge

-- Runs fn, which calls one matcher, and returns the message of the failure it raised, or nil
-- when it passed. Failures are error tables { nt_test_failure = true, msg = ... }, which
-- has_error re-raises, so pcall is called directly here.
local function failure_of(fn)
  local ok, err = pcall(fn)
  if ok then return nil end
  assert.is_true(type(err) == "table" and err.nt_test_failure == true,
    "expected an assertion failure, got the error " .. tostring(err))
  return err.msg
end

local function fails(fn, text)
  local msg = failure_of(fn)
  assert.is_not_nil(msg, "expected the assertion to fail, it passed")
  if text then
    assert.truthy(msg:find(text, 1, true), "failure message " .. string.format("%q", msg) .. " lacks " .. text)
  end
end

local function passes(fn)
  local msg = failure_of(fn)
  assert.is_nil(msg, "expected the assertion to pass, it failed: " .. tostring(msg))
end

describe("assert.near", function()
  it("fails when the expected value is NaN, whatever the actual value", function()
    fails(function() assert.near(nan, 1, 1e-9) end, "is_nan")
    fails(function() assert.near(nan, nan, 1e-9) end, "the expected value must be a number")
    fails(function() assert.near(nan, inf, inf) end)
  end)

  it("fails when the actual value is NaN", function()
    fails(function() assert.near(1, nan, 1e-9) end, "got nan")
    fails(function() assert.near(1, nan, inf) end)
  end)

  it("fails when the tolerance is NaN, negative, missing or not a number", function()
    fails(function() assert.near(1, 1, nan) end, "the tolerance must be a number >= 0")
    fails(function() assert.near(1, 2, nan) end, "the tolerance")
    fails(function() assert.near(1, 1, -1e-9) end, "the tolerance")
    fails(function() assert.near(1, 1) end, "not nil")
    fails(function() assert.near(1, 1, "1e-9") end, "the tolerance")
  end)

  it("fails on values that are not numbers", function()
    fails(function() assert.near(nil, 1, 1e-9) end, "the expected value must be a number")
    fails(function() assert.near("1", 1, 1e-9) end, "the expected value must be a number")
    fails(function() assert.near(1, "1", 1e-9) end, "got \"1\"")
    fails(function() assert.near(1, nil, 1e-9) end, "got nil")
  end)

  it("passes within the tolerance and fails outside it", function()
    passes(function() assert.near(1, 1 + 1e-12, 1e-9) end)
    passes(function() assert.near(1, 1, 0) end)
    passes(function() assert.near(-2.5, -2.5 - 0.5, 0.5) end)
    fails(function() assert.near(1, 1 + 1e-6, 1e-9) end, "expected 1 +/- 1e-09, got 1.000001")
    fails(function() assert.near(1, 1 + 1e-12, 0) end)
  end)

  it("passes on equal infinities only", function()
    passes(function() assert.near(inf, inf, 1e-9) end)
    passes(function() assert.near(-inf, -inf, 0) end)
    fails(function() assert.near(inf, -inf, 1e-9) end)
    fails(function() assert.near(inf, 1e308, 1e300) end)
    fails(function() assert.near(1, inf, 1e-9) end)
  end)

  it("puts the caller's message first", function()
    fails(function() assert.near(nan, 1, 1e-9, "the VaR") end, "the VaR: assert.near")
    fails(function() assert.near(1, 2, 0.5, "the VaR") end, "the VaR: expected 1 +/- 0.5, got 2")
  end)
end)

describe("assert.equals", function()
  it("fails on NaN, and says why", function()
    fails(function() assert.equals(nan, nan) end, "NaN never equals itself: use assert.is_nan")
    fails(function() assert.equals(nan, 1) end)
    fails(function() assert.equals(1, nan) end, "expected 1, got nan")
  end)
end)

describe("assert.same", function()
  it("treats NaN as the same as NaN, in the same place only", function()
    passes(function() assert.same(nan, nan) end)
    passes(function() assert.same({ 1, nan, x = { nan } }, { 1, nan, x = { nan } }) end)
    fails(function() assert.same(nan, 1) end)
    fails(function() assert.same(1, nan) end)
    fails(function() assert.same({ 1, nan }, { 1, 2 }) end)
    fails(function() assert.same({ 1, 2 }, { 1, nan }) end)
    fails(function() assert.same({ x = nan }, { y = nan }) end)
  end)
end)

describe("assert.is_nan", function()
  it("passes on NaN only", function()
    passes(function() assert.is_nan(nan) end)
    fails(function() assert.is_nan(1) end, "expected NaN, got 1")
    fails(function() assert.is_nan(inf) end)
    fails(function() assert.is_nan(nil) end)
    fails(function() assert.is_nan("nan") end)
  end)
end)

describe("assert.trades", function()
  local trade = {
    symbol = "SPX", side = "long", entry_time = "2010-01-04T00:00:00Z", exit_time = "2010-02-01T00:00:00Z",
    quantity = 10, entry_price = 100, exit_price = 110, commission = 1, pnl = 99,
  }
  local function with(field, value)
    local t = {}
    for k, v in pairs(trade) do t[k] = v end
    t[field] = value
    return t
  end

  it("passes on equal trades", function()
    passes(function() assert.trades({ trade }, { with("pnl", 99 + 1e-9) }) end)
  end)

  it("fails when an expected price or pnl is NaN", function()
    fails(function() assert.trades({ with("entry_price", nan) }, { trade }) end, "is_nan")
    fails(function() assert.trades({ with("pnl", nan) }, { trade }) end, "is_nan")
    fails(function() assert.trades({ trade }, { with("exit_price", nan) }) end, "got nan")
  end)
end)

describe("error matchers and failed assertions inside them", function()
  it("has_error re-raises a failed assertion rather than counting it as the error", function()
    fails(function() assert.has_error(function() assert.equals(1, 2) end) end, "expected 1, got 2")
  end)

  it("error_matches does the same", function()
    fails(function() assert.error_matches(function() assert.equals(1, 2) end, ".*") end, "expected 1, got 2")
    fails(function() assert.error_matches(function() assert.near(nan, 1, 1) end, "table") end, "is_nan")
  end)

  it("both still match real errors and fail when nothing is raised", function()
    passes(function() assert.has_error(function() error("bad 'window' argument") end, "'window'") end)
    passes(function() assert.error_matches(function() error("bad 'window' argument") end, "bad '%a+'") end)
    fails(function() assert.has_error(function() end) end, "expected an error, none was raised")
    fails(function() assert.error_matches(function() end, ".") end, "expected an error, none was raised")
    fails(function() assert.error_matches(function() error("x") end, "^y") end, "expected an error matching")
  end)
end)

describe("assert(v)", function()
  it("fails on false and nil", function()
    fails(function() assert(false, "why") end, "why")
    fails(function() assert(nil) end, "assertion failed")
    passes(function() assert(0) end)
  end)
end)

describe("assert.completed and assert.trades", function()
  it("completed passes a completed run's report and fails with the run's first error", function()
    local ok = { exit_code = 0, status = "completed", errors = {} }
    passes(function() assert.equals(ok, assert.completed(ok)) end)
    fails(function() assert.completed({ exit_code = 1, status = "stopped", errors = { "strategy.lua:3: boom" } }) end,
      "strategy.lua:3: boom")
    fails(function() assert.completed({ exit_code = 0, status = "interrupted", errors = {} }) end, "interrupted")
  end)

  it("trades compares exit_reason where the expected trade gives one", function()
    local t = { symbol = "X", side = "long", entry_time = "a", exit_time = "b", quantity = 1, entry_price = 1,
      exit_price = 2, commission = 0, pnl = 1, exit_reason = "stop_loss" }
    local g = {}
    for k, v in pairs(t) do g[k] = v end
    passes(function() assert.trades({ t }, { g }) end)
    g.exit_reason = "take_profit"
    fails(function() assert.trades({ t }, { g }) end, "take_profit")
    t.exit_reason = nil
    passes(function() assert.trades({ t }, { g }) end)
  end)
end)
