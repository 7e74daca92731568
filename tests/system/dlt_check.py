#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks of the DLT tests (test_dlt.sh) on what the real tools print.

  dlt_check.py csv FILE.csv               the rows of DLT Viewer's CSV
                                          export, as JSON lines
  dlt_check.py stamps FILE.csv OUT.jsonl  every record of OUT (earlydata
                                          consume --output) is in the CSV
                                          in order, with its text, its
                                          timestamp (0.1 ms) and its
                                          storage time (--dlt-clock uptime)
  dlt_check.py once FILE.csv N [CTID]     the records (of context CTID)
                                          are the generated payloads
                                          n = 0..N-1, each once, in order
  dlt_check.py channels FILE.csv OUT.jsonl CHANNEL=CTID...
                                          per channel, every line of OUT
                                          (earlydata consume --output, the
                                          same run as the DLT file) is its
                                          message in the CSV, in order: a
                                          record with its payload and time
                                          stamp, a loss as its warning
  dlt_check.py ordered FILE.csv N LOST [CTID]
                                          as once, but up to LOST records
                                          may be missing (none twice, the
                                          rest in order)
  dlt_check.py predates FILE.csv CTID TEXT the first message of context
                                          CTID has a time stamp at least
                                          0.5 s before the first message
                                          containing TEXT
  dlt_check.py losses FILE.csv N REASON   generated records and warnings
                                          "lost K records, seq A..B
                                          (REASON)" account for n = 0..N-1
                                          exactly, each warning in its
                                          place
