from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, field_validator

from mwaa_ops.errors import InvalidDefinitionError
from mwaa_ops.sync.definitions import key_path, load_directory, load_file, parse_yaml


class Widget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str
    stat: Literal["Sum", "Average"] = "Sum"

    @field_validator("metric")
    @classmethod
    def known(cls, value: str) -> str:
        if value not in {"SchedulerHeartbeat", "TaskInstanceFinished"}:
            raise ValueError("unknown metric (allowed: SchedulerHeartbeat, TaskInstanceFinished)")
        return value


class Board(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    widgets: list[Widget]


GOOD = "title: Overview\nwidgets:\n  - metric: SchedulerHeartbeat\n  - metric: TaskInstanceFinished\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_lines_recorded_for_every_key_path() -> None:
    source = parse_yaml(GOOD, Path("x.yaml"))
    assert source.line_of(("widgets", 1, "metric")) == 4
    assert source.line_of(("widgets", 1, "stat")) == 4  # falls back to the nearest ancestor
    assert source.line_of(("title",)) == 1


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        pytest.param(GOOD.replace("TaskInstanceFinished", "TaskInstanceFinishd"), 4,
                     "widgets[1].metric = 'TaskInstanceFinishd': unknown metric (allowed:",
                     id="unknown-metric"),
        pytest.param(GOOD + "    stat: p99\n", 5, "widgets[1].stat = 'p99': Input should be 'Sum' or 'Average'",
                     id="literal-lists-allowed"),
        pytest.param(GOOD + "colour: red\n", 5, "colour = 'red': unknown key", id="extra-key"),
        pytest.param("widgets: []\n", 1, "title: required key is missing", id="missing-key"),
        pytest.param("title: [unclosed\nwidgets: []\n", 2, "not valid YAML", id="bad-yaml"),
    ],
)
def test_bad_files_name_file_line_key_value(tmp_path: Path, text: str, line: int, needle: str) -> None:
    path = write(tmp_path, "board.yaml", text)
    with pytest.raises(InvalidDefinitionError) as info:
        load_file(path, Board)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert needle in message


def test_directory_keeps_good_files_and_reports_all_bad(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", "title: B\nwidgets:\n  - metric: Nope\n  - metric: AlsoNope\n")
    write(tmp_path, "c.yml", GOOD.replace("Overview", "Other"))
    write(tmp_path, "README.md", "not yaml: [")
    loaded = load_directory(tmp_path, Board)
    assert sorted(p.name for p in loaded.items) == ["a.yaml", "c.yml"]
    assert [(i.line, i.key) for i in loaded.issues] == [(3, "widgets[0].metric"), (4, "widgets[1].metric")]
    with pytest.raises(InvalidDefinitionError):
        loaded.raise_for_issues()


def test_key_path_format() -> None:
    assert key_path(("rows", 2, "widgets", 0, "metric")) == "rows[2].widgets[0].metric"
