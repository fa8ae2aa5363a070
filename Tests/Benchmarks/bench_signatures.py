#!/usr/bin/env python3
"""Signature quality and speed of Faultline, side by side with drain3.

For every dataset directory under --datasets that holds a ``*_structured.csv`` (the layout of
Loghub's 2k samples, so unseen logs laid out the same way can be measured too), the messages
(column ``Content``) are piped to ``faultline-agent scan --all --lines --source NAME``, and the
clusters it prints are scored against the ground-truth templates (column ``EventTemplate``) with
the grouping accuracy of Zhu et al.: a message counts as correct when the set of messages in its
predicted cluster equals the set in its true cluster. It is scored twice, clustering by
``fingerprint`` alone and by ``group`` (fingerprint plus grouping), and once more for drain3 with
its default configuration. Speed comes from the ``faultline-signature-bench`` executable (one
thread, in memory) and from drain3's ``add_log_message``.

The report always exits 0; it exits non-zero only when the agent or the benchmark executable is
missing, fails, or prints the wrong number of records.

Data: Loghub, https://github.com/logpai/loghub (see the LICENSE beside the datasets).
Metric: Jieming Zhu, Shilin He, Jinyang Liu, Pinjia He, Qi Xie, Zibin Zheng, Michael R. Lyu,
"Tools and Benchmarks for Automated Log Parsing", ICSE-SEIP 2019.

Usage (from the repository root; ``make bench-signatures`` does this):
    python3 Tests/Benchmarks/bench_signatures.py --agent .build/release/faultline-agent \\
        --speed-bench .build/release/faultline-signature-bench [--datasets DIR] [--no-drain3]

Only the standard library is needed here; drain3 runs in a subprocess from a virtualenv at
``.venv/bench`` that the script creates and fills with ``pip install drain3`` on first use.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASETS = "../shared/datasets/loghub_2k"
VENV = REPO_ROOT / ".venv" / "bench"
THRESHOLD = 0.85

# Runs inside the virtualenv, from an empty temporary directory so that no drain3.ini can change
# the default configuration. argv: input JSON (a list of message lists), output JSON path.
DRAIN3_RUNNER = """
import json, logging, sys, time
logging.disable(logging.WARNING)  # drain3 warns that there is no drain3.ini: that is the point.
from drain3 import TemplateMiner
with open(sys.argv[1], encoding="utf-8") as handle:
    datasets = json.load(handle)
result = {"clusters": [], "seconds": 0.0, "cpu_seconds": 0.0}
for messages in datasets:
    add = TemplateMiner().add_log_message
    start, start_cpu = time.perf_counter(), time.thread_time()
    ids = [add(message)["cluster_id"] for message in messages]
    result["seconds"] += time.perf_counter() - start
    result["cpu_seconds"] += time.thread_time() - start_cpu
    result["clusters"].append(ids)
with open(sys.argv[2], "w", encoding="utf-8") as handle:
    json.dump(result, handle)
"""


def fail(message):
    """Print an error naming what went wrong and exit with status 1."""
    sys.exit(f"bench_signatures: error: {message}")


def note(message):
    """Print a progress note on standard error, keeping standard output for the report."""
    print(f"bench_signatures: {message}", file=sys.stderr, flush=True)


def find_datasets(root):
    """Return (name, csv path) for every subdirectory of root holding a *_structured.csv, by name."""
    found = []
    for directory in sorted(path for path in root.iterdir() if path.is_dir()):
        files = sorted(directory.glob("*_structured.csv"))
        if files:
            found.append((directory.name, files[0]))
    return found


def read_dataset(path):
    """Read (messages, true templates) from a structured CSV; each message is made one line."""
    messages, templates = [], []
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            content = row["Content"].replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
            messages.append(content)
            templates.append(row["EventTemplate"])
    return messages, templates


def require_executable(path, option):
    """Fail unless path is an executable file; option names the flag that gave it."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        fail(f"{option} {path}: no such executable (build it with `make bench-signatures`)")


