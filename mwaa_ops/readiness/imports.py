"""Importing the DAGs under the target Airflow, in a cached virtual environment.

The environment lives at ``<readiness.airflow_venvs_dir>/<version>`` (default
``<state_dir>/readiness/venvs``) and is built once with
``pip install apache-airflow==<version>`` (with the target's constraints
when they are available); later runs reuse it. The DAG folder is parsed by
Airflow's own ``DagBag`` in a child process with a throw-away
``AIRFLOW_HOME`` and SQLite database, so nothing touches a real deployment.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from mwaa_ops.errors import SourceError
from mwaa_ops.readiness.context import ReadinessContext

_SCRIPT = """
import json, sys
try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:
    from airflow.models.dagbag import DagBag
import inspect
kwargs = {"dag_folder": sys.argv[1]}
if "include_examples" in inspect.signature(DagBag.__init__).parameters:  # 2.x
    kwargs["include_examples"] = False
bag = DagBag(**kwargs)
print("MWAA_OPS_RESULT" + json.dumps({str(k): str(v) for k, v in bag.import_errors.items()}))
"""


def venv_python(ctx: ReadinessContext) -> Path:
    """The target Airflow's interpreter, building its virtual environment the first time."""
    base = Path(ctx.settings.airflow_venvs_dir) if ctx.settings.airflow_venvs_dir else ctx.cache_dir / "venvs"
    venv = base / str(ctx.target)
    python = venv / "bin" / "python"
    if python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True,
                   timeout=ctx.deadline_seconds)
    command = [str(python), "-m", "pip", "install", "-q", f"apache-airflow=={ctx.target}"]
    # Without constraints when they are unavailable (2.11 and 3.x install so, field notes).
    with contextlib.suppress(SourceError):
        command += ["-c", str(ctx.constraints().path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=ctx.deadline_seconds,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"installing apache-airflow=={ctx.target} failed: {done.stderr.strip()[-300:]}")
    return python


def import_errors(ctx: ReadinessContext, folder: Path) -> dict[str, str]:
    """File -> import error text for each DAG file the target Airflow cannot import."""
    python = venv_python(ctx)
    with tempfile.TemporaryDirectory(prefix="mwaa-ops-import-") as home:
        environ = {
            **os.environ,
            "AIRFLOW_HOME": home,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        }
        done = subprocess.run([str(python), "-c", _SCRIPT, str(folder)], capture_output=True, text=True,
                              timeout=ctx.deadline_seconds, env=environ, check=False)
    marker = next((line for line in done.stdout.splitlines() if line.startswith("MWAA_OPS_RESULT")), None)
    if marker is None:
        raise RuntimeError(f"the import check exited {done.returncode}: {done.stderr.strip()[-300:]}")
    errors: dict[str, str] = json.loads(marker[len("MWAA_OPS_RESULT"):])
    return {str(Path(k).relative_to(folder)) if k.startswith(str(folder)) else k: v for k, v in errors.items()}
