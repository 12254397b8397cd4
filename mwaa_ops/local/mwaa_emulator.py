"""The MWAA control-plane emulator: environments, their statuses and tags.

moto has no MWAA, so the embedded endpoint carries this small model of it.
The methods take and return the request and response members of the MWAA
REST API (PascalCase dicts), so :mod:`mwaa_ops.local.mwaa_api` only has to
move them over HTTP and the unchanged boto3 ``mwaa`` client works against it.

Statuses follow the injected clock, not threads: a ``CREATING`` environment
becomes ``AVAILABLE`` once the clock has passed its creation delay, whenever
it is next read. Tests move a :class:`~mwaa_ops.clock.FakeClock` instead of
sleeping. Failures (an update that fails and is rolled back, a failed
creation) are injected with :meth:`MwaaEmulator.fail_next_update` and
friends, or decided per request by :attr:`MwaaEmulator.update_hook`.
"""

from __future__ import annotations

import base64
import copy
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.errors import FatalAwsError
from mwaa_ops.local import mwaa_validation as v
from mwaa_ops.local.mwaa_versions import latest, offered_versions

ACCOUNT_ID = "123456789012"  # moto's default account, so ARNs line up with the rest
DEFAULT_REGION = "us-east-1"
DEFAULT_CREATE_SECONDS = 3.0
DEFAULT_UPDATE_SECONDS = 3.0
DEFAULT_DELETE_SECONDS = 2.0
DEFAULT_ROLLBACK_SECONDS = 1.0
DEFAULT_SNAPSHOT_SECONDS = 1.0
# InjectedFailure.final_status of a hang: the update never completes.
HANG = "UPDATING"
FAULT_KINDS = {"rollback": "UPDATE_FAILED", "fail": "UNAVAILABLE", "hang": HANG}

# Defaults MWAA applies when CreateEnvironment leaves a member out (API reference).
_CREATE_DEFAULTS: dict[str, Any] = {
    "EnvironmentClass": "mw1.small",
    "MaxWorkers": 10,
    "MinWorkers": 1,
    "Schedulers": 2,
    "MinWebservers": 2,
    "MaxWebservers": 2,
    "WebserverAccessMode": "PRIVATE_ONLY",
    "EndpointManagement": "SERVICE",
    "AirflowConfigurationOptions": {},
    "Tags": {},
    # Real MWAA picks a window itself when none is given; the emulator picks this one.
    "WeeklyMaintenanceWindowStart": "SUN:03:00",
}
# Members copied as given (already validated) from a create or update request.
_PLAIN_MEMBERS = (
    "DagS3Path",
    "PluginsS3Path",
    "PluginsS3ObjectVersion",
    "RequirementsS3Path",
    "RequirementsS3ObjectVersion",
    "StartupScriptS3Path",
    "StartupScriptS3ObjectVersion",
    "KmsKey",
)
# Log group name suffix per logging module ("airflow-<environment>-<suffix>").
_LOG_GROUP_SUFFIX = {
    "DagProcessingLogs": "DAGProcessing",
    "SchedulerLogs": "Scheduler",
    "WebserverLogs": "WebServer",
    "WorkerLogs": "Worker",
    "TaskLogs": "Task",
}
# Statuses from which MWAA accepts UpdateEnvironment / DeleteEnvironment.
_UPDATABLE = frozenset({"AVAILABLE", "UPDATE_FAILED"})
_DELETABLE = frozenset({"AVAILABLE", "UPDATE_FAILED", "CREATE_FAILED", "UNAVAILABLE"})
STATUSES = (
    "CREATING", "CREATE_FAILED", "AVAILABLE", "UPDATING", "DELETING", "DELETED",
    "UNAVAILABLE", "UPDATE_FAILED", "ROLLING_BACK", "CREATING_SNAPSHOT", "PENDING",
    "MAINTENANCE",
)  # fmt: skip

