#!/usr/bin/env python3
"""Turns the JSON of bench/xml_parser_bench into the README's markdown tables.

    build/bench/xml_parser_bench --benchmark_repetitions=5 \
        --benchmark_out=xml.json --benchmark_out_format=json
    python3 bench/table.py xml.json

Uses the median of the repetitions (the machines are noisy) and CPU time, and
prints every rate next to expat's in the same run (the ratio is the claim; the
absolute numbers depend on the machine).
"""
import json
import sys


def medians(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("run_type") == "iteration" and any(
            x.get("run_type") == "aggregate" for x in data["benchmarks"]
        ):
            continue
        out[name] = b
    return data.get("context", {}), out


def mbps(b):
    return b.get("bytes_per_second", 0.0) / 1e6


def main():
    ctx, m = medians(sys.argv[1])
    profiles = ["mixed", "small", "large", "unicode", "s2s"]
    parsers = ["xmppcore_events", "xmppcore_elements", "expat", "libxml2_sax2"]
    print(f"Machine: {ctx.get('num_cpus', '?')} x {ctx.get('mhz_per_cpu', '?')} MHz; "
          f"{ctx.get('library_build_type', '?')} libbenchmark; medians of repetitions, CPU time.\n")
    print("| profile | chunk | xmppcore events | xmppcore elements | expat | libxml2 push | events / expat | elements / expat |")
    print("|---|---|---|---|---|---|---|---|")
    for p in profiles:
        for chunk in ("4096", "65536"):
            row = {k: m.get(f"BM_parse/{k}/{p}/{chunk}") for k in parsers}
            if not all(row.values()):
                continue
            e = mbps(row["expat"])
            cells = [f"{mbps(row[k]):.0f} MB/s" for k in parsers]
            print(f"| {p} | {int(chunk) // 1024} KiB | " + " | ".join(cells) +
                  f" | {mbps(row['xmppcore_events']) / e:.2f}x | {mbps(row['xmppcore_elements']) / e:.2f}x |")
    print()
    print("| profile | pugixml DOM (whole buffer) | memchr '<' (ceiling) | stanzas/s: events / elements / expat (4 KiB) |")
    print("|---|---|---|---|")
    for p in profiles:
        pg, mc = m.get(f"BM_parse/pugixml_dom/{p}/whole"), m.get(f"BM_parse/memchr_lt/{p}/whole")
        ev, el, ex = (m.get(f"BM_parse/{k}/{p}/4096") for k in ("xmppcore_events", "xmppcore_elements", "expat"))
        if not (pg and mc and ev and el and ex):
            continue
        st = " / ".join(f"{b.get('items_per_second', 0) / 1e3:.0f}k" for b in (ev, el, ex))
        print(f"| {p} | {mbps(pg):.0f} MB/s | {mbps(mc):.0f} MB/s | {st} |")
    print()
    print("| one byte per call (first 1 MiB of mixed) | rate | / expat |")
    print("|---|---|---|")
    ex = m.get("BM_one_byte/expat/mixed_1MiB")
    for k in ("xmppcore_events", "xmppcore_elements", "expat", "libxml2_sax2"):
        b = m.get(f"BM_one_byte/{k}/mixed_1MiB")
        if b and ex:
            print(f"| {k} | {mbps(b):.1f} MB/s | {mbps(b) / mbps(ex):.2f}x |")
    print()
    print("| idle stream (after the header and a few stanzas) | heap bytes held | blocks |")
    print("|---|---|---|")
    for k in ("xmppcore_events", "xmppcore_elements", "expat", "libxml2_sax2"):
        for name, b in m.items():
            if name.startswith(f"BM_idle_memory/{k}"):
                print(f"| {k} | {b.get('heap_bytes', 0):.0f} | {b.get('heap_blocks', 0):.0f} |")
                break


if __name__ == "__main__":
    main()
