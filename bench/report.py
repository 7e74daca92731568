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
           "max_ns", "attach_ns", "fill_gb_per_s", "ns_per_call",
           "records", "pmem_bytes_per_channel", "pdev_bytes_per_channel",
           "driver_bytes_per_channel"]
TPUT_ROWS = [("earlydata", "copy", "Earlydata, copying read"),
             ("earlydata", "peek", "Earlydata, zero-copy read"),
             ("earlydata", "batch", "Earlydata, batched calls (copying "
              "read, about 16 KiB a call)"),
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
        for s in ("error",):
            if any(s in r for r in rows):
                agg[s] = next(r[s] for r in rows if s in r)
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


def mib(v):
    return "%d MiB" % (v >> 20) if v else "n/a"


def hw_section(res, lines, meta):
    lines.append("## Hardware limits measured in this run\n")
    lines.append("| limit | 64 B | 1 KiB | 64 KiB |")
    lines.append("|---|---:|---:|---:|")
    for mode, name in (("hot", "memcpy, blocks in cache, GB/s"),
                       ("ring", "memcpy into a 2 MiB ring, GB/s"),
                       ("large", "memcpy from a %s source (the backlog's "
                                 "size), GB/s" % mib(meta.get(
                                     "drain_bytes", 0))),
                       ("xcore", "cross-core ring (copy in, read in "
                                 "place), GB/s")):
        lines.append("| %s | %s |" % (name, " | ".join(
            spread(res, ("memcpy", "memcpy", mode, sz, ""), "gb_per_s", gbs)
            for sz in SIZES)))
    lines.append("| the driver's CRC32C on cached data, GB/s | %s |" % (
        " | ".join(spread(res, ("crc", "crc32c", "cached", sz, ""),
                          "gb_per_s", gbs) for sz in SIZES)))
    lines.append("| the driver's one-pass CRC32C + copy into a 2 MiB ring "
                 "(`ed_crc32c_copy`), GB/s | %s |" % (
                     " | ".join(spread(res, ("crc", "crc32c", "copy-ring",
                                             sz, ""), "gb_per_s", gbs)
                                for sz in SIZES)))
    lines.append("| the same from a %s source into one block (what a "
                 "copying read of the backlog does at least), GB/s | %s |" % (
                     mib(meta.get("drain_bytes", 0)),
                     " | ".join(spread(res, ("crc", "crc32c", "copy-large",
                                             sz, ""), "gb_per_s", gbs)
                                for sz in SIZES)))
    cl = ("latency", "cacheline", "poll", 64, "one-way")
    lines.append("")
    lines.append("Cache-line ping-pong between the two CPUs, one way: p50 %s,"
                 " p99 %s. One clock_gettime(CLOCK_MONOTONIC): %s.\n" % (
                     spread(res, cl, "p50_ns", fmt_ns),
                     fmt_ns(med(res, cl, "p99_ns")),
                     spread(res, ("clock", "clock_gettime", "monotonic", 0,
                                  ""), "ns_per_call", fmt_ns)))


def tp(res, impl, mode, size, m="gb_per_s"):
    return med(res, ("throughput", impl, mode, size, ""), m)


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
        "machine. The Earlydata rows: one record per call "
        "(`ed_user_write`, then `ed_user_next` copying or zero-copy with "
        "`ed_commit`), and the batched calls (`ed_user_write_batch` and "
        "`ed_user_read_batch`, copying, about 16 KiB and at most 64 records "
        "a call: 64 records of 64 B, 16 of 1 KiB, 1 of 64 KiB). "
        "*Earlydata ×*: the Earlydata rate (copying read / zero-copy read "
        "/ batched calls) divided by this row's. CPU: user+system time of "
        "each process per record.\n")
    for size in SIZES:
        mc = med(res, ("memcpy", "memcpy", "ring", size, ""), "gb_per_s")
        ed = [tp(res, "earlydata", k, size, "records_per_s")
              for k in ("copy", "peek", "batch")]
        lines.append("### %s records\n" % SIZE_NAME[size])
        xc = med(res, ("memcpy", "memcpy", "xcore", size, ""), "gb_per_s")
        lines.append("| transfer | records/s | GB/s median (min–max) | of "
                     "memcpy | of cross-core | Earlydata copy × | "
                     "Earlydata zero-copy × | Earlydata batched × | "
                     "CPU/record producer | CPU/record consumer |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for impl, mode, name in TPUT_ROWS:
            key = ("throughput", impl, mode, size, "")
            if key not in res:
                continue
            rate = med(res, key, "records_per_s")
            gb = med(res, key, "gb_per_s")
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                         % (name, fmt_rate(rate),
                            spread(res, key, "gb_per_s", gbs),
                            fmt_x(gb, mc), fmt_x(gb, xc),
                            fmt_x(ed[0], rate), fmt_x(ed[1], rate),
                            fmt_x(ed[2], rate),
                            fmt_ns(med(res, key, "prod_cpu_ns_per_record")),
                            fmt_ns(med(res, key, "cons_cpu_ns_per_record"))))
            ratios.append({"bench": "throughput", "impl": impl,
                           "mode": mode, "size": size,
                           "of_memcpy": gb / mc if gb and mc else None,
                           "of_cross_core": gb / xc if gb and xc else None,
                           "earlydata_copy_x": ed[0] / rate
                           if rate and ed[0] else None,
                           "earlydata_peek_x": ed[1] / rate
                           if rate and ed[1] else None,
                           "earlydata_batch_x": ed[2] / rate
                           if rate and ed[2] else None})
        for mode, name in (("xcore", "cross-core ring, two processes "
                                     "(limit)"),
                           ("ring", "memcpy into a 2 MiB ring, one CPU "
                                    "(limit)"),
                           ("hot", "memcpy, both blocks in cache")):
            key = ("memcpy", "memcpy", mode, size, "")
            if key in res:
                r = med(res, key, "records_per_s")
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s "
                             "| %s |"
                             % (name, fmt_rate(r),
                                spread(res, key, "gb_per_s", gbs),
                                fmt_x(med(res, key, "gb_per_s"), mc),
                                fmt_x(med(res, key, "gb_per_s"), xc),
                                fmt_x(ed[0], r), fmt_x(ed[1], r),
                                fmt_x(ed[2], r),
                                fmt_ns(med(res, key,
                                           "prod_cpu_ns_per_record")),
                                fmt_ns(med(res, key,
                                           "cons_cpu_ns_per_record"))
                                if mode == "xcore" else ""))
        lines.append("")


