"""An embedded endpoint, a local package index and an environment on 2.11.2 to check."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import Config, load_config
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.readiness import ReadinessReport, run_checks
from tests.support.pkgindex import PackageIndex

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "readiness"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 2.11.2 and 3.3.1 both offered
BUCKET = "airflow-etl"
GOOD_REQUIREMENTS = (
    '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.3.1/constraints-3.12.txt"\n'
    "demo-app\n"
)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    # No alarm evaluator: the tests set alarm states by hand (SetAlarmState), and an evaluation
    # between that and the check would move a data-less alarm to INSUFFICIENT_DATA (a race).
    with LocalEndpoint("127.0.0.1", 0, evaluate_alarms=False) as ep:
        yield ep


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageIndex]:
    """demo-lib 1.0.0 and 2.0.0; demo-app 1.0.0 (needs demo-lib<2) and 2.0.0 (needs demo-lib>=2);
    demo-tool 1.0.0 (needs demo-lib>=2)."""
    with PackageIndex(tmp_path_factory.mktemp("index")) as idx:
        idx.add("demo-lib", "1.0.0")
        idx.add("demo-lib", "2.0.0")
        idx.add("demo-app", "1.0.0", ("demo-lib<2",))
        idx.add("demo-app", "2.0.0", ("demo-lib>=2",))
        idx.add("demo-tool", "1.0.0", ("demo-lib>=2",))  # not in the constraints
        yield idx


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@dataclass
class Setup:
    endpoint: LocalEndpoint
    config: Config
    clock: FakeClock
    s3: Any

    def put(self, key: str, body: bytes | str) -> str:
        data = body.encode() if isinstance(body, str) else body
        return str(self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)["VersionId"])

    def environment(self, name: str = "etl", version: str = "2.11.2", **members: Any) -> dict[str, Any]:
        return self.endpoint.emulator.seed_environment(
            name, version, SourceBucketArn=f"arn:aws:s3:::{BUCKET}", **members
        )

    def run(self, target: str | None = None, name: str = "etl", **kwargs: Any) -> ReadinessReport:
        return run_checks(name, target, make_client=lambda s: make_client(s, self.config.aws),
                          config=self.config, clock=self.clock, **kwargs)


@pytest.fixture()
def setup(endpoint: LocalEndpoint, index: PackageIndex, tmp_path: Path) -> Iterator[Setup]:
    endpoint.reset()
    clock = FakeClock(NOW)
    endpoint.emulator.clock = clock
    config = load_config(
        overrides={
            "aws.endpoint_url": endpoint.url,
            "state_dir": str(tmp_path / "state"),
            "readiness.constraints_url": str(FIXTURES / "constraints-{airflow}-python{python}.txt"),
            "readiness.index_url": index.url,
            "readiness.check_timeout_seconds": 120,
        },
        environ={},
    )
    s3 = make_client("s3", config.aws)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    yield Setup(endpoint, config, clock, s3)
    endpoint.reset()
