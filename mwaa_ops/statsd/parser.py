"""The StatsD line protocol, as Airflow and the common clients send it.

A line is ``name[,k=v...]:value[:value...]|type[|@rate][|#k:v,k2]``:

- types ``c`` (counter), ``g`` (gauge), ``ms`` (timer), ``h`` (histogram),
  ``d`` (distribution), ``s`` (set);
- gauges in plain StatsD: a value with a sign (``+3``, ``-2``) is a delta to
  the last value, an unsigned one sets it (Etsy statsd semantics; the Python
  ``statsd`` client sends a negative absolute gauge as ``name:0|g\\nname:-2|g``);
- gauges in DogStatsD form (the line carries a DogStatsD-only field: ``|#tags``,
  ``|c:container``, ``|T<timestamp>``, ``|e:...``) are always absolute:
  DogStatsD has no delta gauges and its clients send ``-3`` to mean -3
  (Airflow's ``pool.open_slots`` does go negative);
- ``|@rate``: sample rate in (0, 1]; a counter line then stands for
  ``value / rate`` events and a timer sample for ``1 / rate`` samples;
- DogStatsD tags ``|#k:v,k2:v2`` (a bare ``#k`` is the tag ``(k, "")``) and
  InfluxDB tags ``name,k=v,k2=v2:1|c`` (Airflow's ``statsd_datadog_enabled``
  and ``statsd_influxdb_enabled``); both may be combined, and are returned
  sorted. Empty entries in either list (``|#,,k:v``, ``name,,k=v``: a stray
  comma in ``statsd_datadog_tags``) are skipped, as the Datadog agent and
  statsd_exporter do; an entry with an empty key (``|#:v``) is ``bad_tags``;
- ``name:v1:v2|ms``: several values of the same metric in one line.

The name ends at the first ``:`` (as in Etsy statsd), so names and InfluxDB
tag values cannot contain ``:``. Other DogStatsD fields (``|c:container``,
``|T<timestamp>``, ``|e:...``) are accepted and ignored. Values are plain
decimal or exponent numbers (``12``, ``-1.5``, ``.5``, ``1e-100``), parsed with
:func:`float` (so surrounding whitespace such as a ``\\r`` from a CRLF client is
tolerated); what :func:`float` accepts beyond that is ``bad_value``: digit
separators (``1_000``), NaN and infinities.

Nothing here raises on input: a bad line yields a :class:`Rejected` with one
of :data:`REJECT_REASONS`. The pieces (:func:`split_line`, :func:`parse_head`,
:func:`parse_values`) are public so that the aggregator can cache the parse of
the part of a line that repeats and only convert the value that changes.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

from mwaa_ops.statsd.series import Tags

# Default longest line accepted, in bytes (Airflow sends short lines; the
# Datadog clients cap a datagram at 8 KiB). Configurable as statsd.max_line_bytes.
DEFAULT_MAX_LINE_BYTES = 4096

TYPES = frozenset({"c", "g", "ms", "h", "d", "s"})

# Every reason a line can be rejected for. Telemetry labels come from this set only.
EMPTY_NAME = "empty_name"
MISSING_VALUE = "missing_value"
MISSING_TYPE = "missing_type"
BAD_VALUE = "bad_value"
UNKNOWN_TYPE = "unknown_type"
BAD_SAMPLE_RATE = "bad_sample_rate"
BAD_TAGS = "bad_tags"
INVALID_UTF8 = "invalid_utf8"
LINE_TOO_LONG = "line_too_long"
REJECT_REASONS = frozenset(
    {
        EMPTY_NAME,
        MISSING_VALUE,
        MISSING_TYPE,
        BAD_VALUE,
        UNKNOWN_TYPE,
        BAD_SAMPLE_RATE,
        BAD_TAGS,
        INVALID_UTF8,
        LINE_TOO_LONG,
    }
)

_isfinite = math.isfinite
# Tag keys and values repeat across series (dag_id, state=success, ...): share them.
_intern = sys.intern


@dataclass(frozen=True, slots=True)
class Head:
    """The part of a line that does not change between samples of one series.

    ``name`` is the name as sent (prefix included), ``type`` the StatsD type,
    ``tags`` the merged InfluxDB and DogStatsD tags, sorted.
    """

    name: str
    type: str
    sample_rate: float
    tags: Tags
    dogstatsd: bool = False  # a DogStatsD-only field was present: gauges are absolute


@dataclass(frozen=True, slots=True)
class Metric:
    """One parsed line.

    ``values`` are floats, or strings for sets. ``deltas`` says, per value,
    whether a gauge value was signed (a delta); it is empty for the other
    types.
    """

    name: str
    type: str
    values: tuple[float | str, ...]
    sample_rate: float = 1.0
    tags: Tags = ()
    deltas: tuple[bool, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line that could not be used, and why (one of :data:`REJECT_REASONS`)."""

    reason: str
    line: bytes = b""


