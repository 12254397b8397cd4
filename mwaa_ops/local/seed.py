"""Seed the local environment's bucket the way a team sets up an MWAA environment.

``mwaa-ops up`` uploads the small ``requirements.txt``, ``plugins.zip`` (zipped
from ``plugins/``) and DAG folder shipped in ``mwaa_ops/data/local-environment/``
to a versioned bucket, and creates the environment pointing at them with
their object versions, so ``readiness`` and ``report`` read real files.
"""

from __future__ import annotations

import io
import zipfile
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

SEED_PACKAGE = "mwaa_ops.data"
SEED_FOLDER = "local-environment"


def _files(folder: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name.startswith((".", "__pycache__")):
            continue
        if item.is_dir():
            out += _files(item, f"{prefix}{item.name}/")
        else:
            out.append((f"{prefix}{item.name}", item.read_bytes()))
    return out


def plugins_zip(folder: Traversable) -> bytes:
    """The plugin files zipped at the archive's root, as MWAA expects them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _files(folder):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
    return buffer.getvalue()


def seed_environment_files(s3: Any, environment: str) -> dict[str, Any]:
    """Upload the seed files; return the CreateEnvironment members that point at them."""
    root = resources.files(SEED_PACKAGE).joinpath(SEED_FOLDER)
    bucket = f"airflow-{environment.lower().replace('_', '-')}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for name, data in _files(root.joinpath("dags")):
        s3.put_object(Bucket=bucket, Key=f"dags/{name}", Body=data)
    requirements = s3.put_object(
        Bucket=bucket, Key="requirements.txt", Body=root.joinpath("requirements.txt").read_bytes()
    )
    plugins = s3.put_object(Bucket=bucket, Key="plugins.zip", Body=plugins_zip(root.joinpath("plugins")))
    return {
        "SourceBucketArn": f"arn:aws:s3:::{bucket}",
        "DagS3Path": "dags",
        "RequirementsS3Path": "requirements.txt",
        "RequirementsS3ObjectVersion": requirements["VersionId"],
        "PluginsS3Path": "plugins.zip",
        "PluginsS3ObjectVersion": plugins["VersionId"],
    }
