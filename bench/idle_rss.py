"""Idle RSS of the agent with every scheduled job configured, and during a report run.

Run: ``.venv/bin/python bench/idle_rss.py`` (``--help`` for options; ``--json`` for the report).

What runs, each in its own process:

- the embedded AWS endpoint (``mwaa_ops.local.LocalEndpoint``: moto, the MWAA
  emulator) with one seeded environment, as ``mwaa-ops up`` makes it; it is
  measured too but is *not* the agent (``up`` runs both in one process: its RSS
  is the sum of the two, see the ``endpoint`` figures);
- ``mwaa-ops agent --config <tmp>.toml`` against it, with all five jobs
  (``versions_refresh``, ``dashboards_sync``, ``alarms_sync``, ``upgrade_tick``,
  ``weekly_report``) enabled and run at start, the repository's ``dashboards/``
  and ``alarms/`` definitions, a 60 s flush (the default) and a StatsD
  trickle of Airflow-shaped lines so the receiver and flush path are warm.

The agent's own RSS (``VmRSS`` of its process, not its children) is sampled
every 0.1 s. Figures: RSS before the first job finished (``started``), the
peak of the agent's own RSS and of the report's child process while the report
builds (``report_child``), and the agent's RSS ``--idle`` seconds after every
job has run once (``idle``: the steady state). Target (issue 15): idle ≤ 60 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
MWAA_OPS = str(Path(sys.executable).parent / "mwaa-ops")
JOBS = ("versions_refresh", "dashboards_sync", "alarms_sync", "upgrade_tick", "weekly_report")
TARGET_IDLE_MB = 60.0
MB = 1024 * 1024

_ENDPOINT_CHILD = """
import sys
from mwaa_ops.aws import make_client
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.local.seed import seed_environment_files
endpoint = LocalEndpoint("127.0.0.1", 0).start()
files = seed_environment_files(make_client("s3", AwsConfig(endpoint_url=endpoint.url), record=False), "bench")
endpoint.emulator.seed_environment("bench", None, **files)
print(endpoint.url, flush=True)
sys.stdin.read()
endpoint.stop()
"""


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss(pid: int) -> int:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _config(path: Path, endpoint: str, statsd_port: int, health_port: int, state: Path,
            jobs: tuple[str, ...] = JOBS, flush: int = 60) -> None:
    tables = "\n".join(f"[scheduler.jobs.{name}]\nrun_at_start = true\n" for name in JOBS)
    if not jobs:
        tables = ""
    for name in set(JOBS) - set(jobs):
        tables = tables.replace(f"[scheduler.jobs.{name}]\n", f"[scheduler.jobs.{name}]\nenabled = false\n")
    path.write_text(
        f"""environment = "bench"
state_dir = "{state}"
flush_interval_seconds = {flush}

[statsd]
host = "127.0.0.1"
port = {statsd_port}

[aws]
endpoint_url = "{endpoint}"

[health]
host = "127.0.0.1"
port = {health_port}

[dashboards]
directory = "{ROOT / 'dashboards'}"

[alarms]
definitions_dir = "{ROOT / 'alarms'}"
runbooks_dir = "{ROOT / 'runbooks'}"

[report]
readiness = false

[scheduler]
enabled = {"true" if jobs else "false"}