CPU_COLS = [("earlydata", "copy", "Earlydata copying read"),
            ("earlydata", "peek", "Earlydata zero-copy read"),
            ("earlydata", "batch", "Earlydata batched calls"),
            ("memcpy", "xcore", "cross-core ring (limit)"),
            ("iceoryx", "copy", "iceoryx copied out"),
            ("seqpacket", "copy", "UNIX seqpacket")]


def cpu_key(impl, mode, size):
    return ("memcpy" if impl == "memcpy" else "throughput", impl, mode,
            size, "")


def cpu_section(res, lines):
    lines.append("## CPU per record\n")
    lines.append(
        "CPU time (user + system, all threads, `getrusage`) of each side "
        "over the timed part of the throughput runs above, divided by the "
        "records: what one record costs the producer and the consumer at "
        "full speed, in ns (medians of the runs). For scale: the ring "
        "core alone with both ends on one CPU (`ring_cpu`: no channel "
        "layer, lock, clock read or XIRQ, and no line crossing to the "
        "other CPU; single-record and batched calls; the fastest of 50 "
        "slices of each run, wall-clock), and the one-pass "
        "CRC32C + copy of the record's payload alone (one CPU, cached, "
        "into a 2 MiB ring). What the two-process Earlydata columns cost "
        "beyond the ring core alone is the channel layer and the waiting "
        "for lines that cross between the CPUs.\n")
    lines.append("| record | side | %s | ring core, one CPU: single / "
                 "batched | CRC32C + copy alone |" % " | ".join(
                     n for _, _, n in CPU_COLS))
    lines.append("|---|---|%s---:|---:|" % ("---:|" * len(CPU_COLS)))

    def ns(v):
        return "%.0f" % v if v is not None else "n/a"

    for size in SIZES:
        cc = med(res, ("crc", "crc32c", "copy-ring", size, ""),
                 "prod_cpu_ns_per_record")
        for side, m in (("producer", "prod_cpu_ns_per_record"),
                        ("consumer", "cons_cpu_ns_per_record")):
            core = " / ".join(
                ns(med(res, ("ring_cpu", "earlydata", md, size, ""), m))
                for md in ("single", "batch"))
            lines.append("| %s | %s | %s | %s | %s |" % (
                SIZE_NAME[size], side, " | ".join(
                    ns(med(res, cpu_key(i, md, size), m))
                    for i, md, _ in CPU_COLS), core, ns(cc)))
    lines.append("")


LAT_SLEEP = [("eventfd", 0), ("eventfd-poll", 0), ("futex", 0),
             ("pipe", None), ("iceoryx", None), ("earlydata", None)]
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
                 "p50 (half a round trip between the two CPUs). *One "
                 "shared line*: the sender stores its send time and a "
                 "count in one cache line, the receiver spins on it; "
                 "nothing else, with the same 100 µs spacing as every "
                 "other sample here (`lat_raw shm`).\n")
    lines.append("| mechanism | record | p50 (min–max) | p99 | p99.9 | max "
                 "| ÷ cache line |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    lat_row(res, lines, "cache-line ping-pong (limit)",
            ("latency", "cacheline", "poll", 64, "one-way"), cl, ratios,
            "cacheline")
    lat_row(res, lines, "one shared line, spaced as these samples",
            ("latency", "shm", "poll", 0, "write-to-wake"), cl, ratios,
            "cacheline")
    for impl, fixed in LAT_POLL:
        for size in ([fixed] if fixed is not None else SIZES):
            lat_row(res, lines, impl, ("latency", impl, "poll", size,
                                       "write-to-wake"), cl, ratios,
                    "cacheline")
    lat_row(res, lines, "one shared line, sender kept hot",
            ("latency", "shm", "poll-hot", 0, "write-to-wake"), cl, ratios,
            "cacheline")
    lat_row(res, lines, "earlydata, producer kept hot",
            ("latency", "earlydata", "poll-hot", 64, "write-to-wake"), cl,
            ratios, "cacheline")
    lines.append("")
    lines.append("*Kept hot*: the sender spins through the 100 µs between "
                 "samples instead of sleeping, so that both CPUs stay busy "
                 "as in the ping-pong (`poll-hot`).\n")
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


