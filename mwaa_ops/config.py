"""The typed, frozen configuration, built once at start-up.

Sources, lowest precedence first: built-in defaults, the TOML file
(``--config``), environment variables ``MWAA_OPS_<SECTION>__<KEY>`` (or
``MWAA_OPS_<KEY>`` for top-level keys), then command-line flags. The result is
validated in one place; a bad value stops start-up with a :class:`ConfigError`
naming the key, the value and what is allowed (and the environment variable,
when the value came from one). Every key is documented in
``docs/configuration.md``.

Environment variables: platforms put variables of their own under the same
prefix (Kubernetes injects ``MWAA_OPS_SERVICE_HOST``, ``MWAA_OPS_PORT=tcp://…``,
``MWAA_OPS_PORT_9125_TCP_ADDR`` … for a Service named ``mwaa-ops`` into every
pod of its namespace). So a variable is read only when it names a config key:
``MWAA_OPS_<KEY>`` for a top-level key, ``MWAA_OPS_<SECTION>__…`` for a known
section. Any other ``MWAA_OPS_*`` variable without ``__`` is not ours and is
ignored; one with ``__`` under a known section but an unknown key is a typo and
stops start-up, naming the variable.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mwaa_ops.errors import ConfigError

ENV_PREFIX = "MWAA_OPS_"

# MWAA environment names: 1-80 characters, a letter first (CreateEnvironment API reference).
_ENVIRONMENT_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z_-]{0,79}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _check_regexes(value: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from None
    return value


class StatsdConfig(_Frozen):
    """The UDP StatsD receiver."""

    host: str = "127.0.0.1"
    port: int = Field(8125, ge=0, le=65535)
    prefix: str = Field("airflow", pattern=r"^[A-Za-z0-9_.-]*$")
    receive_buffer_bytes: int = Field(32 * 1024 * 1024, ge=65536, le=1 << 31)
    max_line_bytes: int = Field(4096, ge=64, le=65535)
    allow_list: tuple[str, ...] = ()
    block_list: tuple[str, ...] = ()
    max_series: int = Field(100_000, ge=1, le=10_000_000)

    _regexes = field_validator("allow_list", "block_list")(_check_regexes)


class AwsConfig(_Frozen):
    """Where AWS is reached. Empty values fall back to the standard chain and variables."""

    region: str = Field("", pattern=r"^([a-z]{2}(-[a-z]+)+-\d+)?$")
    endpoint_url: str = Field("", pattern=r"^(https?://.+)?$")
    profile: str = ""


class PublisherConfig(_Frozen):
    """Delivery to CloudWatch: queue, spool and retries."""

    queue_max_datums: int = Field(200_000, ge=1000)
    spool_max_bytes: int = Field(1024 * 1024 * 1024, ge=1024 * 1024)
    max_attempts: int = Field(8, ge=1, le=100)
    backoff_base_seconds: float = Field(0.2, gt=0, le=60)
    backoff_max_seconds: float = Field(30.0, gt=0, le=3600)
    request_timeout_seconds: float = Field(10.0, gt=0, le=300)
    shutdown_deadline_seconds: float = Field(20.0, ge=0, le=3600)
    max_requests_per_second: float = Field(150.0, gt=0)


class HealthConfig(_Frozen):
    """The local health and Prometheus endpoint."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(9125, ge=0, le=65535)


class JobConfig(_Frozen):
    """One scheduled job: a cron or interval trigger and how to treat late runs."""

    enabled: bool = True
    trigger: Literal["cron", "interval"] = "interval"
    cron: str = ""
    interval_seconds: int = Field(3600, ge=1)
    jitter_seconds: int = Field(0, ge=0)
    coalesce: bool = True
    misfire_grace_time_seconds: int = Field(300, ge=1)
    max_runtime_seconds: int = Field(600, ge=1)
    run_at_start: bool = False


