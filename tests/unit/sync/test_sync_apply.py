"""The applier's logic against an in-memory adapter (pure logic; the AWS adapters are
tested against moto server in the features' integration tests)."""

from __future__ import annotations

from typing import Any

from mwaa_ops.clock import FakeClock
from mwaa_ops.errors import FatalAwsError, RetryableAwsError
from mwaa_ops.sync.apply import Applier, ProgressEvent, apply_order, read_owned
from mwaa_ops.sync.ownership import OWNER_MARKER, Ownership, has_marker
from mwaa_ops.sync.plan import Change, Resource, compute_plan


class MemoryAdapter:
    kind = "thing"

    def __init__(self, write_rate: float = 2.0) -> None:
        self.write_rate = write_rate
        self.store: dict[str, Any] = {}
        self.calls: list[tuple[str, str, float]] = []
        self.fail_next: list[Exception] = []
        self.clock: FakeClock | None = None
        self.ownership = Ownership("mo-")

    def list_owned(self) -> list[Resource]:
        return [Resource(self.kind, n, b) for n, b in sorted(self.store.items())]

    def owns(self, resource: Resource) -> bool:
        return self.ownership.owns(resource.name, str(resource.body))

    def _call(self, verb: str, name: str) -> None:
        self.calls.append((verb, name, self.clock.monotonic() if self.clock else 0.0))
        if self.fail_next:
            raise self.fail_next.pop(0)

    def put(self, resource: Resource) -> None:
        self._call("put", resource.name)
        self.store[resource.name] = resource.body

    def delete(self, resource: Resource) -> None:
        self._call("delete", resource.name)
        del self.store[resource.name]


def body(n: int) -> dict[str, Any]:
    return {"n": n, "note": OWNER_MARKER}


def sync(adapter: MemoryAdapter, desired: list[Resource], clock: FakeClock,
         events: list[ProgressEvent] | None = None) -> Any:
    plan = compute_plan(desired, read_owned([adapter]))
    return Applier([adapter], clock).apply(plan, events.append if events is not None else None)


def test_create_then_noop_then_update_and_orphan_delete() -> None:
    clock = FakeClock()
    adapter = MemoryAdapter()
    adapter.clock = clock
    desired = [Resource("thing", f"mo-{i}", body(i)) for i in range(3)]
    events: list[ProgressEvent] = []
    first = sync(adapter, desired, clock, events)
    assert first.writes == 3 and first.ok
    assert [e.outcome for e in events] == ["done"] * 3 and events[-1].total == 3
    adapter.calls.clear()
    second = sync(adapter, desired, clock)
    assert second.writes == 0 and adapter.calls == [] and second.unchanged == 3
    third = sync(adapter, [desired[0], Resource("thing", "mo-1", body(10))], clock)
    assert [(c[0], c[1]) for c in adapter.calls] == [("delete", "mo-2"), ("put", "mo-1")]
    assert third.to_json()["update"] == 1 and third.to_json()["delete"] == 1


def test_foreign_resources_are_never_touched() -> None:
    clock = FakeClock()
    adapter = MemoryAdapter()
    adapter.store["mo-by-hand"] = {"n": 1}  # prefix but no marker
    adapter.store["other"] = body(1)  # marker but no prefix
    result = sync(adapter, [], clock)
    assert result.writes == 0 and set(adapter.store) == {"mo-by-hand", "other"}


def test_update_of_unowned_current_is_refused() -> None:
    clock = FakeClock()
    adapter = MemoryAdapter()
    current = [Resource("thing", "mo-x", {"n": 1})]  # not owned: no marker
    plan = compute_plan([Resource("thing", "mo-x", body(2))], current)
    result = Applier([adapter], clock).apply(plan)
    assert result.writes == 0 and "ownership marker" in result.failed["thing/mo-x"]


def test_writes_are_paced_at_the_adapter_rate() -> None:
    clock = FakeClock()
    adapter = MemoryAdapter(write_rate=2.0)
    adapter.clock = clock
    sync(adapter, [Resource("thing", f"mo-{i}", body(i)) for i in range(7)], clock)
    times = [t for _verb, _name, t in adapter.calls]
    elapsed = times[-1] - times[0]
    # Burst of 2 tokens, then one every 0.5 s: the 7th call at 2.5 s.
    assert elapsed == 2.5


def test_throttling_is_retried_and_fatal_errors_do_not_stop_the_rest() -> None:
    clock = FakeClock()
    adapter = MemoryAdapter()
    adapter.fail_next = [RetryableAwsError("slow down", code="Throttling", status=400),
                         FatalAwsError("bad body", code="InvalidParameterInput", status=400)]
    events: list[ProgressEvent] = []
    result = sync(adapter, [Resource("thing", "mo-a", body(1)), Resource("thing", "mo-b", body(2))],
                  clock, events)
    assert result.writes == 3
    assert result.failed == {"thing/mo-a": "bad body"}
    assert [e.outcome for e in events] == ["retrying", "failed", "done"]
    assert set(adapter.store) == {"mo-b"}


