#!/usr/bin/env python3
"""Reads a `wrk --latency` report and prints "requests/s p50_ms p99_ms errors" (errors: socket
errors, timeouts and non-2xx/3xx answers), for the benchmark scripts."""
import re
import sys

text = open(sys.argv[1]).read()


def ms(label):
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors += int(non2xx.group(1)) if non2xx else 0
print(f"{rps:.0f} {ms(50):.2f} {ms(99):.2f} {errors}")