def load_section(res, lines, ratios):
    lines.append("## Latency under load\n")
    lines.append(
        "64 B records on channel `lat`, one every 100 µs, their send time "
        "in the record, while the same producer streams 64 KiB records on "
        "channel `tput` between them (never waiting for space, so each "
        "sample leaves on time) and the consumer, one thread serving both "
        "channels, polls `lat` first and otherwise takes one 64 KiB record "
        "(copying read). *idle*: the same without the stream, in the same "
        "run. One way = receive − send time; p50 with min–max over the "
        "runs, the others medians over the runs.\n")
    lines.append("| 64 B records | p50 (min–max) | p99 | p99.9 | max | "
                 "p50 ÷ idle | p99 ÷ idle | 64 KiB stream meanwhile, GB/s |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    idle = ("latency", "earlydata", "idle", 64, "under-load")
    for mode, name in (("idle", "idle (no other traffic)"),
                       ("load", "while 64 KiB records stream")):
        key = ("latency", "earlydata", mode, 64, "under-load")
        if key not in res:
            continue
        st = ("stream", "earlydata", mode, 65536, "under-load")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, spread(res, key, "p50_ns", fmt_ns),
            fmt_ns(med(res, key, "p99_ns")), fmt_ns(med(res, key, "p999_ns")),
            fmt_ns(med(res, key, "max_ns")),
            fmt_x(med(res, key, "p50_ns"), med(res, idle, "p50_ns")),
            fmt_x(med(res, key, "p99_ns"), med(res, idle, "p99_ns")),
            spread(res, st, "gb_per_s", gbs) if mode == "load" else ""))
        ratios.append({"bench": "latency-under-load", "mode": mode,
                       "size": 64, "p50_ns": med(res, key, "p50_ns"),
                       "p99_ns": med(res, key, "p99_ns"),
                       "p999_ns": med(res, key, "p999_ns")})
    lines.append("")


def drain_section(res, lines, ratios, meta):
    lines.append("## Backlog drain\n")
    lines.append(
        "The producer writes %s of payload before the consumer process "
        "exists; the consumer then joins its VM, starts the driver "
        "(*attach*) and delivers the whole backlog (timed). *of memcpy*: "
        "fraction of the memcpy bandwidth for the same block size from a "
        "source of the backlog's size just written (what reading a backlog "
        "larger than the caches costs at least).\n" % mib(
            meta.get("drain_bytes", 0)))
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
            lines.append("| %s | memcpy from %s (limit) | %s | %s | "
                         "1.00× | | |" % (SIZE_NAME[size],
                                          mib(meta.get("drain_bytes", 0)),
                                          spread(res, key, "gb_per_s", gbs),
                                          fmt_rate(med(res, key,
                                                       "records_per_s"))))
    lines.append("")


def scale_counts(meta):
    return [int(x) for x in str(meta.get("scale_channels", "")).split()]


def scale_section(res, lines, ratios, meta):
    lines.append("## Channels at once\n")
    lines.append(
        "N block-policy channels between VM 1 and VM 2 at once, each with a "
        "16 KiB ring, in a system of their own (bench/run.sh writes it for "
        "each N); one producer thread (CPU 0) and one consumer thread "
        "(CPU 1) serve them all. *stream*: 64 B records written to each "
        "channel in turn as fast as they go (waiting for space), the "
        "consumer going round the channels and taking what each holds "
        "(copying read); aggregate records/s and CPU per record, and the "
        "age of every 16th record when taken (now − its time stamp: the "
        "latency at saturation, mostly the time a record queues in its "
        "ring). *paced*: one 64 B record in flight at a time, about 20 µs "
        "apart, each on the next channel, the consumer polling the "
        "channels round and round; one way = receive − send time.\n")
    lines.append("| channels | records/s (min–max) | × 1 channel | "
                 "CPU/record producer | CPU/record consumer | paced p50 | "
                 "paced p99 | paced p99.9 | saturated p50 | saturated p99 |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    one = med(res, ("scale", "earlydata", "stream", 64, "1"),
              "records_per_s")
    mem = None
    for n in scale_counts(meta):
        leg = str(n)
        key = ("scale", "earlydata", "stream", 64, leg)
        ref = ("scale", "earlydata", "refused", 64, leg)
        if key not in res:
            if ref in res:
                lines.append("| %d | refused by the driver: “%s” | | | | | "
                             "| | | |" % (n, res[ref].get("error", "")))
                ratios.append({"bench": "scale", "channels": n,
                               "refused": res[ref].get("error", "")})
            continue
        mem = mem or key
        pk = ("latency", "earlydata-scale", "paced", 64, leg)
        sk = ("latency", "earlydata-scale", "saturated", 64, leg)
        r = med(res, key, "records_per_s")
        lines.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            n, spread(res, key, "records_per_s", fmt_rate), fmt_x(r, one),
            fmt_ns(med(res, key, "prod_cpu_ns_per_record")),
            fmt_ns(med(res, key, "cons_cpu_ns_per_record")),
            fmt_ns(med(res, pk, "p50_ns")), fmt_ns(med(res, pk, "p99_ns")),
            fmt_ns(med(res, pk, "p999_ns")), fmt_ns(med(res, sk, "p50_ns")),
            fmt_ns(med(res, sk, "p99_ns"))))
        ratios.append({"bench": "scale", "channels": n,
                       "records_per_s": r,
                       "x_one_channel": r / one if r and one else None,
                       "paced_p99_ns": med(res, pk, "p99_ns"),
                       "saturated_p99_ns": med(res, sk, "p99_ns")})
    lines.append("")
    if mem:
        pm = med(res, mem, "pmem_bytes_per_channel")
        pd = med(res, mem, "pdev_bytes_per_channel")
        dr = med(res, mem, "driver_bytes_per_channel")
        lines.append(
            "Memory per channel, from the device tree as nkhv laid it out "
            "(read by the programs from the channels' descriptors): PMEM "
            "%d bytes (4 KiB of ring headers and the 16 KiB ring chosen "
            "here; the smallest ring a channel may have is 8 KiB, 12 KiB of "
            "PMEM), PDEV %d bytes (the vlink's descriptor and its info "
            "string, in each of the two VMs), together %.1f KiB; the "
            "driver's own state for a channel (`struct ed_channel`) is %d "
            "bytes in each VM, in a static table of `ED_MAX_CHANNELS` "
            "(64) slots.\n" % (pm, pd, (pm + pd) / 1024.0, dr))
        ratios.append({"bench": "scale-memory", "pmem_bytes": pm,
                       "pdev_bytes": pd, "driver_bytes": dr})


