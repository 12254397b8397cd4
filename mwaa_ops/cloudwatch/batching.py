"""Pack datums into as few ``PutMetricData`` requests as the limits allow.

A request carries at most 1000 datums and 1 MB, and one namespace. The size of
a datum is estimated, cheaply and from above, for every encoding botocore may
use for CloudWatch (its service model lists ``json``, ``smithy-rpc-v2-cbor`` and
``query``; botocore 1.44 picks awsJson1_0, 1.43 picked CBOR, older releases
and other SDKs the form-encoded query), and the largest bound is used: in
practice the query one, since it spells every field's full key before every
value. A test checks the bounds against botocore's real serializers.

Packing is a two-constraint bin-packing problem. Starting from the lower bound
``max(ceil(n / 1000), ceil(total bytes / budget))`` requests, datums are placed
largest first into the request with the most room left (worst-fit decreasing),
which spreads large timer datums over all requests instead of filling a few of
them up and stranding their count capacity; a request is added only when no
existing one has room. For datums much smaller than a request (all real ones:
at most ~20 kB against ~1 MB) this ends within a fraction of a percent of the
lower bound.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.limits import (
    MAX_DATUMS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    REQUEST_ENVELOPE_MARGIN_BYTES,
)

REQUEST_BUDGET_BYTES = MAX_REQUEST_BYTES - REQUEST_ENVELOPE_MARGIN_BYTES

# Query encoding: "&MetricData.member.NNNN." before every field of a datum
# (index up to 1000 -> 4 digits), a field name, "=" and the value.
_Q_PREFIX = 1 + len("MetricData.member.1000.") + 1  # "&", prefix, "="
# Longest repr of a float: "-1.2345678901234567e-100".
_Q_FLOAT = 24
# ISO-8601 timestamp with microseconds and percent-encoded colons.
_Q_TIMESTAMP = len("2024-01-01T00%3A00%3A00.000000Z") + 4
_Q_FIXED = (
    _Q_PREFIX + len("MetricName")
    + _Q_PREFIX + len("Timestamp") + _Q_TIMESTAMP
    + _Q_PREFIX + len("Unit")
    + _Q_PREFIX + len("StorageResolution") + 2
)
_Q_DIM = (_Q_PREFIX + len("Dimensions.member.30.Name")) + (_Q_PREFIX + len("Dimensions.member.30.Value"))
_Q_VALUE = _Q_PREFIX + len("Value") + _Q_FLOAT
_Q_ARRAY_ITEM = _Q_PREFIX + len("Values.member.150") + _Q_FLOAT  # same for Counts

# CBOR encoding: a map of text keys. Header bytes of a text string up to 64 kB: 3.
_C_STR = 3
_C_FLOAT = 9  # major type 7, double precision
_C_FIXED = (
    1  # map header
    + 1 + len("MetricName") + _C_STR
    + 1 + len("Dimensions") + 3
    + 1 + len("Timestamp") + 1 + _C_FLOAT  # tag 1 + epoch seconds
    + 1 + len("Unit") + _C_STR
    + 1 + len("StorageResolution") + 3
)
_C_DIM = 1 + (1 + len("Name") + _C_STR) + (1 + len("Value") + _C_STR)
_C_VALUE = 1 + len("Value") + _C_FLOAT
_C_ARRAYS = 2 * (1 + len("Values") + 3)
_C_ARRAY_ITEM = 2 * _C_FLOAT  # one value and its count


# JSON encoding (awsJson1_0): botocore uses json.dumps' default separators,
# '", "' and '": "', one space more than compact per pair and per item. A
# string is counted with its quotes and escapes by json.dumps itself.
_J_FLOAT = _Q_FLOAT
_J_FIXED = (
    2 + 2  # braces, ", " after the datum
    + 2 * 6  # ": " and ", " spaces of the six fields
    + len('"MetricName":,')
    + len('"Dimensions":[],')
    + len('"Timestamp":,') + _J_FLOAT
    + len('"Unit":,')
    + len('"StorageResolution":,') + 2
)
_J_DIM = len('{"Name": , "Value": }, ')
_J_VALUE = len('"Value": , ') + _J_FLOAT
_J_ARRAYS = len('"Values": [], "Counts": [], ')
_J_ARRAY_ITEM = _J_FLOAT + 2


@lru_cache(maxsize=65_536)
def _string_sizes(text: str) -> tuple[int, int, int]:
    """(UTF-8, JSON-escaped, percent-encoded) lengths of a string; names repeat, so cached."""
    return len(text.encode("utf-8")), len(json.dumps(text)), len(quote(text, safe="-_.~"))


def estimate_sizes(datum: Datum) -> tuple[int, int, int]:
    """Upper bounds of the datum's bytes in a (CBOR, JSON, query) request body."""
    cbor_size = _C_FIXED
    json_size = _J_FIXED
    query_size = _Q_FIXED
    for text in (datum.metric, datum.unit):
        utf8, escaped, quoted = _string_sizes(text)
        cbor_size += utf8
        json_size += escaped
        query_size += quoted
    for name, value in datum.dimensions:
        n_utf8, n_escaped, n_quoted = _string_sizes(name)
        v_utf8, v_escaped, v_quoted = _string_sizes(value)
        cbor_size += _C_DIM + n_utf8 + v_utf8
        json_size += _J_DIM + n_escaped + v_escaped
        query_size += _Q_DIM + n_quoted + v_quoted
    if datum.values:
        count = len(datum.values)
        cbor_size += _C_ARRAYS + count * _C_ARRAY_ITEM
        json_size += _J_ARRAYS + 2 * count * _J_ARRAY_ITEM
        query_size += 2 * count * _Q_ARRAY_ITEM
    else:
        cbor_size += _C_VALUE
        json_size += _J_VALUE
        query_size += _Q_VALUE
    return cbor_size, json_size, query_size