def test_marker_forms() -> None:
    assert has_marker(f"x {OWNER_MARKER} y")
    assert has_marker({"managed-by": "mwaa-ops"})
    assert not has_marker({"managed-by": "someone"})
    assert has_marker(["a", OWNER_MARKER])
    assert Ownership().name("overview", "prod") == "mwaa-ops-overview-prod"


def test_job_wrapper_counts_and_fails_the_run_on_a_failed_change() -> None:
    import pytest

    from mwaa_ops.sync.job import SyncFailedError, run_sync_job
    from mwaa_ops.sync.session import SyncSession
    from mwaa_ops.telemetry import Telemetry

    clock = FakeClock()
    adapter = MemoryAdapter()
    telemetry = Telemetry()

    class Ctx:
        config = None
        make_client = None

    ctx = Ctx()
    ctx.clock, ctx.telemetry = clock, telemetry  # type: ignore[attr-defined]
    desired = [Resource("thing", "mo-a", body(1))]
    summary = run_sync_job(ctx, lambda c, e, m: SyncSession(desired, [adapter]), kind="thing")
    assert summary == {"writes": 1, "create": 1, "update": 0, "delete": 0, "unchanged": 0}
    adapter.fail_next = [FatalAwsError("denied", code="AccessDenied", status=403)]
    with pytest.raises(SyncFailedError, match="thing/mo-b: denied"):
        run_sync_job(ctx, lambda c, e, m: SyncSession([*desired, Resource("thing", "mo-b", body(2))],
                                                      [adapter]), kind="thing")
    assert telemetry.get("sync_failures", kind="thing") == 1
    assert telemetry.get("sync_writes", kind="thing") == 2


class KindAdapter(MemoryAdapter):
    """A MemoryAdapter of another kind that logs into a shared call list."""

    def __init__(self, kind: str, log: list[tuple[str, str, float]]) -> None:
        super().__init__(write_rate=100.0)
        self.kind = kind
        self.calls = log

    def list_owned(self) -> list[Resource]:
        return [Resource(self.kind, n, b) for n, b in sorted(self.store.items())]


def test_apply_order_puts_by_kind_then_deletes_in_reverse() -> None:
    def change(action: str, kind: str, name: str) -> Change:
        resource = Resource(kind, name, body(0))
        return Change(action, kind, name,  # type: ignore[arg-type]
                      None if action == "delete" else resource, resource if action != "create" else None)

    plan_order = [change("delete", "b", "b-old"), change("delete", "a", "a-old"), change("delete", "z", "z-old"),
                  change("create", "c", "c1"), change("create", "a", "a1"), change("create", "z", "z1"),
                  change("update", "b", "b1"), change("create", "a", "a2")]
    assert apply_order(plan_order) == tuple(plan_order)  # no order: the plan's
    ordered = [(c.action, c.name) for c in apply_order(plan_order, ("a", "b", "c"))]
    assert ordered == [("create", "a1"), ("create", "a2"), ("update", "b1"), ("create", "c1"),
                       ("create", "z1"),  # unlisted kinds write after the listed ones
                       ("delete", "z-old"),  # ... and delete before them
                       ("delete", "b-old"), ("delete", "a-old")]


def test_applier_follows_the_order_and_counts_progress_over_the_whole_plan() -> None:
    clock = FakeClock()
    log: list[tuple[str, str, float]] = []
    topics, alarms, composites = (KindAdapter(k, log) for k in ("topic", "alarm", "composite"))
    adapters = [composites, alarms, topics]
    composites.store["mo-page-old"] = body(1)
    alarms.store["mo-alarm-old"] = body(1)
    desired = [Resource("composite", "mo-page", body(0)), Resource("alarm", "mo-alarm", body(0)),
               Resource("topic", "mo-topic", body(0))]
    plan = compute_plan(desired, read_owned(adapters))
    events: list[ProgressEvent] = []
    result = Applier(adapters, clock, order=("topic", "alarm", "composite")).apply(plan, events.append)
    assert result.ok and result.writes == 5
    assert [(verb, name) for verb, name, _ in log] == [
        ("put", "mo-topic"), ("put", "mo-alarm"), ("put", "mo-page"),
        ("delete", "mo-page-old"), ("delete", "mo-alarm-old")]
    assert [(e.index, e.total) for e in events] == [(i, 5) for i in range(1, 6)]
    assert [c.name for c in result.done] == ["mo-topic", "mo-alarm", "mo-page", "mo-page-old", "mo-alarm-old"]