def _default_jobs() -> dict[str, JobConfig]:
    return {
        "versions_refresh": JobConfig(
            trigger="cron", cron="17 4 * * *", jitter_seconds=300, run_at_start=True
        ),
        # Monday 08:00 UTC; a run missed while the agent was down is made up once
        # (coalesce), however long the agent was down.
        "weekly_report": JobConfig(
            trigger="cron", cron="0 8 * * 1", misfire_grace_time_seconds=7 * 86400,
            max_runtime_seconds=1800,
        ),
        "dashboards_sync": JobConfig(interval_seconds=900, jitter_seconds=30, run_at_start=True),
        # Every 5 minutes: is an approved upgrade due in its window? A run may take hours.
        "upgrade_tick": JobConfig(
            trigger="interval", interval_seconds=300, max_runtime_seconds=6 * 3600,
        ),
        "alarms_sync": JobConfig(trigger="interval", interval_seconds=300, run_at_start=True),
    }


class SchedulerConfig(_Frozen):
    """The agent's APScheduler frame; later features register jobs by name."""

    enabled: bool = True
    jobs: dict[str, JobConfig] = Field(default_factory=_default_jobs)
    # Scheduled runs in a child process each (agent/job_child.py): the agent keeps its idle RSS.
    isolate_jobs: bool = True


class VersionsConfig(_Frozen):
    """Release calendar sources."""

    index_url: str = ""
    mwaa_versions_url: str = (
        "https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html"
    )
    fetch_timeout_seconds: float = Field(20.0, gt=0, le=600)
    # "own": publish version metrics for this agent's environment only (one agent per
    # environment); "fleet": for every environment in the account (one fleet publisher).
    publish_scope: Literal["own", "fleet"] = "own"


