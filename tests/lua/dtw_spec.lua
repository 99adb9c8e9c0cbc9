-- Specs of nt.dtw (scripts/nt/dtw.lua over compute/dtw): every function against a naive
-- full-matrix DTW, path, z-normalisation and brute-force k-best walk written below in plain Lua
-- from docs/dtw.md and docs/dtw_search.md, on many random cases (tables, nt.arrays and series
-- views), plus hand-worked values and every bad argument.
local nt = require "nt"

local INF = math.huge

-- Deterministic data (no math.random): Park-Miller's minimal standard generator, exact in doubles.
local function rng(seed)
  local s = seed
  return function(lo, hi) -- an integer in [lo, hi], or a float in [0, 1) without arguments
    s = (s * 16807) % 2147483647
    if lo then return lo + s % (hi - lo + 1) end
    return s / 2147483647
  end
end

local function walk(r, n, step)
  local out, x = {}, (r() - 0.5) * 20
  for i = 1, n do
    x = x + (r() - 0.5) * (step or 2)
    out[i] = x
  end
  return out
end

-- The recurrence of docs/dtw.md over the whole (n+1) x (m+1) matrix. band nil or < 0: none.
-- Returns the distance and the matrix D (D[i][j], 0-based borders at +inf).
local function naive_matrix(a, b, cost, band)
  local n, m = #a, #b
  local D = {}
  for i = 0, n do
    local row = {}
    for j = 0, m do row[j] = INF end
    D[i] = row
  end
  D[0][0] = 0
  for i = 1, n do
    for j = 1, m do
      if band == nil or band < 0 or math.abs(i - j) <= band then
        local d = a[i] - b[j]
        local c = cost == "sq" and d * d or math.abs(d)
        D[i][j] = c + math.min(D[i - 1][j - 1], D[i - 1][j], D[i][j - 1])
      end
    end
  end
  local s = D[n][m]
  return cost == "sq" and math.sqrt(s) or s, D
end

local function naive_dtw(a, b, cost, band) return (naive_matrix(a, b, cost, band)) end

