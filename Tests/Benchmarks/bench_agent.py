#!/usr/bin/env python3
"""Agent benchmark: pipeline throughput beside `cat`, idle CPU and steady RSS with 100 files, binary size.

Run by `make bench-agent` after a release build. Every figure is printed beside a baseline measured in the
same run: throughput as a ratio to `cat FILE > /dev/null` on the same file, so a noisy shared machine
shifts both. Targets (from the agent's issue): >= 100 MiB/s on one core, idle < 0.1% of a core with 100
watched files, steady RSS <= 16 MiB tailing 100 files plus journald, stripped static binary <= 20 MB.

Usage: bench_agent.py --agent PATH [--static-agent PATH] [--size-mib N]
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

def write_log(path, size_bytes, error_ratio=0.05, seed=7):
    """Writes realistic log lines (5% errors by default) until the file reaches `size_bytes`; returns lines."""
    rng = random.Random(seed)
    users = ["alice", "bob", "carol", "dave", "erin", "frank"]
    lines = 0
    with open(path, "w") as out:
        written = 0
        chunk = []
        while written < size_bytes:
            ts = f"2026-11-21T10:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
            if rng.random() < error_ratio:
                kind = rng.randrange(3)
                if kind == 0:
                    line = f"{ts} api[812]: ERROR connection to 10.0.{rng.randrange(256)}.{rng.randrange(256)}:5432 refused after {rng.randrange(9)} retries"
                elif kind == 1:
                    line = f"{ts} api[812]: ERROR payment {rng.randrange(10**6)} declined for user {rng.choice(users)} status=402"
                else:
                    line = f"{ts} worker[913]: FATAL cannot open /var/lib/worker/queue-{rng.randrange(99)}.db: No space left on device"
            else:
                line = (f"{ts} api[812]: INFO request served method=GET path=/api/v1/items/{rng.randrange(10**5)} "
                        f"status=200 duration={rng.randrange(900)}ms bytes={rng.randrange(10**5)}")
            chunk.append(line)
            written += len(line) + 1
            lines += 1
            if len(chunk) >= 10000:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")
    return lines


def cpu_seconds(pid):
    """CPU time of a process's live threads, in seconds, from the scheduler's nanosecond counters (clock
    ticks of 10 ms are too coarse for an idle agent: 0.1% of a core over 30 s is 3 ticks)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return total / 1e9


def rss_kib(pid, field="VmRSS"):
    """A memory figure of /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rollup_kib(pid, field):
    """A figure of /proc/PID/smaps_rollup, in KiB: PSS counts each shared library page once per sharer."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def config(directory, files_glob, flush="200ms", journald_dir=None, start="beginning"):
    """Writes an agent.toml shipping to a port nothing listens on (the spool is the pipeline's end here)."""
    token = os.path.join(directory, "token")
    with open(token, "w") as out:
        out.write("bench-token\n")
    journald = f'[journald]\nenabled = true\ndirectory = "{journald_dir}"\nstart = "head"\n' if journald_dir \
        else "[journald]\nenabled = false\n"
    text = f"""[agent]
state_directory = "{directory}/state"
flush_interval = "{flush}"
[collector]
urls = ["http://127.0.0.1:9"]
token_file = "{token}"
[spool]
max_bytes = "1GiB"
{journald}
[[files]]
paths = ["{files_glob}"]
app = "bench"
start = "{start}"
"""
    path = os.path.join(directory, "agent.toml")
    with open(path, "w") as out:
        out.write(text)
    return path


def checkpoint_offset(state_dir):
    """The furthest file offset in the spool's checkpoints (0 before the first commit)."""
    path = os.path.join(state_dir, "agent.sqlite")
    if not os.path.exists(path):
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        rows = db.execute("SELECT state FROM checkpoints WHERE key LIKE 'file:%'").fetchall()
        db.close()
    except sqlite3.Error:
        return 0
    offsets = [int(state.split()[1]) for (state,) in rows if len(state.split()) > 1]
    return max(offsets, default=0)


def start_agent(agent, config_path):
    """Starts `faultline-agent run` with its logs in a file next to the config."""
    log = open(config_path + ".log", "w")
    return subprocess.Popen([agent, "run", "--config", config_path], stdout=log, stderr=subprocess.STDOUT)


