"""mwaa-ops: an observability and operations sidecar for Apache Airflow and Amazon MWAA."""

from __future__ import annotations

from mwaa_ops.errors import ConfigError, MwaaOpsError

__version__ = "0.1.0"
__all__ = ["ConfigError", "MwaaOpsError", "__version__"]