def reliability_section(res, lines):
    n = 0
    for key, g in res.items():
        if key[1] == "earlydata" and key[0] in ("throughput", "drain",
                                                "scale") and "records" in g:
            n += g["records"]["median"] * g["runs"]
    lines.append("## Reliability in these runs\n")
    lines.append(
        "Every Earlydata run above checks each record it takes: its index "
        "on its channel (in order, none lost, none twice) and its length; "
        "the driver checks each record's header and CRC32C and every "
        "shared value it reads, as always (no check is turned off for "
        "the benchmarks). A wrong record, a loss event or a fault ends the "
        "program with an error and the whole run with it, so every figure "
        "here comes from runs where all of about %s timed records (and "
        "their warm-ups) arrived exactly once. Exactly-once across `kill "
        "-9` of either side, exact loss accounting under each policy and "
        "the validation of every shared value against a hostile peer are "
        "properties, not timings: the test suite checks them "
        "(`tests/stress`, `tests/system`, `tests/unit`), not this "
        "report.\n" % fmt_rate(n))
    return n


def targets(res, ev, cl, meta):
    t = []

    def add(group, name, value, limit, ok, detail, upper=False):
        t.append({"group": group, "target": name, "value": value,
                  "limit": limit,
                  "met": bool(ok) if value is not None and
                  limit is not None else None, "detail": detail})

    sq = tp(res, "seqpacket", "copy", 64, "records_per_s")
    xc64 = med(res, ("memcpy", "memcpy", "xcore", 64, ""), "records_per_s")
    calls = {"copy": "single-record calls, copying read",
             "peek": "single-record calls, zero-copy read",
             "batch": "batched calls"}
    for mode in ("copy", "peek", "batch"):
        v = tp(res, "earlydata", mode, 64, "records_per_s")
        add("64B", "64 B: ≥ 25× UNIX seqpacket (%s)" % calls[mode],
            v, sq and 25 * sq, v and sq and v >= 25 * sq,
            "%s rec/s vs seqpacket %s rec/s (%s)" % (
                fmt_rate(v), fmt_rate(sq), fmt_x(v, sq)))
        add("64B", "64 B: ≥ 0.25× the cross-core ring (%s)" % calls[mode],
            v, xc64 and 0.25 * xc64, v and xc64 and v >= 0.25 * xc64,
            "%s rec/s vs cross-core ring %s rec/s (%s)" % (
                fmt_rate(v), fmt_rate(xc64), fmt_x(v, xc64)))
    xc = med(res, ("memcpy", "memcpy", "xcore", 65536, ""), "gb_per_s")
    for mode, nm in (("copy", "copying read"), ("peek", "zero-copy read")):
        v = tp(res, "earlydata", mode, 65536)
        add("64K", "64 KiB: ≥ 0.85× the cross-core ring, %s" % nm,
            v, xc and 0.85 * xc, v and xc and v >= 0.85 * xc,
            "%s GB/s vs cross-core ring %s GB/s (%s)" % (
                gbs(v or 0), gbs(xc or 0), fmt_x(v, xc)))
    v = med(res, ("latency", "earlydata", "poll", 64, "write-to-wake"),
            "p50_ns")
    add("poll", "Polling consumer p50 ≤ 3× the one-way cache-line "
        "ping-pong (64 B)", v, cl and 3 * cl, v and cl and v <= 3 * cl,
        "%s vs ping-pong one way %s (%s)" % (fmt_ns(v), fmt_ns(cl),
                                             fmt_x(v, cl)))
    v = med(res, ("latency", "earlydata", "sleep", 64, "write-to-wake"),
            "p50_ns")
    add("sleep", "Sleeping wake-up p50 ≤ 1.2× raw eventfd (64 B)", v,
        ev and 1.2 * ev, v and ev and v <= 1.2 * ev,
        "%s vs eventfd %s (%s)" % (fmt_ns(v), fmt_ns(ev), fmt_x(v, ev)))
    v = med(res, ("drain", "earlydata", "copy", 65536, ""), "gb_per_s")
    m = med(res, ("memcpy", "memcpy", "large", 65536, ""), "gb_per_s")
    add("drain", "Backlog drain ≥ 0.6× memcpy from a source of that size, "
        "copying read (%s backlog, 64 KiB records)" % mib(
            meta.get("drain_bytes", 0)),
        v, m and 0.6 * m, v and m and v >= 0.6 * m,
        "%s GB/s vs memcpy %s GB/s (%s)" % (gbs(v or 0), gbs(m or 0),
                                            fmt_x(v, m)))
    for mode, nm in (("copy", "copying read"), ("peek", "zero-copy read")):
        for size in SIZES:
            v = tp(res, "earlydata", mode, size, "records_per_s")
            s = tp(res, "iceoryx", mode, size, "records_per_s")
            add("iceoryx", "Ahead of iceoryx: %s, %s" % (SIZE_NAME[size],
                                                          nm),
                v, s, v and s and v > s,
                "%s rec/s vs iceoryx %s rec/s (%s)" % (
                    fmt_rate(v), fmt_rate(s), fmt_x(v, s)))
    return t


