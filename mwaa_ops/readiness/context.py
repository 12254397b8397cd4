"""What every readiness check reads: the environment, the versions, the settings.

Built once per run by :func:`mwaa_ops.readiness.runner.run_checks`; checks
only read it. The environment is ``GetEnvironment``'s answer as is, so a
check sees exactly the members MWAA returns (S3 paths, object versions,
``AirflowConfigurationOptions``, the maintenance window ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from packaging.version import Version

from mwaa_ops.config import ReadinessConfig
from mwaa_ops.readiness.constraints import Constraints, load_constraints
from mwaa_ops.versions.cache import Calendars
from mwaa_ops.versions.rules import UpgradeRules
from mwaa_ops.versions.standing import Standing

MakeClient = Callable[[str], Any]


@dataclass
class ReadinessContext:
    name: str
    environment: dict[str, Any]  # GetEnvironment's "Environment" member
    current: Version
    target: Version
    target_python: str  # "3.12": the Python MWAA runs the target on
    standing: Standing
    calendars: Calendars
    rules: UpgradeRules
    now: datetime
    make_client: MakeClient
    settings: ReadinessConfig
    state_dir: Path
    work_dir: Path
    dags_dir: Path | None = None
    requirements_file: Path | None = None
    plugins_file: Path | None = None
    import_check: bool = False
    deadline_seconds: float = 300.0  # each check's time budget (subprocess timeouts use it)

    @property
    def major_upgrade(self) -> bool:
        return self.target.major > self.current.major

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "readiness"

    def constraints(self) -> Constraints:
        """The target's constraints file for the target's Python (cached; SourceError if unreachable)."""
        return load_constraints(
            self.settings.constraints_url,
            str(self.target),
            self.target_python,
            self.cache_dir / "constraints",
            timeout=min(self.settings.fetch_timeout_seconds, self.deadline_seconds),
        )
