"""Drift between the names the mapping knows and the names pinned Airflow versions emit.

Scans the installed Airflow package of each pinned version (the cached e2e
virtual environments) for ``Stats.incr/decr/gauge/timing/timer`` calls
(``stats.*`` in Airflow 3) with literal, f-string or concatenated names, adds
the legacy names Airflow 3 derives from its metrics registry, and checks that
every name the map marks as current for that version is still emitted. A new
Airflow release that renames a mapped metric fails here, not on a dashboard.
Names that are mapped but known to be gone are listed explicitly below.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from mwaa_ops.airflow import load_catalogue

pytestmark = pytest.mark.slow

E2E_DIR = Path(__file__).resolve().parents[2] / "e2e"
PINNED = ["3.3.2", "2.11.2"]
_CALLS = {"incr", "decr", "gauge", "timing", "timer"}
_RECEIVERS = {"Stats", "stats"}
# Helpers whose literal argument becomes a metric name (executors/base_executor.py).
_NAME_HELPERS = {"_get_metric_name"}
_REGISTRY = "_shared/observability/metrics/metrics_template.yaml"

# Mapped names (map templates or base names) the pinned version does not emit,
# and why. Keyed by major version. Keep it honest: an entry that shows up again
# fails test_known_absent_names_are_really_absent.
KNOWN_ABSENT: dict[int, dict[str, str]] = {
    2: {
        "smart_sensor_operator.exception_failures": "smart sensors removed in 2.4",
        "smart_sensor_operator.executed_tasks": "smart sensors removed in 2.4",
        "smart_sensor_operator.infra_failures": "smart sensors removed in 2.4",
        "smart_sensor_operator.loaded_tasks": "smart sensors removed in 2.4",
        "smart_sensor_operator.poked_exception": "smart sensors removed in 2.4",
        "smart_sensor_operator.poked_success": "smart sensors removed in 2.4",
        "smart_sensor_operator.poked_tasks": "smart sensors removed in 2.4",
        "cpu.usage.{dag_id}.{task_id}": "the page's spelling; 2.10+ emits task.cpu_usage.<dag_id>.<task_id>",
        "mem.usage.{dag_id}.{task_id}": "the page's spelling; 2.10+ emits task.mem_usage.<dag_id>.<task_id>",
        "task_instance_created-{operator_name}": "hyphen spelling of Airflow before 2.7",
        "celery.execute_command.failure": "emitted by the celery provider, not installed in the pinned venv",
        "celery.task_timeout_error": "emitted by the celery provider, not installed in the pinned venv",
        "dag_processing.last_run.seconds_ago": "no tagged twin in 2.x",
        "scheduler.tasks.running": "gone from 2.x scheduler",
        "scheduler.tasks.without_dagrun": "gone from 2.x scheduler",
    },
    3: {
        "smart_sensor_operator.exception_failures": "smart sensors removed in 2.4",
        "smart_sensor_operator.executed_tasks": "smart sensors removed in 2.4",
        "smart_sensor_operator.infra_failures": "smart sensors removed in 2.4",
        "smart_sensor_operator.loaded_tasks": "smart sensors removed in 2.4",
        "smart_sensor_operator.poked_exception": "smart sensors removed in 2.4",
        "smart_sensor_operator.poked_success": "smart sensors removed in 2.4",
        "smart_sensor_operator.poked_tasks": "smart sensors removed in 2.4",
        "cpu.usage.{dag_id}.{task_id}": "task resource metrics not emitted by Airflow 3",
        "mem.usage.{dag_id}.{task_id}": "task resource metrics not emitted by Airflow 3",
        "task_instance_created-{operator_name}": "hyphen spelling of Airflow before 2.7",
        "celery.execute_command.failure": "emitted by the celery provider, not installed in the pinned venv",
        "celery.task_timeout_error": "emitted by the celery provider, not installed in the pinned venv",
        "dataset.updates": "datasets renamed assets in 3.0 (alias asset.updates)",
        "dataset.orphaned": "datasets renamed assets in 3.0 (alias asset.orphaned)",
        "dataset.triggered_dagruns": "datasets renamed assets in 3.0 (alias asset.triggered_dagruns)",
        "zombies_killed": "renamed task_instances_without_heartbeats_killed in 3.0 (alias)",
        "dag_processing.sla_callback_count": "SLAs removed in 3.0",
        "dag_processing.last_num_of_db_queries.{dag_filename}": "not emitted by Airflow 3 (registry only)",
        "dag_processing.last_duration.{dag_filename}": "3.x legacy name carries the bundle too",
        "dag_file_refresh_error": "not emitted by Airflow 3 (registry only)",
        "scheduler.tasks.running": "gone from the scheduler",
        "scheduler.tasks.without_dagrun": "gone from the scheduler",
        "dag_processing.manager_stalls": "registry only",
        "collect_db_dags": "registry only",
    },
}


def _name_of(node: ast.AST) -> str | None:
    """A name pattern from a call argument: literal parts kept, the rest ``{}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else "{}" for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _name_of(node.left), _name_of(node.right)
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def _assigned_metric_names(node: ast.Assign) -> set[str]:
    """Names built into a ``*metric_name`` variable first (2.x executors)."""
    if not any(isinstance(t, ast.Name) and t.id.endswith("metric_name") for t in node.targets):
        return set()
    values = [node.value.body, node.value.orelse] if isinstance(node.value, ast.IfExp) else [node.value]
    return {n for n in (_name_of(v) for v in values) if n and n != "{}"}