def bare_line_verdict(sh, cl, ep, rec):
    """What the one-line message says of the polling target's reach; rec:
    the least a time-stamped, checked record adds to it (clock read, CRC +
    copy on both sides)."""
    if not sh or not cl or not ep:
        return "(not measured in this run)."
    if sh >= 3 * cl:
        return ("No design measured this way gets below that, so the 3× "
                "target is out of reach on this machine by measurement; "
                "the best achievable is the one-line message, and "
                "Earlydata is at %s of it." % fmt_x(ep, sh))
    floor = sh + (rec or 0)
    if rec and floor >= 3 * cl:
        return ("That message alone is within the target in this run, but "
                "a record cannot be sent with less than it plus a clock "
                "read for the time stamp and the CRC + copy on each side "
                "(%s more): %s, %s of the ping-pong, even with the "
                "signal and the record in one line. So the target is out "
                "of reach by measurement for any design that time-stamps "
                "and checks its records; Earlydata is at %s of that "
                "floor." % (fmt_ns(rec), fmt_ns(floor), fmt_x(floor, cl),
                            fmt_x(ep, floor)))
    return ("That message alone is within the target in this run, with "
            "%s to spare for everything a record adds to it (a time "
            "stamp, a header, a check of the data, a second line); "
            "Earlydata is at %s of it." % (fmt_ns(3 * cl - sh),
                                            fmt_x(ep, sh)))


def crc_next(meta):
    """What would make the CRC faster than the one this run used."""
    if "VPCLMULQDQ" in meta.get("crc32c", ""):
        return ("The CRC here already folds with VPCLMULQDQ on 256-bit "
                "registers while three crc32 streams run beside it; what "
                "is left is wider vectors (512-bit, on CPUs with AVX-512; "
                "not done)")
    return ("To come closer, the CRC itself must get faster than the crc32 "
            "instruction's 8 bytes a cycle: folding with the vector "
            "carry-less multiply (VPCLMULQDQ, which this CPU lacks or the "
            "build left out; PMULL on arm64, not done)")


