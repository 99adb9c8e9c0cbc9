-- nt.dtw: dynamic time warping computed by the host (compute/dtw), over nt.arrays, history
-- views or tables of numbers without copying host memory. Indices in results are 1-based.
--   nt.dtw.distance(a, b, opts)          -> distance
--   nt.dtw.similarity(a, b, opts)        -> clamp(1 - d/(n+m), 0, 1) (abs cost)
--   nt.dtw.path(a, b, opts)              -> { {i, j}, ... }, distance
--   nt.dtw.batch(query, candidates, opts)-> nt.array of distances, in input order
--   nt.dtw.batch(query, series, {stride=, length=}) -> distances of the series' windows
--   nt.dtw.knn(query, candidates, {k=})  -> { {index=, distance=}, ... } best first
--   nt.dtw.search(query, series, {k=, window=, znorm=, exclusion=}) -> best windows
-- opts: cost = "abs" (default) or "sq"; band = w (Sakoe-Chiba |i-j| <= w, default none; in
-- search, `window` is the same thing). Definitions: docs/dtw.md, docs/dtw_search.md.
local core = require "nt._core"
local array = require "nt._array"
local ffi, C = core.ffi, core.C

local unknown_key = require("nt._bundle").unknown_key
local M = {}
local array_ct, series_ct = core.array_ct, core.series_ct

local opts_buf = ffi.new("ntrun_dtw_opts_t")
local ERRLEN = 512
local errbuf = ffi.new("char[?]", ERRLEN)
local out1 = ffi.new("double[1]")
local len1 = ffi.new("int64_t[1]")
local COSTS = { abs = C.NTRUN_DTW_ABS, sq = C.NTRUN_DTW_SQ }

local function fail(fn, rc, level)
  local msg = rc == core.EINVAL and ffi.string(errbuf) or core.strerror(rc)
  error("nt.dtw." .. fn .. ": " .. msg, level + 1)
end

local function band_arg(v, name, fn)
  if v == nil then return -1 end
  if type(v) ~= "number" or v ~= math.floor(v) or v < 0 then
    error(string.format("bad '%s' option to nt.dtw.%s: a whole number of cells >= 0 (got %s)", name, fn,
      tostring(v)), 4)
  end
  return v
end

-- Fills the shared options struct from an opts table (nil = defaults).
-- The option keys each function reads: any other key is an error ({znorn = true} must not
-- run without z-normalisation).
local PAIR = { cost = true, band = true }
local OPTION_KEYS = {
  distance = PAIR, similarity = PAIR, path = PAIR,
  batch = { cost = true, band = true, stride = true, length = true, out = true },
  knn = { cost = true, band = true, window = true, k = true, znorm = true, prune = true },
  search = { cost = true, band = true, window = true, k = true, znorm = true, prune = true, exclusion = true },
}

local function options(o, fn, search)
  local r = opts_buf
  r.cost, r.band, r.znorm, r.k, r.exclusion, r.prune = C.NTRUN_DTW_ABS, -1, 0, 1, 0, 1
  if o == nil then return r end
  if type(o) ~= "table" then error("bad 'opts' argument to nt.dtw." .. fn .. ": table expected", 3) end
  local msg = unknown_key(o, OPTION_KEYS[fn])
  if msg then error("bad 'opts' argument to nt.dtw." .. fn .. ": " .. msg, 3) end
  if o.cost ~= nil then
    local c = COSTS[o.cost]
    if c == nil then
      error("bad 'cost' option to nt.dtw." .. fn .. ": \"abs\" or \"sq\" (got " .. tostring(o.cost) .. ")", 3)
    end
    r.cost = c
  end
  if o.band ~= nil and o.window ~= nil and search then
    error("bad options to nt.dtw." .. fn .. ": give 'band' or 'window' (the same thing), not both", 3)
  end
  r.band = band_arg(o.band or (search and o.window or nil), o.band ~= nil and "band" or "window", fn)
  if search then
    if o.k ~= nil then r.k = core.int_arg(o.k, "k", 1, 2 ^ 40, 3, "nt.dtw." .. fn) end
    if o.exclusion ~= nil then
      r.exclusion = core.int_arg(o.exclusion, "exclusion", 0, 2 ^ 52, 3, "nt.dtw." .. fn)
    end
    if o.znorm then r.znorm = 1 end
    if o.prune == false then r.prune = 0 end
  end
  return r
