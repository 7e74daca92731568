#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn one benchmark run (raw.jsonl + machine.json in OUT) into
report.md, results.json and the gnuplot data and script (plots.gp).

Every figure is the median of the runs, with min and max; every result
is also given as a ratio to the hardware limit and to the alternatives
measured in the same run. Usage: report.py OUT
"""
import json
import os
import statistics
import sys

SIZES = [64, 1024, 65536]
SIZE_NAME = {0: "-", 8: "8 B", 64: "64 B", 1024: "1 KiB", 65536: "64 KiB"}
METRICS = ["records_per_s", "gb_per_s", "prod_cpu_ns_per_record",
           "cons_cpu_ns_per_record", "p50_ns", "p99_ns", "p999_ns",
           "max_ns", "attach_ns", "fill_gb_per_s", "ns_per_call"]
TPUT_ROWS = [("earlydata", "copy", "Earlydata, copying read"),
             ("earlydata", "peek", "Earlydata, zero-copy read"),
             ("iceoryx", "copy", "iceoryx, copied out"),
             ("iceoryx", "peek", "iceoryx, read in place (every byte summed)"),
             ("pipe", "copy", "pipe"),
             ("stream", "copy", "UNIX stream socket"),
             ("seqpacket", "copy", "UNIX seqpacket socket")]


def load(out):
    groups = {}
    with open(os.path.join(out, "raw.jsonl")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            key = (r["bench"], r["impl"], r["mode"], r["size"],
                   r.get("leg", ""))
            groups.setdefault(key, []).append(r)
    res = {}
    for key, rows in groups.items():
        agg = {"runs": len(rows)}
        for m in METRICS:
            vals = [r[m] for r in rows if m in r]
            if vals:
                agg[m] = {"median": statistics.median(vals),
                          "min": min(vals), "max": max(vals)}
        res[key] = agg
    return res


def med(res, key, m):
    g = res.get(key)
    return g[m]["median"] if g and m in g else None


def fmt_rate(v):
    if v is None:
        return "n/a"
    if v >= 1e6:
        return "%.2f M" % (v / 1e6)
    if v >= 1e3:
        return "%.1f k" % (v / 1e3)
    return "%.0f" % v


def fmt_ns(v):
    if v is None:
        return "n/a"
    if v >= 1e6:
        return "%.2f ms" % (v / 1e6)
    if v >= 1e3:
        return "%.1f µs" % (v / 1e3)
    return "%.0f ns" % v


def fmt_x(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.2f×" % (a / b)


def spread(res, key, m, f):
    g = res.get(key)
    if not g or m not in g:
        return "n/a"
    return "%s (%s–%s)" % (f(g[m]["median"]), f(g[m]["min"]),
                           f(g[m]["max"]))


def gbs(v):
    return "%.3g" % v


def hw_section(res, lines):
    lines.append("## Hardware limits measured in this run\n")
    lines.append("| limit | 64 B | 1 KiB | 64 KiB |")
    lines.append("|---|---:|---:|---:|")
    for mode, name in (("hot", "memcpy, blocks in cache, GB/s"),
                       ("ring", "memcpy into a 2 MiB ring, GB/s"),
                       ("large", "memcpy from a 96 MiB source, GB/s"),
                       ("xcore", "cross-core ring (copy in, read in "
                                 "place), GB/s")):
        lines.append("| %s | %s |" % (name, " | ".join(
            spread(res, ("memcpy", "memcpy", mode, sz, ""), "gb_per_s", gbs)
            for sz in SIZES)))
    lines.append("| the driver's CRC32C on cached data, GB/s | %s |" % (
        " | ".join(spread(res, ("crc", "crc32c", "cached", sz, ""),
                          "gb_per_s", gbs) for sz in SIZES)))
    cl = ("latency", "cacheline", "poll", 64, "one-way")
    lines.append("")
    lines.append("Cache-line ping-pong between the two CPUs, one way: p50 %s,"
                 " p99 %s. One clock_gettime(CLOCK_MONOTONIC): %s.\n" % (
                     spread(res, cl, "p50_ns", fmt_ns),
                     fmt_ns(med(res, cl, "p99_ns")),
                     spread(res, ("clock", "clock_gettime", "monotonic", 0,
                                  ""), "ns_per_call", fmt_ns)))


def tput_section(res, lines, ratios):
    lines.append("## Throughput\n")
    lines.append(
        "Records of one size from a producer process (CPU 0) to a consumer "
        "process (CPU 1); nothing is lost (Earlydata's block policy, "
        "iceoryx waiting for the subscriber, the kernel's own flow "
        "control). GB/s counts payload bytes. *of memcpy*: fraction of "
        "the memcpy bandwidth for the same block size into a 2 MiB ring "
        "(the size of Earlydata's ring here) on one CPU, measured in the "
        "same run. *of cross-core*: fraction of the cross-core copy ring "
        "(two processes on the two CPUs: memcpy() into a shared 2 MiB ring, "
        "the consumer reads every byte in place, no checks): about the "
        "most a transfer between two processes can reach on this "
        "machine. "
        "*Earlydata ×*: the Earlydata rate (copying read / zero-copy read) "
        "divided by this row's. CPU: user+system time of each process per "
        "record.\n")
    for size in SIZES:
        mc = med(res, ("memcpy", "memcpy", "ring", size, ""), "gb_per_s")
        edc = med(res, ("throughput", "earlydata", "copy", size, ""),
                  "records_per_s")
        edp = med(res, ("throughput", "earlydata", "peek", size, ""),
                  "records_per_s")
        lines.append("### %s records\n" % SIZE_NAME[size])
        xc = med(res, ("memcpy", "memcpy", "xcore", size, ""), "gb_per_s")
        lines.append("| transfer | records/s | GB/s median (min–max) | of "
                     "memcpy | of cross-core | Earlydata copy × | "
                     "Earlydata zero-copy × | CPU/record producer | "
                     "CPU/record consumer |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for impl, mode, name in TPUT_ROWS:
            key = ("throughput", impl, mode, size, "")
            if key not in res:
                continue
            rate = med(res, key, "records_per_s")
            gb = med(res, key, "gb_per_s")
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, fmt_rate(rate), spread(res, key, "gb_per_s", gbs),
                fmt_x(gb, mc), fmt_x(gb, xc), fmt_x(edc, rate),
                fmt_x(edp, rate),
                fmt_ns(med(res, key, "prod_cpu_ns_per_record")),
                fmt_ns(med(res, key, "cons_cpu_ns_per_record"))))
            ratios.append({"bench": "throughput", "impl": impl,
                           "mode": mode, "size": size,
                           "of_memcpy": gb / mc if gb and mc else None,
                           "of_cross_core": gb / xc if gb and xc else None,
                           "earlydata_copy_x": edc / rate if rate else None,
                           "earlydata_peek_x": edp / rate if rate else None})
        for mode, name in (("xcore", "cross-core ring, two processes "
                                     "(limit)"),
                           ("ring", "memcpy into a 2 MiB ring, one CPU "
                                    "(limit)"),
                           ("hot", "memcpy, both blocks in cache")):
            key = ("memcpy", "memcpy", mode, size, "")
            if key in res:
                r = med(res, key, "records_per_s")
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                             % (name, fmt_rate(r),
                                spread(res, key, "gb_per_s", gbs),
                                fmt_x(med(res, key, "gb_per_s"), mc),
                                fmt_x(med(res, key, "gb_per_s"), xc),
                                fmt_x(edc, r), fmt_x(edp, r),
                                fmt_ns(med(res, key,
                                           "prod_cpu_ns_per_record")),
                                fmt_ns(med(res, key,
                                           "cons_cpu_ns_per_record"))
                                if mode == "xcore" else ""))
        lines.append("")


LAT_SLEEP = [("eventfd", 0), ("futex", 0), ("pipe", None), ("iceoryx", None),
             ("earlydata", None)]
LAT_POLL = [("eventfd", 0), ("pipe", None), ("iceoryx", None),
            ("earlydata", None)]


def lat_row(res, lines, name, key, ref, ratios, refname):
    g = res.get(key)
    if not g:
        return
    p50 = med(res, key, "p50_ns")
    lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
        name, SIZE_NAME.get(key[3], str(key[3])),
        spread(res, key, "p50_ns", fmt_ns), fmt_ns(med(res, key, "p99_ns")),
        fmt_ns(med(res, key, "p999_ns")), fmt_ns(med(res, key, "max_ns")),
        fmt_x(p50, ref)))
    ratios.append({"bench": "latency", "impl": key[1], "mode": key[2],
                   "size": key[3], "leg": key[4],
                   "p50_over_" + refname: p50 / ref if ref else None})


def lat_section(res, lines, ratios):
    ev = med(res, ("latency", "eventfd", "sleep", 0, "write-to-wake"),
             "p50_ns")
    cl = med(res, ("latency", "cacheline", "poll", 64, "one-way"), "p50_ns")
    lines.append("## Notification latency, one way\n")
    lines.append(
        "The sender reads CLOCK_MONOTONIC and sends (the time travels in "
        "the record, message or a shared page); the receiver reads the "
        "clock as soon as it holds it. Samples are spaced by about 100 µs (more than the 20 µs Earlydata polls before it sleeps), "
        "so a sleeping receiver is asleep when the next one comes. p50 "
        "with min–max over the runs; p99, p99.9 and max are medians over "
        "the runs.\n")
    lines.append("### Sleeping receiver\n")
    lines.append("Ratio: p50 divided by the raw eventfd wake-up's p50.\n")
    lines.append("| mechanism | record | p50 (min–max) | p99 | p99.9 | max "
                 "| ÷ eventfd |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for impl, fixed in LAT_SLEEP:
        for size in ([fixed] if fixed is not None else SIZES):
            lat_row(res, lines, impl, ("latency", impl, "sleep", size,
                                       "write-to-wake"), ev, ratios,
                    "eventfd")
    lat_row(res, lines, "XIRQ (nkops, trigger to thread)",
            ("latency", "xirq", "sleep", 0, "total"), ev, ratios, "eventfd")
    lines.append("")
    lines.append("### Polling receiver\n")
    lines.append("Ratio: p50 divided by the cache-line ping-pong's one-way "
                 "p50 (half a round trip between the two CPUs).\n")
    lines.append("| mechanism | record | p50 (min–max) | p99 | p99.9 | max "
                 "| ÷ cache line |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    lat_row(res, lines, "cache-line ping-pong (limit)",
            ("latency", "cacheline", "poll", 64, "one-way"), cl, ratios,
            "cacheline")
    for impl, fixed in LAT_POLL:
        for size in ([fixed] if fixed is not None else SIZES):
            lat_row(res, lines, impl, ("latency", impl, "poll", size,
                                       "write-to-wake"), cl, ratios,
                    "cacheline")
    lines.append("")
    lines.append("### XIRQ legs (like xirq-bench)\n")
    lines.append("nk_xirq_trigger() from VM 1 to VM 2: the trigger call in "
                 "the sender, trigger to the handler in the receiver's "
                 "interrupt thread, handler to a thread it wakes.\n")
    lines.append("| leg | p50 (min–max) | p99 | p99.9 | max |")
    lines.append("|---|---:|---:|---:|---:|")
    for leg in ("trigger-call", "trigger-to-handler", "handler-to-thread",
                "total"):
        key = ("latency", "xirq", "sleep", 0, leg)
        if key in res:
            lines.append("| %s | %s | %s | %s | %s |" % (
                leg, spread(res, key, "p50_ns", fmt_ns),
                fmt_ns(med(res, key, "p99_ns")),
                fmt_ns(med(res, key, "p999_ns")),
                fmt_ns(med(res, key, "max_ns"))))
    lines.append("")
    return ev, cl


def drain_section(res, lines, ratios, meta):
    lines.append("## Backlog drain\n")
    lines.append(
        "The producer writes %d MiB of payload before the consumer process "
        "exists; the consumer then joins its VM, starts the driver "
        "(*attach*) and delivers the whole backlog (timed). *of memcpy*: "
        "fraction of the memcpy bandwidth for the same block size from a "
        "96 MiB source just written (what reading a backlog larger than "
        "the caches costs at least).\n" % (meta.get("drain_bytes", 0) >> 20))
    lines.append("| record | read | GB/s (min–max) | records/s | of memcpy "
                 "| attach | CPU/record consumer |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for size in SIZES:
        mc = med(res, ("memcpy", "memcpy", "large", size, ""), "gb_per_s")
        for mode in ("copy", "peek"):
            key = ("drain", "earlydata", mode, size, "")
            if key not in res:
                continue
            gb = med(res, key, "gb_per_s")
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                SIZE_NAME[size], "copying" if mode == "copy" else
                "zero-copy", spread(res, key, "gb_per_s", gbs),
                fmt_rate(med(res, key, "records_per_s")), fmt_x(gb, mc),
                fmt_ns(med(res, key, "attach_ns")),
                fmt_ns(med(res, key, "cons_cpu_ns_per_record"))))
            ratios.append({"bench": "drain", "impl": "earlydata",
                           "mode": mode, "size": size,
                           "of_memcpy": gb / mc if gb and mc else None})
        key = ("memcpy", "memcpy", "large", size, "")
        if key in res:
            lines.append("| %s | memcpy from 96 MiB (limit) | %s | %s | "
                         "1.00× | | |" % (SIZE_NAME[size],
                                          spread(res, key, "gb_per_s", gbs),
                                          fmt_rate(med(res, key,
                                                       "records_per_s"))))
    lines.append("")


def targets(res, ev, cl):
    t = []

    def add(name, value, limit, ok, detail):
        t.append({"target": name, "value": value, "limit": limit,
                  "met": bool(ok) if value is not None and
                  limit is not None else None, "detail": detail})

    def tp(impl, mode, size, m="gb_per_s"):
        return med(res, ("throughput", impl, mode, size, ""), m)

    mc64k = med(res, ("memcpy", "memcpy", "ring", 65536, ""), "gb_per_s")
    for mode, nm in (("copy", "copying"), ("peek", "zero-copy")):
        v = tp("earlydata", mode, 65536)
        add("64 KiB, %s read: ≥ 0.5 × memcpy bandwidth" % nm,
            v, mc64k and 0.5 * mc64k, v and mc64k and v >= 0.5 * mc64k,
            "%s GB/s vs memcpy %s GB/s (%s)" % (
                gbs(v or 0), gbs(mc64k or 0), fmt_x(v, mc64k)))
        s = tp("stream", "copy", 65536)
        add("64 KiB, %s read: ≥ 4 × UNIX stream socket" % nm,
            v, s and 4 * s, v and s and v >= 4 * s,
            "%s GB/s vs stream %s GB/s (%s)" % (gbs(v or 0), gbs(s or 0),
                                                fmt_x(v, s)))
        v = tp("earlydata", mode, 64, "records_per_s")
        s = tp("seqpacket", "copy", 64, "records_per_s")
        add("64 B, %s read: ≥ 25 × UNIX seqpacket record rate" % nm,
            v, s and 25 * s, v and s and v >= 25 * s,
            "%s rec/s vs seqpacket %s rec/s (%s)" % (
                fmt_rate(v), fmt_rate(s), fmt_x(v, s)))
        for size in SIZES:
            v = tp("earlydata", mode, size, "records_per_s")
            s = tp("iceoryx", mode, size, "records_per_s")
            add("%s, %s read: ahead of iceoryx" % (SIZE_NAME[size], nm),
                v, s, v and s and v > s,
                "%s rec/s vs iceoryx %s rec/s (%s)" % (
                    fmt_rate(v), fmt_rate(s), fmt_x(v, s)))
    v = med(res, ("latency", "earlydata", "sleep", 64, "write-to-wake"),
            "p50_ns")
    add("sleeping consumer wake-up p50 ≤ 1.2 × raw eventfd (64 B)", v,
        ev and 1.2 * ev, v and ev and v <= 1.2 * ev,
        "%s vs eventfd %s (%s)" % (fmt_ns(v), fmt_ns(ev), fmt_x(v, ev)))
    v = med(res, ("latency", "earlydata", "poll", 64, "write-to-wake"),
            "p50_ns")
    add("polling consumer latency p50 ≤ 2 × cache-line ping-pong (64 B)", v,
        cl and 2 * cl, v and cl and v <= 2 * cl,
        "%s vs ping-pong one way %s (%s)" % (fmt_ns(v), fmt_ns(cl),
                                             fmt_x(v, cl)))
    for mode, nm in (("copy", "copying"), ("peek", "zero-copy")):
        v = med(res, ("drain", "earlydata", mode, 65536, ""), "gb_per_s")
        m = med(res, ("memcpy", "memcpy", "large", 65536, ""), "gb_per_s")
        add("backlog drain, 64 KiB records, %s read: ≥ 0.5 × memcpy" % nm,
            v, m and 0.5 * m, v and m and v >= 0.5 * m,
            "%s GB/s vs memcpy %s GB/s (%s)" % (gbs(v or 0), gbs(m or 0),
                                                fmt_x(v, m)))
    return t


def analysis(res, lines, tg):
    """Where a target is missed: the measurements in this run that bound it."""
    def m(key, metric):
        return med(res, key, metric)

    missed = [x for x in tg if x["met"] is False]
    lines.append("## What limits the missed targets\n")
    if not missed:
        lines.append("Every target is met in this run.\n")
        return
    mc = m(("memcpy", "memcpy", "ring", 65536, ""), "gb_per_s")
    xc = m(("memcpy", "memcpy", "xcore", 65536, ""), "gb_per_s")
    ed = max(m(("throughput", "earlydata", k, 65536, ""), "gb_per_s") or 0
             for k in ("copy", "peek"))
    crc64k = m(("crc", "crc32c", "cached", 65536, ""), "gb_per_s")
    if mc and xc:
        lines.append(
            "* **64 KiB vs memcpy.** Half the one-CPU memcpy bandwidth is "
            "%s GB/s. The cross-core ring, which only moves the bytes from "
            "one CPU to the other (the producer copies them in, the "
            "consumer reads them in place; no CRC, header or validation), "
            "reaches %s GB/s here (%s of memcpy): bytes that cross from one "
            "CPU's cache to the other's cost more than a copy on one CPU. "
            "Earlydata reaches %s of that limit. Besides the copy, each "
            "side runs the CRC32C over every payload byte (the producer to "
            "seal the record, the consumer to check what it hands out), at "
            "%s GB/s on cached data here; copy then CRC on one CPU bounds "
            "the producer at %s GB/s even before any byte crosses to the "
            "other CPU; 4 × the stream socket (%s GB/s) is above that bound "
            "too." % (gbs(mc / 2), gbs(xc), fmt_x(xc, mc), fmt_x(ed, xc),
                      gbs(crc64k or 0),
                      gbs(1 / (1 / mc + 1 / crc64k)) if crc64k else "n/a",
                      gbs(4 * (m(("throughput", "stream", "copy", 65536,
                                  ""), "gb_per_s") or 0))))
    sq = m(("throughput", "seqpacket", "copy", 64, ""), "records_per_s")
    x64 = m(("memcpy", "memcpy", "xcore", 64, ""), "records_per_s")
    e64 = max(m(("throughput", "earlydata", k, 64, ""), "records_per_s") or 0
              for k in ("copy", "peek"))
    clk = m(("clock", "clock_gettime", "monotonic", 0, ""), "ns_per_call")
    if sq and x64:
        lines.append(
            "* **64 B vs 25 × seqpacket.** The target is %s records/s; the "
            "cross-core ring, with nothing but a head and a tail "
            "counter, moves %s records/s. Earlydata does %s. Per record, "
            "the producer reads the clock for the record's time stamp "
            "(%s a read here), takes the channel lock, CRCs and copies, "
            "publishes head and next_seq and checks whether the consumer "
            "sleeps (a full barrier and a load of the consumer's wait "
            "line); the consumer validates the record header, checks the "
            "CRC, persists its read position in shared memory (so a "
            "restarted consumer resumes exactly once) and checks whether "
            "the producer waits. The ring (version 2) keeps each side's "
            "wait generation on a line of its own, the producer reloads "
            "the read position only when its own view says the ring is "
            "full and the consumer reloads head only when it has read up "
            "to the head it last validated; in the profile what is left is "
            "the clock read and the CRC (about an eighth of the time "
            "each), the two lock round trips, and the record's own lines "
            "crossing between the CPUs (see the ping-pong)."
            % (fmt_rate(25 * sq), fmt_rate(x64), fmt_rate(e64),
               fmt_ns(clk)))
    ev = m(("latency", "eventfd", "sleep", 0, "write-to-wake"), "p50_ns")
    es = m(("latency", "earlydata", "sleep", 64, "write-to-wake"), "p50_ns")
    th = m(("latency", "xirq", "sleep", 0, "trigger-to-handler"), "p50_ns")
    ht = m(("latency", "xirq", "sleep", 0, "handler-to-thread"), "p50_ns")
    tc = m(("latency", "xirq", "sleep", 0, "trigger-call"), "p50_ns")
    if ev and es and th and ht:
        lines.append(
            "* **Sleeping wake-up vs eventfd.** An XIRQ of a process VM is an "
            "eventfd; through the VM's interrupt thread, trigger to handler "
            "costs %s (raw eventfd wake-up: %s) and the handler's wake-up "
            "of a sleeping thread another %s (XIRQ legs). An Earlydata "
            "reader waiting on one channel takes the channel's XIRQ itself "
            "(`nkddi_xirq_wait`): it sleeps in poll() on the eventfd and "
            "runs the handler in its own thread, without that second hop: "
            "%s. What remains above a blocking read() of an eventfd: the "
            "XIRQ's eventfd is non-blocking (nkhv and the peer share it), "
            "so the reader wakes in poll() and then reads the counter, and "
            "hands the source back to the interrupt thread (epoll_ctl), "
            "two system calls more; then the handler and the read of the "
            "record; the producer writes the record before it triggers "
            "(the trigger call itself: %s)." % (fmt_ns(th), fmt_ns(ev),
                                               fmt_ns(ht), fmt_ns(es),
                                               fmt_ns(tc)))
    cl = m(("latency", "cacheline", "poll", 64, "one-way"), "p50_ns")
    ep = m(("latency", "earlydata", "poll", 64, "write-to-wake"), "p50_ns")
    if cl and ep:
        lines.append(
            "* **Polling latency vs ping-pong.** One cache line crosses in "
            "%s; a record needs the head line, the record's own line(s) "
            "and, before the producer's write returns, the consumer's "
            "control line, and the producer's write includes a clock read "
            "(%s) and the CRC; the polling consumer's loop (lock, "
            "validation) adds on average half an iteration. Earlydata "
            "polling p50: %s." % (fmt_ns(cl), fmt_ns(clk), fmt_ns(ep)))
    dr = m(("drain", "earlydata", "peek", 65536, ""), "gb_per_s")
    ml = m(("memcpy", "memcpy", "large", 65536, ""), "gb_per_s")
    if dr and ml:
        lines.append(
            "* **Backlog drain.** A 64 MiB backlog is larger than the caches: "
            "the consumer reads it from memory once and checks its CRC, "
            "%s GB/s (zero-copy read) against %s GB/s for memcpy from a "
            "source of that size. perf puts the consumer's time in the "
            "CRC loop (three crc32 streams, 8 bytes per load, on data "
            "coming from memory; %s GB/s on cached data), then in the "
            "first-touch page faults of its mapping; memcpy's wide loads "
            "keep more memory requests in flight. The copying read adds a "
            "copy of every record into the consumer's buffer: %s GB/s."
            % (gbs(dr), gbs(ml), gbs(crc64k or 0),
               gbs(m(("drain", "earlydata", "copy", 65536, ""), "gb_per_s")
                   or 0)))
    lines.append("")


def plots(out, res):
    """gnuplot data files and script: throughput, latency, drain."""
    with open(os.path.join(out, "throughput.dat"), "w") as f:
        f.write("size")
        cols = TPUT_ROWS + [("memcpy", "xcore", "cross-core ring (limit)"),
                            ("memcpy", "ring", "memcpy, one CPU (limit)")]
        for _, _, name in cols:
            f.write(' "%s"' % name)
        f.write("\n")
        for size in SIZES:
            f.write('"%s"' % SIZE_NAME[size])
            for impl, mode, _ in cols:
                b = "memcpy" if impl == "memcpy" else "throughput"
                v = med(res, (b, impl, mode, size, ""), "gb_per_s")
                f.write(" %s" % (v if v is not None else "NaN"))
            f.write("\n")
    lat_rows = [("cacheline", "poll", 64, "one-way", "cache line"),
                ("eventfd", "poll", 0, "write-to-wake", "eventfd poll"),
                ("pipe", "poll", 64, "write-to-wake", "pipe poll"),
                ("iceoryx", "poll", 64, "write-to-wake", "iceoryx poll"),
                ("earlydata", "poll", 64, "write-to-wake", "Earlydata poll"),
                ("eventfd", "sleep", 0, "write-to-wake", "eventfd"),
                ("futex", "sleep", 0, "write-to-wake", "futex"),
                ("pipe", "sleep", 64, "write-to-wake", "pipe"),
                ("iceoryx", "sleep", 64, "write-to-wake", "iceoryx"),
                ("xirq", "sleep", 0, "total", "XIRQ"),
                ("earlydata", "sleep", 64, "write-to-wake", "Earlydata")]
    with open(os.path.join(out, "latency.dat"), "w") as f:
        f.write("# name p50_us p99_us\n")
        for impl, mode, size, leg, name in lat_rows:
            key = ("latency", impl, mode, size, leg)
            p50, p99 = med(res, key, "p50_ns"), med(res, key, "p99_ns")
            if p50 is not None:
                f.write('"%s" %g %g\n' % (name, p50 / 1e3, p99 / 1e3))
    with open(os.path.join(out, "drain.dat"), "w") as f:
        f.write('# size copy peek memcpy\n')
        for size in SIZES:
            vals = [med(res, ("drain", "earlydata", m, size, ""),
                        "gb_per_s") for m in ("copy", "peek")]
            vals.append(med(res, ("memcpy", "memcpy", "large", size, ""),
                            "gb_per_s"))
            f.write('"%s" %s\n' % (SIZE_NAME[size], " ".join(
                str(v) if v is not None else "NaN" for v in vals)))
    ncols = len(TPUT_ROWS) + 2
    with open(os.path.join(out, "plots.gp"), "w") as f:
        f.write("""set terminal pngcairo size 1000,640 font ',10'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set grid ytics