def analysis(res, lines, tg, meta):
    """Where a target is missed: the measurements in this run that bound it."""
    def m(key, metric):
        return med(res, key, metric)

    def lat50(impl, mode, size, leg):
        return m(("latency", impl, mode, size, leg), "p50_ns")

    def rng(key):
        g = res.get(key)
        if not g or "records_per_s" not in g:
            return "n/a"
        return "%s–%s records/s" % (fmt_rate(g["records_per_s"]["min"]),
                                   fmt_rate(g["records_per_s"]["max"]))

    def pc(mode, size, side):
        return m(("throughput", "earlydata", mode, size, ""),
                 side + "_cpu_ns_per_record")

    missed = {x["group"] for x in tg if x["met"] is False}
    lines.append("## What limits the missed targets\n")
    if not missed:
        lines.append("Every target is met in this run.\n")
        return
    lines.append("Only measurements of this run are used below.\n")
    clk = m(("clock", "clock_gettime", "monotonic", 0, ""), "ns_per_call")
    cl = lat50("cacheline", "poll", 64, "one-way")
    crc = {s: m(("crc", "crc32c", "cached", s, ""), "gb_per_s")
           for s in SIZES}
    cc = {s: m(("crc", "crc32c", "copy-ring", s, ""), "gb_per_s")
          for s in SIZES}
    ccns = {s: m(("crc", "crc32c", "copy-ring", s, ""),
                 "prod_cpu_ns_per_record") for s in SIZES}
    if "64B" in missed:
        sq = tp(res, "seqpacket", "copy", 64, "records_per_s")
        x64 = m(("memcpy", "memcpy", "xcore", 64, ""), "records_per_s")
        goal = max(25 * (sq or 0), 0.25 * (x64 or 0))
        rates = {k: tp(res, "earlydata", k, 64, "records_per_s")
                 for k in ("copy", "peek", "batch")}
        met_by = [k for k in ("copy", "peek", "batch")
                  if rates[k] and rates[k] >= goal]
        names = {"copy": "the single-record calls with the copying read",
                 "peek": "the single-record calls with the zero-copy read",
                 "batch": "the batched calls"}
        lines.append(
            "* **64 B records.** Both parts together ask for %s records/s "
            "(25 × seqpacket %s, 0.25 × the cross-core ring %s): %.0f ns "
            "per record on each side. Single-record calls: %s (copying "
            "read), %s (zero-copy read); batched calls: %s. %s "
            "CPU per record, producer / consumer: %s / %s ns with single "
            "calls (copying read), %s / %s ns batched. A single call pays, "
            "for every record, the channel lock and unlock, a clock read "
            "for the record's time stamp (%s here), the header and the "
            "one-pass CRC32C + copy (%s ns for 64 B on one CPU), one store "
            "of `head` and `next_seq` that the consumer must fetch from the "
            "other CPU (a line crossing: %s one way), and the check for a "
            "sleeping consumer; the consumer's call validates the header, "
            "checks the CRC while copying, and persists `read_pos` (a line "
            "the producer reads back when the ring looks full). A batch pays "
            "the lock, the clock read, the `head`/`read_pos` stores and the "
            "wake-up checks once per call (64 records of 64 B): what is "
            "left per record is the header, the CRC + copy and the "
            "validation: on one CPU, with no line crossing, the ring core "
            "alone does that in %s / %s ns per record (`ring_cpu`, batched), "
            "so the rest of the batched calls' CPU per record is the "
            "channel layer and the waiting for lines from the other CPU. "
            "The cross-core ring, with only a head and a tail "
            "counter and no check, costs %s / %s ns per record. The batched "
            "calls reach %s of the goal; the goal itself moves with the "
            "cross-core ring, whose rate spread over %s across the runs of "
            "this report (and seqpacket's over %s)%s."
            % (fmt_rate(goal), fmt_rate(25 * sq if sq else None),
               fmt_rate(0.25 * x64 if x64 else None),
               1e9 / goal if goal else 0,
               fmt_rate(rates["copy"]), fmt_rate(rates["peek"]),
               fmt_rate(rates["batch"]),
               ("Met by %s; not by %s." % (
                   " and ".join(names[k] for k in met_by),
                   " nor ".join(names[k] for k in names if k not in met_by))
                if met_by and len(met_by) < 3 else
                "Met by none of them." if not met_by else ""),
               "%.0f" % (pc("copy", 64, "prod") or 0),
               "%.0f" % (pc("copy", 64, "cons") or 0),
               "%.0f" % (pc("batch", 64, "prod") or 0),
               "%.0f" % (pc("batch", 64, "cons") or 0),
               fmt_ns(clk), "%.0f" % (ccns[64] or 0), fmt_ns(cl),
               "%.0f" % (m(("ring_cpu", "earlydata", "batch", 64, ""),
                           "prod_cpu_ns_per_record") or 0),
               "%.0f" % (m(("ring_cpu", "earlydata", "batch", 64, ""),
                           "cons_cpu_ns_per_record") or 0),
               "%.0f" % (m(("memcpy", "memcpy", "xcore", 64, ""),
                           "prod_cpu_ns_per_record") or 0),
               "%.0f" % (m(("memcpy", "memcpy", "xcore", 64, ""),
                           "cons_cpu_ns_per_record") or 0),
               "%.1f %%" % (100.0 * rates["batch"] / goal)
               if rates["batch"] and goal else "n/a",
               rng(("memcpy", "memcpy", "xcore", 64, "")),
               rng(("throughput", "seqpacket", "copy", 64, "")),
               ", so a result this close to it is met in one run and "
               "missed in the next" if rates["batch"] and goal and
               0.9 < rates["batch"] / goal < 1.1 else ""))
    if "64K" in missed:
        xc = m(("memcpy", "memcpy", "xcore", 65536, ""), "gb_per_s")
        mc = m(("memcpy", "memcpy", "ring", 65536, ""), "gb_per_s")
        c, p = (tp(res, "earlydata", k, 65536) for k in ("copy", "peek"))
        best = (1 / (1 / xc + 1 / cc[65536] - 1 / mc)
                if xc and mc and cc[65536] else None)
        lines.append(
            "* **64 KiB vs the cross-core ring.** 0.85 × the cross-core ring "
            "is %s GB/s. The cross-core ring's producer only memcpy()s "
            "(%s GB/s on one CPU into a 2 MiB ring) and its consumer only "
            "reads. Earlydata CRCs every payload byte on both sides, in one "
            "pass with the copy: `ed_crc32c_copy` runs at %s GB/s on one "
            "CPU into the same ring (the CRC alone at %s GB/s on cached "
            "data, computed by %s: the CRC is the bound, not the copy). "
            "So the producer alone, before any "
            "byte crosses to the other CPU, is bounded at %s GB/s, %s of "
            "the cross-core ring; the copying read does the same work out "
            "of the ring, the zero-copy read the CRC alone. An estimate for "
            "a design that checks every byte: the cross-core ring's time "
            "per byte (its crossing included) plus what the one-pass CRC + "
            "copy costs more than memcpy, %s GB/s (%s of the limit). "
            "Earlydata: %s GB/s copying read (%s), %s GB/s zero-copy "
            "read (%s). %s, or the CRC would have to go: it is what lets "
            "the consumer hand out a record it has proved the producer "
            "wrote whole."
            % (gbs(0.85 * xc if xc else 0), gbs(mc or 0),
               gbs(cc[65536] or 0), gbs(crc[65536] or 0),
               meta.get("crc32c", "the driver's CRC32C"),
               gbs(cc[65536] or 0), fmt_x(cc[65536], xc),
               gbs(best or 0), fmt_x(best, xc), gbs(c or 0), fmt_x(c, xc),
               gbs(p or 0), fmt_x(p, xc), crc_next(meta)))
    if "sleep" in missed:
        ev = lat50("eventfd", "sleep", 0, "write-to-wake")
        es = lat50("earlydata", "sleep", 64, "write-to-wake")
        th = lat50("xirq", "sleep", 0, "trigger-to-handler")
        ht = lat50("xirq", "sleep", 0, "handler-to-thread")
        tc = lat50("xirq", "sleep", 0, "trigger-call")
        ep_ = lat50("eventfd-poll", "sleep", 0, "write-to-wake")
        lines.append(
            "* **Sleeping wake-up vs eventfd.** 1.2 × the raw eventfd "
            "wake-up (%s) is %s; Earlydata: %s. An XIRQ of a process VM is "
            "an eventfd; through the VM's interrupt thread, trigger to "
            "handler costs %s and the handler's wake-up of a sleeping "
            "thread another %s (XIRQ legs). An Earlydata reader waiting on "
            "one channel takes the channel's XIRQ itself "
            "(`nkddi_xirq_wait`): it sleeps in poll() on the eventfd and "
            "runs the handler in its own thread, without that second hop. "
            "What remains above a blocking read() of an eventfd: the "
            "XIRQ's eventfd is non-blocking (nkhv and the peer share it), "
            "so the reader wakes in poll() and then reads the counter, and "
            "hands the source back to the interrupt thread (epoll_ctl), "
            "two system calls more; then the handler and the read of the "
            "record; the producer writes the record before it triggers "
            "(the trigger call itself: %s). The least a reader of a "
            "non-blocking eventfd pays, measured in the same run "
            "(`eventfd-poll`: poll(), then read(), nothing else): %s, "
            "%s of the blocking read(); it bounds any design whose "
            "notification is an eventfd shared with others, as an XIRQ's "
            "is, and Earlydata is at %s of it." % (
                fmt_ns(ev), fmt_ns(1.2 * ev if ev else None), fmt_ns(es),
                fmt_ns(th), fmt_ns(ht), fmt_ns(tc), fmt_ns(ep_), fmt_x(ep_, ev),
                fmt_x(es, ep_)))
    if "poll" in missed:
        ep = lat50("earlydata", "poll", 64, "write-to-wake")
        sh = lat50("shm", "poll", 0, "write-to-wake")
        wc = lat50("earlydata", "poll", 64, "write-call")
        parts = (clk or 0) + 2 * (cl or 0) + 2 * (ccns[64] or 0)
        lines.append(
            "* **Polling latency vs ping-pong.** 3 × the one-way ping-pong "
            "(%s) is %s; Earlydata polling p50: %s. The ping-pong moves "
            "one line back and forth without a pause, both CPUs hot. A "
            "message of one shared line and nothing else (the sender's "
            "clock read and two stores, the receiver spinning on the "
            "line), sent with the same 100 µs spacing as every sample of "
            "this table, takes %s at p50, %s of the ping-pong: after each "
            "pause the sender's first stores meet lines the receiver "
            "holds, and code and data that went cold. %s Of that, the "
            "write call itself (the producer's clock read before it to "
            "its return, measured in the same samples) takes %s p50 "
            "against %s per record in a hot stream (CPU per record, "
            "single calls): the write runs cold after each pause. Hot, a "
            "record needs at least two lines to cross one after the other "
            "(`head`, then the record's own, which the consumer reads "
            "once it has seen `head`): 2 × %s; the write call reads the "
            "clock for the record's time stamp (%s) and each side CRCs + "
            "copies the record (%s ns for 64 B): %s together, %s of the "
            "ping-pong."
            % (fmt_ns(cl), fmt_ns(3 * cl if cl else None), fmt_ns(ep),
               fmt_ns(sh), fmt_x(sh, cl), bare_line_verdict(
                   sh, cl, ep, (clk or 0) + 2 * (ccns[64] or 0)),
               fmt_ns(wc),
               fmt_ns(pc("copy", 64, "prod")),
               fmt_ns(cl), fmt_ns(clk), "%.0f" % (ccns[64] or 0),
               fmt_ns(parts), fmt_x(parts, cl)))
        hs = lat50("shm", "poll-hot", 0, "write-to-wake")
        he = lat50("earlydata", "poll-hot", 64, "write-to-wake")
        hw = lat50("earlydata", "poll-hot", 64, "write-call")
        if hs and he and cl:
            lines[-1] += (
                " Kept hot (the sender spins through the 100 µs instead of "
                "sleeping, both CPUs busy as in the ping-pong), the "
                "one-line message takes %s (%s of the ping-pong) and "
                "Earlydata %s (%s; its write call %s instead of %s): %s"
                % (fmt_ns(hs), fmt_x(hs, cl), fmt_ns(he), fmt_x(he, cl),
                   fmt_ns(hw), fmt_ns(wc),
                   "within the target, so what the spaced samples add is "
                   "the sleeping sender's CPU going cold, not the protocol."
                   if he <= 3 * cl else
                   "the part of the spaced samples' latency that a sleeping "
                   "sender's cold CPU adds is the difference between the "
                   "two, and what remains hot is the protocol's and the "
                   "code's."))
    if "drain" in missed:
        dc = m(("drain", "earlydata", "copy", 65536, ""), "gb_per_s")
        dp = m(("drain", "earlydata", "peek", 65536, ""), "gb_per_s")
        ml = m(("memcpy", "memcpy", "large", 65536, ""), "gb_per_s")
        cl_ = m(("crc", "crc32c", "copy-large", 65536, ""), "gb_per_s")
        lines.append(
            "* **Backlog drain.** 0.6 × memcpy from a %s source (%s GB/s) "
            "is %s GB/s; the copying read drains %s GB/s. The backlog is "
            "larger than the caches: the consumer reads it from memory "
            "once, CRCs each record while copying it into its buffer (%s "
            "GB/s for `ed_crc32c_copy` on cached data), and validates each "
            "header. The zero-copy read, which CRCs in place without the "
            "copy, drains %s GB/s (%s of memcpy): what remains is the CRC "
            "over data coming from memory, which memcpy, without a CRC, "
            "moves faster. The least a copying read that checks every byte "
            "does, measured in the same run: `ed_crc32c_copy` of "
            "successive 64 KiB blocks of a %s source just written (as "
            "memcpy's figure is taken) into one buffer, on one CPU: %s "
            "GB/s, %s of memcpy; the copying read drains at %s of that."
            % (mib(meta.get("drain_bytes", 0)), gbs(ml or 0),
               gbs(0.6 * ml if ml else 0), gbs(dc or 0), gbs(cc[65536] or 0),
               gbs(dp or 0), fmt_x(dp, ml),
               mib(meta.get("drain_bytes", 0)), gbs(cl_ or 0),
               fmt_x(cl_, ml), fmt_x(dc, cl_)))
    if "iceoryx" in missed:
        mc64k = m(("memcpy", "memcpy", "ring", 65536, ""), "gb_per_s")
        for x in tg:
            if x["group"] != "iceoryx" or x["met"] is not False:
                continue
            if "64 KiB" not in x["target"]:
                lines.append("* **%s.** %s." % (x["target"], x["detail"]))
                continue
            md = "peek" if "zero-copy" in x["target"] else "copy"

            def us(v):
                return "%.1f" % (v / 1000.0) if v else "n/a"

            def cpu(impl, size, side):
                return m(("throughput", impl, md, size, ""),
                         side + "_cpu_ns_per_record")

            lines.append(
                "* **%s.** %s. At 64 KiB the work per byte decides. "
                "Earlydata CRCs every byte on both sides (the one-pass "
                "CRC32C + copy of 64 KiB takes %s µs on one CPU in this "
                "run); iceoryx checks nothing (a 64 KiB memcpy: %s µs) and "
                "pays a fixed cost per sample instead (its CPU per 64 B "
                "sample: %s / %s µs, producer / consumer). CPU per 64 KiB "
                "record, producer / consumer: Earlydata %s / %s µs, iceoryx "
                "%s / %s µs. Across the runs of this report iceoryx's rate "
                "spread over %s and Earlydata's over %s: the two are within "
                "each other's spread at this size, and only a faster CRC "
                "(see 64 KiB above) would put a margin between them."
                % (x["target"], x["detail"],
                   us(65536 / cc[65536] if cc[65536] else None),
                   us(65536 / mc64k if mc64k else None),
                   us(cpu("iceoryx", 64, "prod")),
                   us(cpu("iceoryx", 64, "cons")),
                   us(cpu("earlydata", 65536, "prod")),
                   us(cpu("earlydata", 65536, "cons")),
                   us(cpu("iceoryx", 65536, "prod")),
                   us(cpu("iceoryx", 65536, "cons")),
                   rng(("throughput", "iceoryx", md, 65536, "")),
                   rng(("throughput", "earlydata", md, 65536, ""))))
    lines.append("")