def run_agent(agent, name, messages):
    """Pipe messages to `agent scan` and return (fingerprints, groups), one per message, in order."""
    command = [agent, "scan", "--all", "--lines", "--source", name]
    process = subprocess.run(
        command, input="\n".join(messages) + "\n", capture_output=True, encoding="utf-8", errors="replace"
    )
    if process.returncode != 0:
        fail(f"{' '.join(command)} exited with {process.returncode}: {process.stderr.strip()[-2000:]}")
    records = [line for line in process.stdout.split("\n") if line.strip()]
    if len(records) != len(messages):
        fail(f"{name}: the agent printed {len(records)} records for {len(messages)} input lines")
    fingerprints, groups = [], []
    for number, text in enumerate(records, start=1):
        try:
            record = json.loads(text)
            if record["line"] != number:
                fail(f"{name}: record {number} has \"line\": {record['line']}; expected input order")
            fingerprints.append(record["fingerprint"])
            groups.append(record["group"])
        except (ValueError, KeyError, TypeError) as error:
            fail(f"{name}: record {number} is not {{line, fingerprint, group, template}} JSON ({error}): {text}")
    return fingerprints, groups


def grouping_accuracy(truth, predicted):
    """Zhu et al.'s grouping accuracy: the share of messages whose predicted cluster is exactly their true one."""
    true_clusters, predicted_clusters = defaultdict(set), defaultdict(set)
    for index, (label, cluster) in enumerate(zip(truth, predicted)):
        true_clusters[label].add(index)
        predicted_clusters[cluster].add(index)
    correct = 0
    for members in predicted_clusters.values():
        if true_clusters[truth[next(iter(members))]] == members:
            correct += len(members)
    return correct / len(truth) if truth else 0.0