set key below
set linetype 9 lc rgb '#999999'

set output 'throughput.png'
set title 'Throughput between two processes (median of runs, log scale)'
set ylabel 'GB/s (payload)'
set logscale y
plot for [i=2:%d] 'throughput.dat' using i:xtic(1) title columnheader(i)

set output 'latency.png'
set title 'One-way notification latency, 64 B records (median of runs, log scale)'
set ylabel 'microseconds'
set xtics rotate by -30
plot 'latency.dat' using 2:xtic(1) title 'p50', '' using 3 title 'p99'

set output 'drain.png'
set title 'Backlog drain by a late consumer'
set ylabel 'GB/s'
unset logscale y
set xtics norotate
plot 'drain.dat' using 2:xtic(1) title 'Earlydata copying read', \\
     '' using 3 title 'Earlydata zero-copy read', \\
     '' using 4 title 'memcpy (limit)'
""" % (ncols + 1))


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "machine.json")) as f:
        meta = json.load(f)
    res = load(out)
    ratios = []
    lines = ["# Earlydata benchmarks\n"]
    lines.append(
        "Produced by `make bench` (bench/run.sh); every comparison ran on "
        "the same machine in the same run, %d times%s; figures are "
        "medians, with min–max where shown. Raw results: "
        "[results.json](results.json).\n" % (
            meta["runs"], " (quick mode: fewer records)" if meta.get(
                "quick") else ""))
    lines.append("## Machine\n")
    lines.append("| | |\n|---|---|")
    for k, name in (("cpu", "CPU"), ("cores", "cores"),
                    ("threads_per_core", "threads per core"),
                    ("hypervisor", "hypervisor (the machine is a VM)"),
                    ("caches", "caches"), ("kernel", "kernel"),
                    ("os", "OS"), ("compiler", "compiler"),
                    ("build_type", "build type"), ("cflags", "C flags"),
                    ("iceoryx", "iceoryx"), ("revision", "revision"),
                    ("date", "date"), ("loadavg_before", "load average before"),
                    ("loadavg_after", "load average after"),
                    ("seconds", "duration, seconds")):
        if meta.get(k) not in (None, ""):
            lines.append("| %s | %s |" % (name, meta[k]))
    lines.append("")
    body = []
    hw_section(res, body)
    tput_section(res, body, ratios)
    ev, cl = lat_section(res, body, ratios)
    drain_section(res, body, ratios, meta)
    tg = targets(res, ev, cl)
    lines.append("## Targets\n")
    lines.append("| target | met | measured |")
    lines.append("|---|---|---|")
    for x in tg:
        lines.append("| %s | %s | %s |" % (
            x["target"], {True: "**met**", False: "**not met**",
                          None: "n/a"}[x["met"]], x["detail"]))
    lines.append("")
    analysis(res, lines, tg)
    lines.extend(body)
    lines.append("## Plots\n")
    lines.append("![throughput](throughput.png)\n")
    lines.append("![latency](latency.png)\n")
    lines.append("![drain](drain.png)\n")
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            lines.append(f.read())
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines))
    results = {"machine": meta, "targets": tg, "ratios": ratios,
               "results": [dict(zip(("bench", "impl", "mode", "size", "leg"),
                                    k), **v) for k, v in sorted(
                   res.items(), key=lambda kv: tuple(map(str, kv[0])))]}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    plots(out, res)


if __name__ == "__main__":
    main()