def plots(out, res, meta):
    """gnuplot data files and script: throughput, latency, drain, scale,
    CPU per record."""
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
                ("earlydata", "load", 64, "under-load",
                 "Earlydata poll, 64 KiB stream"),
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
    with open(os.path.join(out, "scale.dat"), "w") as f:
        f.write('# channels Mrecords_per_s paced_p99_us\n')
        for n in scale_counts(meta):
            key = ("scale", "earlydata", "stream", 64, str(n))
            r = med(res, key, "records_per_s")
            p = med(res, ("latency", "earlydata-scale", "paced", 64, str(n)),
                    "p99_ns")
            f.write('"%d%s" %s %s\n' % (
                n, "" if r is not None else " (refused)",
                r / 1e6 if r is not None else "NaN",
                p / 1e3 if p is not None else "NaN"))
    with open(os.path.join(out, "cpu.dat"), "w") as f:
        f.write("size")
        for _, _, name in CPU_COLS[:4]:
            f.write(' "%s, producer" "%s, consumer"' % (name, name))
        f.write("\n")
        for size in SIZES:
            f.write('"%s"' % SIZE_NAME[size])
            for impl, mode, _ in CPU_COLS[:4]:
                for side in ("prod", "cons"):
                    v = med(res, cpu_key(impl, mode, size),
                            side + "_cpu_ns_per_record")
                    f.write(" %s" % (v if v else "NaN"))
            f.write("\n")
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

