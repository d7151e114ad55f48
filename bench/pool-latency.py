#!/usr/bin/env python3
"""Pool the latency traces of a bench/run.sh run, per broker, over its rounds.

    bench/pool-latency.py bench/results/<run> [skip]

Each latency-<broker>-<round>.trace holds one line per delivery: send time and
latency in ms. A p99 from one 30-60 s round of 100 msgs/s rests on 30-60
samples beyond it, and this machine's noise moves it 2-5x from round to round;
pooled over REPEAT>=5 rounds it is a figure to compare. The first `skip` (20)
deliveries of each round are left out (connection warm-up).
"""
import glob
import os
import re
import sys


def quantile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run, skip = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rounds = {}
    for path in sorted(glob.glob(os.path.join(run, "latency-*.trace"))):
        m = re.match(r"latency-(.+)-(\d+)\.trace$", os.path.basename(path))
        if not m:
            continue
        values = []
        with open(path) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 2:
                    try:
                        values.append(float(fields[1]))
                    except ValueError:
                        pass
        rounds.setdefault(m.group(1), []).append(sorted(values[skip:]))
    if not rounds:
        sys.exit(f"no latency-*.trace in {run}")
    print("| broker | rounds | deliveries | p50 | p90 | p99 | p99.9 (ms) | p99 per round |")
    print("|---|--:|--:|--:|--:|--:|--:|---|")
    for broker, rs in rounds.items():
        pooled = sorted(v for r in rs for v in r)
        per = " / ".join(f"{quantile(r, 0.99):.3f}" for r in rs if r)
        qs = " | ".join(f"{quantile(pooled, q):.3f}" for q in (0.5, 0.9, 0.99, 0.999))
        print(f"| {broker} | {len(rs)} | {len(pooled)} | {qs} | {per} |")


if __name__ == "__main__":
    main()
