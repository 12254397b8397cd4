"""The agent's ``weekly_report`` job: build the report in a child process, store it, announce it.

The child (``python -m mwaa_ops.reports.generate``) imports pandas and
matplotlib and exits, so the sidecar's steady memory never carries them.
The job then uploads ``report.{html,md,json}`` to
``s3://<report.bucket>/<report.prefix>/<YYYY-MM-DD>/`` (the report's as-of
date, from the injected clock) and publishes a short summary with a
presigned link to the HTML to ``report.sns_topic_arn``. Without a bucket the
report stays under ``<state_dir>/reports/<date>/``; without a topic nothing
is published. The schedule (Monday 08:00 UTC, one make-up run after
downtime) is the scheduler's: see :mod:`mwaa_ops.reports.schedule`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error
from mwaa_ops.clock import utc_now
from mwaa_ops.errors import MwaaOpsError

RESULT_PREFIX = "MWAA_OPS_REPORT "  # the child's answer line (mwaa_ops.reports.generate)
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "markdown": "text/markdown; charset=utf-8",
                 "json": "application/json"}
SNS_SUBJECT_MAX = 100  # SNS Publish: Subject at most 100 characters


class ReportError(MwaaOpsError):
    """The report could not be built or stored."""


def build_in_child(config: Any, time: float, out_dir: Path) -> dict[str, Any]:
    """Run the child process; its answer (paths, summary) or :class:`ReportError`."""
    request = {
        "config": config.model_dump(mode="json"),
        "time": time,
        "out_dir": str(out_dir),
        "environments": list(config.report.environments),
        "readiness": config.report.readiness,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mwaa_ops.reports.generate"], input=json.dumps(request),
            capture_output=True, text=True, timeout=config.report.build_timeout_seconds, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReportError(f"the report build did not finish within {config.report.build_timeout_seconds:g} s "
                          "(report.build_timeout_seconds)") from None
    line = next((x for x in done.stdout.splitlines() if x.startswith(RESULT_PREFIX)), None)
    if done.returncode != 0 or line is None:
        tail = done.stderr.strip().splitlines()[-3:]
        raise ReportError(f"the report build exited {done.returncode}: {' | '.join(tail)}")
    answer: dict[str, Any] = json.loads(line[len(RESULT_PREFIX):])
    return answer


def report_key(prefix: str, day: str, name: str) -> str:
    return "/".join(p for p in (prefix.strip("/"), day, name) if p)


def store_and_announce(make_client: Any, config: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """Upload the three files and publish the summary; what was done, for the job log."""
    settings = config.report
    day = answer["as_of"]
    done: dict[str, Any] = {"as_of": day, "environments": answer["environments"]}
    link = ""
    if settings.bucket:
        s3 = make_client("s3")
        try:
            for kind, path in answer["paths"].items():
                key = report_key(settings.prefix, day, Path(path).name)
                s3.upload_file(path, settings.bucket, key, ExtraArgs={"ContentType": CONTENT_TYPES[kind]})
            html_key = report_key(settings.prefix, day, "report.html")
            link = s3.generate_presigned_url("get_object", Params={"Bucket": settings.bucket, "Key": html_key},
                                             ExpiresIn=settings.link_expires_seconds)
        except (ClientError, BotoCoreError) as exc:
            raise aws_error(exc, f"S3 upload to s3://{settings.bucket}/{settings.prefix}") from None
        done["s3"] = f"s3://{settings.bucket}/{html_key}"
    else:
        link = answer["paths"]["html"]
    done["link"] = link
    if settings.sns_topic_arn:
        message = "\n".join([*answer["summary"], f"Report: {link}"])
        subject = f"mwaa-ops weekly upgrade readiness report {day}"[:SNS_SUBJECT_MAX]
        try:
            make_client("sns").publish(TopicArn=settings.sns_topic_arn, Subject=subject, Message=message)
        except (ClientError, BotoCoreError) as exc:
            raise aws_error(exc, "SNS Publish (report summary)") from None
        done["published"] = settings.sns_topic_arn
    return done


def weekly_report_job(context: Any) -> dict[str, Any]:
    """The scheduler job (see :data:`mwaa_ops.agent.scheduler.JOBS`)."""
    config = context.config
    now = utc_now(context.clock)
    out_dir = Path(config.state_dir) / "reports" / now.date().isoformat()
    answer = build_in_child(config, context.clock.time(), out_dir)
    return store_and_announce(context.make_client, config, answer)
