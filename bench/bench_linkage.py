"""Linkage benchmark: reconstruction quality and speed against the synthetic reference, plus direct linkage.

Builds a noisy holder table (``linkage.holders``, truth kept aside) from a reference made by
``hdh synth``, then runs, each in its own process (peak RSS is per variant): the hub's model
(French levels, five blocking rules + the swap rule) and a plain Splink baseline (stock
Jaro-Winkler / Damerau-Levenshtein comparisons, three blocking rules). Reports precision and
recall of the best candidate across thresholds, wall time and peak memory; then direct
linkage throughput (checks + exact join + two-stage HMAC) in rows per minute. The 2 cores
are shared with other work: wall times are upper bounds. JSON in bench/out/linkage.json.

    .venv/bin/hdh synth -n 1000000 --out /tmp/ref1m
    .venv/bin/python bench/bench_linkage.py --reference /tmp/ref1m/reference --rows 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from healthdatahub.config import load_settings
from healthdatahub.linkage import checks, direct, formats, normalise, probabilistic, pseudonymise
from healthdatahub.linkage.holders import write_holder_table
from healthdatahub.linkage.sql import connect, q

THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)


def _quality(con: Any, margin: float) -> list[dict[str, Any]]:
    out = []
    for thr in THRESHOLDS:
        probabilistic.choose(con, thr, margin)
        tp, fp, amb, tot = q(con, """
          SELECT count(*) FILTER (WHERE b.state = 'linked' AND r.nir = t.nir),
                 count(*) FILTER (WHERE b.state = 'linked' AND r.nir IS DISTINCT FROM t.nir),
                 count(*) FILTER (WHERE b.state = 'ambiguous'),
                 count(*) FILTER (WHERE t.nir IS NOT NULL)
          FROM hold_n h JOIN truth t ON t.id_acc = h.id_acc
          LEFT JOIN prob_best b ON b.hid = h.unique_id LEFT JOIN ref_n r ON r.unique_id = b.rid""")[0]
        out.append({"threshold": thr, "precision": tp / max(tp + fp, 1), "recall": tp / max(tot, 1),
                    "linked": tp + fp, "false": fp, "ambiguous": amb, "true_in_reference": tot})
    return out


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _jvm_cpu_s(spark: Any) -> float:
    """CPU seconds of the Spark driver's JVM so far (from /proc; 0 when it cannot be read)."""
    try:
        pid = spark.sparkContext._gateway.proc.pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, ValueError, IndexError):
        return 0.0


