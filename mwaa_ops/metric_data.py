"""GetMetricData over any number of queries: batches of at most 500, every page.

CloudWatch takes at most 500 ``MetricDataQueries`` per ``GetMetricData``
request and pages long answers with ``NextToken`` (CloudWatch API
reference). Dashboards' check and preview, alarm backtests and evaluation,
the weekly report and ``mwaa-ops metrics`` all read metrics this way; the
batching and paging live here once. Errors are botocore's, unchanged: each
caller turns them into the error tree (or a report line) as it needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

# GetMetricData takes at most 500 queries per call (CloudWatch API reference).
MAX_QUERIES_PER_CALL = 500

T = TypeVar("T")
ScanBy = Literal["TimestampAscending", "TimestampDescending"]


def query_batches(items: Sequence[T]) -> list[Sequence[T]]:
    """``items`` cut into consecutive batches of at most :data:`MAX_QUERIES_PER_CALL`."""
    return [items[i:i + MAX_QUERIES_PER_CALL] for i in range(0, len(items), MAX_QUERIES_PER_CALL)]


def batch_results(
    client: Any, queries: Sequence[dict[str, Any]], start: datetime, end: datetime,
    *, scan_by: ScanBy | None = None,
) -> Iterator[dict[str, Any]]:
    """Every ``MetricDataResults`` entry of one request of at most 500 ``queries``, all pages.

    ``scan_by`` None leaves ``ScanBy`` out (CloudWatch then uses TimestampDescending).
    """
    kwargs: dict[str, Any] = {"MetricDataQueries": list(queries), "StartTime": start, "EndTime": end}
    if scan_by is not None:
        kwargs["ScanBy"] = scan_by
    while True:
        answer = client.get_metric_data(**kwargs)
        yield from answer.get("MetricDataResults", [])
        token = answer.get("NextToken")
        if not token:
            return
        kwargs["NextToken"] = token


def metric_data_results(
    client: Any, queries: Sequence[dict[str, Any]], start: datetime, end: datetime,
    *, scan_by: ScanBy | None = None,
) -> Iterator[dict[str, Any]]:
    """Every ``MetricDataResults`` entry for ``queries``: one request per batch and page."""
    for batch in query_batches(queries):
        yield from batch_results(client, batch, start, end, scan_by=scan_by)
