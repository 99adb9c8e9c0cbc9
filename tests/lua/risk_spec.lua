-- nt.risk against plain-Lua references of docs/risk.md's definitions (empirical quantile and
-- CVaR rule, normal closed form, Kupiec LR, Kelly, sample covariance) and its bad-input errors.
local nt = require "nt"
local risk = nt.risk

local Z99 = -2.3263478740408408 -- Phi^-1(0.01)

local function random_returns(n, seed, scale)
  local x, out = seed, {}
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    out[i] = (x / 2147483648 - 0.5) * (scale or 0.04) + 0.0003
  end
  return out
end

local function mean(x)
  local t = 0
  for _, v in ipairs(x) do t = t + v end
  return t / #x
end

local function cov(a, b)
  local ma, mb, t = mean(a), mean(b), 0
  for i = 1, #a do t = t + (a[i] - ma) * (b[i] - mb) end
  return t / (#a - 1)
end

-- docs/risk.md's quantile rule on a sorted copy: j = max(1, ceil(alpha n - 1e-7)),
-- VaR = -x_(j), CVaR = -(x_(1) + ... + x_(j-1) + (alpha n - (j - 1)) x_(j)) / (alpha n).
local function hist_var(x, c)
  local s = {}
  for i, v in ipairs(x) do s[i] = v end
  table.sort(s)
  local an = (1 - c) * #s
  local j = math.max(1, math.ceil(an - 1e-7))
  local sum = 0
  for i = 1, j - 1 do sum = sum + s[i] end
  return -s[j], -(sum + (an - (j - 1)) * s[j]) / an
end

local function compounded(x, h)
  local out = {}
  for t = 1, #x - h + 1 do
    local r = 0
    for k = t, t + h - 1 do r = r + x[k] * (1 + r) end
    out[t] = r
  end
  return out
end

-- erfc: 1 - erf by its Maclaurin series below 2 (no cancellation there), the Laplace
-- continued fraction exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) above.
local function erfc(x)
  if x < 2 then
    local term, sum, n = x, x, 0
    repeat
      n = n + 1
      term = -term * x * x / n
      local add = term / (2 * n + 1)
      sum = sum + add
    until math.abs(add) < 1e-17 * math.abs(sum)
    return 1 - 2 / math.sqrt(math.pi) * sum
  end
  local f = x
  for k = 200, 1, -1 do f = x + (k / 2) / f end
  return math.exp(-x * x) / math.sqrt(math.pi) / f
end

local function xlogy(x, y) if x == 0 then return 0 end return x * math.log(y) end

local function kupiec(n, x, p)
  local lr = -2 * (xlogy(n - x, 1 - p) + xlogy(x, p)) + 2 * (xlogy(n - x, 1 - x / n) + xlogy(x, x / n))
  return lr, erfc(math.sqrt(lr / 2))
end