def estimate_size(datum: Datum) -> int:
    """Bytes the datum may take in a request, whichever encoding is used."""
    return max(estimate_sizes(datum))


@dataclass(frozen=True, slots=True)
class Request:
    """The datums of one PutMetricData call and their estimated size."""

    namespace: str
    datums: tuple[Datum, ...]
    estimated_bytes: int


def lower_bound(sizes: Sequence[int], *, max_datums: int = MAX_DATUMS_PER_REQUEST,
                max_bytes: int = REQUEST_BUDGET_BYTES) -> int:
    """Fewest requests that could carry datums of these sizes (no packing does better)."""
    if not sizes:
        return 0
    return max(math.ceil(len(sizes) / max_datums), math.ceil(sum(sizes) / max_bytes))


def pack(
    datums: Iterable[Datum],
    *,
    default_namespace: str,
    max_datums: int = MAX_DATUMS_PER_REQUEST,
    max_bytes: int = REQUEST_BUDGET_BYTES,
) -> list[Request]:
    """Group datums into requests of at most ``max_datums`` and ``max_bytes`` each.

    ``Datum.namespace`` overrides ``default_namespace``; a request carries one
    namespace. A datum bigger than ``max_bytes`` on its own (impossible within
    CloudWatch's per-datum limits) still gets a request of its own.
    """
    by_namespace: dict[str, list[tuple[int, Datum]]] = {}
    for datum in datums:
        namespace = datum.namespace or default_namespace
        by_namespace.setdefault(namespace, []).append((estimate_size(datum), datum))
    requests: list[Request] = []
    for namespace, sized in by_namespace.items():
        requests.extend(_pack_one(namespace, sized, max_datums, max_bytes))
    return requests


def _pack_one(namespace: str, sized: list[tuple[int, Datum]], max_datums: int,
              max_bytes: int) -> list[Request]:
    sized.sort(key=lambda item: item[0], reverse=True)
    start = lower_bound([s for s, _ in sized], max_datums=max_datums, max_bytes=max_bytes)
    bins: list[list[Datum]] = [[] for _ in range(start)]
    used = [0] * start
    # Max-heap on room left: (-room, bin index). Bins whose count is full leave the heap.
    heap = [(-max_bytes, i) for i in range(start)]
    heapq.heapify(heap)
    for size, datum in sized:
        index = -1
        while heap:
            neg_room, candidate = heap[0]
            if len(bins[candidate]) >= max_datums:
                heapq.heappop(heap)
                continue
            if -neg_room >= size or not bins[candidate]:
                index = candidate
            break
        if index < 0:
            index = len(bins)
            bins.append([])
            used.append(0)
        else:
            heapq.heappop(heap)
        bins[index].append(datum)
        used[index] += size
        if len(bins[index]) < max_datums:
            heapq.heappush(heap, (used[index] - max_bytes, index))
    return [Request(namespace, tuple(b), u) for b, u in zip(bins, used, strict=True) if b]