"""
import csv
import datetime
import json
import re
import sys


def rows(path):
    csv.field_size_limit(sys.maxsize)  # a record of 256 KiB: a long field
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        return list(csv.DictReader(f))


def fail(msg):
    print("dlt_check: " + msg)
    sys.exit(1)


def stamps(csv_path, out_path):
    got = rows(csv_path)
    want = [json.loads(l) for l in open(out_path) if '"seq"' in l]
    if len(got) != len(want):
        fail("%d DLT messages, %d records" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        ts = w["ts_ns"]
        tm = ts // 100000 % 2**32  # the header's 0.1 ms field wraps
        tmsp = "%d.%04d" % (tm // 10000, tm % 10000)
        # Storage time of --dlt-clock uptime: ts_ns since 1970, in UTC.
        sec, usec = ts // 10**9, ts % 10**9 // 1000
        when = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=sec)
        stamp = when.strftime("%Y/%m/%d %H:%M:%S") + ".%06d" % usec
        if g["Payload"] != w["data"]:
            fail("message %d: payload %r, record %r" % (i, g["Payload"],
                                                        w["data"]))
        if g["Timestamp"] != tmsp:
            fail("message %d: timestamp %s, record ts_ns %d" %
                 (i, g["Timestamp"], ts))
        if g["Time"] != stamp:
            fail("message %d: time %s, want %s" % (i, g["Time"], stamp))
        if int(g["Count"]) != w["seq"] % 256:
            fail("message %d: counter %s, seq %d" % (i, g["Count"],
                                                     w["seq"]))


def channels(csv_path, out_path, pairs):
    got = rows(csv_path)
    lines = [json.loads(l) for l in open(out_path)]
    total = 0
    for pair in pairs:
        name, ctid = pair.split("=")
        want = [w for w in lines if w["channel"] == name]
        have = [g for g in got if g["Ctid"] == ctid]
        if len(want) != len(have):
            fail("channel %s: %d lines, %d DLT messages of context %s" %
                 (name, len(want), len(have), ctid))
        for i, (w, g) in enumerate(zip(want, have)):
            if "loss" in w:
                l = w["loss"]
                text = "lost %d records, seq %d..%d (%s)" % (
                    l["count"], l["first"], l["first"] + l["count"] - 1,
                    l["reason"])
                if g["Subtype"] != "warn" or text not in g["Payload"]:
                    fail("channel %s line %d: loss %r, message %r" %
                         (name, i, l, g["Payload"]))
                continue
            tm = w["ts_ns"] // 100000 % 2**32
            if g["Timestamp"] != "%d.%04d" % (tm // 10000, tm % 10000) or \
                    g["Payload"] != w["data"]:
                fail("channel %s line %d: record %r, message %s %r" %
                     (name, i, w, g["Timestamp"], g["Payload"]))
        total += len(want)
    if total != len(got):
        fail("%d DLT messages, %d lines of these channels" % (len(got), total))
    print("%d messages, each its record or loss, in order" % total)


def generated(g):
    m = re.match(r'\{"ch":"[^"]*","n":(\d+),', g["Payload"])
    return int(m.group(1)) if m else None


def once(csv_path, n, ctid=None):
    ns = [generated(g) for g in rows(csv_path)
          if ctid is None or g["Ctid"] == ctid]
    if ns != list(range(n)):
        dups = len(ns) - len(set(ns))
        fail("%d messages (%d duplicated), not n = 0..%d in order" %
             (len(ns), dups, n - 1))


def ordered(csv_path, n, lost_max, ctid=None):
    """Records 0..n-1 in order, none twice, at most lost_max missing."""
    ns = [generated(g) for g in rows(csv_path)
          if ctid is None or g["Ctid"] == ctid]
    missing = n - len(set(ns))
    if (ns != sorted(set(ns)) or any(x is None or x >= n for x in ns)
            or missing > lost_max):
        dups = len(ns) - len(set(ns))
        fail("%d messages (%d duplicated, %d missing), not n = 0..%d in "
             "order with at most %d missing" %
             (len(ns), dups, missing, n - 1, lost_max))
    print("%d of %d messages, in order, none twice" % (len(ns), n))


def predates(csv_path, ctid, text):
    got = rows(csv_path)
    first = next((g for g in got if g["Ctid"] == ctid), None)
    mark = next((g for g in got if text in g["Payload"]), None)
    if not first or not mark:
        fail("no message of context %s, or none saying %r" % (ctid, text))
    a, b = float(first["Timestamp"]), float(mark["Timestamp"])
    if not a + 0.5 <= b:
        fail("first %s message at %.4f s, %r at %.4f s" % (ctid, a, text, b))


def losses(csv_path, n, reason):
    nxt = 0
    lost = 0
    for g in rows(csv_path):
        k = generated(g)
        if k is not None:
            if k != nxt:
                fail("record n=%d where n=%d was due" % (k, nxt))
            nxt += 1
            continue
        m = re.search(r"lost (\d+) records, seq (\d+)\.\.(\d+) \((\w+[-\w]*)\)",
                      g["Payload"])
        if not m or g["Subtype"] != "warn":
            fail("unexpected message %r" % g)
        cnt, a, b, why = int(m.group(1)), int(m.group(2)), int(m.group(3)), \
            m.group(4)
        if why != reason or a != nxt or b != a + cnt - 1:
            fail("warning %r at n=%d" % (g["Payload"], nxt))
        nxt += cnt
        lost += cnt
    if nxt != n or not lost:
        fail("records and losses reach n=%d (%d lost), not %d" %
             (nxt, lost, n))
    print("%d delivered, %d lost" % (n - lost, lost))


def main():
    cmd = sys.argv[1]
    if cmd == "csv":
        for r in rows(sys.argv[2]):
            print(json.dumps(r))
    elif cmd == "stamps":
        stamps(sys.argv[2], sys.argv[3])
    elif cmd == "once":
        once(sys.argv[2], int(sys.argv[3]),
             sys.argv[4] if len(sys.argv) > 4 else None)
    elif cmd == "ordered":
        ordered(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                sys.argv[5] if len(sys.argv) > 5 else None)
    elif cmd == "channels":
        channels(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "predates":
        predates(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "losses":
        losses(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