describe("nt.risk.var", function()
  it("historical equals the sorted-returns rule of docs/risk.md", function()
    for seed = 1, 10 do
      local r = random_returns(100 + 37 * seed, seed)
      for _, c in ipairs({ 0.99, 0.975, 0.95, 0.9, 0.8, 0.75 }) do
        local v, cv = hist_var(r, c)
        local got = risk.var(r, { confidence = c })
        assert.equals(v, got.var)
        assert.near(cv, got.cvar, 1e-15)
        assert.equals(#r, got.observations)
        assert.equals("historical", got.method)
      end
    end
    -- The hand-worked cases: 10 returns at 80% and 75%.
    local r = { 0.01, -0.05, 0.02, -0.01, 0.03, -0.03, 0.0, 0.015, -0.02, 0.005 }
    local a = risk.var(r, { confidence = 0.8 })
    assert.near(0.03, a.var, 1e-15)
    assert.near(0.04, a.cvar, 1e-15)
    local b = risk.var(r, { confidence = 0.75 })
    assert.near(0.02, b.var, 1e-15)
    assert.near((0.05 + 0.03 + 0.5 * 0.02) / 2.5, b.cvar, 1e-15)
    -- 250 returns at 99%: the 3rd worst loss.
    local r250 = random_returns(250, 7)
    local s = {}
    for i, v in ipairs(r250) do s[i] = v end
    table.sort(s)
    assert.equals(-s[3], risk.var(r250).var)
  end)

  it("historical over a horizon uses overlapping compounded windows", function()
    local r = random_returns(300, 3)
    local v, cv = hist_var(compounded(r, 10), 0.99)
    local got = risk.var(r, { horizon = 10 })
    assert.near(v, got.var, 1e-15)
    assert.near(cv, got.cvar, 1e-15)
    assert.equals(291, got.observations)
  end)

  it("normal equals -(mu + z sigma) and -(mu - sigma phi(z) / alpha)", function()
    local r = random_returns(500, 11)
    local mu, sigma = mean(r), math.sqrt(cov(r, r))
    local phi = math.exp(-Z99 * Z99 / 2) / math.sqrt(2 * math.pi)
    local got = risk.var(r, { method = "normal", confidence = 0.99 })
    assert.near(-(mu + Z99 * sigma), got.var, 1e-14)
    assert.near(-(mu - sigma * phi / 0.01), got.cvar, 1e-14)
    assert.near(mu, got.mean, 1e-16)
    assert.near(sigma, got.stdev, 1e-16)
    local h = risk.var(r, { method = "normal", confidence = 0.99, horizon = 10 })
    assert.near(-(10 * mu + Z99 * sigma * math.sqrt(10)), h.var, 1e-14)
  end)

  it("CVaR >= VaR for every method, and a longer horizon gives a larger VaR", function()
    local r = random_returns(400, 5)
    for _, m in ipairs({ "historical", "age_weighted", "filtered", "normal", "cornish_fisher", "monte_carlo",
      "bootstrap" }) do
      local o = { method = m, sims = 20000, seed = 1 }
      local one = risk.var(r, o)
      assert.is_true(one.cvar >= one.var, m .. ": cvar >= var")
      o.horizon = 10
      local ten = risk.var(r, o)
      assert.is_true(ten.cvar >= ten.var, m .. " 10 days: cvar >= var")
      assert.is_true(ten.var > one.var, m .. ": 10-day VaR > 1-day VaR")
    end
  end)

  it("monte_carlo: same seed, same numbers; another seed, other numbers; close to normal", function()
    local r = random_returns(300, 9)
    local a = risk.var(r, { method = "monte_carlo", seed = 42, sims = 50000 })
    local b = risk.var(r, { method = "monte_carlo", seed = 42, sims = 50000 })
    local c = risk.var(r, { method = "monte_carlo", seed = 43, sims = 50000 })
    assert.same(a, b)
    assert.is_true(a.var ~= c.var and a.cvar ~= c.cvar)
    assert.equals(50000, a.observations)
    local n = risk.var(r, { method = "normal" })
    assert.near(n.var, a.var, 0.05 * n.var)
    local t = risk.var(r, { method = "monte_carlo", seed = 42, sims = 50000, dof = 5 })
    assert.is_true(t.method:find("student", 1, true) ~= nil, t.method)
  end)

  it("accepts nt.array and views", function()
    local r = random_returns(200, 2)
    assert.equals(risk.var(r).var, risk.var(nt.array(r)).var)
    local a = nt.array(random_returns(300, 2))
    local v = hist_var(random_returns(200, 2), 0.99)
    assert.equals(v, risk.var(a:slice(1, 200)).var)
  end)
end)

describe("nt.risk.portfolio_var", function()
  it("weights {1, 0} give the first asset's VaR, and a portfolio equals its return series", function()
    local a, b = random_returns(250, 1), random_returns(250, 2)
    local single = risk.var(a)
    local p = risk.portfolio_var({ 1, 0 }, { a, b })
    assert.equals(single.var, p.var)
    assert.equals(single.cvar, p.cvar)
    local mix = {}
    for i = 1, 250 do mix[i] = 0.3 * a[i] - 0.5 * b[i] end
    local v, cv = hist_var(mix, 0.99)
    local q = risk.portfolio_var({ 0.3, -0.5 }, { a, b })
    assert.near(v, q.var, 1e-15)
    assert.near(cv, q.cvar, 1e-15)
  end)
end)

describe("nt.risk.backtest", function()
  it("counts exceptions and equals the hand-computed Kupiec LR and p-value", function()
    local r = random_returns(500, 4)
    local f = {}
    for i = 1, 500 do f[i] = 0.0185 end
    local x = 0
    for i = 1, 500 do if -r[i] > f[i] then x = x + 1 end end
    local b = risk.backtest(r, f, 0.99)
    assert.equals(500, b.observations)
    assert.equals(x, b.exceptions)
    assert.near(0.01, b.expected_rate, 1e-15)
    assert.near(x / 500, b.observed_rate, 1e-15)
    local lr, p = kupiec(500, x, 0.01)
    assert.near(lr, b.kupiec_lr, 1e-12)
    assert.near(p, b.kupiec_p, 1e-12 * p)
    assert.near(b.kupiec_lr + b.christoffersen_lr, b.conditional_lr, 1e-12)
    assert.near(math.exp(-b.conditional_lr / 2), b.conditional_p, 1e-12)
  end)

  it("hand-worked: 2 exceptions in 100 days at 99%", function()
    local r, f = {}, {}
    for i = 1, 100 do r[i], f[i] = 0.001, 0.02 end
    r[10], r[60] = -0.03, -0.025
    local b = risk.backtest(r, f, 0.99)
    assert.equals(2, b.exceptions)
    local lr, p = kupiec(100, 2, 0.01)
    assert.near(lr, b.kupiec_lr, 1e-12)
    assert.near(p, b.kupiec_p, 1e-12)
    -- No exceptions: LR = -2 n ln(1 - p).
    for i = 1, 100 do r[i] = 0.001 end
    local z = risk.backtest(r, f, 0.99)
    assert.equals(0, z.exceptions)
    assert.near(-200 * math.log(0.99), z.kupiec_lr, 1e-12)
  end)
end)

describe("nt.risk covariance, correlation, volatility, beta", function()
  it("sample covariance (n - 1) equals a plain-Lua one", function()
    local cols = { random_returns(120, 1), random_returns(120, 2), random_returns(120, 3) }
    for k = 1, 120 do cols[3][k] = cols[3][k] + 0.5 * cols[1][k] end
    local c = risk.covariance(cols)
    for i = 1, 3 do
      for j = 1, 3 do assert.near(cov(cols[i], cols[j]), c[i][j], 1e-17) end
    end
    local rho = risk.correlation(c)
    for i = 1, 3 do assert.equals(1, rho[i][i]) end
    assert.near(c[1][3] / math.sqrt(c[1][1] * c[3][3]), rho[1][3], 1e-15)
    local lw, delta = risk.covariance(cols, { method = "ledoit_wolf" })
    assert.is_true(delta >= 0 and delta <= 1)
    assert.equals(3, #lw)
  end)

  it("ewma equals the normalised lambda^(n-1-t) weighted zero-mean covariance", function()
    local a, b = random_returns(60, 5), random_returns(60, 6)
    local lambda, n = 0.9, 60
    local s, w = 0, 0
    for t = 1, n do
      local wt = lambda ^ (n - t)
      s, w = s + wt * a[t] * b[t], w + wt
    end
    local c = risk.covariance({ a, b }, { method = "ewma", lambda = lambda })
    assert.near(s / w, c[1][2], 1e-17)
  end)

  it("volatility and beta", function()
    local a, m = random_returns(200, 7), random_returns(200, 8)
    for i = 1, 200 do a[i] = a[i] + 1.3 * m[i] end
    assert.near(math.sqrt(cov(a, a)), risk.volatility(a), 1e-16)
    assert.near(cov(a, m) / cov(m, m), risk.beta(a, m), 1e-13)
  end)
end)

describe("nt.risk Kelly", function()
  it("kelly(0.6, 1) = 0.2, fractional and capped", function()
    assert.near(0.2, risk.kelly(0.6, 1), 1e-15)
    assert.near(0.1, risk.kelly(0.6, 1, { fraction = 0.5 }), 1e-15)
    assert.near(0.15, risk.kelly(0.6, 1, { cap = 0.15 }), 1e-15)
    assert.near(-0.2, risk.kelly(0.4, 1), 1e-15)
    assert.near(-0.05, risk.kelly(0.4, 1, { cap = 0.05 }), 1e-15)
    -- p = 0.5, b = 2: (1 - 0.5) / 2 = 0.25
    assert.near(0.25, risk.kelly(0.5, 2), 1e-15)
  end)

  it("kelly from returns: p = share of gains, b = mean gain / |mean loss|", function()
    local r = { 0.02, -0.01, 0.03, -0.02, 0.01 }
    local p, b = 3 / 5, 0.02 / 0.015
    assert.near((p * b - (1 - p)) / b, risk.kelly(r), 1e-15)
    assert.near(0.5 * (p * b - (1 - p)) / b, risk.kelly(r, { fraction = 0.5 }), 1e-15)
    assert.near(1, risk.kelly({ 0.01, 0, 0.02, 0, 0.03 }), 1e-15) -- no losses: f = p = 1 (zeros are no losses)
    -- Zero returns are neither wins nor losses (before: counted as losses, biasing f down):
    -- wins 0.02, 0.03 (mean 0.025), losses 0.01, 0.02 (mean 0.015): p = 1/2, b = 5/3,
    -- f = (p b - (1 - p)) / b = (5/6 - 1/2) / (5/3) = 0.2.
    assert.near(0.2, risk.kelly({ 0.02, -0.01, 0, 0.03, 0, -0.02 }), 1e-15)
    assert.equals(0, risk.kelly({ 0, 0, 0 }))
    assert.near(-0.3, risk.kelly({ -0.01, -0.02 }, { cap = 0.3 }), 1e-15) -- no gains: -cap
  end)

  it("kelly_portfolio on a diagonal covariance is mu / var, scaled to max_leverage", function()
    local mu = { 0.001, 0.0005, -0.0002 }
    local var = { 0.0004, 0.0001, 0.0002 }
    local c = { { var[1], 0, 0 }, { 0, var[2], 0 }, { 0, 0, var[3] } }
    local raw, gross = {}, 0
    for i = 1, 3 do
      raw[i] = mu[i] / var[i]
      gross = gross + math.abs(raw[i])
    end
    local w = risk.kelly_portfolio(mu, c, { max_leverage = 100 })
    for i = 1, 3 do assert.near(raw[i], w[i], 1e-12) end
    local h = risk.kelly_portfolio(mu, c, { fraction = 0.5, max_leverage = 100 })
    for i = 1, 3 do assert.near(0.5 * raw[i], h[i], 1e-12) end
    local s = risk.kelly_portfolio(mu, c) -- max_leverage 1
    for i = 1, 3 do assert.near(raw[i] / gross, s[i], 1e-12) end
  end)

  it("log_growth is the mean of log(1 + w . r)", function()
    local a, b = random_returns(50, 1), random_returns(50, 2)
    local t = 0
    for i = 1, 50 do t = t + math.log(1 + 0.6 * a[i] + 0.4 * b[i]) end
    assert.near(t / 50, risk.log_growth({ 0.6, 0.4 }, { a, b }), 1e-15)
  end)
end)

describe("nt.risk bad input names the argument", function()
  local r = random_returns(100, 1)
  it("var", function()
    assert.has_error(function() risk.var(r, { confidence = 1.5 }) end, "'confidence'")
    assert.has_error(function() risk.var({}) end, "'returns'")
    assert.has_error(function() risk.var(r, { method = "garch" }) end, "'method'")
    assert.has_error(function() risk.var(r, { confidnce = 0.99 }) end, "confidnce")
    assert.has_error(function() risk.var(r, { horizon = 0 }) end, "horizon")
    assert.has_error(function() risk.var(r, { method = "monte_carlo", dof = 2 }) end, "'dof'")
    assert.has_error(function() risk.var(r, 0.99) end, "'opts'")
    -- lambda = 0 is an error, never silently the default (before: replaced by 0.98).
    assert.has_error(function() risk.var(r, { method = "filtered", lambda = 0 }) end, "'lambda'")
    assert.has_error(function() risk.var(r, { method = "age_weighted", lambda = 0 }) end, "'lambda'")
    assert.truthy(risk.var(r, { method = "filtered" }).method:find("lambda 0.94", 1, true), "filtered's default")
    assert.has_error(function() risk.var({ 0.01, 0 / 0 }) end, "'returns'")
  end)

  it("portfolio_var", function()
    local a, b = random_returns(100, 2), random_returns(100, 3)
    assert.has_error(function() risk.portfolio_var({ 1, 0, 0 }, { a, b }) end, "'weights'")
    assert.has_error(function() risk.portfolio_var({ 1, 0 }, { a, random_returns(99, 3) }) end, "series 2 has 99")
    -- A column that is another's multiple: singular for Monte Carlo, repaired on request.
    local c = {}
    for i = 1, 100 do c[i] = 2 * a[i] end
    local mc = { method = "monte_carlo", sims = 2000, seed = 1 }
    assert.has_error(function() risk.portfolio_var({ 0.5, 0.5 }, { a, c }, mc) end, "'returns'")
    mc.repair = true
    local v = risk.portfolio_var({ 0.5, 0.5 }, { a, c }, mc)
    assert.is_true(v.var > 0 and v.cvar >= v.var)
  end)

  it("backtest, covariance, kelly", function()
    assert.has_error(function() risk.backtest(r, { 0.02 }, 0.99) end, "'var'")
    assert.has_error(function() risk.backtest(r, r, 1.5) end, "'confidence'")
    assert.has_error(function() risk.covariance({ r }, { method = "robust" }) end, "'method'")
    assert.has_error(function() risk.kelly(1.5, 1) end, "nt.risk.kelly")
    assert.has_error(function() risk.kelly_portfolio({ 0.1, 0.1 }, { { 1, 1 }, { 1, 1 } }) end, "'covariance'")
    assert.has_error(function() risk.kelly_portfolio({ 0.1, 0.1 }, { { 1, 0 } }) end, "'covariance'")
    assert.has_error(function() risk.log_growth({ 1 }, { r, r }) end, "'weights'")
  end)

  it("options that are not numbers are named", function()
    assert.has_error(function() risk.kelly(0.6, 1, { cap = "x" }) end, "bad 'cap' argument")
    assert.has_error(function() risk.kelly_portfolio({ 0.1, 0.1 }, { { 1, 0 }, { 0, 1 } }, { fraction = "x" }) end,
      "bad 'fraction' argument")
  end)

  it("correlation of something else than a table of rows is named", function()
    assert.has_error(function() risk.correlation("x") end, "bad 'covariance' argument to nt.risk.correlation")
  end)

  it("unknown option keys are errors everywhere, as in var", function()
    assert.has_error(function() risk.kelly(0.6, 1, { fracton = 0.5 }) end, "bad option 'fracton' to nt.risk.kelly")
    assert.has_error(function() risk.covariance({ { 0.1, 0.2, 0.3 } }, { methd = "ewma" }) end,
      "bad option 'methd' to nt.risk.covariance")
    assert.has_error(function() risk.kelly_portfolio({ 0.1 }, { { 1 } }, { leverage = 2 }) end,
      "bad option 'leverage' to nt.risk.kelly_portfolio")
  end)
end)
