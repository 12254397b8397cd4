"""What ``mwaa-ops doctor`` looks at: the agent's health endpoint and AWS, observed once.

Everything here does I/O and returns plain data (:class:`Observations`); the
judging is pure (:func:`mwaa_ops.deploy.doctor.diagnose`), so every verdict is
tested on hand-written observations as well as on real set-ups.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from mwaa_ops.aws import classify, endpoint_for, make_client
from mwaa_ops.clock import Clock
from mwaa_ops.config import Config

# One attempt, short timeouts: a doctor must answer quickly even when AWS does not.
AWS_TIMEOUT_SECONDS = 5.0
HTTP_TIMEOUT_SECONDS = 3.0


@dataclass
class AwsAnswer:
    """One AWS call: its result or the failure (code, HTTP status 0 = no answer)."""

    ok: bool
    result: Any = None
    code: str = ""
    status: int = 0
    message: str = ""
    server_time: float | None = None   # the answer's Date header, epoch seconds
    local_time: float | None = None    # our clock when the answer arrived


@dataclass
class Observations:
    health_url: str
    endpoint: str                          # "" = AWS itself
    health: dict[str, Any] | None = None   # first /healthz answer (any status)
    health_later: dict[str, Any] | None = None
    health_error: str = ""
    prometheus: dict[str, float] = field(default_factory=dict)
    prometheus_later: dict[str, float] = field(default_factory=dict)
    sample_seconds: float = 0.0
    identity: AwsAnswer | None = None      # sts GetCallerIdentity
    published: AwsAnswer | None = None     # cloudwatch ListMetrics in namespace + Environment


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:  # /healthz answers 503 when not ready: still a report
        return int(exc.code), exc.read()


def read_health(url: str) -> dict[str, Any]:
    status, body = _get(url)
    data: dict[str, Any] = json.loads(body)
    data.setdefault("_http_status", status)
    return data


def read_prometheus(url: str) -> dict[str, float]:
    """``name{labels}`` → value, from the agent's ``/metrics``."""
    _, body = _get(url)
    out: dict[str, float] = {}
    for line in body.decode("utf-8", "replace").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                continue
    return out


def _call(clock: Clock, fn: Callable[[], Any]) -> AwsAnswer:
    try:
        result = fn()
    except Exception as exc:  # every failure is an observation, judged later
        failure = classify(exc)
        answer = AwsAnswer(False, code=failure.code, status=failure.status, message=failure.message)
        response = getattr(exc, "response", None)
        if isinstance(response, dict):
            answer.server_time = _date(response)
            answer.local_time = clock.time()
        return answer
    return AwsAnswer(True, result=result, server_time=_date(result), local_time=clock.time())


def _date(response: Any) -> float | None:
    headers = ((response or {}).get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    value = headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def health_base(config: Config) -> str:
    host = config.health.host
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://{host}:{config.health.port}"


def observe(
    config: Config,
    clock: Clock,
    *,
    health_base_url: str | None = None,
    sample_seconds: float = 3.0,
) -> Observations:
    """Read /healthz and /metrics twice ``sample_seconds`` apart, and ask AWS two questions."""
    base = (health_base_url or health_base(config)).rstrip("/")
    obs = Observations(health_url=base + "/healthz", endpoint=endpoint_for("cloudwatch", config.aws),
                       sample_seconds=sample_seconds)
    try:
        obs.health = read_health(base + "/healthz")
        obs.prometheus = read_prometheus(base + "/metrics")
    except (OSError, ValueError) as exc:
        obs.health_error = str(getattr(exc, "reason", None) or exc)
    if obs.health is not None and sample_seconds > 0:
        clock.sleep(sample_seconds)
        try:
            obs.health_later = read_health(base + "/healthz")
            obs.prometheus_later = read_prometheus(base + "/metrics")
        except (OSError, ValueError):
            pass

    def client(service: str) -> Any:
        return make_client(service, config.aws, max_attempts=1, timeout_seconds=AWS_TIMEOUT_SECONDS)

    # Making a client can fail too (a named profile that does not exist): an observation.
    obs.identity = _call(clock, lambda: client("sts").get_caller_identity())

    def list_published() -> dict[str, Any]:
        cloudwatch = client("cloudwatch")
        names: set[str] = set()
        first: dict[str, Any] = {}
        kwargs: dict[str, Any] = {
            "Namespace": config.namespace,
            "Dimensions": [{"Name": "Environment", "Value": config.environment}],
        }
        for _ in range(20):  # 500 metrics a page: 10,000 names is plenty for a diagnosis
            page = cloudwatch.list_metrics(**kwargs)
            first = first or page
            names.update(m["MetricName"] for m in page.get("Metrics", []))
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return {"names": sorted(names), "ResponseMetadata": first.get("ResponseMetadata", {})}

    obs.published = _call(clock, list_published)
    return obs
