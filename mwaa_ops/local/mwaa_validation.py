"""Request validation the way the MWAA API does it, for the emulator.

botocore checks only required members, types and minimum lengths on the
client side; patterns, maximums and cross-field rules are the service's job,
so the emulator checks them here and answers ``ValidationException`` (HTTP
400) with a message in the service's style. Limits come from the MWAA API
reference and its service model (botocore ``mwaa/2020-07-01/service-2.json``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mwaa_ops.errors import FatalAwsError

VALIDATION = "ValidationException"
NOT_FOUND = "ResourceNotFoundException"

# Patterns and limits from the MWAA service model (shapes named in comments).
NAME_PATTERN = re.compile(r"[a-zA-Z][0-9a-zA-Z\-_]*")  # EnvironmentName
NAME_MAX = 80  # EnvironmentName max
WINDOW_PATTERN = re.compile(r"(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)")  # user guide
ROLE_ARN_PATTERN = re.compile(r"arn:aws(-[a-z]+)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
BUCKET_ARN_PATTERN = re.compile(r"arn:aws(-[a-z]+)?:s3:::[a-z0-9.\-]+")
ENV_ARN_PATTERN = re.compile(r"arn:aws(-[a-z]+)?:airflow:[a-z0-9\-]+:\d{12}:environment/\w+.*")
VERSION_PATTERN = re.compile(r"[0-9a-z.]+")  # AirflowVersion
CONFIG_KEY_PATTERN = re.compile(r"[a-z]+([a-z0-9._]*[a-z0-9_]+)?")  # ConfigKey, max 64
CONFIG_KEY_MAX = 64
CONFIG_VALUE_PATTERN = re.compile(r"[ -~]+")  # ConfigValue, max 65536
CONFIG_VALUE_MAX = 65536
SUBNET_PATTERN = re.compile(r"subnet-[a-zA-Z0-9\-._]+")
SECURITY_GROUP_PATTERN = re.compile(r"sg-[a-zA-Z0-9\-._]+")
SUBNETS_EXACT = 2  # SubnetList: min 2, max 2
SECURITY_GROUPS_MAX = 5  # SecurityGroupList: min 1, max 5
TAGS_MAX = 50  # TagMap max
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
SCHEDULERS_MIN, SCHEDULERS_MAX = 1, 5  # Schedulers max 5; mw1.micro runs 1
LIST_MAX_RESULTS = 25  # ListEnvironmentsInputMaxResultsInteger: 1..25
S3_MEMBER_MAX = 1024  # RelativePath and S3ObjectVersion: max 1024
# Environment classes MWAA offers (user guide, "Amazon MWAA environment class").
ENVIRONMENT_CLASSES = (
    "mw1.micro",
    "mw1.small",
    "mw1.medium",
    "mw1.large",
    "mw1.xlarge",
    "mw1.2xlarge",
)
WEBSERVER_ACCESS_MODES = ("PRIVATE_ONLY", "PUBLIC_ONLY", "PUBLIC_AND_PRIVATE")
ENDPOINT_MANAGEMENT = ("CUSTOMER", "SERVICE")
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
LOG_MODULES = ("DagProcessingLogs", "SchedulerLogs", "WebserverLogs", "WorkerLogs", "TaskLogs")
WORKER_REPLACEMENT = ("FORCED", "GRACEFUL")
CREATE_REQUIRED = ("ExecutionRoleArn", "SourceBucketArn", "DagS3Path", "NetworkConfiguration")


def validation_error(message: str) -> FatalAwsError:
    """The error MWAA answers with for a malformed request (HTTP 400)."""
    return FatalAwsError(message, code=VALIDATION, status=400)


def not_found(message: str) -> FatalAwsError:
    """The error MWAA answers with for an unknown environment or ARN (HTTP 404)."""
    return FatalAwsError(message, code=NOT_FOUND, status=404)


def _constraint(value: Any, member: str, constraint: str) -> FatalAwsError:
    return validation_error(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}"
    )


def check_pattern(value: Any, member: str, pattern: re.Pattern[str], max_len: int = 1224) -> str:
    """``value`` as a string that fully matches ``pattern`` and is at most ``max_len`` long."""
    if not isinstance(value, str) or not value:
        raise _constraint(value, member, "Member must have length greater than or equal to 1")
    if len(value) > max_len:
        raise _constraint(value, member, f"Member must have length less than or equal to {max_len}")
    if not pattern.fullmatch(value):
        raise _constraint(
            value, member, f"Member must satisfy regular expression pattern: {pattern.pattern}"
        )
    return value


def check_name(name: Any) -> str:
    """An environment name as MWAA accepts it."""
    return check_pattern(name, "name", NAME_PATTERN, NAME_MAX)


def check_window(value: Any) -> str:
    """A ``WeeklyMaintenanceWindowStart`` (``DAY:HH:MM`` in UTC, 30-minute steps)."""
    return check_pattern(value, "weeklyMaintenanceWindowStart", WINDOW_PATTERN, 9)


def check_enum(value: Any, member: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``."""
    if value not in allowed:
        raise _constraint(
            value, member, f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return str(value)


def check_int(value: Any, member: str, low: int, high: int | None = None) -> int:
    """An integer in ``[low, high]``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise _constraint(value, member, "Member must be an integer")
    if value < low:
        raise _constraint(value, member, f"Member must have value greater than or equal to {low}")
    if high is not None and value > high:
        raise _constraint(value, member, f"Member must have value less than or equal to {high}")
    return value


def check_version(value: Any, offered: Sequence[str]) -> str:
    """An Airflow version that MWAA offers now."""
    check_pattern(value, "airflowVersion", VERSION_PATTERN, 32)
    if value not in offered:
        raise validation_error(
            f"Invalid Airflow version {value!r}: MWAA supports "
            f"{', '.join(offered) if offered else 'no version at this date'}"
        )
    return str(value)


def check_network(value: Any, *, update: bool) -> dict[str, list[str]]:
    """A ``NetworkConfiguration``; an update may change only the security groups."""
    if not isinstance(value, Mapping):
        raise _constraint(value, "networkConfiguration", "Member must be a structure")
    groups = value.get("SecurityGroupIds")
    subnets = value.get("SubnetIds")
    result: dict[str, list[str]] = {}
    if update and subnets is not None:
        raise validation_error("Subnets of an existing environment cannot be changed")
    if not update:
        if not isinstance(subnets, list) or len(subnets) != SUBNETS_EXACT:
            raise _constraint(
                subnets,
                "networkConfiguration.subnetIds",
                f"Member must have length of exactly {SUBNETS_EXACT}",
            )
        result["SubnetIds"] = [
            check_pattern(s, "networkConfiguration.subnetIds.member", SUBNET_PATTERN)
            for s in subnets
        ]
    if groups is None and update:
        raise validation_error("NetworkConfiguration.SecurityGroupIds is required")
    if groups is not None:
        if not isinstance(groups, list) or not 1 <= len(groups) <= SECURITY_GROUPS_MAX:
            raise _constraint(
                groups,
                "networkConfiguration.securityGroupIds",
                f"Member must have length between 1 and {SECURITY_GROUPS_MAX}",
            )
        result["SecurityGroupIds"] = [
            check_pattern(g, "networkConfiguration.securityGroupIds.member", SECURITY_GROUP_PATTERN)
            for g in groups
        ]
    return result


def check_logging(value: Any) -> dict[str, dict[str, Any]]:
    """A ``LoggingConfigurationInput``: each module needs ``Enabled`` and ``LogLevel``."""
    if not isinstance(value, Mapping):
        raise _constraint(value, "loggingConfiguration", "Member must be a structure")
    result: dict[str, dict[str, Any]] = {}
    for module, conf in value.items():
        check_enum(module, "loggingConfiguration", LOG_MODULES)
        if not isinstance(conf, Mapping) or "Enabled" not in conf or "LogLevel" not in conf:
            raise validation_error(f"LoggingConfiguration.{module} needs Enabled and LogLevel")
        level = check_enum(conf["LogLevel"], f"loggingConfiguration.{module}.logLevel", LOG_LEVELS)
        result[module] = {"Enabled": bool(conf["Enabled"]), "LogLevel": level}
    return result


def check_airflow_options(value: Any) -> dict[str, str]:
    """``AirflowConfigurationOptions``: ``section.key`` in lower case, printable values."""
    if not isinstance(value, Mapping):
        raise _constraint(value, "airflowConfigurationOptions", "Member must be a map")
    for key, option in value.items():
        check_pattern(key, "airflowConfigurationOptions.key", CONFIG_KEY_PATTERN, CONFIG_KEY_MAX)
        check_pattern(
            option, "airflowConfigurationOptions.value", CONFIG_VALUE_PATTERN, CONFIG_VALUE_MAX
        )
    return dict(value)


def check_s3_member(value: Any, member: str) -> str:
    """An S3 key (``DagS3Path``, ``RequirementsS3Path`` ...) or object version: a string,
    at most :data:`S3_MEMBER_MAX` characters (``RelativePath``, ``S3ObjectVersion``)."""
    label = member[0].lower() + member[1:]
    if not isinstance(value, str):
        raise _constraint(value, label, "Member must be a string")
    if len(value) > S3_MEMBER_MAX:
        raise _constraint(
            value, label, f"Member must have length less than or equal to {S3_MEMBER_MAX}"
        )
    return value


def check_tags(value: Any) -> dict[str, str]:
    """A ``TagMap``: 1-50 tags, keys up to 128 and values up to 256 characters."""
    if not isinstance(value, Mapping) or not 1 <= len(value) <= TAGS_MAX:
        raise _constraint(value, "tags", f"Member must have length between 1 and {TAGS_MAX}")
    for key, tag in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            raise _constraint(
                key, "tags.key", f"Member must have length between 1 and {TAG_KEY_MAX}"
            )
        if not isinstance(tag, str) or len(tag) > TAG_VALUE_MAX:
            raise _constraint(
                tag, "tags.value", f"Member must have length less than or equal to {TAG_VALUE_MAX}"
            )
    return dict(value)


def check_workers(min_workers: int, max_workers: int) -> None:
    """MinWorkers may not exceed MaxWorkers."""
    if min_workers > max_workers:
        raise validation_error(
            f"MinWorkers ({min_workers}) must be less than or equal to MaxWorkers ({max_workers})"
        )


def check_required(body: Mapping[str, Any], members: Sequence[str]) -> None:
    """Every member in ``members`` is present."""
    missing = [m for m in members if body.get(m) is None]
    if missing:
        raise validation_error(f"Missing required parameter(s): {', '.join(missing)}")