VersionSource = Callable[[date], Sequence[str]] | Sequence[str]
UpdateHook = Callable[[Mapping[str, Any], Mapping[str, Any]], "InjectedFailure | None"]


@dataclass(frozen=True)
class InjectedFailure:
    """How an injected failure ends: error code and message, and the final status.

    ``final_status`` is ``UPDATE_FAILED`` (rolled back, still usable),
    ``UNAVAILABLE`` or ``UPDATING`` (hangs: never completes) for updates,
    ``CREATE_FAILED`` for creations.
    """

    error_code: str = "INTERNAL_ERROR"
    message: str = "Injected failure"
    final_status: str = "UPDATE_FAILED"
    environment: str | None = None  # None: the next matching call on any environment


@dataclass
class _Env:
    region: str
    attrs: dict[str, Any]
    # (due epoch seconds, action) pairs applied in order once the clock passes them.
    timeline: list[tuple[float, Callable[[], object]]] = field(default_factory=list)


def _epoch(dt: float) -> datetime:
    return datetime.fromtimestamp(dt, UTC)


class MwaaEmulator:
    """An in-memory MWAA control plane driven by an injected clock. Thread-safe."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = ACCOUNT_ID,
        create_seconds: float = DEFAULT_CREATE_SECONDS,
        update_seconds: float = DEFAULT_UPDATE_SECONDS,
        delete_seconds: float = DEFAULT_DELETE_SECONDS,
        rollback_seconds: float = DEFAULT_ROLLBACK_SECONDS,
        versions: VersionSource | None = None,
        snapshot_seconds: float = DEFAULT_SNAPSHOT_SECONDS,
        enforce_upgrade_rules: bool = True,
    ) -> None:
        for label, seconds in (
            ("create_seconds", create_seconds),
            ("update_seconds", update_seconds),
            ("delete_seconds", delete_seconds),
            ("rollback_seconds", rollback_seconds),
            ("snapshot_seconds", snapshot_seconds),
        ):
            if seconds < 0:
                raise ValueError(f"{label} must be >= 0, got {seconds}")
        self.clock: Clock = clock or SystemClock()
        self.region = region
        self.account_id = account_id
        self.create_seconds = create_seconds
        self.update_seconds = update_seconds
        self.delete_seconds = delete_seconds
        self.rollback_seconds = rollback_seconds
        self._versions = versions
        self.snapshot_seconds = snapshot_seconds
        self.enforce_upgrade_rules = enforce_upgrade_rules
        # UpdateEnvironment requests received per environment name, accepted or not.
        self.update_calls: dict[str, int] = {}
        self.update_hook: UpdateHook | None = None
        self._lock = threading.RLock()
        self._envs: dict[tuple[str, str], _Env] = {}
        self._update_faults: list[InjectedFailure] = []
        self._create_faults: list[InjectedFailure] = []

    # ---- versions ---------------------------------------------------------

    def offered_versions(self) -> tuple[str, ...]:
        """Airflow versions accepted now (snapshot rows still supported at the clock's date)."""
        source = self._versions
        if source is None:
            return offered_versions(_epoch(self.clock.time()).date())
        if callable(source):
            return tuple(source(_epoch(self.clock.time()).date()))
        return tuple(source)

    # ---- the MWAA API -----------------------------------------------------

    def create_environment(
        self, name: str, body: Mapping[str, Any], *, region: str | None = None
    ) -> dict[str, Any]:
        """CreateEnvironment: validate, then start in ``CREATING``. Returns ``{"Arn"}``."""
        region = region or self.region
        attrs = self._validated_create(name, body, region)
        with self._lock:
            self._settle_all()
            if (region, name) in self._envs:
                raise v.validation_error(f"Environment {name} already exists")
            env = _Env(region, attrs)
            self._envs[(region, name)] = env
            now = self.clock.time()
            fault = self._take(self._create_faults, name)
            if fault is None:
                self._schedule(env, now + self.create_seconds, lambda: self._set(env, "AVAILABLE"))
            else:
                self._schedule(env, now + self.create_seconds, lambda: self._fail(env, fault))
            self._settle(env)
            return {"Arn": attrs["Arn"]}

    def get_environment(self, name: str, *, region: str | None = None) -> dict[str, Any]:
        """GetEnvironment: ``{"Environment": {...}}`` or ``ResourceNotFoundException``."""
        v.check_name(name)
        with self._lock:
            env = self._find(name, region or self.region)
            return {"Environment": self._public(env)}

    def list_environments(
        self,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """ListEnvironments: names in creation order, paginated with an opaque token."""
        limit = v.LIST_MAX_RESULTS if max_results is None else max_results
        v.check_int(limit, "maxResults", 1, v.LIST_MAX_RESULTS)
        start = _decode_token(next_token) if next_token else 0
        region = region or self.region
        with self._lock:
            self._settle_all()
            names = [n for (r, n) in self._envs if r == region]
        page = names[start : start + limit]
        result: dict[str, Any] = {"Environments": page}
        if start + limit < len(names):
            result["NextToken"] = _encode_token(start + limit)
        return result

    def update_environment(
        self, name: str, body: Mapping[str, Any], *, region: str | None = None
    ) -> dict[str, Any]:
        """UpdateEnvironment: validate, go ``UPDATING``, apply the changes when it completes."""
        with self._lock:
            self.update_calls[name] = self.update_calls.get(name, 0) + 1
            env = self._find_in(name, region or self.region, _UPDATABLE, "updated")
            changes = self._validated_update(env, body)
            upgrade = self._version_move(env, changes)
            fault = self._take(self._update_faults, name)
            if fault is None and self.update_hook is not None:
                fault = self.update_hook(self._public(env), copy.deepcopy(changes))
            now = self.clock.time()
            env.attrs["Status"] = "UPDATING"
            last: dict[str, Any] = {"Status": "PENDING", "CreatedAt": now, "Source": "API"}
            if "WorkerReplacementStrategy" in body:
                last["WorkerReplacementStrategy"] = body["WorkerReplacementStrategy"]
            env.attrs["LastUpdate"] = last
            due = now + self.update_seconds
            if upgrade:
                # MWAA snapshots the metadata database before a version change.
                env.attrs["Status"] = "CREATING_SNAPSHOT"
                self._schedule(env, now + self.snapshot_seconds, lambda: self._set(env, "UPDATING"))
                due += self.snapshot_seconds
            if fault is not None and fault.final_status == HANG:
                pass  # stays in UPDATING until set_status or reset
            elif fault is None:
                self._schedule(env, due, lambda: self._apply(env, changes))
            else:
                if fault.final_status == "UPDATE_FAILED":
                    self._schedule(env, due, lambda: self._set(env, "ROLLING_BACK"))
                    due += self.rollback_seconds
                self._schedule(env, due, lambda: self._fail(env, fault))
            self._settle(env)
            return {"Arn": env.attrs["Arn"]}

    def delete_environment(self, name: str, *, region: str | None = None) -> dict[str, Any]:
        """DeleteEnvironment: go ``DELETING``; the environment is gone after the delay."""
        region = region or self.region
        with self._lock:
            env = self._find_in(name, region, _DELETABLE, "deleted")
            env.attrs["Status"] = "DELETING"
            key = (region, name)
            self._schedule(
                env, self.clock.time() + self.delete_seconds, lambda: self._envs.pop(key, None)
            )
            self._settle(env)
            return {}

    def tag_resource(self, arn: str, tags: Mapping[str, Any]) -> dict[str, Any]:
        """TagResource: add or overwrite tags on an environment."""
        checked = v.check_tags(tags)
        with self._lock:
            env = self._by_arn(arn)
            merged = {**env.attrs.get("Tags", {}), **checked}
            if len(merged) > v.TAGS_MAX:
                raise v.validation_error(f"An environment can have at most {v.TAGS_MAX} tags")
            env.attrs["Tags"] = merged
            return {}

    def untag_resource(self, arn: str, keys: Sequence[str]) -> dict[str, Any]:
        """UntagResource: remove tags by key (unknown keys are ignored, as in MWAA)."""
        with self._lock:
            env = self._by_arn(arn)
            tags = env.attrs.get("Tags", {})
            env.attrs["Tags"] = {k: t for k, t in tags.items() if k not in set(keys)}
            return {}

    def list_tags_for_resource(self, arn: str) -> dict[str, Any]:
        """ListTagsForResource: ``{"Tags": {...}}``."""
        with self._lock:
            return {"Tags": dict(self._by_arn(arn).attrs.get("Tags", {}))}

    # ---- conveniences for the agent and tests -----------------------------

    def seed_environment(
        self,
        name: str,
        airflow_version: str | None = None,
        *,
        ready: bool = True,
        region: str | None = None,
        **members: Any,
    ) -> dict[str, Any]:
        """Create an environment with working defaults for every required member.

        Goes through CreateEnvironment's validation; ``members`` are API
        members (``WeeklyMaintenanceWindowStart="SUN:03:00"``, ``Tags={...}``).
        With ``ready`` the environment is ``AVAILABLE`` at once instead of
        after the creation delay. Returns the environment as GetEnvironment does.
        """
        v.check_name(name)
        bucket = name.lower().replace("_", "-")
        body: dict[str, Any] = {
            "ExecutionRoleArn": f"arn:aws:iam::{self.account_id}:role/service-role/mwaa-{name}",
            "SourceBucketArn": f"arn:aws:s3:::airflow-{bucket}",
            "DagS3Path": "dags",
            "NetworkConfiguration": {
                "SubnetIds": ["subnet-local-a", "subnet-local-b"],
                "SecurityGroupIds": ["sg-local"],
            },
            **members,
        }
        if airflow_version is not None:
            body["AirflowVersion"] = airflow_version
        region = region or self.region
        with self._lock:
            self.create_environment(name, body, region=region)
            env = self._envs[(region, name)]
            if ready and env.attrs["Status"] == "CREATING":
                env.timeline.clear()
                env.attrs["Status"] = "AVAILABLE"
            return self.get_environment(name, region=region)["Environment"]

    def fail_next_update(
        self,
        environment: str | None = None,
        *,
        error_code: str = "INTERNAL_ERROR",
        message: str = "Injected update failure",
        final_status: str = "UPDATE_FAILED",
    ) -> None:
        """Make the next UpdateEnvironment (of ``environment``, or any) fail.

        The environment goes UPDATING → ROLLING_BACK → UPDATE_FAILED with its
        old configuration kept (``final_status="UNAVAILABLE"`` skips the
        rollback), and ``LastUpdate`` reports ``FAILED`` with the error.
        """
        v.check_enum(final_status, "finalStatus", ("UPDATE_FAILED", "UNAVAILABLE"))
        with self._lock:
            self._update_faults.append(
                InjectedFailure(error_code, message, final_status, environment)
            )

    def inject_update_fault(
        self, environment: str, kind: str, *, error_code: str = "", message: str = ""
    ) -> None:
        """The next UpdateEnvironment of ``environment`` ``rollback``s, ``fail``s or ``hang``s.

        ``rollback``: UPDATING → ROLLING_BACK → UPDATE_FAILED, old version kept;
        ``fail``: UPDATING → UNAVAILABLE; ``hang``: stays UPDATING.
        """
        v.check_enum(kind, "kind", tuple(FAULT_KINDS))
        with self._lock:
            self._update_faults.append(InjectedFailure(
                error_code or ("INTERNAL_ERROR" if kind != "rollback" else "UPGRADE_FAILED"),
                message or f"Injected {kind} of the update", FAULT_KINDS[kind], environment,
            ))

    def clear_update_faults(self, environment: str | None = None) -> int:
        """Forget injected update faults (of ``environment``, or all); returns how many."""
        with self._lock:
            keep = [f for f in self._update_faults if environment is not None and f.environment != environment]
            dropped = len(self._update_faults) - len(keep)
            self._update_faults[:] = keep
            return dropped

    def fail_next_create(
        self,
        environment: str | None = None,
        *,
        error_code: str = "INTERNAL_ERROR",
        message: str = "Injected creation failure",
    ) -> None:
        """Make the next CreateEnvironment (of ``environment``, or any) end in CREATE_FAILED."""
        with self._lock:
            self._create_faults.append(
                InjectedFailure(error_code, message, "CREATE_FAILED", environment)
            )

    def set_status(self, name: str, status: str, *, region: str | None = None) -> None:
        """Force an environment into ``status`` (``MAINTENANCE``, ``UNAVAILABLE`` ...)."""
        v.check_enum(status, "status", STATUSES)
        with self._lock:
            env = self._find(name, region or self.region)
            env.timeline.clear()
            env.attrs["Status"] = status

    def reset(self) -> None:
        """Forget every environment, injected failure and hook."""
        with self._lock:
            self._envs.clear()
            self._update_faults.clear()
            self._create_faults.clear()
            self.update_hook = None
            self.update_calls.clear()

    # ---- internals ----------------------------------------------------------

    def arn(self, name: str, region: str | None = None) -> str:
        """The ARN MWAA gives environment ``name``."""
        return f"arn:aws:airflow:{region or self.region}:{self.account_id}:environment/{name}"

    def _validated_create(self, name: str, body: Mapping[str, Any], region: str) -> dict[str, Any]:
        v.check_name(name)
        v.check_required(body, v.CREATE_REQUIRED)
        offered = self.offered_versions()
        version = body.get("AirflowVersion")
        attrs: dict[str, Any] = {
            "Name": name,
            "Arn": self.arn(name, region),
            "Status": "CREATING",
            "CreatedAt": self.clock.time(),
            "AirflowVersion": v.check_version(version, offered) if version else latest(offered),
            "ExecutionRoleArn": v.check_pattern(
                body["ExecutionRoleArn"], "executionRoleArn", v.ROLE_ARN_PATTERN
            ),
            "ServiceRoleArn": (
                f"arn:aws:iam::{self.account_id}:role/aws-service-role/"
                "airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"
            ),
            "SourceBucketArn": v.check_pattern(
                body["SourceBucketArn"], "sourceBucketArn", v.BUCKET_ARN_PATTERN
            ),
            "NetworkConfiguration": v.check_network(body["NetworkConfiguration"], update=False),
            "WebserverUrl": (
                f"{uuid.uuid5(uuid.NAMESPACE_URL, self.arn(name, region))}"
                f".c2.{region}.airflow.amazonaws.com"
            ),
            "CeleryExecutorQueue": (
                f"arn:aws:sqs:{region}:{self.account_id}:airflow-celery-"
                f"{uuid.uuid5(uuid.NAMESPACE_DNS, name).hex[:12]}"
            ),
            **copy.deepcopy(_CREATE_DEFAULTS),
        }
        attrs.update(self._checked_members(body))
        attrs["LoggingConfiguration"] = self._logging(
            name, region, v.check_logging(body.get("LoggingConfiguration", {}))
        )
        if "Tags" in body:
            attrs["Tags"] = v.check_tags(body["Tags"])
        if "EndpointManagement" in body:
            attrs["EndpointManagement"] = v.check_enum(
                body["EndpointManagement"], "endpointManagement", v.ENDPOINT_MANAGEMENT
            )
        v.check_workers(attrs["MinWorkers"], attrs["MaxWorkers"])
        return attrs

    def _validated_update(self, env: _Env, body: Mapping[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if body.get("AirflowVersion") is not None:
            changes["AirflowVersion"] = v.check_version(
                body["AirflowVersion"], self.offered_versions()
            )
        for member, pattern, label in (
            ("ExecutionRoleArn", v.ROLE_ARN_PATTERN, "executionRoleArn"),
            ("SourceBucketArn", v.BUCKET_ARN_PATTERN, "sourceBucketArn"),
        ):
            if body.get(member) is not None:
                changes[member] = v.check_pattern(body[member], label, pattern)
        if body.get("NetworkConfiguration") is not None:
            groups = v.check_network(body["NetworkConfiguration"], update=True)
            changes["NetworkConfiguration"] = {**env.attrs["NetworkConfiguration"], **groups}
        if body.get("LoggingConfiguration") is not None:
            current = {
                module: {"Enabled": conf["Enabled"], "LogLevel": conf["LogLevel"]}
                for module, conf in env.attrs["LoggingConfiguration"].items()
            }
            current.update(v.check_logging(body["LoggingConfiguration"]))
            changes["LoggingConfiguration"] = self._logging(env.attrs["Name"], env.region, current)
        if "WorkerReplacementStrategy" in body:
            v.check_enum(
                body["WorkerReplacementStrategy"], "workerReplacementStrategy", v.WORKER_REPLACEMENT
            )
        changes.update(self._checked_members(body))
        v.check_workers(
            changes.get("MinWorkers", env.attrs["MinWorkers"]),
            changes.get("MaxWorkers", env.attrs["MaxWorkers"]),
        )
        return changes

    def _version_move(self, env: _Env, changes: Mapping[str, Any]) -> bool:
        """Whether the update changes the Airflow version; refused when MWAA's in-place rules forbid it."""
        target = changes.get("AirflowVersion")
        if target is None or target == env.attrs["AirflowVersion"]:
            return False
        if self.enforce_upgrade_rules:
            from packaging.version import Version

            from mwaa_ops.versions.paths import in_place_refusal
            from mwaa_ops.versions.rules import load_upgrade_rules

            refusal = in_place_refusal(
                Version(env.attrs["AirflowVersion"]), Version(target),
                [Version(o) for o in self.offered_versions()], load_upgrade_rules(),
            )
            if refusal:
                raise v.validation_error(
                    f"Cannot update environment {env.attrs['Name']} from Airflow "
                    f"{env.attrs['AirflowVersion']} to {target} in place: {refusal}"
                )
        return True

    def _checked_members(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Optional members shared by create and update, validated."""
        out: dict[str, Any] = {}
        if body.get("WeeklyMaintenanceWindowStart") is not None:
            out["WeeklyMaintenanceWindowStart"] = v.check_window(
                body["WeeklyMaintenanceWindowStart"]
            )
        if body.get("EnvironmentClass") is not None:
            out["EnvironmentClass"] = v.check_enum(
                body["EnvironmentClass"], "environmentClass", v.ENVIRONMENT_CLASSES
            )
        for member in ("MaxWorkers", "MinWorkers", "MinWebservers", "MaxWebservers"):
            if body.get(member) is not None:
                out[member] = v.check_int(body[member], member[0].lower() + member[1:], 1)
        if body.get("Schedulers") is not None:
            out["Schedulers"] = v.check_int(
                body["Schedulers"], "schedulers", v.SCHEDULERS_MIN, v.SCHEDULERS_MAX
            )
        if body.get("WebserverAccessMode") is not None:
            out["WebserverAccessMode"] = v.check_enum(
                body["WebserverAccessMode"], "webserverAccessMode", v.WEBSERVER_ACCESS_MODES
            )
        if body.get("AirflowConfigurationOptions") is not None:
            out["AirflowConfigurationOptions"] = v.check_airflow_options(
                body["AirflowConfigurationOptions"]
            )
        for member in _PLAIN_MEMBERS:
            if body.get(member) is not None:
                if member == "KmsKey":
                    if not isinstance(body[member], str):
                        raise v.validation_error(f"{member} must be a string")
                    out[member] = body[member]
                else:
                    out[member] = v.check_s3_member(body[member], member)
        return out

    def _logging(
        self, name: str, region: str, modules: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for module in v.LOG_MODULES:
            conf = modules.get(module, {"Enabled": False, "LogLevel": "INFO"})
            entry: dict[str, Any] = {"Enabled": conf["Enabled"], "LogLevel": conf["LogLevel"]}
            if conf["Enabled"]:
                entry["CloudWatchLogGroupArn"] = (
                    f"arn:aws:logs:{region}:{self.account_id}:log-group:"
                    f"airflow-{name}-{_LOG_GROUP_SUFFIX[module]}"
                )
            out[module] = entry
        return out

    def _find(self, name: str, region: str) -> _Env:
        env = self._envs.get((region, name))
        if env is not None:
            self._settle(env)
            env = self._envs.get((region, name))
        if env is None:
            raise v.not_found(f"Environment named {name} does not exist")
        return env

    def _find_in(self, name: str, region: str, allowed_statuses: frozenset[str], verb: str) -> _Env:
        """Environment ``name``, which must be in one of ``allowed_statuses`` to be ``verb``."""
        v.check_name(name)
        env = self._find(name, region)
        status = env.attrs["Status"]
        if status not in allowed_statuses:
            raise v.validation_error(
                f"Environment {name} is in status {status} and cannot be {verb}"
            )
        return env

    def _by_arn(self, arn: str) -> _Env:
        v.check_pattern(arn, "resourceArn", v.ENV_ARN_PATTERN)
        parts = arn.split(":", 5)
        region, account, resource = parts[3], parts[4], parts[5]
        name = resource.split("/", 1)[1]
        if account != self.account_id:
            raise v.not_found(f"Resource {arn} does not exist")
        try:
            return self._find(name, region)
        except FatalAwsError:
            raise v.not_found(f"Resource {arn} does not exist") from None

    def _take(self, faults: list[InjectedFailure], name: str) -> InjectedFailure | None:
        for i, fault in enumerate(faults):
            if fault.environment in (None, name):
                return faults.pop(i)
        return None

    def _schedule(self, env: _Env, due: float, action: Callable[[], object]) -> None:
        env.timeline.append((due, action))

    def _settle(self, env: _Env) -> None:
        now = self.clock.time()
        while env.timeline and env.timeline[0][0] <= now:
            _, action = env.timeline.pop(0)
            action()

    def _settle_all(self) -> None:
        for env in list(self._envs.values()):
            self._settle(env)

    def _set(self, env: _Env, status: str) -> None:
        env.attrs["Status"] = status

    def _apply(self, env: _Env, changes: Mapping[str, Any]) -> None:
        env.attrs.update(changes)
        env.attrs["Status"] = "AVAILABLE"
        env.attrs.setdefault("LastUpdate", {})["Status"] = "SUCCESS"

    def _fail(self, env: _Env, fault: InjectedFailure) -> None:
        env.attrs["Status"] = fault.final_status
        env.attrs["LastUpdate"] = {
            **env.attrs.get("LastUpdate", {"CreatedAt": self.clock.time()}),
            "Status": "FAILED",
            "Error": {"ErrorCode": fault.error_code, "ErrorMessage": fault.message},
        }

    def _public(self, env: _Env) -> dict[str, Any]:
        out = copy.deepcopy(env.attrs)
        out["CreatedAt"] = _epoch(out["CreatedAt"])
        if "LastUpdate" in out:
            out["LastUpdate"]["CreatedAt"] = _epoch(out["LastUpdate"]["CreatedAt"])
        return out


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise v.validation_error(f"Invalid NextToken: {token}") from exc