end

function M.distance(a, b, opts)
  local pa, n = core.series(a, "a", 1, 2)
  local pb, m = core.series(b, "b", 2, 2)
  local o = options(opts, "distance")
  local rc = C.ntrun_ffi_dtw_distance(pa, n, pb, m, o, out1, errbuf, ERRLEN)
  if rc ~= core.OK then fail("distance", rc, 2) end
  return out1[0]
end

--- clamp(1 - d/(n+m), 0, 1) for the abs cost: 1 for identical series, 0 for far apart ones.
function M.similarity(a, b, opts)
  if opts ~= nil and type(opts) == "table" and opts.cost == "sq" then
    error("nt.dtw.similarity is defined for the abs cost only", 2)
  end
  local pa, n = core.series(a, "a", 1, 2)
  local pb, m = core.series(b, "b", 2, 2)
  local o = options(opts, "similarity")
  local rc = C.ntrun_ffi_dtw_distance(pa, n, pb, m, o, out1, errbuf, ERRLEN)
  if rc ~= core.OK then fail("similarity", rc, 2) end
  return math.max(0, math.min(1, 1 - out1[0] / (n + m)))
end

--- The alignment path as a list of {i, j} (1-based), and the distance.
function M.path(a, b, opts)
  local pa, n = core.series(a, "a", 1, 2)
  local pb, m = core.series(b, "b", 2, 2)
  local o = options(opts, "path")
  local cap = n + m
  local pairs_buf = ffi.new("int64_t[?]", 2 * math.max(cap, 1))
  local rc = C.ntrun_ffi_dtw_path(pa, n, pb, m, o, pairs_buf, cap, len1, out1, errbuf, ERRLEN)
  if rc ~= core.OK then fail("path", rc, 2) end
  local path = {}
  for k = 0, tonumber(len1[0]) - 1 do
    path[k + 1] = { tonumber(pairs_buf[2 * k]) + 1, tonumber(pairs_buf[2 * k + 1]) + 1 }
  end
  return path, out1[0]
end

-- Reused pointer and length arrays for candidate lists (grown on demand).
local ptrs, lens, cap_ptrs = nil, nil, 0
local keep = {} -- luacheck: no unused (anchors arrays made from table candidates until the call returns)

local function is_series(x)
  local t = type(x)
  if t == "cdata" then return true end
  return t == "table" and type(x[1]) == "number"
end

-- Returns the count and whether `keep` holds converted tables to release after the call.
local function candidate_list(cands, fn)
  if type(cands) ~= "table" then
    error("bad 'candidates' argument to nt.dtw." .. fn .. ": a list of series expected", 3)
  end
  local count = #cands
  if count > cap_ptrs then
    cap_ptrs = math.max(count, 16)
    ptrs = ffi.new("const double*[?]", cap_ptrs)
    lens = ffi.new("int64_t[?]", cap_ptrs)
  end
  local converted = false
  for k = 1, count do
    local c = cands[k]
    if ffi.istype(array_ct, c) or ffi.istype(series_ct, c) then
      ptrs[k - 1], lens[k - 1] = core.ptr(c), c.len -- the fast path: no conversion, no strings
    else
      if type(c) == "table" then
        c = array.new(c)
        keep[k], converted = c, true
      end
      local p, n = core.series(c, "candidates[" .. k .. "]", 1, 3)
      ptrs[k - 1], lens[k - 1] = p, n
    end
  end
  return count, converted
end

local function release(count, converted)
  if converted then
    for k = 1, count do keep[k] = nil end
  end
