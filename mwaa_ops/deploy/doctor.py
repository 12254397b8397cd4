"""``mwaa-ops doctor``: judge a running set-up from what :mod:`probe` observed.

:func:`diagnose` is pure: observations and the config in, one :class:`Finding`
per check out, each with a status and, when something is wrong, what to do.
Statuses: ``ok``; ``unknown`` (cannot tell, e.g. an agent too old to report a
field; not a problem by itself); ``warn`` and ``fail`` (problems: the command
exits non-zero). Checks: agent, statsd, airflow, needed_metrics, endpoint,
credentials, permissions, clock, spool.

Field names read from ``/healthz`` (agent from issue 8 on):
``statsd.last_datagram_at`` (ISO-8601 or null), ``statsd.lines_per_second``,
``airflow.major_version`` (2, 3 or null), ``airflow.source``
(config | traffic | unknown), ``airflow.tag_mode`` (influxdb | dogstatsd | plain |
unknown), ``ready``, ``publisher.spool_bytes``, ``publisher.degraded``. An
agent without them gets "agent too old to report …", never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mwaa_ops.config import Config
from mwaa_ops.deploy.needs import Need, blocked
from mwaa_ops.deploy.probe import Observations

PROBLEMS = ("warn", "fail")
# SigV4 refuses requests signed more than 15 minutes off (AWS General Reference,
# "Signature Version 4 signing"); CloudWatch datapoints land in the wrong minute long
# before that, so a minute of skew already deserves a warning.
CLOCK_WARN_SECONDS = 60.0
CLOCK_FAIL_SECONDS = 300.0
# No datagram for this many flush intervals means Airflow stopped sending.
SILENT_INTERVALS = 3
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                 "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
                 "SignatureDoesNotMatch")
NO_CREDENTIALS = ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError",
                  "ProfileNotFound")


@dataclass(frozen=True)
class Finding:
    check: str
    status: str      # ok | unknown | warn | fail
    message: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


# The agent's Prometheus names: mwaa_ops_<telemetry name> (mwaa_ops/telemetry.py).
PROMETHEUS_PREFIX = "mwaa_ops_"


def _is_sample_of(key: str, name: str) -> bool:
    """``key`` is a sample of counter ``name``, with or without Prometheus' ``_total`` suffix."""
    base = key.split("{", 1)[0]
    return base in (PROMETHEUS_PREFIX + name, PROMETHEUS_PREFIX + name + "_total")


def _counter(prom: dict[str, float], name: str) -> float:
    """Sum of every sample of ``name`` (all label sets)."""
    return sum(v for k, v in prom.items() if _is_sample_of(k, name))


