"""Test helpers for the StatsD tests: a slow, obviously right reference aggregation."""

from __future__ import annotations

from mwaa_ops.statsd import COUNTER, GAUGE, SET, TIMER, Metric, SeriesAggregate, parse_line


def by_key(series: list[SeriesAggregate]) -> dict[tuple[str, str, tuple[tuple[str, str], ...]], SeriesAggregate]:
    out = {}
    for s in series:
        key = (s.kind, s.name, s.tags)
        assert key not in out, f"duplicate series {key}"
        out[key] = s
    return out


def reference(lines: list[bytes], prefix: str = "airflow") -> dict:
    """Apply parsed lines one by one, in order: the obvious, slow implementation."""
    counters: dict = {}
    gauges: dict = {}
    sets: dict = {}
    timers: dict = {}
    for line in lines:
        m = parse_line(line)
        if not isinstance(m, Metric):
            continue
        name = m.name[len(prefix) + 1:] if m.name.startswith(prefix + ".") else m.name
        if not name:
            continue
        key = (name, m.tags)
        if m.type == "c":
            counters[key] = counters.get(key, 0.0) + sum(m.values) / m.sample_rate  # type: ignore[arg-type]
        elif m.type == "g":
            value = gauges.get(key, 0.0)
            for v, d in zip(m.values, m.deltas, strict=True):
                value = value + v if d else v  # type: ignore[operator]
            gauges[key] = value
        elif m.type == "s":
            sets.setdefault(key, set()).update(m.values)
        else:
            samples = timers.setdefault(key, {})
            for v in m.values:
                samples[v] = samples.get(v, 0.0) + 1 / m.sample_rate
    out = {(COUNTER, *k): v for k, v in counters.items()}
    out.update({(GAUGE, *k): v for k, v in gauges.items()})
    out.update({(SET, *k): float(len(v)) for k, v in sets.items()})
    out.update({(TIMER, *k): v for k, v in timers.items()})
    return out


