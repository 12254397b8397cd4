"""Definition files: the shipped set loads; bad files fail naming file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_ops.alarms.definitions import DEFAULT_DEFINITIONS_DIR, load_definitions
from mwaa_ops.errors import DefinitionError

GOOD = """\
name: {name}
description: heartbeat stopped
severity: high
metric:
  name: SchedulerHeartbeat
  dimensions: {{Function: Scheduler}}
  statistic: Sum
period: 60
evaluation_periods: 3
comparison: LessThanThreshold
threshold: 1
treat_missing_data: breaching
"""


def _write(tmp_path: Path, name: str, text: str, runbook: bool = True) -> tuple[Path, Path]:
    alarms, books = tmp_path / "alarms", tmp_path / "runbooks"
    alarms.mkdir(exist_ok=True)
    books.mkdir(exist_ok=True)
    (alarms / f"{name}.yaml").write_text(text)
    if runbook:
        (books / f"{name}.md").write_text("# x\n")
    return alarms, books


def test_shipped_definitions_load() -> None:
    definitions = load_definitions()
    assert len(definitions.alarms) == 14
    assert {a.name for a in definitions.alarms if a.page} == {
        "scheduler-heartbeat-missing", "tasks-queued-nothing-running",
        "worker-capacity-saturated", "critical-dag-failed", "agent-no-data",
    }


def test_a_good_definition_loads(tmp_path: Path) -> None:
    alarms, books = _write(tmp_path, "hb", GOOD.format(name="hb"))
    (alarm,) = load_definitions(alarms, books).alarms
    assert (alarm.m, alarm.evaluation_periods, alarm.metric and alarm.metric.name) == (3, 3, "SchedulerHeartbeat")


BAD = [
    ("unknown-metric", GOOD.replace("SchedulerHeartbeat", "SchedulerHeartbeet"), 5,
     "unknown metric; not in the MWAA name catalogue"),
    ("wrong-dimension", GOOD.replace("Function: Scheduler", "Pool: Scheduler"), 6,
     "published with dimensions {Function}"),
    ("too-long", GOOD.replace("period: 60", "period: 3600").replace("evaluation_periods: 3", "evaluation_periods: 25"), 8,
     "3600 x 25 = 90000 s, over CloudWatch's limit of 86400 s"),
    ("bad-period", GOOD.replace("period: 60", "period: 45"), 8, "10, 20, 30 or a multiple of 60"),
    ("bad-severity", GOOD.replace("severity: high", "severity: urgent"), 3, "severity = 'urgent'"),
    ("bad-key", GOOD + "treshold: 4\n", 13, "treshold = 4: unknown key"),
    ("m-over-n", GOOD + "datapoints_to_alarm: 4\n", 13, "datapoints_to_alarm 4 is more than evaluation_periods 3"),
    # a check made on the whole object points at the key it names, without dumping the document
    ("bad-threshold", GOOD.replace("threshold: 1", "threshold: one"), 11, "threshold = 'one': a number or '{parameter}'"),
    ("no-threshold", GOOD.replace("threshold: 1\n", ""), 1, "'threshold' is required"),
    ("bad-yaml", "name: [unclosed\n", 2, "not valid YAML"),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_definitions_name_file_line_and_problem(tmp_path: Path, name: str, text: str, line: int, message: str) -> None:
    alarms, books = _write(tmp_path, name, text.format(name=name))
    with pytest.raises(DefinitionError) as caught:
        load_definitions(alarms, books)
    text_out = str(caught.value)
    assert f"{name}.yaml:{line}:" in text_out, text_out
    assert message in text_out, text_out
    assert "(document) = {" not in text_out, text_out


def _math(n: int) -> str:
    metrics = "".join(
        f"  m{i}: {{name: SchedulerHeartbeat, dimensions: {{Function: Scheduler}}, statistic: Sum}}\n"
        for i in range(n)
    )
    return (
        "name: many\ndescription: d\nseverity: warning\nmetrics:\n" + metrics
        + f"expression: \"{' + '.join(f'm{i}' for i in range(n))}\"\nperiod: 60\nthreshold: 1\n"
    )


def test_more_than_ten_metrics_in_a_math_alarm(tmp_path: Path) -> None:
    alarms, books = _write(tmp_path, "many", _math(11))
    with pytest.raises(DefinitionError, match=r"many.yaml:1: .*11 metrics: a math alarm takes at most 10"):
        load_definitions(alarms, books)
    alarms, books = _write(tmp_path, "many", _math(10))
    assert load_definitions(alarms, books).alarms[0].name == "many"


def test_missing_runbook(tmp_path: Path) -> None:
    alarms, books = _write(tmp_path, "hb", GOOD.format(name="hb"), runbook=False)
    with pytest.raises(DefinitionError, match=r"hb.yaml:1: .*missing runbook: .*hb.md does not exist"):
        load_definitions(alarms, books)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    _write(tmp_path, "a", GOOD.format(name="a").replace("SchedulerHeartbeat", "Nope"))
    alarms, books = _write(tmp_path, "b", GOOD.format(name="b").replace("period: 60", "period: 7"))
    with pytest.raises(DefinitionError) as caught:
        load_definitions(alarms, books)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and "a.yaml:5: metric.name = 'Nope'" in lines[0] and "b.yaml:8: period = 7" in lines[1]


def test_file_named_after_the_alarm(tmp_path: Path) -> None:
    alarms, books = _write(tmp_path, "hb", GOOD.format(name="other"))
    (books / "other.md").write_text("# x\n")
    with pytest.raises(DefinitionError, match=r"hb.yaml:1: name = 'other': the file must be named after the alarm"):
        load_definitions(alarms, books)


def test_definitions_folder_is_the_shipped_one() -> None:
    assert DEFAULT_DEFINITIONS_DIR.name == "alarms" and DEFAULT_DEFINITIONS_DIR.is_dir()
