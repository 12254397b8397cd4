"""Apply a :class:`~mwaa_ops.sync.plan.Plan`: the write calls, paced, owned resources only.

Each resource kind has an :class:`Adapter` (dashboards, metric alarms,
composite alarms, SNS topics) that knows its API; this module owns what they
share: the order of calls, pacing at the adapter's documented write rate
(token bucket on the injected clock, halved on throttling), retries of
transient failures, the write-call count, the ownership check before any
update or delete, and progress reporting. A plan with nothing pending makes
no call at all.

Order: by default the plan's own (deletes, creates, updates). When kinds
depend on each other (a composite alarm's rule names metric alarms, an alarm
action names an SNS topic), the feature gives the kinds in dependency order
(``Applier(..., order=("sns-topic", "metric-alarm", "composite-alarm"))``):
creates and updates then go kind by kind in that order, and deletes come
after all of them, in the reverse order, so nothing is written before what it
names exists, and nothing is deleted while something still names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mwaa_ops.clock import Clock
from mwaa_ops.cloudwatch.pacing import Pacer
from mwaa_ops.errors import THROTTLING_CODES, MwaaOpsError, RetryableAwsError
from mwaa_ops.sync.plan import Change, Plan, Resource

# A transient failure (throttling, 5xx) is tried this many times in all per change.
MAX_ATTEMPTS = 4


class Adapter(Protocol):
    """The API of one resource kind. Methods raise :class:`~mwaa_ops.errors.AwsError`."""

    kind: str
    # Documented write rate of the API, requests per second (from mwaa_ops.sync.rates).
    write_rate: float

    def list_owned(self) -> list[Resource]:
        """Read calls only: every resource of this kind that carries the ownership marker,
        with its body normalised exactly like desired bodies."""
        ...

    def owns(self, resource: Resource) -> bool:
        """Whether a resource read back carries the ownership marker (name prefix + marker)."""
        ...

    def put(self, resource: Resource) -> None:
        """Create or overwrite one resource: exactly one write call."""
        ...

    def delete(self, resource: Resource) -> None:
        """Delete one resource: exactly one write call."""
        ...


@dataclass(frozen=True)
class ProgressEvent:
    """Reported after each change: position, the change, and its outcome."""

    index: int  # 1-based position among the pending changes
    total: int
    change: Change
    outcome: str  # "done" | "failed" | "retrying" | "refused"
    error: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class ApplyResult:
    """What apply did: write calls made (attempts included), outcomes, failures."""

    writes: int = 0
    done: list[Change] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # "kind/name" -> error
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        counts = {"create": 0, "update": 0, "delete": 0}
        for change in self.done:
            counts[change.action] += 1
        return {"writes": self.writes, **counts, "unchanged": self.unchanged,
                "failed": dict(self.failed)}


def read_owned(adapters: Iterable[Adapter]) -> list[Resource]:
    """Current state for planning: what each adapter lists, kept only when it is owned."""
    out: list[Resource] = []
    for adapter in adapters:
        out.extend(r for r in adapter.list_owned() if adapter.owns(r))
    return out


class Applier:
    """Runs plans; one :class:`Pacer` per resource kind, living across plans."""

    def __init__(self, adapters: Iterable[Adapter], clock: Clock, *, order: Sequence[str] = ()) -> None:
        self._adapters: Mapping[str, Adapter] = {a.kind: a for a in adapters}
        self._clock = clock
        self._order = tuple(order)
        self._pacers = {kind: Pacer(a.write_rate, clock) for kind, a in self._adapters.items()}

    def apply(self, plan: Plan, progress: ProgressCallback | None = None) -> ApplyResult:
        """Make the plan's pending changes (in :func:`apply_order`); failures are recorded,
        the rest carries on."""
        result = ApplyResult(unchanged=plan.counts["unchanged"])
        pending = apply_order(plan.pending, self._order)
        for index, change in enumerate(pending, start=1):
            adapter = self._adapters.get(change.kind)
            key = f"{change.kind}/{change.name}"
            if adapter is None:
                result.failed[key] = f"no adapter for kind {change.kind!r}"
                _report(progress, ProgressEvent(index, len(pending), change, "failed",
                                                result.failed[key]))
                continue
            refusal = _refusal(adapter, change)
            if refusal:
                result.failed[key] = refusal
                _report(progress, ProgressEvent(index, len(pending), change, "refused", refusal))
                continue
            error = self._write(adapter, change, result, progress, index, len(pending))
            if error:
                result.failed[key] = error
                _report(progress, ProgressEvent(index, len(pending), change, "failed", error))
            else:
                result.done.append(change)
                _report(progress, ProgressEvent(index, len(pending), change, "done"))
        return result

    def _write(
        self, adapter: Adapter, change: Change, result: ApplyResult,
        progress: ProgressCallback | None, index: int, total: int,
    ) -> str:
        pacer = self._pacers[adapter.kind]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._clock.sleep(pacer.reserve())
            result.writes += 1
            try:
                if change.action == "delete":
                    assert change.current is not None
                    adapter.delete(change.current)
                else:
                    assert change.desired is not None
                    adapter.put(change.desired)
            except RetryableAwsError as exc:
                if exc.code in THROTTLING_CODES or exc.status == 429:
                    pacer.on_throttle()
                if attempt == MAX_ATTEMPTS:
                    return f"{exc} (after {attempt} attempts)"
                _report(progress, ProgressEvent(index, total, change, "retrying", str(exc)))
                continue
            except MwaaOpsError as exc:
                return str(exc)
            pacer.on_success()
            return ""
        return "not attempted"  # pragma: no cover - the loop always returns


def apply_order(changes: Sequence[Change], order: Sequence[str] = ()) -> tuple[Change, ...]:
    """``changes`` in the order they are applied, for kinds listed in dependency order.

    Empty ``order``: as given (the plan's order). Otherwise creates and updates
    kind by kind as ``order`` lists them, then deletes kind by kind in reverse;
    a kind not listed comes after the listed ones for writes and before them for
    deletes. Within one kind and action the given order is kept (a stable sort).
    """
    if not order:
        return tuple(changes)
    rank = {kind: i for i, kind in enumerate(order)}

    def key(change: Change) -> tuple[int, int]:
        position = rank.get(change.kind, len(order))
        return (1, -position) if change.action == "delete" else (0, position)

    return tuple(sorted(changes, key=key))


def _refusal(adapter: Adapter, change: Change) -> str:
    """Why a change must not be made: an update or delete of something not owned."""
    unowned = change.current is None or not adapter.owns(change.current)
    if change.action in ("update", "delete") and unowned:
        return (f"{change.kind} {change.name!r} does not carry the mwaa-ops ownership "
                f"marker: left untouched")
    return ""


def _report(progress: ProgressCallback | None, event: ProgressEvent) -> None:
    if progress is not None:
        progress(event)