def split_line(line: bytes) -> tuple[bytes, bytes, bytes] | str:
    """Split a raw line into ``(name_part, values_part, tail)`` or return a reason.

    ``name_part`` is everything before the first ``:`` (name and InfluxDB
    tags), ``values_part`` the ``:``-separated values, ``tail`` everything
    after the first ``|`` (type, rate, tags).
    """
    name_part, colon, rest = line.partition(b":")
    if not colon:
        return MISSING_VALUE
    values_part, bar, tail = rest.partition(b"|")
    if not bar:
        return MISSING_TYPE
    if not values_part:
        return MISSING_VALUE
    return name_part, values_part, tail


def parse_head(name_part: bytes, tail: bytes) -> Head | str:
    """Parse the name, InfluxDB tags, type, sample rate and DogStatsD tags."""
    try:
        name_text = name_part.decode("utf-8")
        tail_text = tail.decode("utf-8").rstrip()
    except UnicodeDecodeError:
        return INVALID_UTF8
    tags: list[tuple[str, str]] = []
    name, comma, influx = name_text.partition(",")
    name = name.strip()
    if not name:
        return EMPTY_NAME
    if comma:
        for item in influx.split(","):
            if not item:
                continue  # a stray comma
            key, eq, value = item.partition("=")
            if not eq or not key:
                return BAD_TAGS
            tags.append((_intern(key), _intern(value)))
    fields = tail_text.split("|")
    kind = fields[0].strip()
    if kind not in TYPES:
        return UNKNOWN_TYPE
    rate = 1.0
    dogstatsd = False
    for field in fields[1:]:
        if field.startswith("@"):
            try:
                rate = _number(field[1:])
            except ValueError:
                return BAD_SAMPLE_RATE
            if not 0.0 < rate <= 1.0:  # also rejects NaN
                return BAD_SAMPLE_RATE
        elif field.startswith("#"):
            dogstatsd = True
            for item in field[1:].split(","):
                if not item:
                    continue  # a stray comma (statsd_datadog_tags = "a:1,,b:2")
                key, _, value = item.partition(":")
                if not key:
                    return BAD_TAGS
                tags.append((_intern(key), _intern(value)))
        elif field[:1] in _DOGSTATSD_FIELDS:
            dogstatsd = True
        # Empty and unknown fields are ignored.
    return Head(name, kind, rate, tuple(sorted(tags)), dogstatsd)


# First characters of the DogStatsD-only fields: container id, timestamp, external data.
_DOGSTATSD_FIELDS = frozenset({"c", "T", "e"})


def _number(text: str | bytes) -> float:
    """A StatsD number: what :func:`float` reads, minus digit separators (``1_000``).

    Raises ValueError like :func:`float`; NaN and infinities are the caller's check.
    """
    if b"_" in text if isinstance(text, bytes) else "_" in text:
        raise ValueError(f"not a plain number: {text!r}")
    return float(text)


def parse_values(
    values_part: bytes, kind: str, *, dogstatsd: bool = False
) -> tuple[tuple[float | str, ...], tuple[bool, ...]] | str:
    """Parse the ``:``-separated values for a type; gauges also get their delta flags.

    ``dogstatsd``: the line is in DogStatsD form, so a signed gauge is absolute.
    """
    raw = values_part.split(b":")
    if kind == "s":
        try:
            members = tuple(v.decode("utf-8") for v in raw)
        except UnicodeDecodeError:
            return INVALID_UTF8
        if any(not m for m in members):
            return MISSING_VALUE
        return members, ()
    values: list[float | str] = []
    for v in raw:
        try:
            number = _number(v)
        except ValueError:
            return BAD_VALUE if v else MISSING_VALUE
        if not _isfinite(number):
            return BAD_VALUE
        values.append(number)
    if kind == "g":
        if dogstatsd:
            return tuple(values), (False,) * len(values)
        return tuple(values), tuple(v.lstrip()[:1] in (b"+", b"-") for v in raw)
    return tuple(values), ()


def parse_line(line: bytes, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Metric | Rejected:
    """Parse one line (without its newline). Never raises."""
    if len(line) > max_line_bytes:
        return Rejected(LINE_TOO_LONG, line[:64])
    parts = split_line(line)
    if isinstance(parts, str):
        return Rejected(parts, line)
    name_part, values_part, tail = parts
    head = parse_head(name_part, tail)
    if isinstance(head, str):
        return Rejected(head, line)
    parsed = parse_values(values_part, head.type, dogstatsd=head.dogstatsd)
    if isinstance(parsed, str):
        return Rejected(parsed, line)
    values, deltas = parsed
    return Metric(head.name, head.type, values, head.sample_rate, head.tags, deltas)


def parse_datagram(
    data: bytes, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> list[Metric | Rejected]:
    """Parse every non-empty line of a datagram, in order."""
    return [parse_line(line, max_line_bytes=max_line_bytes) for line in data.split(b"\n") if line]
