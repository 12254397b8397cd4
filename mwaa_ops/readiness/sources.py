"""The environment's files, read from S3 the way MWAA reads them.

MWAA takes ``requirements.txt``, ``plugins.zip`` and the startup script from
the environment's bucket (``SourceBucketArn``) at the key and *object
version* that ``GetEnvironment`` names (``RequirementsS3Path`` +
``RequirementsS3ObjectVersion`` ...), and the DAGs from every object under
``DagS3Path``. Reading the same object version matters: a newer upload
does not take effect until the environment is updated with its version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error
from mwaa_ops.errors import MwaaOpsError

# DAG files larger than this are not downloaded for the scan (MWAA has no such
# limit; this bounds what one readiness run pulls from S3).
DAG_FILE_MAX_BYTES = 5 * 1024 * 1024
DAG_FILES_MAX = 5000


class SourceUnavailable(MwaaOpsError):
    """A file the environment names could not be read (missing key, version, access)."""


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    key: str
    version: str | None = None

    def describe(self) -> str:
        tail = f" (version {self.version})" if self.version else " (latest version)"
        return f"s3://{self.bucket}/{self.key}{tail}"


def bucket_of(environment: dict[str, Any]) -> str:
    """The bucket name from ``SourceBucketArn`` (``arn:aws:s3:::NAME``)."""
    arn = str(environment.get("SourceBucketArn") or "")
    return arn.rsplit(":", 1)[-1] if arn else ""


def location(environment: dict[str, Any], kind: str) -> S3Location | None:
    """Where MWAA reads ``kind`` (``Requirements``, ``Plugins``, ``StartupScript``); None if unset."""
    key = environment.get(f"{kind}S3Path")
    bucket = bucket_of(environment)
    if not key or not bucket:
        return None
    return S3Location(bucket, str(key), environment.get(f"{kind}S3ObjectVersion") or None)


def read_object(s3: Any, where: S3Location) -> bytes:
    """The object's bytes at its named version; :class:`SourceUnavailable` otherwise."""
    kwargs: dict[str, Any] = {"Bucket": where.bucket, "Key": where.key}
    if where.version:
        kwargs["VersionId"] = where.version
    try:
        body: bytes = s3.get_object(**kwargs)["Body"].read()
        return body
    except (ClientError, BotoCoreError) as exc:
        error = aws_error(exc, f"S3 GetObject {where.describe()}")
        raise SourceUnavailable(str(error)) from None


def download_dags(s3: Any, environment: dict[str, Any], into: Path) -> list[Path]:
    """Every ``.py`` object under ``DagS3Path`` into ``into`` (keys kept as relative paths)."""
    bucket = bucket_of(environment)
    prefix = str(environment.get("DagS3Path") or "").strip("/")
    if not bucket or not prefix:
        raise SourceUnavailable("the environment names no SourceBucketArn/DagS3Path")
    files: list[Path] = []
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"]
                if not key.endswith(".py") or item.get("Size", 0) > DAG_FILE_MAX_BYTES:
                    continue
                relative = PurePosixPath(key).relative_to(prefix)
                if ".." in relative.parts:
                    continue
                target = into / Path(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
                files.append(target)
                if len(files) >= DAG_FILES_MAX:
                    return files
    except (ClientError, BotoCoreError) as exc:
        raise SourceUnavailable(str(aws_error(exc, f"S3 listing s3://{bucket}/{prefix}/"))) from None
    return files