-- Backtracking of docs/dtw.md: the predecessor with the smallest D, ties diagonal, left, up;
-- row 1 only left, column 1 only up. 1-based pairs from {1, 1} to {n, m}.
local function naive_path(a, b, cost, band)
  local d, D = naive_matrix(a, b, cost, band)
  local i, j, rev = #a, #b, { { #a, #b } }
  while i > 1 or j > 1 do
    if i == 1 then
      j = j - 1
    elseif j == 1 then
      i = i - 1
    else
      local dg, l, u = D[i - 1][j - 1], D[i][j - 1], D[i - 1][j]
      if dg <= l and dg <= u then
        i, j = i - 1, j - 1
      elseif l <= u then
        j = j - 1
      else
        i = i - 1
      end
    end
    rev[#rev + 1] = { i, j }
  end
  local path = {}
  for k = #rev, 1, -1 do path[#path + 1] = rev[k] end
  return path, d
end

-- Population z-normalisation; a constant series becomes all zeros (docs/dtw_search.md).
local function znormed(x)
  local n, out = #x, {}
  local constant = true
  for i = 2, n do if x[i] ~= x[1] then constant = false end end
  if constant then
    for i = 1, n do out[i] = 0 end
    return out
  end
  local mean, var = 0, 0
  for i = 1, n do mean = mean + x[i] end
  mean = mean / n
  for i = 1, n do var = var + (x[i] - mean) ^ 2 end
  local sd = math.sqrt(var / n)
  for i = 1, n do out[i] = (x[i] - mean) / sd end
  return out
end

local function sub(x, i, j)
  local out = {}
  for k = i, j do out[#out + 1] = x[k] end
  return out
end

local function pair(q, t, o)
  if o.znorm then return naive_dtw(znormed(q), znormed(t), o.cost, o.band) end
  return naive_dtw(q, t, o.cost, o.band)
end

-- The brute-force answer: sort (distance, then index), walk taking each hit that starts at
-- least `exclusion` away from every hit taken, until k are taken (exclusion <= 1: the first k).
local function walk_k(all, k, exclusion)
  table.sort(all, function(x, y) return x.distance < y.distance or (x.distance == y.distance and x.index < y.index) end)
  local out, last = {}, #all
  for p, h in ipairs(all) do
    if #out == k then
      last = p
      break
    end
    local clash = false
    for _, o in ipairs(out) do if math.abs(o.index - h.index) < exclusion then clash = true end end
    if not clash then out[#out + 1] = h end
  end
  return out, all, last -- all sorted; all[last] is the first hit the walk did not need
end

local function brute_knn(q, cands, o)
  local all = {}
  for c = 1, #cands do all[c] = { index = c, distance = pair(q, cands[c], o) } end
  return walk_k(all, o.k or 1, 0)
end

local function brute_search(q, x, o)
  local n, all = #q, {}
  for s = 1, #x - n + 1 do all[s] = { index = s, distance = pair(q, sub(x, s, s + n - 1), o) } end
  local e = (o.exclusion or 0) == 0 and n or o.exclusion
  return walk_k(all, o.k or 1, e)
end

-- |got - want| <= tol * max(|want|, floor); floor 0 (the default) is purely relative.
local function near_rel(want, got, tol, what, floor)
  if math.abs(got - want) > tol * math.max(math.abs(want), floor or 0) or got ~= got then
    error(string.format("%s: expected %.17g, got %.17g (relative tolerance %g)", what, want, got, tol), 2)
  end
end

-- The smallest gap between neighbours of the sorted distances, relative to max(distance, floor):
-- when it is well above the tolerance, the brute force's order cannot depend on rounding.
local function min_gap(sorted, upto, floor)
  local g = INF
  for i = 2, math.min(upto, #sorted) do
    local a, b = sorted[i - 1].distance, sorted[i].distance
    g = math.min(g, (b - a) / math.max(math.abs(b), floor, 1e-300))
  end
  return g
end

-- Same indices and distances (within tol) when the brute force has no near-tie (`exact`);
-- otherwise, as tests/cpp/test_dtw_search.cpp does, as good a choice at every rank: the distance
-- at each rank, and the naive distance of the window the host picked (`distance_of`), within tol.
local function same_matches(want, got, tol, what, floor, exact, distance_of)
  assert.equals(#want, #got, what .. ": number of matches")
  for i, w in ipairs(want) do
    if exact then assert.equals(w.index, got[i].index, what .. ": index of match " .. i) end
    near_rel(w.distance, got[i].distance, tol, what .. ": distance of match " .. i, floor)
    near_rel(w.distance, distance_of(got[i].index), tol, what .. ": naive distance of match " .. i, floor)
  end
end

describe("nt.dtw.distance", function()
  it("hand-worked: repeated points warp for free, and one point against two", function()
    assert.equals(0, nt.dtw.distance({ 1, 2, 3 }, { 1, 2, 2, 3 }))
    assert.equals(2, nt.dtw.distance({ 0, 0 }, { 1 }))
    assert.equals(math.sqrt(2), nt.dtw.distance({ 0, 0 }, { 1 }, { cost = "sq" }))
    assert.equals(0, nt.dtw.distance({ 5 }, { 5 }))
    -- Band 0 is the plain (Manhattan) sum of equal-length series: |1-2| + |5-1| + |3-3|.
    assert.equals(5, nt.dtw.distance({ 1, 5, 3 }, { 2, 1, 3 }, { band = 0 }))
    assert.equals(3, nt.dtw.distance({ 1, 5, 3 }, { 2, 1, 3 }))
  end)

  it("matches dtaidistance's published example with cost sq: sqrt(2)", function()
    local s1 = { 0, 0, 1, 2, 1, 0, 1, 0, 0 }
    local s2 = { 0, 1, 2, 0, 0, 0, 0, 0, 0 }
    assert.equals(math.sqrt(2), nt.dtw.distance(s1, s2, { cost = "sq" }))
    assert.equals(1.4142135623730951, nt.dtw.distance(s2, s1, { cost = "sq" }))
  end)

  it("equals the naive full matrix on 600 random cases (both costs, bands incl. 0, unequal lengths)", function()
    local r = rng(12345)
    for case = 1, 600 do
      local n, m = r(1, 14), r(1, 14)
      local a, b = walk(r, n), walk(r, m)
      local cost = case % 2 == 0 and "sq" or "abs"
      local diff = math.abs(n - m)
      local band = ({ -1, diff, diff + r(0, 3), 0, math.max(n, m) + 2 })[case % 5 + 1]
      if band == 0 and diff > 0 then band = diff end
      local o = { cost = cost, band = band >= 0 and band or nil }
      local want = naive_dtw(a, b, cost, band)
      local what = string.format("case %d (n %d, m %d, %s, band %d)", case, n, m, cost, band)
      near_rel(want, nt.dtw.distance(a, b, o), 1e-12, what)
      -- The same values as nt.arrays and as views (the type ctx:history returns) agree bit for bit.
      local A, B = nt.array(a), nt.array(b)
      assert.equals(nt.dtw.distance(a, b, o), nt.dtw.distance(A, B, o), what .. " arrays")
      local AA = nt.array(#a + 2)
      for i = 1, #a do AA[i + 1] = a[i] end
      assert.equals(nt.dtw.distance(a, b, o), nt.dtw.distance(AA:slice(2, #a + 1), B:slice(1, #b), o), what .. " views")
    end
  end)

  it("treats a band >= max(n, m) as no band, and defaults to abs", function()
    local r = rng(7)
    local a, b = walk(r, 9), walk(r, 6)
    local none = nt.dtw.distance(a, b)
    assert.equals(none, nt.dtw.distance(a, b, { band = 9 }))
    assert.equals(none, nt.dtw.distance(a, b, { band = 1000 }))
    assert.equals(none, nt.dtw.distance(a, b, { cost = "abs" }))
    assert.equals(none, nt.dtw.distance(a, b, {}))
  end)

  it("is symmetric", function()
    local r = rng(99)
    for _ = 1, 50 do
      local a, b = walk(r, r(1, 10)), walk(r, r(1, 10))
      assert.equals(nt.dtw.distance(a, b), nt.dtw.distance(b, a))
      assert.equals(nt.dtw.distance(a, b, { cost = "sq" }), nt.dtw.distance(b, a, { cost = "sq" }))
    end
  end)
end)

describe("nt.dtw.similarity", function()
  it("is clamp(1 - d / (n + m), 0, 1) of the abs distance", function()
    assert.equals(1, nt.dtw.similarity({ 1, 2, 3 }, { 1, 2, 2, 3 }))
    assert.equals(1 - 2 / 3, nt.dtw.similarity({ 0, 0 }, { 1 }))
    assert.equals(0, nt.dtw.similarity({ 0, 0 }, { 100 }))
    local r = rng(3)
    for _ = 1, 100 do
      local a, b = walk(r, r(1, 12), 0.3), walk(r, r(1, 12), 0.3)
      local band = math.abs(#a - #b) + r(0, 2)
      local d = naive_dtw(a, b, "abs", band)
      local want = math.max(0, math.min(1, 1 - d / (#a + #b)))
      assert.near(want, nt.dtw.similarity(a, b, { band = band }), 1e-12)
    end
  end)

  it("refuses the sq cost", function()
    assert.has_error(function() nt.dtw.similarity({ 1 }, { 1 }, { cost = "sq" }) end, "abs cost only")
  end)
end)

describe("nt.dtw.path", function()
  it("hand-worked ties: left before up, diagonal before both", function()
    -- a = 1,0,1; b = 0,1,0. D rows: (1,1,2), (1,2,1), (2,1,2); distance 2. From (3,3): diagonal
    -- D(2,2) = 2, left D(3,2) = 1, up D(2,3) = 1: left. From (3,2): diagonal D(2,1) = 1 beats
    -- left D(3,1) = 2 and up D(2,2) = 2. Then column 1: up to (1,1).
    local p, d = nt.dtw.path({ 1, 0, 1 }, { 0, 1, 0 })
    assert.equals(2, d)
    assert.same({ { 1, 1 }, { 2, 1 }, { 3, 2 }, { 3, 3 } }, p)
    -- All D are 0: the diagonal wins the three-way tie.
    p, d = nt.dtw.path({ 1, 1 }, { 1, 1 })
    assert.equals(0, d)
    assert.same({ { 1, 1 }, { 2, 2 } }, p)
    assert.same({ { 1, 1 }, { 1, 2 }, { 1, 3 } }, (nt.dtw.path({ 4 }, { 1, 2, 3 })))
    assert.same({ { 1, 1 }, { 2, 1 } }, (nt.dtw.path({ 0, 0 }, { 1 })))
  end)

  it("equals the naive backtracking on 400 random cases, with many ties", function()
    local r = rng(2024)
    for case = 1, 400 do
      local n, m = r(1, 10), r(1, 10)
      local a, b = {}, {}
      -- Small integers: many equal D values, so the tie rules decide the path.
      for i = 1, n do a[i] = case % 3 == 0 and r() * 4 or r(0, 3) end
      for j = 1, m do b[j] = case % 3 == 0 and r() * 4 or r(0, 3) end
      local cost = case % 2 == 0 and "sq" or "abs"
      local band = case % 4 == 0 and math.abs(n - m) + r(0, 2) or nil
      local want, wd = naive_path(a, b, cost, band)
      local got, gd = nt.dtw.path(a, b, { cost = cost, band = band })
      local what = "case " .. case
      assert.same(want, got, what)
      near_rel(wd, gd, 1e-12, what .. " distance")
      assert.equals(nt.dtw.distance(a, b, { cost = cost, band = band }), gd, what .. ": path and distance agree")
      -- A warping path: from {1,1} to {n,m}, steps of (0,1), (1,0) or (1,1), inside the band;
      -- its summed cost is the distance.
      assert.same({ 1, 1 }, got[1])
      assert.same({ n, m }, got[#got])
      local sum = 0
      for k, c in ipairs(got) do
        if k > 1 then
          local di, dj = c[1] - got[k - 1][1], c[2] - got[k - 1][2]
          assert.is_true((di == 0 or di == 1) and (dj == 0 or dj == 1) and di + dj >= 1, what .. ": step " .. k)
        end
        if band then assert.is_true(math.abs(c[1] - c[2]) <= band, what .. ": inside the band") end
        local x = a[c[1]] - b[c[2]]
        sum = sum + (cost == "sq" and x * x or math.abs(x))
      end
      near_rel(cost == "sq" and math.sqrt(sum) or sum, gd, 1e-12, what .. ": cost along the path")
    end
  end)
end)

describe("nt.dtw.batch", function()
  it("over a list (tables, nt.arrays, views, mixed lengths) equals per-pair distance bit for bit", function()
    local r = rng(55)
    for case = 1, 30 do
      local q = walk(r, r(2, 30))
      local cands, count = {}, r(1, 70)
      local base = nt.array(walk(r, 200))
      for c = 1, count do
        local len = case % 2 == 0 and #q or r(1, 30)
        local kind = c % 3
        if kind == 0 then
          cands[c] = walk(r, len)
        elseif kind == 1 then
          cands[c] = nt.array(walk(r, len))
        else
          local s = r(1, 200 - len + 1)
          cands[c] = base:slice(s, s + len - 1)
        end
      end
      for _, o in ipairs({ {}, { cost = "sq" }, { band = 30 }, { cost = "sq", band = 40 } }) do
        local out = nt.dtw.batch(q, cands, o)
        assert.is_true(nt.is_array(out))
        assert.equals(count, #out)
        for c = 1, count do
          assert.equals(nt.dtw.distance(q, cands[c], o), out[c], "case " .. case .. " candidate " .. c)
        end
      end
    end
  end)

  it("over a large equal-length batch (SIMD blocks, threads) equals per-pair distance bit for bit", function()
    local r = rng(8)
    local q, cands = walk(r, 32), {}
    for c = 1, 300 do cands[c] = nt.array(walk(r, 32)) end
    for _, o in ipairs({ {}, { cost = "sq", band = 3 }, { band = 0 } }) do
      local out = nt.dtw.batch(q, cands, o)
      for c = 1, #cands do assert.equals(nt.dtw.distance(q, cands[c], o), out[c]) end
      near_rel(naive_dtw(q, cands[300], o.cost, o.band), out[300], 1e-12, "last candidate")
    end
  end)

  it("over the windows of a series with a stride equals per-window distance", function()
    local r = rng(77)
    for case = 1, 40 do
      local x = walk(r, r(5, 120))
      local q = walk(r, r(1, 15))
      local len = case % 2 == 0 and #q or r(1, math.min(#x, 20))
      if len > #x then len = #x end
      local stride = r(1, 7)
      local o = { stride = stride, length = len ~= #q and len or nil, cost = case % 3 == 0 and "sq" or nil }
      local X = nt.array(x)
      local out = nt.dtw.batch(q, case % 4 == 0 and x or X, o)
      local count = math.floor((#x - len) / stride) + 1
      assert.equals(count, #out, "case " .. case .. ": number of windows")
      for w = 1, count do
        local s = (w - 1) * stride + 1
        local want = nt.dtw.distance(q, X:slice(s, s + len - 1), { cost = o.cost })
        assert.equals(want, out[w], "case " .. case .. " window " .. w)
        near_rel(naive_dtw(q, sub(x, s, s + len - 1), o.cost), out[w], 1e-12, "case " .. case .. " naive")
      end
    end
  end)
end)

describe("nt.dtw.knn", function()
  it("equals a brute force over random candidates (k, bands, costs, z-normalisation)", function()
    local r = rng(4242)
    local exact_cases = 0
    for case = 1, 120 do
      local n = r(1, 16)
      local q, cands = walk(r, n), {}
      local equal = case % 2 == 0
      for c = 1, r(1, 40) do
        cands[c] = walk(r, equal and n or math.max(1, n + r(-3, 3)))
        if c % 7 == 0 then cands[c] = nt.array(cands[c]) end
      end
      local tables = {}
      for c = 1, #cands do tables[c] = type(cands[c]) == "table" and cands[c] or cands[c]:totable() end
      local o = { k = r(1, 6), cost = case % 3 == 0 and "sq" or "abs", znorm = case % 4 < 2 }
      if case % 5 == 0 then o.band = equal and r(0, 3) or 3 + r(0, 2) end
      if case % 10 == 1 then o.window, o.band = 3 + r(0, 2), nil end
      local b = { k = o.k, cost = o.cost, band = o.band or o.window, znorm = o.znorm }
      local want, sorted, upto = brute_knn(q, tables, b)
      local tol, floor = o.znorm and 1e-9 or 1e-12, o.znorm and 1 or 0
      local got = nt.dtw.knn(q, cands, o)
      local exact = not o.znorm or min_gap(sorted, upto, floor) > 100 * tol
      if exact then exact_cases = exact_cases + 1 end
      same_matches(want, got, tol, "case " .. case, floor, exact, function(c) return pair(q, tables[c], b) end)
      o.prune = false
      assert.same(got, nt.dtw.knn(q, cands, o), "case " .. case .. ": pruned == brute force")
    end
    assert.is_true(exact_cases > 100, "most cases free of near-ties (" .. exact_cases .. ")")
  end)

  it("returns every candidate, best first, when k exceeds their number; ties go to the lower index", function()
    local got = nt.dtw.knn({ 0, 1, 2 }, { { 5, 5, 5 }, { 0, 1, 2 }, { 0, 1, 3 }, { 0, 1, 3 } }, { k = 10 })
    assert.same({
      { index = 2, distance = 0 }, { index = 3, distance = 1 }, { index = 4, distance = 1 },
      { index = 1, distance = 12 },
    }, got)
    assert.same({ { index = 2, distance = 0 } }, nt.dtw.knn({ 0, 1, 2 }, { { 5, 5, 5 }, { 0, 1, 2 } }))
  end)
end)

describe("nt.dtw.search", function()
  it("hand-worked exclusion: the copy wins, its overlapping neighbours cannot be the next match", function()
    -- Band 0: a window's distance is the plain sum of |differences|. Windows of 3 over 1..7
    -- against 1,2,3: starts 1..5 at distances 0, 3, 6, 9, 12. The default exclusion is the query
    -- length: after start 1, starts 2 and 3 are in its zone, so start 4 comes next; start 5 is
    -- within 3 of 4. k = 10 > windows: only two matches fit.
    local x = { 1, 2, 3, 4, 5, 6, 7 }
    assert.same({ { index = 1, distance = 0 }, { index = 4, distance = 9 } },
      nt.dtw.search({ 1, 2, 3 }, x, { k = 10, band = 0 }))
    -- Exclusion 1 allows every window; 2 skips the immediate neighbours only.
    assert.same({ { index = 1, distance = 0 }, { index = 2, distance = 3 }, { index = 3, distance = 6 } },
      nt.dtw.search({ 1, 2, 3 }, x, { k = 3, exclusion = 1, window = 0 }))
    assert.same({ { index = 1, distance = 0 }, { index = 3, distance = 6 }, { index = 5, distance = 12 } },
      nt.dtw.search({ 1, 2, 3 }, x, { k = 3, exclusion = 2, band = 0 }))
    -- A window excluded by a better one excludes nothing. 5,5 against 3,4,5,5,9 (DTW, no band):
    -- start 3 at 0, start 2 at 1 (|4-5|), start 1 at 3 (2 + 1), start 4 at 4. With exclusion 2,
    -- start 2 is within 1 of start 3 and skipped; start 1 is 2 away from start 3 and taken, though
    -- within 1 of the skipped start 2.
    assert.same({ { index = 3, distance = 0 }, { index = 1, distance = 3 } },
      nt.dtw.search({ 5, 5 }, { 3, 4, 5, 5, 9 }, { k = 2, exclusion = 2 }))
    assert.same({ { index = 3, distance = 0 }, { index = 1, distance = 3 } },
      nt.dtw.search({ 5, 5 }, { 3, 4, 5, 5, 9 }, { k = 5 }), "exclusion 0 is the query length, 2")
  end)

  it("z-normalises with the population std; a constant window becomes all zeros", function()
    -- 1,2,3 normalises to -sqrt(1.5), 0, sqrt(1.5); so does 10,20,30, at distance 0.
    local got = nt.dtw.search({ 1, 2, 3 }, { 7, 7, 7, 10, 20, 30 }, { k = 4, znorm = true, exclusion = 1 })
    assert.equals(4, got[1].index)
    assert.near(0, got[1].distance, 1e-12)
    -- The constant window 7,7,7 is 0,0,0: the distance is |q| summed along the best path with
    -- the middle 0 absorbing nothing: 2 * sqrt(1.5).
    local zq = znormed({ 1, 2, 3 })
    assert.near(math.sqrt(1.5), zq[3], 1e-15)
    local seen = false
    for _, m in ipairs(got) do
      if m.index == 1 then
        assert.near(2 * math.sqrt(1.5), m.distance, 1e-12)
        seen = true
      end
    end
    assert.is_true(seen, "k = 4 and exclusion 1: every window comes back")
    -- A constant query against a constant window: 0, not NaN.
    local flat = nt.dtw.search({ 4, 4, 4 }, { 1, 1, 1, 1, 2, 3 }, { k = 1, znorm = true })
    assert.same({ { index = 1, distance = 0 } }, flat)
    assert.same({ { index = 1, distance = 0 } }, nt.dtw.knn({ 4, 4 }, { { 9, 9 } }, { znorm = true }))
  end)

  it("equals a brute force over random series (k, exclusion, bands, costs, z-normalisation)", function()
    local r = rng(31337)
    local checked = 0
    for case = 1, 150 do
      local n = r(1, 12)
      local x = walk(r, r(n, 150))
      -- Planted copies and flat stretches, as real data has.
      if #x > 3 * n then
        local at = r(1, #x - n + 1)
        for i = 0, n - 1 do x[at + i] = x[i + 1] * 2 + 1 end
        local f = r(1, #x - 2)
        x[f + 1], x[f + 2] = x[f], x[f]
      end
      local q = case % 3 == 0 and sub(x, 1, n) or walk(r, n)
      local o = { k = r(1, 5), cost = case % 2 == 0 and "sq" or "abs", znorm = case % 4 < 2 }
      local e = case % 5
      o.exclusion = e == 0 and 0 or e == 1 and 1 or r(1, 2 * n)
      if case % 3 == 1 then o.window = r(0, 3) elseif case % 3 == 2 then o.band = r(0, 3) end
      local b = { k = o.k, cost = o.cost, band = o.band or o.window, znorm = o.znorm, exclusion = o.exclusion }
      local want, sorted, upto = brute_search(q, x, b)
      local tol, floor = o.znorm and 1e-9 or 1e-12, o.znorm and 1 or 0
      local X = nt.array(x)
      local got = nt.dtw.search(q, case % 2 == 0 and X or X:slice(1, #x), o)
      local exact = not o.znorm or min_gap(sorted, upto, floor) > 100 * tol
      if exact then checked = checked + 1 end
      same_matches(want, got, tol, "case " .. case, floor, exact, function(s) return pair(q, sub(x, s, s + n - 1), b) end)
      o.prune = false
      assert.same(got, nt.dtw.search(q, x, o), "case " .. case .. ": pruned == brute force")
    end
    assert.is_true(checked > 100, "most cases free of near-ties (" .. checked .. ")")
  end)

  it("accepts the query as the series itself, and k larger than the number of windows", function()
    local r = rng(1)
    local x = walk(r, 20)
    local got = nt.dtw.search(x, x, { k = 5 })
    assert.same({ { index = 1, distance = 0 } }, got)
    got = nt.dtw.search(sub(x, 1, 5), x, { k = 100, exclusion = 1 })
    assert.equals(16, #got)
  end)
end)

describe("nt.dtw.kernel", function()
  it("names the SIMD kernel the host picked", function()
    local k = nt.dtw.kernel()
    assert.is_true(k == "avx512" or k == "avx2" or k == "scalar", k)
  end)
end)

describe("nt.dtw bad input", function()
  local d = nt.dtw
  it("refuses empty series, naming the argument", function()
    assert.has_error(function() d.distance({}, { 1 }) end, "bad 'a' argument: must not be empty")
    assert.has_error(function() d.distance({ 1 }, nt.array(0)) end, "bad 'b' argument: must not be empty")
    assert.has_error(function() d.path({ 1 }, {}) end, "bad 'b' argument")
    assert.has_error(function() d.similarity({}, { 1 }) end, "bad 'a' argument")
    assert.has_error(function() d.batch({}, { { 1 } }) end, "bad 'query' argument")
    assert.has_error(function() d.batch({ 1 }, {}) end, "bad 'candidates' argument")
    assert.has_error(function() d.batch({ 1 }, { { 1 }, {} }) end, "bad 'candidates' argument")
    assert.has_error(function() d.knn({ 1 }, {}) end, "bad 'candidates' argument")
    assert.has_error(function() d.knn({ 1 }, { { 1 }, {} }) end, "bad 'candidates' argument")
    assert.has_error(function() d.knn({}, { { 1 } }) end, "bad 'query' argument")
    assert.has_error(function() d.search({}, { 1 }) end, "bad 'query' argument")
    assert.has_error(function() d.search({ 1 }, {}) end, "bad 'series' argument")
    assert.has_error(function() d.distance(nt.array({ 1, 2 }):slice(2, 1), { 1 }) end, "bad 'a' argument")
  end)

  it("refuses NaN and infinities, naming the argument", function()
    local nan = 0 / 0
    assert.has_error(function() d.distance({ 1, nan }, { 1 }) end, "bad 'a' argument: values must be finite")
    assert.has_error(function() d.distance({ 1 }, { INF }) end, "bad 'b' argument: values must be finite")
    assert.has_error(function() d.path({ 1 }, { -INF }) end, "bad 'b' argument")
    assert.has_error(function() d.batch({ 1 }, { { 1 }, { nan } }) end, "bad 'candidates' argument")
    assert.has_error(function() d.batch({ 1 }, { 1, nan, 2 }, { stride = 1 }) end, "bad 'series' argument")
    assert.has_error(function() d.knn({ nan }, { { 1 } }) end, "bad 'query' argument")
    assert.has_error(function() d.knn({ 1 }, { { 1 }, { 1, nan } }) end, "bad 'candidates' argument")
    assert.has_error(function() d.search({ 1 }, { 1, 2, nan }) end, "bad 'series' argument")
    assert.has_error(function() d.search({ 1, nan }, { 1, 2, 3 }) end, "bad 'query' argument")
  end)

  it("refuses a negative or fractional band, and one narrower than |n - m|", function()
    assert.has_error(function() d.distance({ 1, 2 }, { 1 }, { band = -1 }) end, "bad 'band' option")
    assert.has_error(function() d.distance({ 1, 2 }, { 1 }, { band = 1.5 }) end, "bad 'band' option")
    assert.has_error(function() d.distance({ 1, 2 }, { 1 }, { band = "1" }) end, "bad 'band' option")
    assert.has_error(function() d.distance({ 1, 2, 3 }, { 1, 2, 3, 4, 5 }, { band = 1 }) end,
      "bad 'band' argument: a band of 1 leaves no warping path between lengths 3 and 5")
    assert.has_error(function() d.distance({ 1, 2 }, { 1 }, { band = 0 }) end, "bad 'band' argument")
    assert.has_error(function() d.path({ 1, 2, 3 }, { 1 }, { band = 1 }) end, "bad 'band' argument")
    assert.has_error(function() d.similarity({ 1, 2, 3 }, { 1 }, { band = 0 }) end, "bad 'band' argument")
    assert.has_error(function() d.batch({ 1, 2, 3 }, { { 1, 2, 3 }, { 1 } }, { band = 1 }) end, "bad 'band' argument")
    assert.has_error(function() d.knn({ 1, 2, 3 }, { { 1, 2, 3, 4, 5 } }, { band = 1 }) end, "bad 'band' argument")
    assert.has_error(function() d.search({ 1, 2 }, { 1, 2, 3 }, { window = -1 }) end, "bad 'window' option")
    assert.has_error(function() d.search({ 1, 2 }, { 1, 2, 3 }, { band = -2 }) end, "bad 'band' option")
  end)

  it("refuses k = 0, a query longer than the series, stride 0, and bad exclusions", function()
    assert.has_error(function() d.knn({ 1 }, { { 1 } }, { k = 0 }) end, "bad 'k' option to nt.dtw.knn: must be")
    assert.has_error(function() d.search({ 1 }, { 1, 2 }, { k = 0 }) end, "bad 'k' option to nt.dtw.search")
    assert.has_error(function() d.search({ 1 }, { 1, 2 }, { k = 1.5 }) end, "bad 'k' option to nt.dtw.search")
    assert.has_error(function() d.search({ 1, 2, 3 }, { 1, 2 }) end,
      "bad 'query' argument: its length 3 exceeds the series length 2")
    assert.has_error(function() d.batch({ 1, 2 }, { 1, 2, 3 }, { stride = 0 }) end, "bad 'stride' option to nt.dtw.batch")
    assert.has_error(function() d.batch({ 1, 2 }, { 1, 2, 3 }, { stride = 1, length = 0 }) end,
      "bad 'length' option to nt.dtw.batch")
    assert.has_error(function() d.batch({ 1, 2, 3 }, { 1, 2 }, { stride = 1 }) end, "bad 'series' argument")
    assert.has_error(function() d.batch({ 1, 2 }, { 1, 2, 3 }) end, "give opts.stride")
    assert.has_error(function() d.search({ 1 }, { 1, 2 }, { exclusion = -1 }) end,
      "bad 'exclusion' option to nt.dtw.search")
    -- Candidates count from 1 in every message, the band one too (before: from 0).
    assert.has_error(function() d.knn({ 1, 2 }, { { 1, 2 }, { 1, 2, 3, 4, 5 } }, { band = 1 }) end,
      "the query and candidate 2 (from 1), so no warping path exists")
  end)

  it("refuses a bad cost, opts that are not a table, and band with window", function()
    assert.has_error(function() d.distance({ 1 }, { 1 }, { cost = "l2" }) end, "bad 'cost' option")
    assert.has_error(function() d.search({ 1 }, { 1 }, { cost = 2 }) end, "bad 'cost' option")
    assert.has_error(function() d.distance({ 1 }, { 1 }, 5) end, "bad 'opts' argument")
    assert.has_error(function() d.path({ 1 }, { 1 }, "sq") end, "bad 'opts' argument")
    assert.has_error(function() d.batch({ 1 }, { { 1 } }, true) end, "bad 'opts' argument")
    assert.has_error(function() d.knn({ 1 }, { { 1 } }, 3) end, "bad 'opts' argument")
    assert.has_error(function() d.search({ 1 }, { 1 }, 3) end, "bad 'opts' argument")
    assert.has_error(function() d.search({ 1 }, { 1, 2 }, { band = 1, window = 1 }) end, "give 'band' or 'window'")
    assert.has_error(function() d.knn({ 1 }, { { 1 } }, { band = 1, window = 1 }) end, "give 'band' or 'window'")
  end)

  it("refuses what is not a series", function()
    assert.has_error(function() d.distance("1,2", { 1 }) end, "bad 'a' argument")
    assert.has_error(function() d.distance({ 1 }, nil) end, "bad 'b' argument")
    assert.has_error(function() d.distance({ 1, "2" }, { 1 }) end, "bad 'a' argument: element 2 is a string")
    assert.has_error(function() d.search({ 1 }, 5) end, "bad 'series' argument")
    assert.has_error(function() d.knn({ 1 }, 5) end, "bad 'candidates' argument")
  end)

  it("error messages count positions from 1, as Lua does", function()
    assert.has_error(function() d.distance({ 1, 0 / 0 }, { 1 }) end, "at position 2, counting from 1")
    assert.has_error(function() d.knn({ 1 }, { { 1 }, {} }) end, "candidate 2 (from 1)")
  end)

  it("search with a huge k returns every match there is (no buffer sized by k)", function()
    local r = d.search({ 1, 2, 3 }, { 1, 2, 3, 4, 5, 6, 7 }, { k = 2 ^ 40 })
    assert.is_true(#r >= 1 and #r <= 5, "got " .. #r)
    assert.equals(1, r[1].index)
  end)
end)

describe("array:slice", function()
  it("is a read-only view of i..j without a copy, j defaulting to the end", function()
    local a = nt.array({ 1, 2, 3, 4, 5 })
    local v = a:slice(2, 4)
    assert.equals(3, #v)
    assert.same({ 2, 3, 4 }, v:totable())
    a[3] = 30
    assert.equals(30, v[2], "a view, not a copy")
    assert.same({ 4, 5 }, a:slice(4):totable())
    assert.equals(0, #a:slice(3, 2))
    assert.same({ 30 }, v:slice(2, 2):totable(), "a view of a view")
    assert.has_error(function() v[1] = 0 end, "read-only")
    assert.has_error(function() a:slice(0, 2) end, "bad range to slice")
    assert.has_error(function() a:slice(2, 6) end, "bad range to slice")
    assert.has_error(function() a:slice(3, 1) end, "bad range to slice")
    assert.has_error(function() a:slice(1.5, 2) end, "bad range to slice")
  end)

  it("keeps its nt.array alive: a slice of a temporary array survives collections", function()
    local v = nt.array({ 1, 2, 3, 4 }):slice(2, 3)
    collectgarbage()
    collectgarbage()
    for _ = 1, 200 do nt.array({ 9, 9, 9, 9 }) end
    collectgarbage()
    assert.same({ 2, 3 }, v:totable())
  end)
end)
