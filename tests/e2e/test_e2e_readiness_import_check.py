"""``--import-check`` for real: the DAGs imported by Airflow 3.3.2's own DagBag in the cached
virtual environment (tests/e2e/airflow_env.py builds it once under .cache/airflow-venvs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import load_config
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.readiness import FAIL, PASS, run_checks
from tests.e2e.airflow_env import VENVS_DIR, ensure_airflow_venv

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readiness"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    ensure_airflow_venv("3.3.2")
    with LocalEndpoint("127.0.0.1", 0) as local:
        local.reset()
        local.emulator.clock = FakeClock(datetime(2026, 11, 30, 12, tzinfo=UTC))
        local.emulator.seed_environment("etl", "2.11.2")
        yield local
        local.reset()


@pytest.mark.parametrize(("folder", "status"), [("dags_airflow2", FAIL), ("dags_airflow3", PASS)])
def test_import_check_under_the_target_airflow(endpoint: LocalEndpoint, tmp_path: Path, folder: str,
                                               status: str) -> None:
    config = load_config(overrides={
        "aws.endpoint_url": endpoint.url, "state_dir": str(tmp_path),
        "readiness.airflow_venvs_dir": str(VENVS_DIR),
        "readiness.constraints_url": str(tmp_path / "none-{airflow}-{python}.txt"),
    }, environ={})
    report = run_checks("etl", "3.3.2", make_client=lambda s: make_client(s, config.aws), config=config,
                        clock=FakeClock(datetime(2026, 11, 30, 12, tzinfo=UTC)), only=["dags"],
                        dags_dir=FIXTURES / folder, import_check=True)
    result = report.result("dags")
    assert result is not None and result.status == status, result
    errors = result.data["import_errors"]
    if status == FAIL:
        assert "No module named 'airflow.operators.dummy'" in errors["legacy_etl.py"]
        assert any(line.startswith("legacy_etl.py: ModuleNotFoundError") for line in result.evidence)
    else:
        assert errors == {}
