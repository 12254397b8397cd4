"""Capture the StatsD traffic of a real Airflow into ``tests/fixtures/airflow_statsd/``.

Usage: ``.venv/bin/python tests/e2e/capture_airflow_statsd.py 3.3.2 influx``

Starts ``airflow standalone`` (cached venv) with StatsD pointed at a raw UDP
listener, triggers every e2e DAG once, waits for the runs, keeps listening a
little longer so periodic gauges and parse metrics show up, and writes one
datagram per line to ``airflow-<version>-<mode>.txt``. These files are the
ground truth the name-mapping tests are checked against.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from airflow_env import REPO_ROOT, ensure_airflow_venv
from airflow_runner import (
    E2E_DAGS,
    E2E_EXPECTED_RUN_STATE,
    AirflowStandalone,
    StatsdSettings,
)
from statsd_capture import UdpCapture

FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "airflow_statsd"
MODES = ("plain", "influx")
_LINGER_S = 20.0


def capture(version: str, mode: str, out_dir: Path = FIXTURES_DIR) -> Path:
    venv = ensure_airflow_venv(version)
    with tempfile.TemporaryDirectory(prefix=f"airflow-{version}-") as tmp, UdpCapture() as udp:
        statsd = StatsdSettings(port=udp.port, influxdb=(mode == "influx"))
        with AirflowStandalone(
            venv=venv, version=version, home=Path(tmp), statsd=statsd
        ) as airflow:
            started = time.monotonic()
            airflow.wait_ready(E2E_DAGS)
            print(f"ready after {time.monotonic() - started:.0f}s", file=sys.stderr)
            runs = {dag_id: airflow.unpause_and_trigger(dag_id) for dag_id in E2E_DAGS}
            for dag_id, run_id in runs.items():
                state = airflow.wait_for_run(dag_id, run_id)
                tasks = airflow.task_states(dag_id, run_id)
                print(f"{dag_id}: {state} {tasks}", file=sys.stderr)
                if state != E2E_EXPECTED_RUN_STATE[dag_id]:
                    raise SystemExit(f"{dag_id} ended {state}\n{airflow.log_tail()}")
            print(f"runs done after {time.monotonic() - started:.0f}s", file=sys.stderr)
            time.sleep(_LINGER_S)
        datagrams = udp.datagrams()
    lines = [d.decode("utf-8", errors="backslashreplace") for d in datagrams]
    multi = sum(1 for line in lines if "\n" in line)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"airflow-{version}-{mode}.txt"
    out.write_text("".join(line.rstrip("\n") + "\n" for line in lines))
    print(f"wrote {len(lines)} datagrams ({multi} with several lines) to {out}", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("version")
    parser.add_argument("mode", choices=MODES)
    args = parser.parse_args()
    capture(args.version, args.mode)


if __name__ == "__main__":
    main()
