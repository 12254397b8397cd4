"""Each readiness check on passing and failing fixtures, over HTTP against the embedded
endpoint (MWAA emulator + moto S3/CloudWatch), with pip resolving for real against a
local package index and ruff scanning real DAG files."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.readiness import FAIL, PASS, WARN
from tests.integration.readiness.conftest import FIXTURES, GOOD_REQUIREMENTS, Setup, zip_bytes

pytestmark = pytest.mark.slow


def with_requirements(setup: Setup, text: str) -> None:
    version = setup.put("requirements.txt", text)
    setup.environment(RequirementsS3Path="requirements.txt", RequirementsS3ObjectVersion=version)


def test_default_target_is_next_step_and_path_passes(setup: Setup) -> None:
    setup.environment()
    report = setup.run(only=["path"])
    assert (report.current, report.target) == ("2.11.2", "3.3.1")
    path = report.result("path")
    assert path is not None and path.status == PASS, path
    assert "2.11.2 -> 3.3.1 (in place)" in report.path


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        pytest.param("9.9.9", "never offered", id="unknown-version"),
        pytest.param("2.0.2", "past its MWAA end of support", id="past-end-of-support"),
        pytest.param("2.11.0", "older than the running", id="downgrade"),
    ],
)
def test_path_fails_for_unusable_targets(setup: Setup, target: str, needle: str) -> None:
    setup.environment()
    result = setup.run(target, only=["path"]).result("path")
    assert result is not None and result.status == FAIL and needle in result.summary, result


def test_requirements_without_constraint_line_fail(setup: Setup) -> None:
    with_requirements(setup, "demo-app\n")
    result = setup.run(only=["requirements"]).result("requirements")
    assert result is not None and result.status == FAIL
    assert "no --constraint line" in result.summary
    assert "constraints-3.3.1/constraints-3.12.txt" in result.remedy


def test_requirements_with_the_current_versions_constraints_fail(setup: Setup) -> None:
    with_requirements(setup, GOOD_REQUIREMENTS.replace("3.3.1", "2.11.2"))
    result = setup.run(only=["requirements"]).result("requirements")
    assert result is not None and result.status == FAIL
    assert "not for the target 3.3.1" in result.summary


def test_requirements_that_resolve_pass(setup: Setup) -> None:
    with_requirements(setup, GOOD_REQUIREMENTS)
    result = setup.run(only=["requirements"]).result("requirements")
    assert result is not None and result.status == PASS, result
    # demo-app is pinned to 1.0.0 by the constraints, which pulls demo-lib<2 -> 1.0.0
    assert sorted(map(tuple, result.data["installs"])) == [("demo-app", "1.0.0"), ("demo-lib", "1.0.0")]


def test_requirements_conflicting_with_target_constraints_fail_naming_versions(setup: Setup) -> None:
    # demo-tool 1.0.0 needs demo-lib>=2; the target's constraints pin demo-lib==1.0.0.
    with_requirements(setup, GOOD_REQUIREMENTS.replace("demo-app", "demo-tool"))
    result = setup.run(only=["requirements"]).result("requirements")
    assert result is not None and result.status == FAIL, result
    assert result.summary == "1 conflicting package(s): demo-lib"
    causes = result.data["conflicts"]["demo-lib"]
    assert "demo-tool 1.0.0 depends on demo-lib>=2" in causes
    assert "The user requested (constraint) demo-lib==1.0.0" in causes


def test_requirements_pinning_against_the_constraints_fail(setup: Setup) -> None:
    with_requirements(setup, GOOD_REQUIREMENTS.replace("demo-app", "demo-app==2.0.0"))
    result = setup.run(only=["requirements"]).result("requirements")
    assert result is not None and result.status == FAIL, result
    assert result.data["conflicts"]["demo-app"] == [
        "The user requested demo-app==2.0.0", "The user requested (constraint) demo-app==1.0.0"]


def test_plugins_bundling_airflow_fail(setup: Setup) -> None:
    data = zip_bytes({
        "my_plugin.py": "from airflow.plugins_manager import AirflowPlugin\n",
        "airflow/__init__.py": "__version__ = '2.11.2'\n",
        "apache_airflow-2.11.2.dist-info/METADATA": "Name: apache-airflow\nVersion: 2.11.2\n",
        "demo_lib-2.0.0.dist-info/METADATA": "Name: demo-lib\nVersion: 2.0.0\n",
    })
    version = setup.put("plugins.zip", data)
    setup.environment(PluginsS3Path="plugins.zip", PluginsS3ObjectVersion=version)
    result = setup.run(only=["plugins"]).result("plugins")
    assert result is not None and result.status == FAIL
    text = "\n".join(result.evidence)
    assert "bundles Airflow itself (2.11.2" in text
    assert "bundles demo-lib 2.0.0; the target's constraints pin 1.0.0" in text


def test_plugins_reads_the_named_object_version_and_checks_syntax(setup: Setup) -> None:
    good = setup.put("plugins.zip", zip_bytes({"ok.py": "x = 1\n"}))
    setup.put("plugins.zip", zip_bytes({"broken.py": "def f(:\n"}))  # newer, not named
    setup.environment(PluginsS3Path="plugins.zip", PluginsS3ObjectVersion=good)
    result = setup.run(only=["plugins"]).result("plugins")
    assert result is not None and result.status == PASS, result
    assert good in result.evidence[0]
    setup.endpoint.reset()


def test_plugins_that_do_not_parse_fail(setup: Setup) -> None:
    version = setup.put("plugins.zip", zip_bytes({"pkg/broken.py": "x = 1\ndef f(:\n"}))
    setup.environment(PluginsS3Path="plugins.zip", PluginsS3ObjectVersion=version)
    result = setup.run(only=["plugins"]).result("plugins")
    assert result is not None and result.status == FAIL
    assert any(line.startswith("pkg/broken.py:2:") for line in result.evidence), result.evidence


def _upload_dags(setup: Setup, folder: Path) -> None:
    for file in folder.glob("*.py"):
        setup.put(f"dags/{file.name}", file.read_bytes())


def test_dags_with_airflow3_breaking_imports_fail_with_file_line_and_fix(setup: Setup) -> None:
    _upload_dags(setup, FIXTURES / "dags_airflow2")
    setup.environment()
    result = setup.run(only=["dags"]).result("dags")
    assert result is not None and result.status == FAIL, result
    codes = {(f["file"], f["line"], f["code"]) for f in result.data["findings"]}
    assert ("legacy_etl.py", 6, "AIR302") in codes  # airflow.operators.dummy.DummyOperator
    assert ("legacy_etl.py", 5, "AIR301") in codes  # schedule_interval, days_ago
    assert any("legacy_etl.py:6: AIR302" in e and "EmptyOperator" in e for e in result.evidence)


def test_dags_ported_to_airflow3_pass(setup: Setup) -> None:
    setup.environment()
    result = setup.run(only=["dags"], dags_dir=FIXTURES / "dags_airflow3").result("dags")
    assert result is not None and result.status == PASS, result


def test_configuration_options_removed_in_airflow3_fail(setup: Setup) -> None:
    setup.environment(AirflowConfigurationOptions={
        "webserver.web_server_port": "8080", "core.dag_concurrency": "16", "celery.worker_autoscale": "5,5",
    })
    result = setup.run(only=["configuration"]).result("configuration")
    assert result is not None and result.status == FAIL
    assert "webserver.web_server_port: renamed to api.port" in result.evidence
    assert not any(line.startswith("celery.worker_autoscale") for line in result.evidence)


def test_environment_updating_and_critical_alarm_fail(setup: Setup) -> None:
    setup.environment()
    setup.endpoint.emulator.set_status("etl", "UPDATING")
    cloudwatch = make_client("cloudwatch", setup.config.aws)
    cloudwatch.put_metric_alarm(
        AlarmName="etl-critical-scheduler-heartbeat", AlarmDescription="severity: critical",
        Namespace="AmazonMWAA", MetricName="SchedulerHeartbeat", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold",
        Dimensions=[{"Name": "Environment", "Value": "etl"}, {"Name": "Function", "Value": "Scheduler"}],
    )
    cloudwatch.set_alarm_state(AlarmName="etl-critical-scheduler-heartbeat", StateValue="ALARM",
                               StateReason="test")
    result = setup.run(only=["environment"]).result("environment")
    assert result is not None and result.status == FAIL
    assert "not AVAILABLE" in result.summary and "etl-critical-scheduler-heartbeat" in result.summary


class _SilentServer:
    """Accepts connections and never answers: an index that hangs."""

    def __enter__(self) -> str:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/simple/"

    def _accept(self) -> None:
        try:
            while True:
                conn, _ = self.sock.accept()
                self.held.append(conn)
        except OSError:
            pass

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture()
def hanging_index() -> Iterator[str]:
    with _SilentServer() as url:
        yield url


def test_a_check_that_times_out_warns_and_never_passes(setup: Setup, hanging_index: str) -> None:
    with_requirements(setup, GOOD_REQUIREMENTS)
    config = setup.config.model_copy(update={"readiness": setup.config.readiness.model_copy(
        update={"index_url": hanging_index, "check_timeout_seconds": 4.0})})
    setup.config = config
    report = setup.run(only=["requirements", "path"])
    result = report.result("requirements")
    assert result is not None and result.status == WARN, result
    assert "did not finish" in result.summary
    assert report.passed  # a warning does not block the gate ...
    assert report.status == WARN  # ... but the report says so
