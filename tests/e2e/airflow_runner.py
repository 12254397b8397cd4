"""Run a real ``airflow standalone`` for the e2e tests, and drive DAG runs on it.

Each runner gets its own ``AIRFLOW_HOME`` (SQLite metadata database), free
ports, the DAGs in ``tests/e2e/dags/`` and StatsD pointed wherever the test
wants. Settings that keep runs short (one-second heartbeats, fast DAG folder
scans) are set through ``AIRFLOW__*`` variables, which both Airflow 2.11 and
3.x read; a key one version does not know is ignored by it.

Run state is read straight from the SQLite metadata database: the ``dag``,
``dag_run`` and ``task_instance`` tables have the same columns used here in
2.11 and 3.x, and reading them is much faster than a CLI call per poll.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psutil

DAGS_FOLDER = Path(__file__).resolve().parent / "dags"

# The DAGs in DAGS_FOLDER, and the tasks each one runs (real ids, dots included).
E2E_DAGS: dict[str, tuple[str, ...]] = {
    "e2e_success": ("extract", "load"),
    "e2e_failing": ("prepare", "explode"),
    "e2e_task_group": ("section_1.task_1", "section_1.task_2", "end"),
    "e2e.dotted_dag": ("hello",),
}
# DAG id -> final state of a run, and task id -> final state of its tasks.
E2E_EXPECTED_RUN_STATE = {
    "e2e_success": "success",
    "e2e_failing": "failed",
    "e2e_task_group": "success",
    "e2e.dotted_dag": "success",
}
E2E_EXPECTED_TASK_STATES: dict[str, dict[str, str]] = {
    "e2e_success": {"extract": "success", "load": "success"},
    "e2e_failing": {"prepare": "success", "explode": "failed"},
    "e2e_task_group": {
        "section_1.task_1": "success",
        "section_1.task_2": "success",
        "end": "success",
    },
    "e2e.dotted_dag": {"hello": "success"},
}

_FINISHED_RUN_STATES = frozenset({"success", "failed"})
_STOP_GRACE_S = 20.0
_POLL_S = 1.0


class AirflowError(RuntimeError):
    """The Airflow under test did not start, or a run did not finish in time."""


@dataclass(frozen=True, kw_only=True)
class StatsdSettings:
    """Where Airflow sends its StatsD metrics, and in which dialect."""

    host: str = "127.0.0.1"
    port: int
    prefix: str = "airflow"
    influxdb: bool = False


def free_port() -> int:
    """A TCP port that was free a moment ago (bind to 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def airflow_major(version: str) -> int:
    return int(version.split(".", 1)[0])


class AirflowStandalone:
    """One ``airflow standalone`` process group with its own home, ports and log file."""

    def __init__(
        self,
        *,
        venv: Path,
        version: str,
        home: Path,
        statsd: StatsdSettings | None,
        dags_folder: Path = DAGS_FOLDER,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.venv = venv
        self.version = version
        self.home = home
        self.statsd = statsd
        self.dags_folder = dags_folder
        self.api_port = free_port()
        self.log_path = home / "standalone.log"
        self._extra_env = dict(extra_env or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: object | None = None

    # ----------------------------------------------------------------- setup
    @property
    def major(self) -> int:
        return airflow_major(self.version)

    @property
    def db_path(self) -> Path:
        return self.home / "airflow.db"

    def env(self) -> dict[str, str]:
        """The environment ``airflow`` commands run with for this instance."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        # Our own venv must not leak into Airflow's interpreter.
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)
        bin_dir = str(self.venv / "bin")
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "/usr/bin:/bin")])
        env["VIRTUAL_ENV"] = str(self.venv)
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.db_path}",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                # Fast loops so a run takes seconds, not minutes.
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__POOL_METRICS_INTERVAL": "2",
                "AIRFLOW__SCHEDULER__TI_METRICS_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__DAGRUN_METRICS_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
            }
        )
        if self.major >= 3:
            env.update(
                {
                    "AIRFLOW__API__PORT": str(self.api_port),
                    "AIRFLOW__API__WORKERS": "1",
                    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (
                        f"http://localhost:{self.api_port}/execution/"
                    ),
                    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
                    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                }
            )
        else:
            env.update(
                {
                    "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(self.api_port),
                    "AIRFLOW__WEBSERVER__WORKERS": "1",
                    "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
                    "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "10",
                    "AIRFLOW__SCHEDULER__PARSING_PROCESSES": "1",
                }
            )
        if self.statsd is not None:
            env.update(
                {
                    "AIRFLOW__METRICS__STATSD_ON": "True",
                    "AIRFLOW__METRICS__STATSD_HOST": self.statsd.host,
                    "AIRFLOW__METRICS__STATSD_PORT": str(self.statsd.port),
                    "AIRFLOW__METRICS__STATSD_PREFIX": self.statsd.prefix,
                    "AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED": str(self.statsd.influxdb),
                }
            )
        env.update(self._extra_env)
        return env

    # ------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start ``airflow standalone`` in its own process group, logging to ``log_path``."""
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log_file = log
        self._proc = subprocess.Popen(
            [str(self.venv / "bin" / "airflow"), "standalone"],
            cwd=self.home,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, dag_ids: Iterable[str], timeout: float = 240.0) -> None:
        """Wait until the API server answers and every DAG in ``dag_ids`` is parsed."""
        wanted = set(dag_ids)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if self._health_ok() and wanted <= self._parsed_dag_ids():
                return
            time.sleep(_POLL_S)
        raise AirflowError(
            f"Airflow {self.version} not ready after {timeout:.0f}s "
            f"(parsed DAGs: {sorted(self._parsed_dag_ids())}, wanted {sorted(wanted)})\n"
            + self.log_tail()
        )

    def stop(self) -> None:
        """Stop every process of this instance: SIGTERM the group, then SIGKILL leftovers."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        try:
            descendants = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            descendants = []
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=_STOP_GRACE_S)
        # Components that left the group (own sessions) are stopped one by one.
        _gone, alive = psutil.wait_procs(descendants, timeout=_STOP_GRACE_S)
        for child in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None

    def __enter__(self) -> AirflowStandalone:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            print(self.log_tail(), file=sys.stderr)
        self.stop()

    # ------------------------------------------------------------- DAG runs
    def cli(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run ``airflow <args>`` against this instance; raise with its output on failure."""
        result = subprocess.run(
            [str(self.venv / "bin" / "airflow"), *args],
            env=self.env(),
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AirflowError(
                f"airflow {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def unpause_and_trigger(self, dag_id: str, run_id: str | None = None) -> str:
        """Unpause ``dag_id`` and trigger one run of it; return the run id."""
        run_id = run_id or f"e2e__{dag_id}__{int(time.time() * 1000)}"
        self.cli("dags", "unpause", dag_id)
        self.cli("dags", "trigger", dag_id, "--run-id", run_id)
        return run_id

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self._query(
            "SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)
        )
        return str(rows[0][0]) if rows else None

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        """Task id -> state for every task instance of one run."""
        rows = self._query(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (dag_id, run_id),
        )
        return {str(task): str(state) for task, state in rows}

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 180.0) -> str:
        """Wait until the run finished (success or failed) and return its state."""
        deadline = time.monotonic() + timeout
        state: str | None = None
        while time.monotonic() < deadline:
            self._check_alive()
            state = self.run_state(dag_id, run_id)
            if state in _FINISHED_RUN_STATES:
                return state
            time.sleep(_POLL_S)
        raise AirflowError(
            f"run {dag_id}/{run_id} still {state!r} after {timeout:.0f}s; "
            f"tasks: {self.task_states(dag_id, run_id)}\n" + self.log_tail()
        )

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return f"(no log at {self.log_path})"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}"

    # --------------------------------------------------------------- private
    def _check_alive(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            raise AirflowError(
                f"airflow standalone exited with {self._proc.returncode}\n" + self.log_tail()
            )

    def _health_ok(self) -> bool:
        path = "/api/v2/monitor/health" if self.major >= 3 else "/health"
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.api_port}{path}", timeout=5
            ) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def _parsed_dag_ids(self) -> set[str]:
        return {str(row[0]) for row in self._query("SELECT dag_id FROM dag", ())}

    def _query(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        if not self.db_path.exists():
            return []
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        except sqlite3.Error:
            return []
        try:
            return list(conn.execute(sql, params).fetchall())
        except sqlite3.OperationalError:
            return []  # table not created yet, or busy mid-migration
        finally:
            conn.close()
