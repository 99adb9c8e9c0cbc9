#!/usr/bin/env python3
"""Replays a CSV of daily OHLCV bars as a live ntrun feed (docs/live.md).

Binds an XPUB socket, waits until a subscriber (ntrun run) has subscribed, then publishes one
Bar envelope per row on topic "md" (Bar.symbol = --symbol-index, ts_event = the row's date at
00:00 UTC), at --speed bars per second or as fast as the subscriber takes them ("max", the
default), and ends with the end-of-stream marker (a Heartbeat whose state is Stopping).
Needs python3-zmq and python3-flatbuffers.
"""
import argparse
import calendar
import csv
import os
import sys
import time

import zmq

import ntrun_wire

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CSV = os.path.join(HERE, "..", "data", "sp500_index_ohlcv_daily_2000_2020.csv")


def rows(path, limit):
    with open(path, newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            if limit and i >= limit:
                return
            day = calendar.timegm(time.strptime(r["date"][:10], "%Y-%m-%d"))
            yield (day * 1_000_000_000, float(r["open"]), float(r["high"]), float(r["low"]),
                   float(r["close"]), float(r.get("volume") or 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", default="tcp://127.0.0.1:5555", help="where to bind")
    ap.add_argument("--csv", default=DEFAULT_CSV, help="date,open,high,low,close[,volume] rows")
    ap.add_argument("--limit", type=int, default=0, help="publish the first N rows only")
    ap.add_argument("--symbol-index", type=int, default=0, help="Bar.symbol (index into the bundle's symbols)")
    ap.add_argument("--speed", default="max", help="bars per second, or max")
    ap.add_argument("--sender", type=int, default=100, help="agent id in the envelopes' headers")
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for a subscriber")
    a = ap.parse_args()
    gap = 0.0 if a.speed == "max" else 1.0 / float(a.speed)

    ctx = zmq.Context()
    pub = ctx.socket(zmq.XPUB)
    pub.setsockopt(zmq.XPUB_NODROP, 1)  # a full subscriber makes send wait, nothing is lost
    pub.setsockopt(zmq.LINGER, 10_000)
    pub.bind(a.endpoint)
    # The handshake: an XPUB receives each subscription; bars sent before one are lost.
    if not pub.poll(int(a.wait * 1000)):
        print(f"publisher: no subscriber on {a.endpoint} after {a.wait:g} s", file=sys.stderr)
        return 1
    pub.recv()
    print(f"publisher: subscriber on {a.endpoint}, publishing", file=sys.stderr, flush=True)

    enc = ntrun_wire.Encoder(a.sender)
    n = 0
    for ts, o, h, l, c, v in rows(a.csv, a.limit):
        pub.send_multipart([b"md", ntrun_wire.message(enc.bar(a.symbol_index, ts, o, h, l, c, v))])
        n += 1
        if gap:
            time.sleep(gap)
    pub.send_multipart([b"md", ntrun_wire.message(enc.end_of_stream())])
    print(f"publisher: {n} bars and the end-of-stream marker sent", file=sys.stderr, flush=True)
    pub.close()  # lingers until the queue is out (at most 10 s)
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