def _measures(started: float, cpu0: float, **extra: Any) -> dict[str, Any]:
    return {"wall_s": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load_average": os.getloadavg(), **extra}


def run_variant(variant: str, reference: Path, csv: Path, truth: Path) -> dict[str, Any]:
    """One variant in this process: prepare, train, score, then quality at each threshold."""
    settings = load_settings(data_dir=Path(tempfile.mkdtemp()))
    load_before = os.getloadavg()
    started, cpu0 = time.perf_counter(), _cpu_s()
    con = connect(settings)
    if variant == "direct":
        data = csv.read_bytes()
        formats.load_lines(con, data, "direct", "bench")
        checked = checks.run_checks(con, "direct")
        direct.load_reference(con, str(reference / "ETAT_CIVIL" / "*.parquet"),
                              str(reference / "CORRESPONDANCE_NIR_PSA" / "*.parquet"))
        t_join = time.perf_counter()
        counts = direct.link_direct(con)
        pseudonymise.install(con, os.urandom(32), "bench")
        q(con, "CREATE TEMP TABLE d AS SELECT id_acc, hdh_project(hdh_national(nir)) p "
               "FROM results WHERE state = 'linked'")
        out = _measures(started, cpu0, load_before=load_before)
        return {"variant": variant, "rows": checked.received, **out,
                "link_and_pseudonymise_s": time.perf_counter() - t_join, "counts": counts,
                "rows_per_minute": checked.received / out["wall_s"] * 60,
                "rows_per_cpu_minute": checked.received / out["cpu_s"] * 60}
    formats.load_lines(con, csv.read_bytes(), "reconstruction", "bench")
    checks.run_checks(con, "reconstruction")
    normalise.normalise_holder(con)
    normalise.normalise_reference(con, str(reference / "ETAT_CIVIL" / "*.parquet"))
    prepared = time.perf_counter()
    steps: dict[str, float] = {"prepare_s": prepared - started}
    extra: dict[str, Any] = {}
    if variant == "spark":
        from healthdatahub.linkage.spark_backend import score_spark, spark_session

        spark = spark_session()
        extra["jvm_start_s"] = time.perf_counter() - prepared  # reported apart
        prepared = time.perf_counter()
        pairs, _ = score_spark(con, spark, timings=steps)
        extra["jvm_cpu_s"] = _jvm_cpu_s(spark)
        spark.stop()
    else:
        pairs, _ = probabilistic.score(con, plain=variant == "plain", timings=steps)
    scored = time.perf_counter()
    steps["train_and_score_s"] = scored - prepared
    out = _measures(started, cpu0, load_before=load_before, **extra)
    q(con, f"CREATE TEMP TABLE truth AS SELECT * FROM read_parquet('{truth}')")
    quality = _quality(con, 0.0 if variant == "plain" else settings.linkage_ambiguity_margin)
    return {"variant": variant, "pairs": pairs, "steps": steps, "train_and_score_s":
            steps["train_and_score_s"], **out, "quality": quality}


def _spawn(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"bench variant {args} failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _size(con: Any, reference: Path) -> int:
    return int(q(con, f"SELECT count(*) FROM read_parquet('{reference}/ETAT_CIVIL/*.parquet')")[0][0])


def markdown(result: dict[str, Any]) -> str:
    """The figures as markdown for docs/benchmarks.md."""
    head = (f"Reconstruction: {result['rows']:,} holder rows against "
            f"{result['reference_size']:,} people ({result['machine']}).")
    columns = ("| model | threshold | precision | recall | ambiguous | wall (s) | CPU (s) "
               "| peak RSS (MB) |")
    lines = [head, "", columns, "|---|---|---|---|---|---|---|---|"]
    for v in result["variants"]:
        for row in v["quality"]:
            lines.append(f"| {v['variant']} | {row['threshold']} | {row['precision']:.4f} | "
                         f"{row['recall']:.4f} | {row['ambiguous']} | {v['wall_s']:.0f} | "
                         f"{v['cpu_s']:.0f} | {v['peak_rss_mb']:.0f} |")
    for v in result["variants"]:
        steps = ", ".join(f"{k[:-2]} {t:.1f}" for k, t in v["steps"].items())
        load = f"{v['load_before'][0]:.1f} before, {v['load_average'][0]:.1f} after"
        lines += ["", f"{v['variant']} steps (wall s): {steps}; load average {load}."]
    sp = result.get("spark")
    if sp:
        row = next(r for r in sp["quality"] if r["threshold"] == 0.9)
        text = (f"Spark backend (local[2]): {sp['rows']:,} rows against {sp['reference_size']:,} "
                f"people, P {row['precision']:.4f} / R {row['recall']:.4f} at 0.9, train+score "
                f"{sp['train_and_score_s']:.0f} s wall (JVM start {sp['jvm_start_s']:.0f} s apart), "
                f"CPU {sp['cpu_s']:.0f} s in Python + {sp['jvm_cpu_s']:.0f} s in the JVM.")
        lines += ["", text]
    d = result.get("direct")
    if d:
        tail = (f"Direct linkage: {d['rows']:,} rows in {d['wall_s']:.1f} s wall, "
                f"{d['cpu_s']:.1f} s CPU (checks, exact join, two HMACs) = "
                f"{d['rows_per_minute'] / 1e6:.1f} M rows/min, peak {d['peak_rss_mb']:.0f} MB, "
                f"load average {d['load_before'][0]:.1f}.")
        lines += ["", tail]
    return "\n".join(lines)


def main() -> None:
    """Command line: the driver, or one variant (``--variant``) in a child process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--direct-rows", type=int, default=1_000_000)
    parser.add_argument("--variant")
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--spark-reference", type=Path,
                        help="Also run the model on Splink's Spark backend against this reference.")
    parser.add_argument("--spark-rows", type=int, default=3000)
    a = parser.parse_args()
    if a.variant:
        sys.stdout.write(json.dumps(run_variant(a.variant, a.reference, a.csv, a.truth)) + "\n")
        return
    work = Path(tempfile.mkdtemp(prefix="hdh-bench-linkage-"))
    settings = load_settings(data_dir=work / "data")
    csv, truth = work / "holder.csv", work / "truth.parquet"
    write_holder_table(settings, a.reference, csv, truth, a.rows)
    dcsv, dtruth = work / "direct.csv", work / "direct_truth.parquet"
    write_holder_table(settings, a.reference, dcsv, dtruth, a.direct_rows, mode="direct")
    con = connect(settings)
    size = _size(con, a.reference)
    base = ["--reference", str(a.reference)]
    variants = [_spawn([*base, "--variant", "ours", "--csv", str(csv), "--truth", str(truth)])]
    if not a.skip_plain:
        variants.append(_spawn([*base, "--variant", "plain", "--csv", str(csv), "--truth", str(truth)]))
    if a.spark_reference:
        scsv, struth = work / "spark.csv", work / "spark_truth.parquet"
        write_holder_table(settings, a.spark_reference, scsv, struth, a.spark_rows)
        spark = _spawn(["--reference", str(a.spark_reference), "--variant", "spark", "--csv",
                        str(scsv), "--truth", str(struth)])
        spark["rows"] = a.spark_rows
        spark["reference_size"] = _size(con, a.spark_reference)
    result = {"rows": a.rows, "reference_size": int(size), "variants": variants,
              "direct": _spawn([*base, "--variant", "direct", "--csv", str(dcsv), "--truth",
                                str(dtruth)]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), "
                         f"Python {platform.python_version()}"}
    if a.spark_reference:
        result["spark"] = spark
    out = Path(__file__).parent / "out" / "linkage.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    sys.stdout.write(markdown(result) + "\n")


if __name__ == "__main__":
    main()
