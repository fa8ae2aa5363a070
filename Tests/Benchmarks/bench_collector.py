#!/usr/bin/env python3
"""Collector benchmark: ingest rate and latency on SQLite and PostgreSQL, beside a plain INSERT loop.

Run by `make bench-collector` after a release build. For each engine it sets up a scratch collector with the
real admin commands (50 clients, one agent token each), runs `faultline-collector serve` on loopback and drives
it with `faultline-collector-bench load`: 50 concurrent clients, each on its own keep-alive connection, POSTing
v1 batches of 50 groups (gzip, a new batch_id each, the client's own token) back to back for a fixed time after
a warm-up. Then, on the same engine and server, `faultline-collector-bench baseline` writes the rows one batch
makes with a plain INSERT loop, one transaction per batch, and the collector's rate is printed as a ratio to it.
PostgreSQL is a throw-away cluster started here (Debian's `postgresql`), with its default durability settings.
Then `faultline-collector-bench decode` times what each request costs before it waits for the writer (gunzip,
the collector's JSON reader, validation), on one core, beside Foundation's JSONDecoder in the same process.
Last, with SQLite among the engines, `faultline-collector-bench ingest` times the writer alone, in process and
without HTTP: transactions of 24 batches stored back to back, as the queue gathers them under load.

Targets (from the collector's issue): >= 2,000 batches/s and p99 <= 100 ms on 2 cores. The load generator
runs on the same cores as the collector and the database; its CPU share is printed. Any answer other than
200 is a failure: the script prints it and exits 1.

Usage: bench_collector.py --collector PATH --bench PATH [--seconds N] [--warm-up N] [--clients N] [--groups N]
                          [--engines sqlite,postgresql]
"""
import argparse
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TARGET_RATE = 2000
TARGET_P99_MS = 100


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pids):
    """User + system CPU time of processes, in seconds, from /proc (processes gone meanwhile count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def children_of(pid):
    """The pids whose parent is `pid` (a PostgreSQL server's backends and helpers)."""
    found = []
    for stat_path in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat_path) as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat_path.split("/")[2]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return found


