"""GetMetricData batching and paging (pure logic over a recording client; the real calls are
exercised against the local endpoint by the dashboards, alarms, reports and readback tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mwaa_ops.metric_data import (
    MAX_QUERIES_PER_CALL,
    batch_results,
    metric_data_results,
    query_batches,
)

START, END = datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


class PagingClient:
    """Answers each request with one result per query, split over ``pages`` pages."""

    def __init__(self, pages: int = 1) -> None:
        self.pages = pages
        self.requests: list[dict[str, Any]] = []

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(kwargs)
        page = int(kwargs.get("NextToken", "0"))
        answer: dict[str, Any] = {"MetricDataResults": [
            {"Id": q["Id"], "Label": f"page{page}", "Timestamps": [], "Values": []}
            for q in kwargs["MetricDataQueries"]]}
        if page + 1 < self.pages:
            answer["NextToken"] = str(page + 1)
        return answer


@pytest.mark.parametrize(("count", "sizes"), [
    pytest.param(0, [], id="none"),
    pytest.param(1, [1], id="one"),
    pytest.param(MAX_QUERIES_PER_CALL, [MAX_QUERIES_PER_CALL], id="exactly-the-limit"),
    pytest.param(MAX_QUERIES_PER_CALL + 1, [MAX_QUERIES_PER_CALL, 1], id="one-over"),
    pytest.param(1234, [500, 500, 234], id="three-batches"),
])
def test_query_batches_respect_the_500_query_limit(count: int, sizes: list[int]) -> None:
    batches = query_batches(list(range(count)))
    assert [len(b) for b in batches] == sizes
    assert [x for b in batches for x in b] == list(range(count))


def test_every_batch_and_every_page_is_read_in_order() -> None:
    client = PagingClient(pages=3)
    queries = [{"Id": f"q{i}"} for i in range(501)]
    results = list(metric_data_results(client, queries, START, END, scan_by="TimestampAscending"))
    assert len(client.requests) == 2 * 3
    assert [len(r["MetricDataQueries"]) for r in client.requests] == [500] * 3 + [1] * 3
    assert [r.get("NextToken") for r in client.requests] == [None, "1", "2"] * 2
    assert all(r["ScanBy"] == "TimestampAscending" and r["StartTime"] == START for r in client.requests)
    assert len(results) == 501 * 3
    assert results[-1] == {"Id": "q500", "Label": "page2", "Timestamps": [], "Values": []}


def test_scan_by_is_left_out_unless_asked() -> None:
    client = PagingClient()
    assert len(list(batch_results(client, [{"Id": "a"}], START, END))) == 1
    assert "ScanBy" not in client.requests[0]


def test_errors_pass_through_unchanged() -> None:
    class Broken:
        def get_metric_data(self, **_: Any) -> dict[str, Any]:
            raise TimeoutError("read timed out")

    with pytest.raises(TimeoutError, match="read timed out"):
        list(metric_data_results(Broken(), [{"Id": "a"}], START, END))
