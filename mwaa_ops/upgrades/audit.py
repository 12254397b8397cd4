"""The upgrade audit trail: every decision and call, as JSON lines, locally and in S3.

Each record is one JSON object: ``at`` (ISO UTC, the driver's clock), ``run_id``,
``environment``, ``actor`` (who: user@host:pid or the agent), ``event`` (what),
``reason`` (why) and event-specific fields. Records are appended to
``<state_dir>/upgrades/audit.jsonl`` (flushed and fsynced: the local copy
survives a kill) and the run's records are written to
``s3://<upgrades.audit_bucket or report.bucket>/<upgrades.audit_prefix>/<env>/<run_id>.jsonl``
after each record (S3 has no append; a run has tens of records).

At the start and end of a run the trail also publishes the CloudWatch
metric ``UpgradeRun`` (namespace ``<namespace>``, dimensions ``Environment``
and ``Outcome``: started, succeeded, failed, stopped) and an SNS notification
to ``upgrades.notify_topic``; a failure also goes to ``upgrades.page_topic``
with MWAA's ``LastUpdate.Error``. The learned step durations
(:func:`past_durations`) are read back from the local file.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mwaa_ops.clock import Clock, utc_now
from mwaa_ops.logs import event

log = logging.getLogger(__name__)

AUDIT_FILE = "audit.jsonl"
METRIC_NAME = "UpgradeRun"


def default_actor() -> str:
    """``user@host:pid``: who is acting, for the trail."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


def audit_path(state_dir: Path) -> Path:
    return Path(state_dir) / "upgrades" / AUDIT_FILE


def read_records(state_dir: Path, environment: str | None = None) -> list[dict[str, Any]]:
    """Every record of the local trail (of ``environment``), oldest first; damaged lines skipped."""
    path = audit_path(state_dir)
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if environment is None or record.get("environment") == environment:
            out.append(record)
    return out


def past_durations(state_dir: Path, environment: str) -> list[float]:
    """Seconds from ``update_sent`` to the end of each completed step of ``environment``, oldest first."""
    return [float(r["duration_seconds"]) for r in read_records(state_dir, environment)
            if r.get("event") == "step_finished" and r.get("duration_seconds") is not None]


class AuditTrail:
    """Writes one run's records; ``make_client(service)`` gives the S3, CloudWatch and SNS clients."""

    def __init__(self, *, state_dir: Path, environment: str, run_id: str, clock: Clock, config: Any,
                 make_client: Callable[[str], Any] | None, actor: str | None = None,
                 echo: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.environment = environment
        self.run_id = run_id
        self.actor = actor or default_actor()
        self._clock = clock
        self._config = config
        self._make_client = make_client
        self._path = audit_path(state_dir)
        self._records: list[dict[str, Any]] = []
        self._echo = echo
        self._topics: dict[str, str] = {}
        self.problems: list[str] = []  # S3/SNS/CloudWatch failures: logged, never fatal to the run

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self._records)

    def record(self, what: str, reason: str = "", **fields: Any) -> dict[str, Any]:
        """Append one record (local file first, then S3)."""
        item = {"at": utc_now(self._clock).isoformat(), "run_id": self.run_id,
                "environment": self.environment, "actor": self.actor, "event": what, "reason": reason,
                **fields}
        self._records.append(item)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(item, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if self._echo:
            self._echo(item)
        self._to_s3()
        return item

    def announce(self, outcome: str, subject: str, message: str, *, page: bool = False) -> None:
        """The start/end metric and notification (``page`` also notifies on-call)."""
        if self._make_client is None:
            return
        upgrades = self._config.upgrades
        self._guard("CloudWatch PutMetricData", lambda: self._make_client("cloudwatch").put_metric_data(  # type: ignore[misc]
            Namespace=self._config.namespace,
            MetricData=[{"MetricName": METRIC_NAME, "Value": 1.0, "Unit": "Count",
                         "Timestamp": utc_now(self._clock),
                         "Dimensions": [{"Name": "Environment", "Value": self.environment},
                                        {"Name": "Outcome", "Value": outcome}]}]))
        topics = [upgrades.notify_topic] + ([upgrades.page_topic] if page else [])
        for topic in dict.fromkeys(topics):
            self._guard(f"SNS Publish {topic}", lambda t=topic: self._publish(t, subject, message))  # type: ignore[misc]
        self.record("notified", subject, outcome=outcome, topics=topics, message=message)

    def _publish(self, topic: str, subject: str, message: str) -> None:
        sns = self._make_client("sns")  # type: ignore[misc]
        if topic not in self._topics:
            self._topics[topic] = sns.create_topic(Name=topic)["TopicArn"]  # idempotent
        sns.publish(TopicArn=self._topics[topic], Subject=subject[:100], Message=message)

    def _to_s3(self) -> None:
        upgrades = self._config.upgrades
        bucket = upgrades.audit_bucket or self._config.report.bucket
        if self._make_client is None or not bucket:
            return
        key = f"{upgrades.audit_prefix.strip('/')}/{self.environment}/{self.run_id}.jsonl".lstrip("/")
        body = "".join(json.dumps(r, default=str) + "\n" for r in self._records).encode()

        def put() -> None:
            s3 = self._make_client("s3")  # type: ignore[misc]
            try:
                s3.put_object(Bucket=bucket, Key=key, Body=body)
            except Exception as exc:
                if "NoSuchBucket" not in str(exc):
                    raise
                s3.create_bucket(Bucket=bucket)  # the embedded endpoint; on AWS the IaC makes it
                s3.put_object(Bucket=bucket, Key=key, Body=body)

        self._guard("S3 PutObject (audit)", put)

    def _guard(self, what: str, call: Callable[[], Any]) -> None:
        try:
            call()
        except Exception as exc:  # the trail's remote copies never stop a run; the local file has it all
            message = f"{what} failed: {type(exc).__name__}: {exc}"
            self.problems.append(message)
            event(log, logging.WARNING, "upgrade_audit_remote_failed", what=what, error=str(exc))