def drain3_python():
    """Return the virtualenv's python with drain3 importable, creating and filling it if needed; None on failure."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import drain3"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    base = shutil.which("python3") or sys.executable
    note(f"installing drain3 into {VENV.relative_to(REPO_ROOT)} (once)")
    for step in ([base, "-m", "venv", str(VENV)], [str(python), "-m", "pip", "install", "--quiet", "drain3"]):
        process = subprocess.run(step, capture_output=True, text=True)
        if process.returncode != 0:
            note(f"drain3 not measured: {' '.join(step)} failed: {process.stderr.strip()[-500:]}")
            return None
    return python


def run_drain3(python, datasets):
    """Run drain3's default TemplateMiner over each message list; return (cluster ids per list, wall seconds,
    CPU seconds of its thread)."""
    with tempfile.TemporaryDirectory(prefix="faultline-drain3-") as scratch:
        scratch = Path(scratch)
        (scratch / "runner.py").write_text(DRAIN3_RUNNER, encoding="utf-8")
        with open(scratch / "input.json", "w", encoding="utf-8") as handle:
            json.dump(datasets, handle)
        command = [str(python), "runner.py", "input.json", "output.json"]
        process = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        if process.returncode != 0:
            note(f"drain3 not measured: it failed: {process.stderr.strip()[-1000:]}")
            return None, None, None
        result = json.loads((scratch / "output.json").read_text(encoding="utf-8"))
    return result["clusters"], result["seconds"], result["cpu_seconds"]


def run_speed_bench(executable, datasets):
    """Write all messages to one temporary file, run the Swift benchmark on it and return its JSON result."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".log", delete=False) as handle:
        for messages in datasets:
            handle.write("\n".join(messages) + "\n")
        path = handle.name
    try:
        process = subprocess.run([executable, path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    lines = process.stdout.strip().splitlines()
    if process.returncode != 0 or not lines:
        fail(f"{executable} exited with {process.returncode}: {process.stderr.strip()[-2000:]}")
    try:
        return json.loads(lines[-1])
    except ValueError:
        fail(f"{executable} printed no JSON result: {lines[-1]}")


def format_accuracy(value):
    """An accuracy with three decimals, or a dash when it was not measured."""
    return "-" if value is None else f"{value:.3f}"


def print_report(rows, speed, drain3_rate):
    """Print the accuracy table, the speed line and the datasets below the threshold."""
    header = ("dataset", "lines", "fingerprint acc", "fingerprint+grouping acc", "drain3 acc")
    widths = [max(12, *(len(row[0]) for row in rows)), 7, 15, 24, 10]
    print(" | ".join(title.ljust(width) for title, width in zip(header, widths)))
    print("-+-".join("-" * width for width in widths))

    def line(name, count, *accuracies):
        cells = [name.ljust(widths[0]), str(count).rjust(widths[1])]
        cells += [format_accuracy(value).rjust(width) for value, width in zip(accuracies, widths[2:])]
        print(" | ".join(cells))

    for row in rows:
        line(*row)
    averages = []
    for column in (2, 3, 4):
        values = [row[column] for row in rows]
        averages.append(None if None in values else sum(values) / len(values))
    print("-+-".join("-" * width for width in widths))
    line("average", sum(row[1] for row in rows), *averages)
    print()

    # Two figures each: wall clock, and per CPU-second of the working thread (one core's worth of work,
    # which other load on a shared machine barely changes). The ratio compares like with like.
    for kind, key, label in (("cpu", "lines_per_cpu_second", "per CPU-second (one core)"),
                             ("wall", "lines_per_second", "wall clock")):
        ours = "faultline not measured"
        if speed:
            mebibytes = speed[key] * speed["bytes_per_second"] / speed["lines_per_second"] / (1 << 20)
            ours = f"faultline {speed[key]:,.0f} lines/s ({mebibytes:.1f} MiB/s)"
        theirs = "drain3 not measured" if drain3_rate is None else f"drain3 {drain3_rate[kind]:,.0f} lines/s"
        ratio = f", ratio {speed[key] / drain3_rate[kind]:.1f}×" if speed and drain3_rate else ""
        print(f"speed, {label}: {ours}, {theirs}{ratio}")
    below = [row[0] for row in rows if row[3] < THRESHOLD]
    print(f"below {THRESHOLD} (fingerprint+grouping): {', '.join(below) if below else 'none'}")


def main():
    """Parse the options, measure every dataset and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agent", required=True, help="the faultline-agent executable (release build)")
    parser.add_argument("--speed-bench", help="the faultline-signature-bench executable; no speed of ours without")
    parser.add_argument(
        "--datasets",
        default=str(REPO_ROOT / DEFAULT_DATASETS),
        help=f"a directory of datasets laid out like Loghub's 2k samples (default: {DEFAULT_DATASETS}, "
        "relative to the repository root)",
    )
    parser.add_argument("--no-drain3", action="store_true", help="skip drain3 (no virtualenv, no install)")
    options = parser.parse_args()

    require_executable(options.agent, "--agent")
    if options.speed_bench:
        require_executable(options.speed_bench, "--speed-bench")
    root = Path(options.datasets)
    if not root.is_dir():
        fail(f"--datasets {root}: no such directory")
    datasets = find_datasets(root)
    if not datasets:
        fail(f"--datasets {root}: no subdirectory holds a *_structured.csv")

    loaded = [(name, *read_dataset(path)) for name, path in datasets]
    rows = []
    for name, messages, templates in loaded:
        note(f"{name}: {len(messages)} lines")
        fingerprints, groups = run_agent(options.agent, name, messages)
        rows.append([name, len(messages), grouping_accuracy(templates, fingerprints),
                     grouping_accuracy(templates, groups), None])

    drain3_rate = None
    python = None if options.no_drain3 else drain3_python()
    if python:
        note("drain3: running with its default configuration")
        clusters, seconds, cpu_seconds = run_drain3(python, [messages for _, messages, _ in loaded])
        if clusters is not None:
            for row, (_, _, templates), predicted in zip(rows, loaded, clusters):
                row[4] = grouping_accuracy(templates, predicted)
            lines = sum(row[1] for row in rows)
            if seconds > 0 and cpu_seconds > 0:
                drain3_rate = {"wall": lines / seconds, "cpu": lines / cpu_seconds}

    speed = None
    if options.speed_bench:
        note("faultline-signature-bench: measuring (about 2 s)")
        speed = run_speed_bench(options.speed_bench, [messages for _, messages, _ in loaded])
    print_report(rows, speed, drain3_rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