def _errors_by_code(prom: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in prom.items():
        if _is_sample_of(key, "api_errors") and 'code="' in key:
            code = key.split('code="', 1)[1].split('"', 1)[0]
            out[code] = out.get(code, 0.0) + value
    return out


def _statsd(obs: Observations, config: Config, now: float) -> Finding:
    health = obs.health or {}
    port = health.get("statsd_port", config.statsd.port)
    where = f"udp {config.statsd.host}:{port}"
    fix = (f"point Airflow at it: AIRFLOW__METRICS__STATSD_ON=True, "
           f"AIRFLOW__METRICS__STATSD_HOST=<this host>, AIRFLOW__METRICS__STATSD_PORT={port} "
           f"(docs/airflow-settings.md)")
    report = health.get("statsd")
    if isinstance(report, dict) and "last_datagram_at" in report:
        last = report.get("last_datagram_at")
        rate = report.get("lines_per_second")
        if not last:
            return Finding("statsd", "fail", f"no StatsD datagram has arrived on {where}", fix)
        age = now - datetime.fromisoformat(str(last)).timestamp()
        silent = SILENT_INTERVALS * config.flush_interval_seconds
        if age > silent:
            return Finding("statsd", "fail",
                           f"last StatsD datagram on {where} was {age:.0f} s ago (more than {silent} s)",
                           "is Airflow running? " + fix)
        return Finding("statsd", "ok", f"arriving on {where}: {rate} lines/s, last {age:.0f} s ago")
    total = _counter(obs.prometheus_later or obs.prometheus, "lines_received")
    note = " (agent too old to report statsd.last_datagram_at: judged from its counters)"
    if total <= 0:
        uptime = health.get("uptime_s", "?")
        return Finding("statsd", "fail",
                       f"no StatsD line has arrived on {where} in the agent's {uptime} s{note}", fix)
    if obs.prometheus_later and obs.sample_seconds > 0:
        delta = total - _counter(obs.prometheus, "lines_received")
        rate = delta / obs.sample_seconds
        if delta <= 0:
            # Airflow sends its heartbeat and gauges every few seconds, not continuously:
            # a short quiet sample is no evidence that it stopped.
            return Finding("statsd", "ok",
                           f"{total:.0f} lines arrived on {where} since start, none in the last "
                           f"{obs.sample_seconds:g} s (rerun with --sample-seconds 30 to be sure){note}")
        return Finding("statsd", "ok", f"arriving on {where}: {rate:.1f} lines/s{note}")
    return Finding("statsd", "ok", f"{total:.0f} lines arrived on {where} since start{note}")


def _airflow(obs: Observations) -> Finding:
    report = (obs.health or {}).get("airflow")
    if not isinstance(report, dict) or "tag_mode" not in report:
        return Finding("airflow", "unknown",
                       "agent too old to report airflow.major_version and airflow.tag_mode",
                       "upgrade the mwaa-ops agent to see the Airflow version and tag mode")
    major, mode, source = report.get("major_version"), report.get("tag_mode"), report.get("source")
    seen = f"Airflow {major if major else '?'}.x (from {source}), tag mode {mode}"
    if mode == "plain" and major == 3:
        return Finding(
            "airflow", "warn",
            f"{seen}: ids inside plain names are mangled (Airflow 3 writes a '.' in a dag or task "
            f"id as '__'), while tags would carry the real ids",
            "set AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED=True in Airflow (docs/airflow-settings.md)")
    if major is None or mode in (None, "unknown"):
        return Finding("airflow", "unknown", f"{seen}: not recognised yet (no Airflow traffic?)")
    return Finding("airflow", "ok", seen)


def _needed(obs: Observations, config: Config, needs: Sequence[Need]) -> list[Finding]:
    out: list[Finding] = []
    dropped: set[str] = set()
    for need in needs:
        names = blocked(need.metric, config.statsd.allow_list, config.statsd.block_list)
        if names is not None:
            dropped.add(need.metric)
            out.append(Finding(
                "needed_metrics", "fail",
                f"{need.metric} (needed by {need.why}) is dropped by the agent's filters: its Airflow "
                f"names {', '.join(names)} do not pass statsd.allow_list={list(config.statsd.allow_list)} "
                f"/ block_list={list(config.statsd.block_list)}",
                f"add '^{names[0]}' to statsd.allow_list (or remove it from block_list), and keep it "
                f"in Airflow's metrics_allow_list too"))
    published = obs.published
    if published is None or not published.ok:
        if not out:
            out.append(Finding("needed_metrics", "unknown",
                               "cannot list what was published (see endpoint/credentials)"))
        return out
    seen = set(published.result["names"])
    missing_always = [n.metric for n in needs
                      if n.metric not in seen and n.always and n.metric not in dropped]
    missing_events = [n.metric for n in needs if n.metric not in seen and not n.always]
    if missing_always:
        out.append(Finding(
            "needed_metrics", "warn",
            f"not published for environment {config.environment}: {', '.join(missing_always)} "
            f"(a running Airflow sends these all the time)",
            "check Airflow's metrics_allow_list/metrics_block_list and that its scheduler and "
            "DAG processor send to this agent"))
    if not out:
        extra = f"; not seen yet (sent on events): {', '.join(missing_events)}" if missing_events else ""
        out.append(Finding("needed_metrics", "ok",
                           f"{len(needs) - len(missing_events)} of {len(needs)} needed metrics published{extra}"))
    return out


def _endpoint_and_credentials(obs: Observations) -> list[Finding]:
    where = obs.endpoint or "AWS (standard endpoints)"
    identity, published = obs.identity, obs.published
    out: list[Finding] = []
    answers = [a for a in (identity, published) if a is not None]
    if any(a.code in NO_CREDENTIALS for a in answers):
        first = next(a for a in answers if a.code in NO_CREDENTIALS)
        out.append(Finding("credentials", "fail",
                           "no AWS credentials found (environment, profile, container or instance "
                           f"role): {first.message}",
                           "give the sidecar a role (ECS task role, EKS IRSA / Pod Identity) or "
                           "AWS_PROFILE; see docs/deploy.md"))
        return out
    unreachable = [a for a in answers if not a.ok and a.status == 0]
    if unreachable:
        out.append(Finding("endpoint", "fail", f"{where} unreachable: {unreachable[0].message}",
                           "check aws.endpoint_url / AWS_ENDPOINT_URL, the network path and proxies"))
        return out
    out.append(Finding("endpoint", "ok", f"{where} answers"))
    if identity is not None and identity.ok:
        arn = (identity.result or {}).get("Arn", "?")
        out.append(Finding("credentials", "ok", f"valid: {arn}"))
    elif identity is not None:
        out.append(Finding("credentials", "fail", f"refused: {identity.code}: {identity.message}",
                           "renew or replace the credentials the sidecar uses"))
    return out


def _permissions(obs: Observations) -> Finding:
    published = obs.published
    denied = {c: n for c, n in _errors_by_code(obs.prometheus_later or obs.prometheus).items()
              if c in ACCESS_DENIED and n > 0}
    fix = "attach the policy `mwaa-ops iam-policy` prints to the sidecar's role (docs/deploy.md)"
    if published is not None and not published.ok and published.code in ACCESS_DENIED:
        return Finding("permissions", "fail", f"cloudwatch:ListMetrics refused: {published.code}", fix)
    if denied:
        codes = ", ".join(f"{c} x{n:.0f}" for c, n in denied.items())
        return Finding("permissions", "fail", f"the agent's AWS calls were refused: {codes}", fix)
    if published is None or not published.ok:
        return Finding("permissions", "unknown", "not checked (AWS did not answer)")
    return Finding("permissions", "ok",
                   "cloudwatch:ListMetrics allowed; no AccessDenied in the agent's calls "
                   "(PutMetricData has no dry run: judged from the agent's own API errors)")


def _clock(obs: Observations) -> Finding:
    for answer in (obs.identity, obs.published):
        if answer is not None and answer.server_time is not None and answer.local_time is not None:
            skew = answer.local_time - answer.server_time
            # The Date header has whole seconds: a second of skew is noise.
            text = f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the endpoint's clock"
            fix = "run NTP / chrony (Amazon Time Sync: 169.254.169.123) on the host"
            if abs(skew) > CLOCK_FAIL_SECONDS:
                return Finding("clock", "fail", text, fix)
            if abs(skew) > CLOCK_WARN_SECONDS:
                return Finding("clock", "warn", text, fix)
            return Finding("clock", "ok", f"in sync ({text})")
    return Finding("clock", "unknown", "no Date header from the endpoint to compare with")


def _spool(obs: Observations) -> Finding:
    first = (obs.health or {}).get("publisher") or {}
    later = (obs.health_later or {}).get("publisher") or {}
    if "spool_bytes" not in first:
        return Finding("spool", "unknown", "agent too old to report publisher.spool_bytes")
    before = int(first.get("spool_bytes") or 0)
    after = int(later.get("spool_bytes", before) or 0)
    fix = "CloudWatch is not accepting the agent's data: see endpoint, credentials and permissions"
    if after > before:
        return Finding("spool", "fail",
                       f"spool growing: {before} -> {after} bytes in {obs.sample_seconds:g} s", fix)
    if first.get("degraded") or later.get("degraded"):
        return Finding("spool", "fail",
                       f"publisher degraded: CloudWatch keeps failing, new data goes to the spool "
                       f"({after} bytes)", fix)
    if after > 0:
        return Finding("spool", "warn", f"{after} bytes waiting in the spool (not growing)",
                       "it drains once CloudWatch accepts again; watch that it shrinks")
    return Finding("spool", "ok", "empty")


def diagnose(obs: Observations, config: Config, needs: Sequence[Need], now: float) -> list[Finding]:
    """Every check's verdict; ``now`` is epoch seconds (an injected clock's)."""
    findings: list[Finding] = []
    if obs.health is None:
        findings.append(Finding("agent", "fail", f"no agent answers at {obs.health_url}: {obs.health_error}",
                                "start it (mwaa-ops agent / up), or pass --health-url; health.host and "
                                "health.port must match the agent's"))
    else:
        ready = bool(obs.health.get("ready"))
        findings.append(Finding("agent", "ok" if ready else "fail",
                                f"{'ready' if ready else 'NOT ready'} at {obs.health_url}, "
                                f"environment {obs.health.get('environment')}, up {obs.health.get('uptime_s')} s",
                                "" if ready else "see the agent's log"))
        findings.append(_statsd(obs, config, now))
        findings.append(_airflow(obs))
    findings.extend(_needed(obs, config, needs))
    findings.extend(_endpoint_and_credentials(obs))
    findings.append(_permissions(obs))
    findings.append(_clock(obs))
    if obs.health is not None:
        findings.append(_spool(obs))
    return findings


def healthy(findings: Sequence[Finding]) -> bool:
    return not any(f.status in PROBLEMS for f in findings)


def definition_folders(root: Path | None = None) -> list[Path]:
    base = root or Path.cwd()
    return [base / "dashboards", base / "alarms"]


def report(findings: Sequence[Finding]) -> dict[str, Any]:
    return {"healthy": healthy(findings), "checks": [f.to_json() for f in findings]}