set output 'cpu.png'
set title 'CPU time per record, each side (median of runs, log scale)'
set ylabel 'ns per record'
plot for [i=2:9] 'cpu.dat' using i:xtic(1) title columnheader(i)

set output 'latency.png'
set title 'One-way notification latency, 64 B records (median of runs, log scale)'
set ylabel 'microseconds'
set xtics rotate by -30
plot 'latency.dat' using 2:xtic(1) title 'p50', '' using 3 title 'p99'

set output 'drain.png'
set title 'Backlog drain by a late consumer'
set ylabel 'GB/s'
unset logscale y
set yrange [0:*]
set xtics norotate
plot 'drain.dat' using 2:xtic(1) title 'Earlydata copying read', \\
     '' using 3 title 'Earlydata zero-copy read', \\
     '' using 4 title 'memcpy (limit)'

set output 'scale.png'
set title 'Channels at once between two VMs, 64 B records'
set xlabel 'channels'
set ylabel 'million records/s (aggregate)'
set y2label 'paced one-way p99, microseconds'
set y2tics
set ytics nomirror
set y2range [0:*]
plot 'scale.dat' using 2:xtic(1) title 'records/s (aggregate)', \\
     '' using 3 axes x1y2 title 'paced p99 (right axis)'
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
                    ("crc32c", "the driver's CRC32C on this CPU"),
                    ("build_type", "build type"), ("cflags", "C flags"),
                    ("iceoryx", "iceoryx"), ("revision", "revision"),
                    ("date", "date"), ("loadavg_before", "load average before"),
                    ("loadavg_after", "load average after (its own "
                     "programs spin on both CPUs to the end)"),
                    ("other_cpu", "CPU taken by other processes during the "
                     "run, of both CPUs"),
                    ("steal", "CPU stolen by the hypervisor during the run"),
                    ("seconds", "duration, seconds")):
        if meta.get(k) not in (None, ""):
            lines.append("| %s | %s |" % (name, meta[k]))
    lines.append("")
    body = []
    hw_section(res, body, meta)
    tput_section(res, body, ratios)
    cpu_section(res, body)
    ev, cl = lat_section(res, body, ratios)
    load_section(res, body, ratios)
    drain_section(res, body, ratios, meta)
    scale_section(res, body, ratios, meta)
    checked = reliability_section(res, body)
    tg = targets(res, ev, cl, meta)
    tg.append({"group": "reliability",
               "target": "Nothing in the reliability columns gets worse: "
                         "exactly-once across kill -9, exact loss "
                         "accounting, validation of every shared value",
               "value": None, "limit": None, "met": None,
               "detail": "not a timing (the test suite checks these); in "
                         "this run every record taken was checked, about "
                         "%s timed records, none wrong (see Reliability "
                         "in these runs)" % fmt_rate(checked)})
    lines.append("## Targets\n")
    lines.append("| target | met | measured |")
    lines.append("|---|---|---|")
    for x in tg:
        lines.append("| %s | %s | %s |" % (
            x["target"], {True: "**met**", False: "**not met**",
                          None: "n/a"}[x["met"]], x["detail"]))
    lines.append("")
    analysis(res, lines, tg, meta)
    lines.extend(body)
    lines.append("## Plots\n")
    for p in ("throughput", "cpu", "latency", "drain", "scale"):
        lines.append("![%s](%s.png)\n" % (p, p))
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
    plots(out, res, meta)


if __name__ == "__main__":
    main()