def stop(process):
    """SIGTERM, then wait."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def write_throughput_log(size_mib, work):
    """The throughput test's file, in the page cache, and `cat`'s rate on it: (path, lines, cat MiB/s)."""
    logs = os.path.join(work, "throughput")
    os.makedirs(logs)
    path = os.path.join(logs, "app.log")
    lines = write_log(path, size_mib << 20)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    started = time.monotonic()
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
    return path, lines, os.path.getsize(path) / (1 << 20) / (time.monotonic() - started)


def measure_throughput(agent, path, work, name):
    """Pipeline MiB/s (file → detect → sign → aggregate → spool) of one agent binary on the file at `path`."""
    size = os.path.getsize(path)
    with open(path, "rb") as log:
        log.seek(max(0, size - 4096))
        last_line = log.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    # The last line is held for the multiline wait (a continuation may follow): done when every line before it
    # is checkpointed, so that the wait does not count as pipeline time.
    done_at = size - len(last_line) - 1
    state = os.path.join(work, name)
    os.makedirs(state)
    config_path = config(state, os.path.join(os.path.dirname(path), "*.log"))
    process = start_agent(agent, config_path)
    started = time.monotonic()
    deadline = started + 600
    while checkpoint_offset(state + "/state") < done_at:
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"bench_agent: the agent stopped or stalled; see {config_path}.log")
        time.sleep(0.05)
    seconds = time.monotonic() - started
    cpu = cpu_seconds(process.pid)
    stop(process)
    mib = size / (1 << 20)
    return {"mib": mib, "seconds": seconds, "mib_per_s": mib / seconds, "cpu_s": cpu}


def write_journal(directory, entries):
    """Writes a journal file with systemd-journal-remote from export format (errors and info of one unit)."""
    remote = "/lib/systemd/systemd-journal-remote"
    if not os.path.exists(remote):
        return None
    os.makedirs(directory, exist_ok=True)
    export = []
    now = int(time.time() * 1e6)
    for index in range(entries):
        export.append(
            f"__REALTIME_TIMESTAMP={now + index}\n__MONOTONIC_TIMESTAMP={index + 1}\n"
            f"_BOOT_ID=0123456789abcdef0123456789abcdef\n_SYSTEMD_UNIT=bench.service\nSYSLOG_IDENTIFIER=bench\n"
            f"PRIORITY={3 if index % 10 == 0 else 6}\nMESSAGE=request {index} failed with status 500\n")
    data = "\n".join(export) + "\n"
    subprocess.run([remote, "-o", os.path.join(directory, "bench.journal"), "-"], input=data.encode(),
                   check=True, env={}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return directory


def measure_idle_and_memory(agent, work, name="idle", idle_seconds=30):
    """Idle CPU with 100 quiet files, then steady RSS and PSS while the 100 files (and journald) get lines."""
    logs = os.path.join(work, name, "logs")
    os.makedirs(logs)
    for index in range(100):
        with open(os.path.join(logs, f"app{index:03d}.log"), "w") as out:
            out.write("INFO started\n")
    journal = write_journal(os.path.join(work, name, "journal"), 2000)
    config_path = config(os.path.join(work, name), os.path.join(logs, "*.log"), flush="5s", journald_dir=journal,
                         start="end")
    process = start_agent(agent, config_path)
    time.sleep(5)
    before = cpu_seconds(process.pid)
    started = time.monotonic()
    time.sleep(idle_seconds)
    idle_percent = 100 * (cpu_seconds(process.pid) - before) / (time.monotonic() - started)

    rng = random.Random(3)
    peak = 0
    steady = []
    finish = time.monotonic() + 30
    while time.monotonic() < finish:
        for _ in range(50):
            with open(os.path.join(logs, f"app{rng.randrange(100):03d}.log"), "a") as out:
                level = "ERROR" if rng.random() < 0.05 else "INFO"
                out.write(f"{level} request {rng.randrange(10**6)} took {rng.randrange(900)}ms\n")
        time.sleep(0.05)
        rss = rss_kib(process.pid)
        steady.append(rss)
        peak = max(peak, rss)
    pss = rollup_kib(process.pid, "Pss")
    stop(process)
    return {"idle_percent": idle_percent, "rss_median_kib": sorted(steady)[len(steady) // 2], "rss_peak_kib": peak,
            "pss_kib": pss, "journald": journal is not None}


def curl_only_rss_kib(work):
    """RSS of a C program that links libcurl, POSTs once to a closed port and reads its own VmRSS: the floor
    that libcurl and its dependencies (TLS, Kerberos, LDAP, SSH, RTMP...) put under any process using it."""
    source = os.path.join(work, "curl_only.c")
    binary = os.path.join(work, "curl_only")
    with open(source, "w") as out:
        out.write("""#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, "http://127.0.0.1:9/api/v1/batches");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
    curl_easy_perform(curl);
    char line[256];
    FILE *status = fopen("/proc/self/status", "r");
    while (fgets(line, sizeof line, status)) if (strncmp(line, "VmRSS:", 6) == 0) fputs(line + 6, stdout);
    return 0;
}
""")
    compiler = shutil.which("cc") or shutil.which("clang")  # the Swift toolchain brings clang
    subprocess.run([compiler, "-O2", source, "-o", binary, "-lcurl"], check=True)
    return int(subprocess.run([binary], capture_output=True, text=True, check=True).stdout.split()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agent", required=True, help="the release faultline-agent")
    parser.add_argument("--static-agent", help="faultline-agent built with the Swift standard library static")
    parser.add_argument("--size-mib", type=int, default=512, help="size of the throughput file")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="faultline-bench-agent-")
    try:
        path, lines, cat_mib_per_s = write_throughput_log(args.size_mib, work)
        runs = [("Swift stdlib dynamic", args.agent)]
        if args.static_agent:
            runs.append(("Swift stdlib static, as packaged", args.static_agent))
        for index, (label, agent) in enumerate(runs):
            throughput = measure_throughput(agent, path, work, f"throughput-{index}")
            print(f"throughput: {throughput['mib']:.0f} MiB, {lines:,} lines (5% errors) in "
                  f"{throughput['seconds']:.2f} s = {throughput['mib_per_s']:.1f} MiB/s "
                  f"(agent CPU {throughput['cpu_s']:.2f} s = {throughput['mib'] / max(throughput['cpu_s'], 1e-9):.1f} "
                  f"MiB per CPU-second; {label})")
            print(f"baseline:   cat FILE > /dev/null = {cat_mib_per_s:.0f} MiB/s; "
                  f"agent/cat = {throughput['mib_per_s'] / cat_mib_per_s:.3f}")
        idle = measure_idle_and_memory(args.agent, work)
        print(f"idle:       100 watched files{' + journald' if idle['journald'] else ''}: "
              f"{idle['idle_percent']:.3f}% of a core over 30 s")
        print(f"memory:     tailing 100 files{' + journald' if idle['journald'] else ''} under writes: "
              f"RSS median {idle['rss_median_kib'] / 1024:.1f} MiB, peak {idle['rss_peak_kib'] / 1024:.1f} MiB, "
              f"PSS {idle['pss_kib'] / 1024:.1f} MiB (Swift stdlib dynamic)")
        if args.static_agent:
            shipped = measure_idle_and_memory(args.static_agent, work, name="static", idle_seconds=1)
            print(f"memory:     the same with the Swift stdlib static (as packaged): "
                  f"RSS median {shipped['rss_median_kib'] / 1024:.1f} MiB, peak {shipped['rss_peak_kib'] / 1024:.1f} "
                  f"MiB, PSS {shipped['pss_kib'] / 1024:.1f} MiB")
            print(f"baseline:   a C program that only loads libcurl and POSTs once: "
                  f"RSS {curl_only_rss_kib(work) / 1024:.1f} MiB (libcurl and the libraries it links)")
            stripped = os.path.join(work, "faultline-agent.stripped")
            shutil.copy(args.static_agent, stripped)
            subprocess.run(["strip", stripped], check=True)
            print(f"binary:     stripped, Swift stdlib static: {os.path.getsize(stripped) / 1e6:.1f} MB "
                  f"(unstripped {os.path.getsize(args.static_agent) / 1e6:.1f} MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
