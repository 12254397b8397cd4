"""``mwaa-ops status`` against the MWAA emulator over HTTP (boto3 through the local endpoint).

Environments on 2.4.3, 2.10.3, 2.11.2 and 3.2.1 are created with the plain
boto3 client; status is then asked at dates on both sides of each threshold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mwaa_ops.aws import make_client
from mwaa_ops.cli.status import status
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint

REQUIRED: dict[str, Any] = {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa",
    "SourceBucketArn": "arn:aws:s3:::dags-bucket",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
}
ENVIRONMENTS = {"legacy": "2.4.3", "old": "2.10.3", "stone": "2.11.2", "current": "3.2.1"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    # 2.4.3 can only be created before its end of support (2025-12-30), 2.11.2 only
    # after it became available (2026-07-23): the emulator's clock is moved in between.
    clock = FakeClock(datetime(2025, 6, 1, tzinfo=UTC))
    with LocalEndpoint("127.0.0.1", 0, clock=clock) as local:
        mwaa = make_client("mwaa", AwsConfig(endpoint_url=local.url, region="us-east-1"), max_attempts=1)
        for name in ("legacy", "old"):
            mwaa.create_environment(Name=name, AirflowVersion=ENVIRONMENTS[name], **REQUIRED)
        clock.advance((datetime(2026, 9, 15, tzinfo=UTC) - datetime(2025, 6, 1, tzinfo=UTC)).total_seconds())
        for name in ("stone", "current"):
            mwaa.create_environment(Name=name, AirflowVersion=ENVIRONMENTS[name], **REQUIRED)
        yield local


@pytest.fixture()
def run(endpoint: LocalEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("MWAA_OPS_STATE_DIR", str(tmp_path))  # no cache: the shipped snapshot
    monkeypatch.delenv("MWAA_OPS_CONFIG", raising=False)

    def invoke(*args: str) -> dict[str, Any]:
        result = CliRunner().invoke(status, ["--endpoint-url", endpoint.url, "--json", *args])
        assert result.exit_code == 0, result.output
        data: dict[str, Any] = json.loads(result.output)
        return data

    return invoke


def _by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["environment"]: item for item in data["environments"]}


def test_lists_every_environment_with_its_version(run) -> None:  # noqa: ANN001
    items = _by_name(run("--as-of", "2026-11-25"))
    assert {name: item["airflow_version"] for name, item in items.items()} == ENVIRONMENTS
    assert {item["newest_mwaa_version"] for item in items.values()} == {"3.3.1"}
    assert {item["newest_community_version"] for item in items.values()} == {"3.3.2"}
    assert {name: item["minors_behind"] for name, item in items.items()} == {
        "legacy": 11,  # 2.5 ... 2.11 (7) + 3.0 ... 3.3 (4)
        "old": 5,  # 2.11, 3.0, 3.1, 3.2, 3.3
        "stone": 4,  # 3.0, 3.1, 3.2, 3.3
        "current": 1,  # 3.3
    }


# 2.4.3 ends support on 2025-12-30; the others have no end of support announced.
@pytest.mark.parametrize(
    ("as_of", "days", "legacy_status"),
    [
        ("2025-07-02", 181, "ok"),
        ("2025-07-03", 180, "notice"),
        ("2025-09-30", 91, "notice"),
        ("2025-10-01", 90, "warning"),
        ("2025-11-29", 31, "warning"),
        ("2025-11-30", 30, "critical"),
        ("2025-12-30", 0, "critical"),
        ("2025-12-31", -1, "unsupported"),
    ],
)
def test_thresholds_on_both_sides(run, as_of: str, days: int, legacy_status: str) -> None:  # noqa: ANN001
    items = _by_name(run("--as-of", as_of))
    assert (items["legacy"]["days_to_end_of_support"], items["legacy"]["status"]) == (days, legacy_status)
    for name in ("old", "stone", "current"):
        assert (items[name]["status"], items[name]["days_to_end_of_support"]) == ("ok", None)


def _steps(item: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(s["from"], s["to"], s["kind"]) for s in item["upgrade_path"]["steps"]]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(
            "2026-01-06",  # 3.0.6 newest; the 2.11 stepping stone not yet on MWAA
            {
                "legacy": [("2.4.3", "3.0.6", "new_environment")],
                "old": [("2.10.3", "3.0.6", "new_environment")],
                "stone": [("2.11.2", "3.0.6", "new_environment")],
                "current": [],
            },
            id="before-2.11-on-mwaa",
        ),
        pytest.param(
            "2026-01-07",  # 2.11.0 available: the in-place route opens
            {
                "legacy": [("2.4.3", "2.11.0", "in_place"), ("2.11.0", "3.0.6", "in_place")],
                "old": [("2.10.3", "2.11.0", "in_place"), ("2.11.0", "3.0.6", "in_place")],
                # Not creatable yet on MWAA, but its path is still defined: it is past the stepping stone.
                "stone": [("2.11.2", "3.0.6", "in_place")],
                "current": [],
            },
            id="2.11.0-on-mwaa",
        ),
        pytest.param(
            "2026-08-31",  # newest 3.2.1, stepping stone 2.11.2
            {
                "legacy": [("2.4.3", "2.11.2", "in_place"), ("2.11.2", "3.2.1", "in_place")],
                "old": [("2.10.3", "2.11.2", "in_place"), ("2.11.2", "3.2.1", "in_place")],
                "stone": [("2.11.2", "3.2.1", "in_place")],
                "current": [],
            },
            id="day-before-3.3.1",
        ),
        pytest.param(
            "2026-09-01",  # 3.3.1 available
            {
                "legacy": [("2.4.3", "2.11.2", "in_place"), ("2.11.2", "3.3.1", "in_place")],
                "old": [("2.10.3", "2.11.2", "in_place"), ("2.11.2", "3.3.1", "in_place")],
                "stone": [("2.11.2", "3.3.1", "in_place")],
                "current": [("3.2.1", "3.3.1", "in_place")],
            },
            id="3.3.1-on-mwaa",
        ),
    ],
)
def test_upgrade_paths(run, as_of: str, expected: dict[str, list[tuple[str, str, str]]]) -> None:  # noqa: ANN001
    items = _by_name(run("--as-of", as_of))
    assert {name: _steps(item) for name, item in items.items()} == expected


def test_one_environment_and_a_missing_one(run, endpoint: LocalEndpoint) -> None:  # noqa: ANN001
    data = run("--as-of", "2026-11-25", "--environment", "current")
    assert [item["environment"] for item in data["environments"]] == ["current"]
    result = CliRunner().invoke(status, ["--endpoint-url", endpoint.url, "--json", "--environment", "nope"])
    assert result.exit_code == 2
    assert "'nope' does not exist" in json.loads(result.output)["error"]


def test_table_output_is_readable(endpoint: LocalEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_OPS_STATE_DIR", str(tmp_path))
    result = CliRunner().invoke(status, ["--endpoint-url", endpoint.url, "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert "unsupported" in result.output
    assert "2.10.3 -> 2.11.2 (in place) -> 3.3.1 (in place)" in result.output
    assert "current (CREATING): 3.2.1 -> 3.3.1 (in place)" in result.output