class PostgresCluster:
    """A throw-away cluster: initdb into the scratch directory, a server on a loopback port, deleted at the end.

    As root the server runs as the `postgres` user, since PostgreSQL refuses to run as root."""

    def __init__(self, work):
        versions = sorted((int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit()), reverse=True) \
            if os.path.isdir("/usr/lib/postgresql") else []
        bins = [f"/usr/lib/postgresql/{v}/bin" for v in versions if os.path.exists(f"/usr/lib/postgresql/{v}/bin/initdb")]
        if not bins:
            sys.exit("bench_collector: PostgreSQL's server binaries are missing; install Debian's 'postgresql' "
                     "(make deps does)")
        self.bin = bins[0]
        self.directory = os.path.join(work, "postgres")
        os.makedirs(self.directory)
        self.as_postgres = os.getuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chmod(work, 0o755)
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        self.port = free_port()
        self.run("initdb", "-D", self.directory + "/data", "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self.run("pg_ctl", "-D", self.directory + "/data", "-l", self.directory + "/server.log", "-w", "-t", "60",
                 "-o", options, "start")
        with open(self.directory + "/data/postmaster.pid") as pid_file:
            self.pid = int(pid_file.readline())

    def run(self, tool, *arguments):
        command = [os.path.join(self.bin, tool), *arguments]
        if self.as_postgres:
            command = ["/usr/sbin/runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            sys.exit(f"bench_collector: {tool} failed:\n{result.stdout}")

    def create_database(self, name):
        self.run("createdb", "-h", self.directory, "-p", str(self.port), "-U", "postgres", name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def server_pids(self):
        return [self.pid, *children_of(self.pid)]

    def stop(self):
        self.run("pg_ctl", "-D", self.directory + "/data", "-m", "immediate", "-w", "stop")


def admin(collector, config, *arguments):
    """Runs an admin subcommand of faultline-collector; returns its standard output."""
    result = subprocess.run([collector, *arguments, "--config", config], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"bench_collector: faultline-collector {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout


def measure_engine(args, engine, work, cluster):
    """Sets up a collector on `engine`, drives it, then runs the INSERT baseline on the same engine."""
    directory = os.path.join(work, engine)
    os.makedirs(directory)
    if engine == "sqlite":
        url = f"sqlite://{directory}/collector.db"
        baseline_url = f"sqlite://{directory}/baseline.db"
    else:
        url = cluster.create_database("collector")
        baseline_url = cluster.create_database("baseline")
    port = free_port()
    config = os.path.join(directory, "collector.toml")
    with open(config, "w") as out:
        out.write(f'[server]\nlisten = "127.0.0.1:{port}"\n\n[database]\nurl = "{url}"\n')

    print(f"[{engine}] {args.clients} clients and their agent tokens (faultline-collector client add, token issue)",
          flush=True)
    tokens = []
    for index in range(args.clients):
        name = f"client{index:02d}"
        admin(args.collector, config, "client", "add", name, "--email", f"ops@{name}.example")
        tokens.append(admin(args.collector, config, "token", "issue", "--client", name).strip())
    tokens_path = os.path.join(directory, "tokens")
    with open(tokens_path, "w") as out:
        out.write("\n".join(tokens) + "\n")

    log = open(os.path.join(directory, "collector.log"), "w")
    server = subprocess.Popen([args.collector, "serve", "--config", config], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"bench_collector: the collector did not start; see {log.name}")
                time.sleep(0.2)
        print(f"[{engine}] load: {args.warm_up} s warm-up, then {args.seconds} s measured", flush=True)
        database_pids = cluster.server_pids() if cluster and engine == "postgresql" else []
        collector_before = cpu_seconds([server.pid])
        database_before = cpu_seconds(database_pids)
        started = time.monotonic()
        result = subprocess.run(
            [args.bench, "load", "--port", str(port), "--tokens", tokens_path, "--groups", str(args.groups),
             "--warm-up", str(args.warm_up), "--seconds", str(args.seconds)],
            stdout=subprocess.PIPE, text=True)
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            sys.exit(f"bench_collector: the load generator failed (exit {result.returncode})")
        load = json.loads(result.stdout)
        load["collector_cpu_share"] = (cpu_seconds([server.pid]) - collector_before) / elapsed
        load["database_cpu_share"] = (cpu_seconds(database_pids + (cluster.server_pids() if database_pids else []))
                                      - database_before) / elapsed if database_pids else None
        load["rss_mib"] = rss_mib(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    connections = 1 if engine == "sqlite" else 8
    print(f"[{engine}] baseline: plain INSERT loop on {connections} connection(s), {args.seconds} s", flush=True)
    result = subprocess.run(
        [args.bench, "baseline", "--database", baseline_url, "--connections", str(connections),
         "--groups", str(args.groups), "--seconds", str(args.seconds)], stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"bench_collector: the INSERT baseline failed (exit {result.returncode})")
    load["baseline"] = json.loads(result.stdout)
    return load


def rss_mib(pid):
    """The resident set of a process, in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def print_table(results, args):
    """Both engines side by side, with the targets."""
    engines = list(results)
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    any_load = next(iter(results.values()))
    print()
    print(f"Collector ingest: {args.clients} clients, {args.groups} groups x {any_load['samples_per_group']} samples "
          f"per batch, gzip (~{any_load['body_bytes'] / 1024:.1f} KiB a body), {args.seconds:g} s measured after "
          f"{args.warm_up:g} s warm-up; {os.cpu_count()} cores shared by collector, database and load generator")
    rows = [
        ("batches/s", lambda r: f"{r['batches_per_second']:,.0f}", f">= {TARGET_RATE:,}"),
        ("latency p50 (ms)", lambda r: f"{r['p50_ms']:.1f}", ""),
        ("latency p99 (ms)", lambda r: f"{r['p99_ms']:.1f}", f"<= {TARGET_P99_MS}"),
        ("latency max (ms)", lambda r: f"{r['max_ms']:.1f}", ""),
        ("batches measured", lambda r: f"{r['measured_batches']:,}", ""),
        ("non-200 answers", lambda r: f"{r['non_200']}", "0"),
        ("plain INSERT loop (batches/s)", lambda r: f"{r['baseline']['batches_per_second']:,.0f}", ""),
        ("collector / INSERT loop", lambda r: f"{r['batches_per_second'] / r['baseline']['batches_per_second']:.2f}",
         ""),
        ("collector CPU (cores)", lambda r: f"{r['collector_cpu_share']:.2f}", ""),
        ("database server CPU (cores)",
         lambda r: "in-process" if r["database_cpu_share"] is None else f"{r['database_cpu_share']:.2f}", ""),
        ("load generator CPU (cores)", lambda r: f"{r['generator_cpu_share']:.2f}", ""),
        ("collector RSS (MiB)", lambda r: f"{r['rss_mib']:.0f}", ""),
        ("meets target", lambda r: "yes" if meets(r) else "NO", ""),
    ]
    width = max(len(label) for label, _, _ in rows) + 2
    print(f"{'':<{width}}" + "".join(f"{names[e]:>14}" for e in engines) + f"{'target':>12}")
    for label, cell, target in rows:
        print(f"{label:<{width}}" + "".join(f"{cell(results[e]):>14}" for e in engines) + f"{target:>12}")
    print()
    for engine in engines:
        baseline = results[engine]["baseline"]
        print(f"INSERT loop, {names[engine]}: {baseline['rows_per_batch']} rows per batch (batch, host, and per group "
              f"an error group, a fingerprint, an hourly bucket and its samples), one statement per row, one "
              f"transaction per batch, on {baseline['connections']} connection(s), same driver and settings as the "
              f"collector's store.")
    print("The load generator competes with the collector for the same cores; its share is in the table.")


def run_bench(args, mode, *options):
    """Runs `faultline-collector-bench MODE OPTIONS` and gives the JSON object it prints last."""
    result = subprocess.run([args.bench, mode, "--groups", str(args.groups), *options],
                            stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def print_rows(title, rows):
    """A blank line, `title`, then one aligned line per (label, text)."""
    print()
    print(title)
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        print(f"{label:<{width}}{value:>14}")


def print_decode(decode):
    """What a request costs before it waits for the writer, on one core, beside JSONDecoder (same process)."""
    reader = decode["decode_ns"] - decode["gunzip_ns"]
    print_rows(
        f"Request decoding, one core, no HTTP or database: a batch of {decode['gzip_bytes']:,} bytes gzip, "
        f"{decode['json_bytes']:,} bytes JSON",
        [("gunzip (µs)", f"{decode['gunzip_ns'] / 1000:,.1f}"),
         ("gunzip + read + validate (µs)", f"{decode['decode_ns'] / 1000:,.1f}"),
         ("... + fingerprint reports (µs)", f"{decode['pending_ns'] / 1000:,.1f}"),
         ("JSONDecoder, JSON only (µs)", f"{decode['json_decoder_ns'] / 1000:,.1f}"),
         ("JSONDecoder / collector reader", f"{decode['json_decoder_ns'] / max(1, reader):.2f}")])


def print_ingest(ingest):
    """The SQLite writer alone: transactions of 24 batches stored back to back, no HTTP (same binary)."""
    print_rows(
        f"SQLite writer alone, no HTTP: transactions of {ingest['batches_per_transaction']} batches back to back, "
        f"ticket engine on, {ingest['transactions']:,} transactions measured",
        [("batches/s", f"{ingest['batches_per_second']:,.0f}"),
         ("wall time per transaction (ms)", f"{ingest['wall_us_per_transaction'] / 1000:,.1f}"),
         ("CPU time per batch (µs)", f"{ingest['cpu_us_per_batch']:,.0f}")])


def meets(result):
    return result["batches_per_second"] >= TARGET_RATE and result["p99_ms"] <= TARGET_P99_MS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collector", required=True, help="the release faultline-collector")
    parser.add_argument("--bench", required=True, help="the release faultline-collector-bench")
    parser.add_argument("--seconds", type=float, default=10, help="measured time per engine")
    parser.add_argument("--warm-up", type=float, default=20,
                        help="load before measuring: groups, tickets and the emails of their first minutes")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--groups", type=int, default=50, help="groups per batch")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="faultline-bench-collector-")
    cluster = None
    results = {}
    try:
        engines = args.engines.split(",")
        if "postgresql" in engines:
            cluster = PostgresCluster(work)
        for engine in engines:
            results[engine] = measure_engine(args, engine, work, cluster)
    finally:
        if cluster:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print_table(results, args)
    print_decode(run_bench(args, "decode", "--seconds", "2"))
    if "sqlite" in engines:
        print_ingest(run_bench(args, "ingest", "--clients", str(args.clients), "--warm-up", str(args.warm_up),
                               "--seconds", str(args.seconds)))
    failed = {engine: r for engine, r in results.items() if r["non_200"]}
    for engine, result in failed.items():
        print(f"FAILED: {engine}: {result['non_200']} answers other than 200 {result['non_200_by_status']}; "
              f"for example {result['failure_examples']}", file=sys.stderr)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
