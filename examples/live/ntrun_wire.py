"""ntrun's wire envelopes for Python clients (docs/messages.md, docs/live.md).

The FlatBuffers classes are generated from transport/schema/ntrun.fbs by `flatc --python`, never
committed: this module uses $NTRUN_PYTHON_DIR, else build/python (made by the CMake build), else
runs flatc into a temporary folder. A pub/sub message is two frames, [topic][batch], the batch
being each envelope prefixed by its length (4 bytes, little-endian).
"""
import atexit
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SCHEMA = os.path.join(ROOT, "transport", "schema", "ntrun.fbs")
SCHEMA_VERSION = 1  # codec.hpp's schema_version
IDENTIFIER = b"NTRN"


def _generated_dir():
    for d in (os.environ.get("NTRUN_PYTHON_DIR"), os.path.join(ROOT, "build", "python")):
        if d and os.path.isfile(os.path.join(d, "ntrun", "wire", "Envelope.py")):
            return d
    tmp = tempfile.mkdtemp(prefix="ntrun_wire_")
    atexit.register(shutil.rmtree, tmp, True)
    try:
        subprocess.run(["flatc", "--python", "-o", tmp, SCHEMA], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"ntrun_wire: cannot generate the Python classes with flatc ({e}); "
                 "build ntrun (cmake --build) or install flatbuffers-compiler")
    return tmp


sys.path.insert(0, _generated_dir())

import flatbuffers  # noqa: E402  (python3-flatbuffers)
from ntrun.wire import (AgentState, Bar, Body, Envelope, Header, Heartbeat,  # noqa: E402
                        OrderEvent, OrderEventKind, Quote, Side)

KIND_NAMES = {v: k for k, v in vars(OrderEventKind.OrderEventKind).items() if not k.startswith("_")}
SIDE_NAMES = {Side.Side.Buy: "BUY", Side.Side.Sell: "SELL"}


class Encoder:
    """Builds size-prefixed envelopes with a sender id and a running sequence number."""

    def __init__(self, sender):
        self.sender = sender
        self.seq = 0

    def _finish(self, b, body_type, body, ts_event):
        Envelope.EnvelopeStart(b)
        self.seq += 1
        now = time.time_ns()
        Envelope.EnvelopeAddHeader(b, Header.CreateHeader(b, SCHEMA_VERSION, 0, self.sender,
                                                          self.seq, ts_event, now, 0))
        Envelope.EnvelopeAddBodyType(b, body_type)
        Envelope.EnvelopeAddBody(b, body)
        b.FinishSizePrefixed(Envelope.EnvelopeEnd(b), IDENTIFIER)
        return bytes(b.Output())

    def bar(self, symbol, ts_event, o, h, l, c, v):
        b = flatbuffers.Builder(128)
        Bar.BarStart(b)
        Bar.BarAddSymbol(b, symbol)
        Bar.BarAddOpen(b, o)
        Bar.BarAddHigh(b, h)
        Bar.BarAddLow(b, l)
        Bar.BarAddClose(b, c)
        Bar.BarAddVolume(b, v)
        return self._finish(b, Body.Body.Bar, Bar.BarEnd(b), ts_event)

    def quote(self, symbol, ts_event, bid, ask, bid_size=0.0, ask_size=0.0):
        b = flatbuffers.Builder(128)
        Quote.QuoteStart(b)
        Quote.QuoteAddSymbol(b, symbol)
        Quote.QuoteAddBid(b, bid)
        Quote.QuoteAddAsk(b, ask)
        Quote.QuoteAddBidSize(b, bid_size)
        Quote.QuoteAddAskSize(b, ask_size)
        return self._finish(b, Body.Body.Quote, Quote.QuoteEnd(b), ts_event)

    def heartbeat(self, state):
        b = flatbuffers.Builder(64)
        Heartbeat.HeartbeatStart(b)
        Heartbeat.HeartbeatAddState(b, state)
        return self._finish(b, Body.Body.Heartbeat, Heartbeat.HeartbeatEnd(b), time.time_ns())

    def end_of_stream(self):
        """The end-of-stream marker: a Heartbeat whose state is Stopping."""
        return self.heartbeat(AgentState.AgentState.Stopping)


def message(envelope):
    """The batch frame of one envelope: its length (4 bytes LE), then the envelope."""
    return struct.pack("<I", len(envelope)) + envelope


def envelopes(batch):
    """Splits a batch frame into envelopes (bytes, size prefix included)."""
    out, pos = [], 0
    while pos + 4 <= len(batch):
        (n,) = struct.unpack_from("<I", batch, pos)
        out.append(batch[pos + 4:pos + 4 + n])
        pos += 4 + n
    return out


def read(envelope):
    """(header, body_type, body table) of a size-prefixed envelope; None when it is not one."""
    if len(envelope) < 12 or envelope[8:12] != IDENTIFIER:
        return None
    env = Envelope.Envelope.GetRootAs(envelope, 4)
    head = env.Header()
    kind = env.BodyType()
    table = env.Body()
    body = None
    if kind == Body.Body.OrderEvent:
        body = OrderEvent.OrderEvent()
        body.Init(table.Bytes, table.Pos)
    elif kind == Body.Body.Heartbeat:
        body = Heartbeat.Heartbeat()
        body.Init(table.Bytes, table.Pos)
    return head, kind, body


def is_end(kind, body):
    return kind == Body.Body.Heartbeat and body.State() == AgentState.AgentState.Stopping
