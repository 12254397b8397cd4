"""Pure pieces of the readiness checks: windows, pip's conflict text, pins, bundles, verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mwaa_ops.maintenance_window import next_start
from mwaa_ops.readiness.constraints import constraints_location, parse_pins
from mwaa_ops.readiness.model import FAIL, PASS, WARN, CheckResult, ReadinessReport
from mwaa_ops.readiness.plugins import bundled_packages
from mwaa_ops.readiness.resolver import constraint_lines, parse_conflicts, split_requirements

PIP_OUTPUT = """Looking in indexes: http://127.0.0.1:1/simple/

The conflict is caused by:
    demo-tool 1.0.0 depends on demo-lib>=2
    The user requested (constraint) demo-lib==1.0.0
    other 3.1 depends on demo-lib<1.5; python_version >= "3.8"

To fix this you could try to:
1. loosen the range of package versions you've specified
"""


def test_parse_conflicts_groups_causes_by_package() -> None:
    conflicts = parse_conflicts(PIP_OUTPUT)
    assert [c.package for c in conflicts] == ["demo-lib"]
    assert len(conflicts[0].causes) == 3


def test_constraint_lines_and_split() -> None:
    text = '-c https://x/constraints-3.3.1/constraints-3.12.txt\n--constraint="a.txt"\n--index-url http://i\nfoo==1\n'
    assert constraint_lines(text) == ["https://x/constraints-3.3.1/constraints-3.12.txt", "a.txt"]
    kept, dropped = split_requirements(text)
    assert kept.strip() == "foo==1" and len(dropped) == 3


def test_parse_pins_and_location() -> None:
    pins = parse_pins("# comment\nApache_Airflow==3.3.1\nfoo[bar]==1.2 ; python_version>'3'\n-e .\n")
    assert pins == {"apache-airflow": "3.3.1", "foo": "1.2"}
    assert constraints_location("u/constraints-{airflow}/constraints-{python}.txt", "3.3.1", "3.12") == \
        "u/constraints-3.3.1/constraints-3.12.txt"


def test_bundled_packages_from_dist_info_and_wheels() -> None:
    names = ["lib/requests-2.0.0.dist-info/METADATA", "wheels/apache_airflow-2.11.2-py3-none-any.whl", "x.py"]
    assert bundled_packages(names) == {"requests": "2.0.0", "apache-airflow": "2.11.2"}


@pytest.mark.parametrize(
    ("start", "now", "expected"),
    [
        pytest.param("SUN:03:00", datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 12, 6, 3, tzinfo=UTC), id="later-this-week"),
        pytest.param("MON:13:30", datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 11, 30, 13, 30, tzinfo=UTC), id="today"),
        pytest.param("MON:11:00", datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 12, 7, 11, tzinfo=UTC), id="passed-today"),
        pytest.param("MON:12:00", datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 11, 30, 12, tzinfo=UTC), id="opening-now"),
        pytest.param("sun:03:00", datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 12, 6, 3, tzinfo=UTC), id="lower-case"),
        pytest.param("XYZ:11:00", datetime(2026, 11, 30, 12, tzinfo=UTC), None, id="malformed"),
        pytest.param("MON:11:15", datetime(2026, 11, 30, 12, tzinfo=UTC), None, id="not-on-30-minute-steps"),
    ],
)
def test_next_window(start: str, now: datetime, expected: datetime | None) -> None:
    assert next_start(start, now) == expected


def test_report_verdict_warn_does_not_block_fail_does() -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    warn = ReadinessReport("e", "2.11.2", "3.3.1", now, (CheckResult("a", PASS, ""), CheckResult("b", WARN, "")))
    assert warn.passed and warn.status == WARN
    failed = ReadinessReport("e", "2.11.2", "3.3.1", now, (CheckResult("a", FAIL, ""), CheckResult("b", WARN, "")))
    assert not failed.passed and failed.status == FAIL and failed.counts() == {"pass": 0, "warn": 1, "fail": 1}
    with pytest.raises(ValueError, match="status 'ok'"):
        CheckResult("c", "ok", "")
