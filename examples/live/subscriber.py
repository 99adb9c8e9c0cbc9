#!/usr/bin/env python3
"""Prints the decisions of an `ntrun run` live run (docs/live.md), one line per order event.

Connects to the run's publish endpoint and reads topic "orders" (OrderEvent envelopes) and
"status" (Heartbeats). Prints "# ready" once the first heartbeat arrived (the subscription is
then in place), one line per order event, and exits on the run's end-of-stream marker (a
Heartbeat Stopping), after --count order events, or after --timeout seconds.
Needs python3-zmq and python3-flatbuffers.
"""
import argparse
import sys
import time

import zmq

import ntrun_wire
from ntrun_wire import KIND_NAMES, SIDE_NAMES


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", default="tcp://127.0.0.1:5556", help="the run's publish endpoint")
    ap.add_argument("--symbols", default="SPX", help="comma-separated: names of the symbol ids")
    ap.add_argument("--count", type=int, default=0, help="exit after N order events (0: no limit)")
    ap.add_argument("--timeout", type=float, default=0, help="exit after S seconds (0: no limit)")
    a = ap.parse_args()
    symbols = a.symbols.split(",")

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.connect(a.endpoint)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    deadline = time.monotonic() + a.timeout if a.timeout else None
    ready = False
    events = fills = 0
    ended = "timeout"
    while True:
        wait = 200 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
        if deadline is not None and wait == 0:
            break
        if not sub.poll(min(wait, 200)):
            continue
        parts = sub.recv_multipart()
        if len(parts) != 2:
            continue
        for env in ntrun_wire.envelopes(parts[1]):
            got = ntrun_wire.read(env)
            if got is None:
                continue
            head, kind, body = got
            if not ready:
                ready = True
                print("# ready", flush=True)
            if ntrun_wire.is_end(kind, body):
                ended = "end of stream"
                break
            if body is None or kind != ntrun_wire.Body.Body.OrderEvent:
                continue
            events += 1
            k = KIND_NAMES.get(body.Kind(), str(body.Kind()))
            fills += k in ("Filled", "PartiallyFilled")
            sym = symbols[body.Symbol()] if body.Symbol() < len(symbols) else str(body.Symbol())
            line = (f"{k.lower()} order={body.OrderId()} {SIDE_NAMES.get(body.Side(), '?')} "
                    f"{body.Quantity():g} {sym}")
            if k in ("Filled", "PartiallyFilled"):
                line += f" @ {body.Price():.4f} commission={body.Commission():.2f}"
            if body.Reason():
                line += f" reason={body.Reason().decode()}"
            print(line, flush=True)
            if a.count and events >= a.count:
                ended = "count"
                break
        else:
            continue
        break
    print(f"# {events} order events, {fills} fills ({ended})", flush=True)
    sub.close()
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
