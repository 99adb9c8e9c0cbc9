-- nt.msg: the message builders agents publish with ctx:publish (docs/agents.md). The reading
-- and publishing machinery is private (nt._msg).
local p = require "nt._msg"
return { signal = p.signal, risk = p.risk }