end

-- opts.out: an nt.array of the right length to fill instead of allocating one per call.
local function out_array(opts, count)
  local out = opts and opts.out
  if out == nil then return array.new(count) end
  if not array.is_array(out) or tonumber(out.len) ~= count then
    error(string.format("bad 'out' option to nt.dtw.batch: an nt.array of length %d expected", count), 3)
  end
  return out
end

--- Distances of the query against each candidate (a list of series), or against the windows
--- of one series (opts.stride, window length opts.length or the query's). Returns an nt.array
--- (opts.out when given).
function M.batch(query, candidates, opts)
  local pq, n = core.series(query, "query", 1, 2)
  local o = options(opts, "batch")
  local rc, out
  if is_series(candidates) then
    if opts == nil or opts.stride == nil then
      error("nt.dtw.batch: give opts.stride to compare the query with the windows of one series, "
        .. "or pass a list of candidate series", 2)
    end
    local ps, len = core.series(candidates, "series", 2, 2)
    local stride = core.int_arg(opts.stride, "stride", 1, 2 ^ 52, 2, "nt.dtw.batch")
    local window = opts.length and core.int_arg(opts.length, "length", 1, 2 ^ 52, 2, "nt.dtw.batch") or n
    local count = len >= window and math.floor((len - window) / stride) + 1 or 0
    if count == 0 then
      error(string.format("bad 'series' argument to nt.dtw.batch: shorter (%d) than the window (%d)", len, window), 2)
    end
    out = out_array(opts, count)
    rc = C.ntrun_ffi_dtw_batch_windows(pq, n, ps, len, window, stride, o, core.ptr(out), errbuf, ERRLEN)
  else
    local count, converted = candidate_list(candidates, "batch")
    out = out_array(opts, count)
    rc = C.ntrun_ffi_dtw_batch(pq, n, ptrs, lens, count, o, core.ptr(out), errbuf, ERRLEN)
    release(count, converted)
  end
  if rc ~= core.OK then fail("batch", rc, 2) end
  return out
end

local function matches(buf, count)
  local res = {}
  for k = 0, count - 1 do
    res[k + 1] = { index = tonumber(buf[k].index) + 1, distance = buf[k].distance }
  end
  return res
end

--- The k nearest candidates: { {index=, distance=}, ... } best first (ties by index).
function M.knn(query, candidates, opts)
  local pq, n = core.series(query, "query", 1, 2)
  local o = options(opts, "knn", true)
  local count, converted = candidate_list(candidates, "knn")
  local k = math.min(tonumber(o.k), math.max(count, 1))
  local buf = ffi.new("ntrun_dtw_match_t[?]", k)
  local rc = C.ntrun_ffi_dtw_knn(pq, n, ptrs, lens, count, o, buf, k, len1, errbuf, ERRLEN)
  release(count, converted)
  if rc ~= core.OK then fail("knn", rc, 2) end
  return matches(buf, tonumber(len1[0]))
end

--- The k best windows (length #query) of a series: { {index=start, distance=}, ... }.
--- opts: k, window (or band), znorm, exclusion (0 = the query length), cost, prune.
function M.search(query, series, opts)
  local pq, n = core.series(query, "query", 1, 2)
  local ps, len = core.series(series, "series", 2, 2)
  local o = options(opts, "search", true)
  -- Room for the matches that can exist, not for k: k may be huge ("all of them").
  local k = math.max(1, math.min(tonumber(o.k), len - n + 1))
  local buf = ffi.new("ntrun_dtw_match_t[?]", k)
  local rc = C.ntrun_ffi_dtw_search(pq, n, ps, len, o, buf, k, len1, errbuf, ERRLEN)
  if rc ~= core.OK then fail("search", rc, 2) end
  return matches(buf, tonumber(len1[0]))
end

--- The SIMD kernel the host picked: "avx512", "avx2" or "scalar".
function M.kernel() return ffi.string(C.ntrun_ffi_dtw_kernel()) end

return M
