-- The `nt` library: what strategies and research scripts use (require "nt").
-- Host primitives are reached through LuaJIT's FFI over bindings/ntrun_ffi.h.
local core = require "nt._core"
local array = require "nt._array"

local nt = {
  version = core.ffi.string(core.C.ntrun_ffi_version()),
  abi_version = core.ABI_VERSION,
  array = array.new,
  is_array = array.is_array,
  ind = require "nt.ind",
  dtw = require "nt.dtw",
  stats = require "nt.stats",
  risk = require "nt.risk",
  time = require "nt.time",
  json = require "nt.json",
  msg = require "nt.msg",
}

-- nt.backtest runs whole backtests from Lua; it exists in trusted states only
-- (`ntrun exec`, `ntrun test`), where the host registers nt._host.
setmetatable(nt, {
  __index = function(t, k)
    if k == "backtest" then
      local ok, host = pcall(require, "nt.backtest")
      if not ok then error("nt.backtest is only available to trusted scripts (ntrun exec, ntrun test)", 2) end
      rawset(t, "backtest", host)
      return host
    end
    return nil
  end,
})

return nt
