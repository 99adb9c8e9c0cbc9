-- nt.array, the public module: the constructor and the test of host-owned arrays. The
-- helpers that reach their memory stay in the private nt._array.
local array = require "nt._array"

return { new = array.new, is_array = array.is_array }
