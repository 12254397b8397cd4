from __future__ import annotations

import pytest

from mwaa_ops.errors import DefinitionError
from mwaa_ops.sync.plan import Resource, compute_plan, diff_lines


def r(name: str, body: object, env: str = "prod") -> Resource:
    return Resource("dashboard", name, body, {"environment": env})


def test_actions_and_counts() -> None:
    desired = [r("a", {"x": 1}), r("b", {"x": 2}), r("c", {"x": 3})]
    current = [r("b", {"x": 2}), r("c", {"x": 4}), r("d", {"x": 5}), r("e", {}, env="dev")]
    plan = compute_plan(desired, current, in_scope=lambda res: res.labels["environment"] == "prod")
    assert [(c.action, c.name) for c in plan.changes] == [
        ("delete", "d"), ("create", "a"), ("update", "c"), ("unchanged", "b")]
    assert plan.counts == {"create": 1, "update": 1, "delete": 1, "unchanged": 1}
    assert plan.changes[2].diff == ("~ x: 4 -> 3",)
    assert not plan.empty


def test_nothing_pending_when_equal() -> None:
    plan = compute_plan([r("a", {"w": [1, 2]})], [r("a", {"w": [1, 2]})])
    assert plan.empty and plan.pending == ()


def test_duplicate_desired_is_an_error() -> None:
    with pytest.raises(DefinitionError, match="'a'"):
        compute_plan([r("a", 1), r("a", 2)], [])


def test_diff_names_list_items_by_label() -> None:
    before = {"widgets": [{"title": "A", "period": 60}, {"title": "B", "period": 60}]}
    after = {"widgets": [{"title": "N", "period": 60}, {"title": "A", "period": 300},
                         {"title": "B", "period": 60}]}
    lines = diff_lines(before, after, item_key=lambda item: item.get("title"))
    assert lines == ["+ widgets['N']", "~ widgets['A'].period: 60 -> 300"]
    swapped = diff_lines(before, {"widgets": before["widgets"][::-1]},
                         item_key=lambda item: item.get("title"))
    assert swapped == ["~ widgets: order ['A', 'B'] -> ['B', 'A']"]


def test_diff_by_index_without_labels() -> None:
    assert diff_lines({"a": [1, 2]}, {"a": [1], "b": True}) == ["- a[1]", "+ b: True"]
