#!/usr/bin/env python3
"""kyc-ocr against other MRZ readers on the same labelled images.

    python3 benches/compare/compare_readers.py DIR [DIR...] [--limit N] [--kyc-ocr BIN]

Each DIR holds images and a `truth.jsonl` (what `kyc-ocr synth` writes, or your own labelled
photos in that format: one JSON object per line with `image` and `lines`). Every reader gets the
same files, one image at a time on one thread, and is scored the same way:

- exact: every MRZ line read equals the truth, character for character (the only score that
  counts: a reading whose check digits pass can still be wrong where no digit looks);
- found: the reader returned an MRZ at all;
- valid: the reader says every check digit holds;
- valid but wrong: valid and not exact, the dangerous kind;
- median and 95th-percentile time per image, in milliseconds, inside the reader's own process
  (Python's start-up and model loading are not counted; kyc-ocr's `eval` times its own read).

Readers:
- kyc-ocr: `kyc-ocr batch --jobs 1 --json FILES` (release build: `cargo build --release -p
  kyc-ocr-cli`), its own `timings.total_ms` per image.
- PassportEye (`pip install passporteye`, with Tesseract: `apt-get install tesseract-ocr`): its
  `read_mrz`, valid where its `valid_score` is 100.

fastmrz is not included: it needs an `mrz.traineddata` Tesseract model that neither Debian nor
PyPI carries. Not part of CI (it needs Tesseract); the figures are in the README.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings

# One thread for Tesseract too, as for kyc-ocr: the figures compare readers, not core counts.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def truths(folder, limit):
    rows = []
    with open(os.path.join(folder, "truth.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                rows.append((d["image"], d["lines"]))
    return rows[:limit] if limit else rows


def percentile(values, q):
    """Nearest rank, as `kyc-ocr eval`'s `p95_ms`."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(max(math.ceil(q * len(s)), 1), len(s)) - 1]


def run_kyc_ocr(binary, folder, rows):
    """Per image: (found, valid, exact), and the per-image times kyc-ocr measured: one process
    reads them all (`kyc-ocr batch --jobs 1`), as a service would, model loaded once."""
    env = dict(os.environ, RAYON_NUM_THREADS="1", RTEN_NUM_THREADS="1")
    files = [os.path.join(folder, image) for image, _ in rows]
    out = subprocess.run(
        [binary, "batch", "--jobs", "1", "--json", *files],
        capture_output=True, text=True, env=env,
    )
    read = {}
    for line in out.stdout.splitlines():
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        read[os.path.basename(d.get("image", ""))] = d
    results, times = {}, []
    for image, want in rows:
        d = read.get(os.path.basename(image), {})
        mrz = d.get("mrz") or {}
        lines = mrz.get("lines") or []
        results[image] = (bool(lines), bool(mrz.get("valid")), lines == want)
        if "timings" in d:
            times.append(d["timings"]["total_ms"])
    return results, times


def run_passporteye(folder, rows):
    warnings.simplefilter("ignore")
    from passporteye import read_mrz

    results, times = {}, []
    for image, want in rows:
        t = time.perf_counter()
        try:
            m = read_mrz(os.path.join(folder, image))
        except Exception:  # PassportEye raises on some inputs; count it as nothing found.
            m = None
        times.append((time.perf_counter() - t) * 1000.0)
        if m is None:
            results[image] = (False, False, False)
            continue
        d = m.to_dict()
        lines = [l.strip() for l in (d.get("raw_text") or "").split("\n") if l.strip()]
        results[image] = (True, d.get("valid_score") == 100, lines == want)
    return results, times


def summary(name, results, times):
    n = len(results)
    found = sum(r[0] for r in results.values())
    valid = sum(r[1] for r in results.values())
    exact = sum(r[2] for r in results.values())
    vbw = sum(r[1] and not r[2] for r in results.values())
    return {
        "reader": name,
        "images": n,
        "exact": exact,
        "found": found,
        "valid": valid,
        "valid_but_wrong": vbw,
        "median_ms": statistics.median(times) if times else float("nan"),
        "p95_ms": percentile(times, 0.95),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--limit", type=int, default=0, help="first N images of each folder")
    ap.add_argument("--kyc-ocr", default=os.path.join(REPO, "target", "release", "kyc-ocr"))
    ap.add_argument("--json", action="store_true", help="one JSON object per folder and reader")
    ap.add_argument("--readers", default="kyc-ocr,passporteye",
                    help="comma-separated: kyc-ocr, passporteye (default both)")
    args = ap.parse_args()
    if not os.path.exists(args.kyc_ocr):
        sys.exit(f"{args.kyc_ocr} not found: cargo build --release -p kyc-ocr-cli")
    for folder in args.dirs:
        rows = truths(folder, args.limit)
        readers = {r.strip().lower() for r in args.readers.split(",")}
        table, ours, theirs = [], {}, {}
        if "kyc-ocr" in readers:
            ours, t = run_kyc_ocr(args.kyc_ocr, folder, rows)
            table.append(summary("kyc-ocr", ours, t))
        if "passporteye" in readers:
            theirs, t = run_passporteye(folder, rows)
            table.append(summary("PassportEye", theirs, t))
        # Where the other reader is right and kyc-ocr is not: what to look at next.
        only_theirs = sorted(
            i for i in theirs if theirs[i][2] and not ours.get(i, (0, 0, 0))[2]
        ) if ours else []
        if args.json:
            for row in table:
                print(json.dumps(dict(row, dir=folder)))
            print(json.dumps({"dir": folder, "exact_only_passporteye": only_theirs}))
            continue
        print(f"\n{folder} ({len(rows)} images)")
        print(f"{'reader':<12} {'exact':>6} {'found':>6} {'valid':>6} {'valid-but-wrong':>16} {'median ms':>10} {'p95 ms':>8}")
        for r in table:
            print(
                f"{r['reader']:<12} {r['exact']:>6} {r['found']:>6} {r['valid']:>6} "
                f"{r['valid_but_wrong']:>16} {r['median_ms']:>10.1f} {r['p95_ms']:>8.1f}"
            )
        if only_theirs:
            print("read exactly by PassportEye only:", ", ".join(only_theirs))


if __name__ == "__main__":
    main()
