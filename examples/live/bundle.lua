-- Paper trading on a live feed (docs/live.md): bars arrive over ZeroMQ from publisher.py (or
-- any client publishing Bar envelopes), the simulated venue fills against them, and every
-- order event is published for subscriber.py.
return {
  name = "live",
  description = "SMA(10/30) crossover on bars published over ZeroMQ; order events published back",
  strategy = "strategy.lua",
  -- Bar.symbol 0 is SPX. ntrun connects here; the publisher binds (ntrun run --feed to change).
  data = { { zmq = "tcp://127.0.0.1:5555", symbols = { "SPX" } } },
  -- Order events (topic "orders") and heartbeats ("status"); ntrun binds (--publish to change).
  publish = "tcp://127.0.0.1:5556",
  params = { fast = 10, slow = 30, fraction = 0.95 },
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
}