def emitted_patterns(site_packages: Path) -> set[str]:
    """Every metric-name pattern the installed Airflow passes to its stats calls."""
    found: set[str] = set()
    root = site_packages / "airflow"
    for path in root.rglob("*.py"):
        if {"tests", "example_dags"} & set(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                found.update(_assigned_metric_names(node))
                continue
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr in _NAME_HELPERS and node.args:
                helper_name = _name_of(node.args[0])
                if helper_name:
                    found.add(helper_name)
                    found.add(helper_name + ".{}")  # with several executors
                continue
            if node.func.attr not in _CALLS:
                continue
            receiver = node.func.value
            if not (isinstance(receiver, ast.Name) and receiver.id in _RECEIVERS):
                continue
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "stat"), None)
            name = _name_of(arg) if arg is not None else None
            if name and name != "{}":
                found.add(name)
    registry = root / _REGISTRY
    if registry.exists():  # Airflow 3 derives each legacy name from its registry
        patterns = [_regex(p) for p in found]
        for metric in yaml.safe_load(registry.read_text())["metrics"]:
            legacy = metric.get("legacy_name", "-")
            if legacy != "-" and any(p.fullmatch(_sample(metric["name"])) for p in patterns):
                found.add(legacy)
    return found


def _regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]*\}", pattern)
    return re.compile(".+".join(re.escape(p) for p in parts))


def _sample(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "x", template)


def known_names(version: str) -> dict[str, str]:
    """Names the mapping treats as current for ``version``: template -> CloudWatch metric."""
    ver = Version(version)
    out: dict[str, str] = {}
    for family in load_catalogue().families:
        rows = [r for r in family.rows if r.applies_to(ver)]
        for row in rows:
            out.setdefault(row.airflow_metric, row.cloudwatch_metric)
            if family.base:
                out.setdefault(family.base, row.cloudwatch_metric)
        if rows:
            for form in family.legacy:
                if form.applies_to(ver):
                    out.setdefault(form.template, rows[0].cloudwatch_metric)
    return out


def _is_emitted(template: str, patterns: list[re.Pattern[str]]) -> bool:
    sample = _sample(template)
    return any(p.fullmatch(sample) for p in patterns)


def _venv_site_packages(version: str) -> Path:
    sys.path.insert(0, str(E2E_DIR))
    try:
        from airflow_env import ensure_airflow_venv, site_packages  # type: ignore[import-not-found]
    except ImportError as exc:
        pytest.skip(f"tests/e2e/airflow_env.py not importable ({exc}); it builds the pinned Airflow venvs")
    finally:
        sys.path.remove(str(E2E_DIR))
    return site_packages(ensure_airflow_venv(version))


@pytest.fixture(scope="module", params=PINNED)
def emitted(request) -> Iterator[tuple[str, set[str]]]:
    version = request.param
    yield version, emitted_patterns(_venv_site_packages(version))


def test_every_current_mapped_name_is_still_emitted(emitted):
    version, found = emitted
    patterns = [_regex(p) for p in found]
    absent = KNOWN_ABSENT[Version(version).major]
    missing = {
        name: metric
        for name, metric in known_names(version).items()
        if name not in absent and not _is_emitted(name, patterns)
    }
    assert not missing, (
        f"Airflow {version} no longer emits these mapped names (renamed or removed?). "
        f"Update mwaa_ops/data/airflow-metric-forms.yaml, or KNOWN_ABSENT with the reason: {missing}"
    )


def test_known_absent_names_are_really_absent(emitted):
    version, found = emitted
    patterns = [_regex(p) for p in found]
    known = known_names(version)
    stale = [
        name for name in KNOWN_ABSENT[Version(version).major]
        if name in known and _is_emitted(name, patterns)
    ]
    assert not stale, f"Airflow {version} emits these again; drop them from KNOWN_ABSENT: {stale}"


def test_report_emitted_names_the_mapping_does_not_know(emitted, capsys):
    """Information, not a failure: what goes out under the fallback name."""
    version, found = emitted
    catalogue = load_catalogue()
    known = [_regex(t) for t in catalogue.templates(version)]
    unknown = sorted(p for p in found if not any(k.fullmatch(_sample(p)) for k in known))
    with capsys.disabled():
        print(f"\nAirflow {version}: {len(found)} emitted name patterns, {len(unknown)} forwarded under fallback:")
        for name in unknown:
            print(f"  {name}")
    assert found
