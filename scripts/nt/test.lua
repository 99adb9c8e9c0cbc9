-- nt.test: the spec runner behind `ntrun test`, busted-style (describe / it / before_each /
-- after_each / pending, and an `assert` with the common busted matchers), running inside the
-- real host so specs exercise the real FFI seam. Globals for spec files: describe, it,
-- pending, before_each, after_each, assert, spec_dir (the spec file's folder).
local M = {}

-- Values as text for failure messages; tables are shown by their contents (sorted keys, a
-- few levels deep), so "expected the same contents" says what differs.
local function fmt(v, depth)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  depth = depth or 0
  if depth > 3 then return "{...}" end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) ~= type(b) then return type(a) < type(b) end
    if type(a) == "number" or type(a) == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  local parts, n = {}, #v
  for _, k in ipairs(keys) do
    local item = fmt(v[k], depth + 1)
    if type(k) == "number" and k >= 1 and k <= n and k == math.floor(k) then
      parts[#parts + 1] = item
    else
      parts[#parts + 1] = (type(k) == "string" and k:match("^[%a_][%w_]*$") and k or "[" .. fmt(k) .. "]")
        .. " = " .. item
    end
    if #parts >= 40 then
      parts[#parts + 1] = "..."
      break
    end
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

local function deep_equal(a, b, seen)
  if a == b then return true end
  if type(a) == "number" and type(b) == "number" then return a ~= a and b ~= b end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_equal(v, b[k], seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function failure(msg, level)
  error({ nt_test_failure = true, msg = msg }, (level or 1) + 1)
end

local A = {}

function A.equals(expected, actual, msg)
  if expected ~= actual then
    -- NaN equals nothing, itself included: say so rather than "expected nan, got nan".
    local hint = expected ~= expected and " (NaN never equals itself: use assert.is_nan)" or ""
    failure(string.format("%sexpected %s, got %s%s", msg and (msg .. ": ") or "", fmt(expected), fmt(actual),
      hint), 2)
  end
end
A.equal = A.equals
function A.same(expected, actual, msg)
  if not deep_equal(expected, actual) then
    failure(string.format("%sexpected the same contents as %s, got %s", msg and (msg .. ": ") or "",
      fmt(expected), fmt(actual)), 2)
  end
end
--- near(expected, actual, tolerance): |expected - actual| <= tolerance (equal infinities pass).
--- A NaN or non-number `expected`, or a `tolerance` that is NaN, negative or not a number, is a
--- failure of its own: every comparison with NaN is false, so a plain `> tolerance` test would
--- pass whatever `actual` is.
function A.near(expected, actual, tolerance, msg)
  local prefix = msg and (msg .. ": ") or ""
  if type(expected) ~= "number" or expected ~= expected then
    failure(string.format("%sassert.near: the expected value must be a number, not %s%s", prefix, fmt(expected),
      expected ~= expected and " (use assert.is_nan)" or ""), 2)
  end
  if type(tolerance) ~= "number" or tolerance ~= tolerance or tolerance < 0 then
    failure(string.format("%sassert.near: the tolerance must be a number >= 0, not %s", prefix, fmt(tolerance)), 2)
  end
  if type(actual) ~= "number" or not (expected == actual or math.abs(expected - actual) <= tolerance) then
    failure(string.format("%sexpected %s +/- %s, got %s", prefix, fmt(expected), fmt(tolerance), fmt(actual)), 2)
  end
end
function A.is_true(v, msg) if v ~= true then failure((msg or "expected true") .. ", got " .. fmt(v), 2) end end
function A.is_false(v, msg) if v ~= false then failure((msg or "expected false") .. ", got " .. fmt(v), 2) end end
function A.is_nil(v, msg) if v ~= nil then failure((msg or "expected nil") .. ", got " .. fmt(v), 2) end end
function A.is_not_nil(v, msg) if v == nil then failure(msg or "expected a value, got nil", 2) end end
function A.truthy(v, msg) if not v then failure((msg or "expected a truthy value") .. ", got " .. fmt(v), 2) end end
function A.falsy(v, msg) if v then failure((msg or "expected a falsy value") .. ", got " .. fmt(v), 2) end end
function A.is_nan(v, msg) if v == v then failure((msg or "expected NaN") .. ", got " .. fmt(v), 2) end end
--- has_error(fn[, pattern]): fn must raise; the message must contain `pattern` (plain text).
--- contains(haystack, needle[, msg]): tostring(haystack) contains needle (plain text).
function A.contains(haystack, needle, msg)
  if not tostring(haystack):find(needle, 1, true) then
    failure(string.format("%s%s does not contain %s", msg and (msg .. ": ") or "", fmt(tostring(haystack)),
      fmt(needle)), 2)
  end
end
function A.has_error(fn, pattern, msg)
  local ok, err = pcall(fn)
  if ok then failure(msg or "expected an error, none was raised", 2) end
  if type(err) == "table" and err.nt_test_failure then error(err, 0) end
  if pattern and not tostring(err):find(pattern, 1, true) then
    failure(string.format("expected an error containing %s, got %s", fmt(pattern), fmt(tostring(err))), 2)
  end
  return err
end
--- error_matches(fn, pattern): fn must raise an error matching the Lua `pattern`. A failed
--- assertion inside fn is re-raised, as in has_error: it is not the error the spec expects.
A.error_matches = function(fn, pattern, msg)
  local ok, err = pcall(fn)
  if ok then failure(msg or "expected an error, none was raised", 2) end
  if type(err) == "table" and err.nt_test_failure then error(err, 0) end
  if not tostring(err):match(pattern) then
    failure(string.format("expected an error matching %s, got %s", fmt(pattern), fmt(tostring(err))), 2)
  end
end
--- completed(report): the report of a run that completed (exit code 0; a failure shows the
--- run's first error); returns the report.
function A.completed(r)
  A.equals(0, r.exit_code, r.errors and r.errors[1])
  A.equals("completed", r.status)
  return r
end
--- trades(want, got[, pnl_tolerance]): closed trades equal one by one: symbol, side, entry and
--- exit time, quantity exactly; prices and commission to 1e-9; pnl to pnl_tolerance (1e-7);
--- exit_reason where `want` gives one.
function A.trades(want, got, pnl_tolerance)
  A.equals(#want, #got, "number of closed trades")
  for i, w in ipairs(want) do
    local g, tag = got[i], "trade " .. i .. " (" .. tostring(w.symbol) .. " " .. tostring(w.entry_time) .. ")"
    A.equals(w.symbol, g.symbol, tag)
    A.equals(w.side, g.side, tag)
    A.equals(w.entry_time, g.entry_time, tag)
    A.equals(w.exit_time, g.exit_time, tag)
    A.equals(w.quantity, g.quantity, tag)
    A.near(w.entry_price, g.entry_price, 1e-9, tag)
    A.near(w.exit_price, g.exit_price, 1e-9, tag)
    A.near(w.commission, g.commission, 1e-9, tag)
    A.near(w.pnl, g.pnl, pnl_tolerance or 1e-7, tag)
    if w.exit_reason ~= nil then A.equals(w.exit_reason, g.exit_reason, tag) end
  end
end
A.are = A
A.is = A

--- Rows {date=, open=, high=, low=, close=} of a date,open,high,low,close,... CSV with from <= date <= to,
--- read in plain Lua: reference models in specs stay independent of the host's CSV parser.
function M.read_ohlcv(path, from, to)
  local f = assert(io.open(path, "r"))
  assert(f:read("*l"):find("^date,open,high,low,close"), "unexpected header in " .. path)
  local rows = {}
  for line in f:lines() do
    local d, o, h, l, c = line:match("^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)")
    if d >= from and d <= to then
      rows[#rows + 1] = { date = d, open = tonumber(o), high = tonumber(h), low = tonumber(l), close = tonumber(c) }
    end
  end
  f:close()
  return rows
end

local assert_obj = setmetatable({}, {
  __index = A,
  __call = function(_, v, msg, ...)
    if not v then failure(msg or "assertion failed", 2) end
    return v, msg, ...
  end,
})

--- Runs one spec file in the current (fresh, trusted) state. Returns passed, failed.
function M.run_file(path, filter)
  local root = { name = "", children = {}, before = {}, after = {} }
  local current = root
  local G = _G
  G.spec_dir = path:match("^(.*)/[^/]*$") or "."
  G.assert = assert_obj
  G.describe = function(name, fn)
    local node = { name = name, children = {}, before = {}, after = {}, parent = current }
    current.children[#current.children + 1] = node
    local saved = current
    current = node
    fn()
    current = saved
  end
  G.it = function(name, fn)
    current.children[#current.children + 1] = { name = name, fn = fn, parent = current }
  end
  G.pending = function(name)
    current.children[#current.children + 1] = { name = name, pending = true, parent = current }
  end
  G.before_each = function(fn) current.before[#current.before + 1] = fn end
  G.after_each = function(fn) current.after[#current.after + 1] = fn end

  local chunk, err = loadfile(path)
  if not chunk then
    io.write("FAIL ", path, "\n  ", err, "\n")
    return 0, 1
  end
  local ok, lerr = xpcall(chunk, debug.traceback)
  if not ok then
    io.write("FAIL ", path, " (while loading)\n  ", tostring(lerr), "\n")
    return 0, 1
  end

  local passed, failed, skipped = 0, 0, 0
  local function full_name(node)
    local parts = {}
    while node and node.name ~= "" do
      table.insert(parts, 1, node.name)
      node = node.parent
    end
    return table.concat(parts, " ")
  end
  local function run_hooks(node, key, reverse)
    local chain = {}
    local n = node
    while n do table.insert(chain, 1, n); n = n.parent end
    if reverse then
      for i = #chain, 1, -1 do for _, h in ipairs(chain[i][key]) do h() end end
    else
      for _, c in ipairs(chain) do for _, h in ipairs(c[key]) do h() end end
    end
  end
  local function handler(e)
    if type(e) == "table" and e.nt_test_failure then
      local where = debug.traceback("", 2):match("\n%s*([^\n]*_spec%.lua:%d+)")
      return (where and (where .. ": ") or "") .. e.msg
    end
    return debug.traceback(tostring(e), 2)
  end
  local function walk(node)
    for _, child in ipairs(node.children) do
      if child.children then
        walk(child)
      else
        local name = full_name(child)
        if filter == nil or filter == "" or name:find(filter, 1, true) then
          if child.pending then
            skipped = skipped + 1
          else
            local okr, e = xpcall(function()
              run_hooks(node, "before")
              child.fn()
            end, handler)
            local oka, ea = xpcall(function() run_hooks(node, "after", true) end, handler)
            if okr and oka then
              passed = passed + 1
            else
              failed = failed + 1
              io.write("FAIL ", path, ": ", name, "\n  ", tostring(e or ea):gsub("\n", "\n  "), "\n")
            end
          end
        end
      end
    end
  end
  walk(root)
  io.write(string.format("%s: %d passed, %d failed%s\n", path, passed, failed,
    skipped > 0 and (", " .. skipped .. " pending") or ""))
  return passed, failed
end

return M
