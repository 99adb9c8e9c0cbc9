-- luacheck configuration (`luacheck .` from the repo root). LuaJIT everywhere; strategies,
-- specs and the LuaLS stubs each get the globals their environment provides.
std = "luajit"
max_line_length = 150
exclude_files = {
  "build/**",                                     -- generated, and build trees
  "scripts/types/**",                             -- LuaLS stubs: declarations only, never run
  "tests/lua/fixtures/err_syntax/strategy.lua",   -- broken on purpose (host_errors_spec)
  "tests/lua/fixtures/bad_bundles/syntax/bundle.lua",
  "tests/lua/fixtures/escape/link_out/secret.lua",  -- a link to a CSV, not Lua (sandbox_spec)
  "tests/lua/fixtures/escape/reach/bytecode.lua",   -- a bytecode header, refused by require
}

-- A strategy file defines its callbacks as globals and reads the sandbox's `nt`. Callback
-- signatures are fixed, so their usual unused parameters are not worth a warning.
local strategy = {
  globals = {
    "on_start", "on_bar", "on_timestamp", "on_order_accepted", "on_order_filled", "on_order_rejected",
    "on_order_canceled", "on_order_expired", "on_order_modified", "on_timer", "on_risk_state", "on_stop",
    "on_save", "on_load", "on_message", "on_proposal", "on_decision",
  },
  read_globals = { "nt" },
  ignore = { "212/ctx", "212/bar", "212/ev", "212/event", "212/fill", "212/order", "212/timer" },
}
files["strategies/**/*.lua"] = strategy
files["examples/**/*.lua"] = strategy
files["bench/**/*.lua"] = strategy
files["tests/lua/fixtures/**/*.lua"] = strategy

-- Specs run by `ntrun test` (scripts/nt/test.lua): busted-style globals and assert's matchers.
local spec_globals = { "describe", "it", "pending", "before_each", "after_each", "spec_dir" }
local spec = { read_globals = { assert = { other_fields = true } } }
for _, name in ipairs(spec_globals) do table.insert(spec.read_globals, name) end
files["tests/lua/**/*_spec.lua"] = spec
files["strategies/**/*_spec.lua"] = spec
files["examples/**/*_spec.lua"] = spec
-- The spec runner is what installs them.
files["scripts/nt/test.lua"] = { globals = spec_globals }