class AirflowConfig(_Frozen):
    """What the agent knows about the Airflow it listens to."""

    # 2 or 3; empty/"auto": detected from the traffic (names only one major sends).
    major_version: int | None = None
    # MWAA page metrics kept off by default because their meaning is false
    # (PoolFailures carries pool open slots; see docs/metric-names.md).
    compat_metrics: tuple[Literal["PoolFailures"], ...] = ()

    @field_validator("major_version", mode="before")
    @classmethod
    def _major(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
            return None
        try:
            major = int(value)
        except (TypeError, ValueError):
            raise ValueError("2, 3 or 'auto' (detect from the traffic)") from None
        if major not in (2, 3):
            raise ValueError("2, 3 or 'auto' (detect from the traffic)")
        return major


class AlarmEnvironmentConfig(_Frozen):
    """Per-environment alarm settings: threshold parameters and the DAGs whose failure pages."""

    parameters: dict[str, float | int | str] = Field(default_factory=dict)
    critical_dags: tuple[str, ...] = ()
    team: str = ""


class AlarmsConfig(_Frozen):
    """Alarm definitions, routing to SNS topics by severity and team, and the sync pace."""

    definitions_dir: Path | None = None  # None: the alarms/ folder shipped with mwaa-ops
    runbooks_dir: Path | None = None  # None: the runbooks/ folder shipped with mwaa-ops
    runbook_url: str = ""  # base URL of the runbooks (a wiki, a repo); "" = the file path
    name_prefix: str = Field("mwaa-ops", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    default_team: str = Field("platform", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    # severity -> SNS topic name (created when missing); critical pages, the rest notify
    topics: dict[str, str] = Field(
        default_factory=lambda: {
            "critical": "mwaa-ops-page",
            "high": "mwaa-ops-notify",
            "warning": "mwaa-ops-notify",
        }
    )
    # team -> severity -> topic name: overrides ``topics`` for that team's alarms
    team_topics: dict[str, dict[str, str]] = Field(default_factory=dict)
    environments: dict[str, AlarmEnvironmentConfig] = Field(default_factory=dict)
    max_mute_seconds: int = Field(7 * 86400, ge=60)


class ReadinessConfig(_Frozen):
    """Upgrade readiness checks (docs/readiness.md)."""

    # Airflow's constraints files: an http(s)/file URL or a path, with {airflow} and {python}.
    constraints_url: str = (
        "https://raw.githubusercontent.com/apache/airflow/"
        "constraints-{airflow}/constraints-{python}.txt"
    )
    index_url: str = ""  # "" -> PIP_INDEX_URL, else https://pypi.org/simple/
    platform: str = ""  # pip --platform for the resolver; "" -> this machine's
    default_python: str = Field("3.12", pattern=r"^3\.\d+$")
    check_timeout_seconds: float = Field(300.0, gt=0, le=7200)
    fetch_timeout_seconds: float = Field(20.0, gt=0, le=600)
    maintenance_window_minutes: int = Field(240, ge=30, le=1440)
    expected_upgrade_minutes: int = Field(120, ge=1, le=1440)
    airflow_venvs_dir: str = ""  # "" -> <state_dir>/readiness/venvs


class ReportConfig(_Frozen):
    """The weekly upgrade readiness report (docs/reports.md)."""

    environments: tuple[str, ...] = ()  # () -> every environment MWAA lists
    bucket: str = ""  # S3 bucket for reports; "" -> kept under state_dir only
    prefix: str = Field("mwaa-ops/reports", pattern=r"^[A-Za-z0-9._/-]*$")
    sns_topic_arn: str = Field("", pattern=r"^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+)?$")
    link_expires_seconds: int = Field(7 * 86400, ge=60, le=7 * 86400)  # presigned URL limit: 7 days
    readiness: bool = True  # run the readiness checks for each environment's next step
    price_table: str = ""  # "" -> the shipped mwaa_ops/data/cloudwatch-prices.yaml
    build_timeout_seconds: float = Field(1500.0, gt=0, le=7200)


class DashboardsConfig(_Frozen):
    """Dashboards as code (docs/dashboards.md)."""

    directory: Path | None = None  # None: the dashboards/ folder shipped with mwaa-ops
    prefix: str = Field("mwaa-ops-", pattern=r"^[A-Za-z0-9_-]{1,40}$")
    environment_class: str = "mw1.small"
    max_workers: int = Field(10, ge=1, le=1000)
    airflow_version: str = ""
    include_mwaa_environments: bool = True
    alarm_prefix: str = ""  # "" -> "<alarms.name_prefix>/", the prefix of mwaa-ops' own alarm names
    owner: str = ""
    runbooks_url: str = ""
class UpgradeFreezeConfig(_Frozen):
    """A change freeze: no upgrade in a window overlapping ``[start, end)`` (UTC)."""

    start: datetime
    end: datetime
    reason: str = "change freeze"


class UpgradeEnvironmentConfig(_Frozen):
    """Per-environment upgrade settings (docs/upgrades.md)."""

    windows: tuple[str, ...] = ()  # DAY:HH:MM (UTC); () -> the environment's WeeklyMaintenanceWindowStart
    window_minutes: int | None = Field(None, ge=30, le=7 * 1440)  # None -> readiness.maintenance_window_minutes
    blackout_dates: tuple[date, ...] = ()
    approved_target: str = ""  # an approval in config (same effect as `upgrade approve`)
    approved_not_before: date | None = None


class UpgradesConfig(_Frozen):
    """Maintenance-window upgrades: windows, lease, audit trail, health gate (docs/upgrades.md)."""

    environments: dict[str, UpgradeEnvironmentConfig] = Field(default_factory=dict)
    blackout_dates: tuple[date, ...] = ()  # for every environment
    freezes: tuple[UpgradeFreezeConfig, ...] = ()
    rollback_minutes: int = Field(30, ge=0, le=1440)  # added to the expected duration of a step
    lease_table: str = Field("mwaa-ops-upgrades", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    lease_seconds: int = Field(300, ge=10, le=3600)
    # "" -> report.bucket (where the IaC templates keep the trail); both empty: local file only.
    audit_bucket: str = Field("", pattern=r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$")
    audit_prefix: str = Field("mwaa-ops/upgrades", pattern=r"^[A-Za-z0-9._/-]*$")
    notify_topic: str = Field("mwaa-ops-notify", pattern=r"^[A-Za-z0-9_-]{1,256}$")
    page_topic: str = Field("mwaa-ops-page", pattern=r"^[A-Za-z0-9_-]{1,256}$")
    poll_seconds: float = Field(30.0, gt=0, le=600)
    health_settle_seconds: int = Field(600, ge=0, le=7200)
    health_lookback_minutes: int = Field(60, ge=5, le=1440)
    health_failure_rate_tolerance: float = Field(0.05, ge=0, le=1)
    graceful_versions: str = ">=2.9.2"  # source versions sent WorkerReplacementStrategy=GRACEFUL
    readiness_checks: tuple[str, ...] = ()  # () -> every readiness check


class Config(_Frozen):
    """Everything mwaa-ops needs, validated."""

    environment: str = "local"
    namespace: str = Field("AmazonMWAA", min_length=1, max_length=255, pattern=r"^[^:].*$")
    flush_interval_seconds: int = Field(60, ge=1, le=3600)
    state_dir: Path = Path("./state")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["kv", "json"] = "kv"
    statsd: StatsdConfig = StatsdConfig()
    aws: AwsConfig = AwsConfig()
    publisher: PublisherConfig = PublisherConfig()
    health: HealthConfig = HealthConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    versions: VersionsConfig = VersionsConfig()
    alarms: AlarmsConfig = AlarmsConfig()
    readiness: ReadinessConfig = ReadinessConfig()
    report: ReportConfig = ReportConfig()
    airflow: AirflowConfig = AirflowConfig()
    dashboards: DashboardsConfig = DashboardsConfig()
    upgrades: UpgradesConfig = UpgradesConfig()

    @field_validator("environment")
    @classmethod
    def _environment_name(cls, value: str) -> str:
        if not _ENVIRONMENT_NAME.match(value):
            raise ValueError(
                "an MWAA environment name: 1-80 letters, digits, '-' or '_', starting with a letter"
            )
        return value

    @property
    def storage_resolution(self) -> int:
        """CloudWatch storage resolution: 1 (high resolution) below a minute, else 60."""
        return 1 if self.flush_interval_seconds < 60 else 60

    @property
    def spool_dir(self) -> Path:
        return self.state_dir / "spool"


def _set_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _from_environment(environ: Mapping[str, str], sources: dict[str, str] | None = None) -> dict[str, Any]:
    """``MWAA_OPS_STATSD__PORT=9000`` becomes ``{"statsd": {"port": "9000"}}``.

    Only variables that name a config key are read (see the module docstring);
    ``sources``, when given, receives dotted key -> variable name.
    """
    overlay: dict[str, Any] = {}
    fields = Config.model_fields
    sections = {k for k, f in fields.items() if isinstance(f.default, BaseModel)}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in (ENV_PREFIX + "CONFIG", ENV_PREFIX + "CLOCK"):
            continue
        dotted = name[len(ENV_PREFIX):].lower().replace("__", ".")
        head = dotted.split(".", 1)[0]
        if "." not in dotted and (dotted not in fields or dotted in sections):
            continue  # not a key of ours: e.g. Kubernetes' MWAA_OPS_SERVICE_HOST, MWAA_OPS_PORT
        if "." in dotted and head not in sections:
            continue
        if sources is not None:
            sources[dotted] = name
        if dotted.endswith("_list") and not value.startswith("["):
            _set_dotted(overlay, dotted, [v for v in value.split(",") if v])
        else:
            _set_dotted(overlay, dotted, value)
    return overlay


def _merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(error: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> str:
    key = ".".join(str(part) for part in error["loc"])
    value = error.get("input")
    message = str(error["msg"])
    variable = _source_variable(key, sources or {})
    origin = f" (from environment variable {variable})" if variable else ""
    if error["type"] == "extra_forbidden":
        return f"{key}{origin}: unknown key (check the spelling; see docs/configuration.md)"
    return f"{key} = {value!r}{origin}: {message}"


def _source_variable(key: str, sources: Mapping[str, str]) -> str:
    """The environment variable that set ``key`` (or a list item of it), if one did."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        variable = sources.get(".".join(parts[:end]))
        if variable:
            return variable
    return ""


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the one :class:`Config` from file, environment and flags.

    ``overrides`` maps dotted keys (``"statsd.port"``) to values from flags;
    ``None`` values are ignored so unset flags do not mask the file.
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    path = path or environ.get(ENV_PREFIX + "CONFIG")
    if path:
        file = Path(path).expanduser()
        try:
            with file.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file {file}: not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {file}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"config file {file}: cannot be read: {exc}") from None
    sources: dict[str, str] = {}
    data = _merge(data, _from_environment(environ, sources))
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(data, dotted, value)
            sources.pop(dotted, None)  # the flag wins, and is what failed
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e, sources) for e in exc.errors())
        where = f" (config file {path})" if path else ""
        raise ConfigError(f"invalid configuration{where}: {problems}") from None
