#!/usr/bin/python3
"""Turns the raw output of benchmarks/training.sh into the tables between the training markers of docs/benchmarks.md.
Usage: training_table.py RUN_DIR BENCHMARKS_MD"""
import datetime
import json
import re
import statistics
import sys

run, doc = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(f"{run}/steps.jsonl") if line.startswith("{")]


def median(shape, implementation, key, **match):
    values = [r[key] for r in rows if (r["dim"], r["positions"]) == shape and r["implementation"].startswith(implementation)
              and all(r.get(k) == v for k, v in match.items())]
    return statistics.median(values) if values else float("nan")


lines = ["| shape (batch 50) | SimdCnn, `--device cpu` | ILGPU CPU accelerator | PyTorch, embedding trained | PyTorch, embedding frozen | SimdCnn / PyTorch (trained, frozen) | SimdCnn, MR-like lengths |",
         "|---|---:|---:|---:|---:|---:|---:|"]
for shape in [(100, 64), (300, 56)]:
    simd = median(shape, "cpu", "train_examples_per_s", lengths="full")
    ilgpu = median(shape, "ilgpu-cpu", "train_examples_per_s")
    torch_train = median(shape, "pytorch", "train_examples_per_s", embedding="train")
    torch_frozen = median(shape, "pytorch", "train_examples_per_s", embedding="frozen")
    simd_mr = median(shape, "cpu", "train_examples_per_s", lengths="mr")
    lines.append(f"| {shape[0]}-d, {shape[1]} positions | {simd:,.0f} | {ilgpu:,.0f} | {torch_train:,.0f} | {torch_frozen:,.0f} "
                 f"| {simd / torch_train:.1f} x, {simd / torch_frozen:.1f} x | {simd_mr:,.0f} |")


def epochs(log):
    pattern = r"epoch (\d+)/\d+: .*?, ([\d.]+) examples/s, waited on store ([\d.]+) of ([\d.]+) s"
    return [(int(e), float(x), float(w), float(s)) for e, x, w, s in re.findall(pattern, open(log).read())]


store, local = epochs(f"{run}/store-run.log"), epochs(f"{run}/in-process-run.log")
synchronous = epochs(f"{run}/store-sync-run.log")
lines += ["", "| MR epoch, CNN-non-static, `--device cpu` | epoch time, s | examples/s | waiting on rows |", "|---|---:|---:|---:|"]
for name, data in [("through the store, pushes overlapped (default)", store),
                   ("through the store, `--sync-push` (each push awaited)", synchronous),
                   ("in-process rows (baseline)", local)]:
    for e, x, w, s in data:
        lines.append(f"| {name}, epoch {e} | {s:.1f} | {x:,.0f} | {100 * w / s:.1f} % |")
lines.append("")


def overhead(runs):
    return ", ".join(f"epoch {e} {100 * (s / l - 1):+.0f} %" for (e, _, _, s), (_, _, _, l) in zip(runs, local))


lines.append(f"Store overhead on epoch time against the in-process run: {overhead(store)} "
             f"(with `--sync-push`: {overhead(synchronous)}); "
             f"share of the store run's epoch time spent waiting on the store: "
             f"{100 * sum(w for _, _, w, _ in store) / sum(s for *_, s in store):.1f} %.")
lines += ["", "| MR epoch, `--device cpu` | through the store: epoch time, s (examples/s) | the same, `--no-row-cache` | in-process rows | store overhead: kept rows, `--no-row-cache` |",
          "|---|---:|---:|---:|---:|"]
for variant in ["static", "multichannel"]:
    kept, uncached, alone = (epochs(f"{run}/{variant}{suffix}.log") for suffix in ["-store-run", "-uncached-run", "-in-process-run"])
    for (e, x, _, s), (_, ux, _, us), (_, lx, _, ls) in zip(kept, uncached, alone):
        lines.append(f"| CNN-{variant}, epoch {e} | {s:.1f} ({x:,.0f}) | {us:.1f} ({ux:,.0f}) | {ls:.1f} ({lx:,.0f}) "
                     f"| {100 * (lx / x - 1):+.0f} %, {100 * (lx / ux - 1):+.0f} % |")
lines.append("")
lines.append("(Overheads from examples/s, which the log gives to more digits than epoch times.)")
lines.append(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; raw output in `{run}/`.")

text = open(doc).read()
begin, end = "<!-- training:begin -->", "<!-- training:end -->"
if begin not in text:
    sys.exit(f"{doc} has no {begin} ... {end} markers")
head, rest = text.split(begin, 1)
tail = rest.split(end, 1)[1]
open(doc, "w").write(head + begin + "\n" + "\n".join(lines) + "\n" + end + tail)
print("\n".join(lines))