{tables}"""
    )


def _jobs_done(health_port: int) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/healthz", timeout=2) as answer:
            body = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
    except OSError:
        return {}
    return {job["job"]: job["last_outcome"] for job in body.get("scheduler", [])}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "PYTHONUNBUFFERED": "1"}
    endpoint = subprocess.Popen([sys.executable, "-c", _ENDPOINT_CHILD], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert endpoint.stdout is not None
    url = endpoint.stdout.readline().strip()
    if not url:
        raise SystemExit("the embedded endpoint did not start")
    with tempfile.TemporaryDirectory(prefix="mwaa-ops-idle-") as tmp:
        tmp_path = Path(tmp)
        statsd_port, health_port = _free_port(socket.SOCK_DGRAM), _free_port()
        config = tmp_path / "agent.toml"
        _config(config, url, statsd_port, health_port, tmp_path / "state", args.jobs,
                args.flush_interval)
        log = (tmp_path / "agent.log").open("wb")
        agent = subprocess.Popen([MWAA_OPS, "agent", "--config", str(config)], stdout=log,
                                 stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        samples: list[tuple[float, int, int]] = []  # (t, agent RSS, children RSS)
        child_peak = 0
        started_rss = 0
        all_done_at: float | None = None
        outcomes: dict[str, Any] = {}
        t0 = time.monotonic()
        try:
            while True:
                now = time.monotonic() - t0
                if agent.poll() is not None:
                    raise SystemExit(f"agent exited {agent.returncode}:\n"
                                     + (tmp_path / "agent.log").read_text()[-3000:])
                rss = _rss(agent.pid)
                kids = 0
                try:
                    for child in psutil.Process(agent.pid).children(recursive=True):
                        kids += _rss(child.pid)
                        child_peak = max(child_peak, _hwm(child.pid))
                except psutil.Error:
                    pass
                samples.append((now, rss, kids))
                for i in range(20):  # a trickle: 200 lines/s, warm receiver and flush path
                    sender.sendto(f"airflow.ti.finish.dag_{i % 4}.task_{i}.success:1|c".encode(),
                                  ("127.0.0.1", statsd_port))
                if int(now * 10) % 10 == 0:
                    outcomes = _jobs_done(health_port) or outcomes
                    if not started_rss and outcomes:
                        started_rss = rss
                    if not args.jobs and not started_rss and now > 3:
                        started_rss = rss
                    if all_done_at is None and (outcomes or not args.jobs) and all(
                            outcomes.get(j) for j in args.jobs) and (args.jobs or now > 3):
                        all_done_at = now
                if all_done_at is not None and now - all_done_at >= args.idle:
                    break
                if now > args.timeout:
                    raise SystemExit(f"jobs not done after {args.timeout} s: {outcomes}\n"
                                     + (tmp_path / "agent.log").read_text()[-3000:])
                time.sleep(0.1)
            idle_window = [s[1] for s in samples if s[0] >= all_done_at + args.idle - 5]
            report_window = [s[1] for s in samples if s[2] > 0]
            result = {
                "agent_started_rss_mb": started_rss / MB,
                "agent_peak_rss_mb": _hwm(agent.pid) / MB,
                "agent_rss_during_report_mb": max(report_window) / MB if report_window else None,
                "report_child_peak_rss_mb": child_peak / MB,
                "agent_idle_rss_mb": sum(idle_window) / len(idle_window) / MB,
                "idle_seconds_after_jobs": args.idle,
                "jobs": outcomes,
                "endpoint_rss_mb": _rss(endpoint.pid) / MB,
                "target_idle_mb": TARGET_IDLE_MB,
            }
            result["within_target"] = result["agent_idle_rss_mb"] <= TARGET_IDLE_MB
            if args.imports:
                result["agent_modules"] = _agent_modules(agent.pid)
            return result
        finally:
            agent.terminate()
            try:
                agent.wait(30)
            except subprocess.TimeoutExpired:
                agent.kill()
            log.close()
            if args.keep_log:
                print((tmp_path / "agent.log").read_text()[-5000:], file=sys.stderr)
            assert endpoint.stdin is not None
            endpoint.stdin.close()
            try:
                endpoint.wait(10)
            except subprocess.TimeoutExpired:
                endpoint.kill()


def _agent_modules(pid: int) -> list[str]:
    """Heavy third-party libraries mapped into the agent (their shared objects), from /proc/<pid>/maps."""
    seen = set()
    try:
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
            if "site-packages/" in line:
                seen.add(line.split("site-packages/", 1)[1].split("/", 1)[0])
    except OSError:
        pass
    return sorted(seen)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="idle RSS of the agent with every scheduled job configured")
    parser.add_argument("--idle", type=float, default=None,
                        help="seconds of idle after every job ran once (default: flush interval + 15 s,"
                             " so that at least one flush and publish is in the idle figure)")
    parser.add_argument("--flush-interval", type=int, default=60, help="the agent's flush interval (s)")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up when jobs have not run by then")
    parser.add_argument("--imports", action="store_true", help="list the packages with native code mapped in")
    parser.add_argument("--keep-log", action="store_true", help="print the agent's log tail on stderr")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--jobs", default=",".join(JOBS),
                        help="jobs to enable, comma-separated (default: all five); 'none': scheduler off")
    args = parser.parse_args(argv)
    if args.idle is None:
        args.idle = args.flush_interval + 15.0
    args.jobs = tuple(j for j in args.jobs.split(",") if j and j != "none")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = measure(args)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"agent RSS at first job result:      {result['agent_started_rss_mb']:6.1f} MB")
    during = result["agent_rss_during_report_mb"]
    print("agent RSS while the report builds:  "
          + (f"{during:6.1f} MB" if during is not None else "  (report child not seen)"))
    print(f"report child process peak RSS:      {result['report_child_peak_rss_mb']:6.1f} MB")
    print(f"agent peak RSS (VmHWM):             {result['agent_peak_rss_mb']:6.1f} MB")
    print(f"agent idle RSS, {args.idle:g} s after all jobs: {result['agent_idle_rss_mb']:6.1f} MB "
          f"(target {TARGET_IDLE_MB:g} MB: {'met' if result['within_target'] else 'NOT met'})")
    print(f"embedded endpoint RSS (own process): {result['endpoint_rss_mb']:6.1f} MB")
    print(f"jobs: {result['jobs']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
