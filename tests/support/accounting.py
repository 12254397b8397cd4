"""The accounting check of the delivery fault tests.

``sent = delivered + counted drops``, and duplicates (copies CloudWatch stored
beyond the first, counted exactly by the fault proxy) never exceed what the
publisher counted as possible duplicates (``datums_resent``). Each scenario's
figures are logged, and appended as a JSON line to ``$DELIVERY_FAULT_FIGURES``
when that is set (the closing note quotes them).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from mwaa_ops.telemetry import Telemetry
from tests.support.fault_proxy import FaultProxy


@dataclass(frozen=True)
class Figures:
    scenario: str
    sent: int
    delivered: int
    dropped: int
    duplicated: int
    counted_resent: int

    def check(self) -> None:
        assert self.sent == self.delivered + self.dropped, (
            f"{self.scenario}: unaccounted: sent {self.sent} != delivered {self.delivered}"
            f" + counted drops {self.dropped}")
        assert self.duplicated <= self.counted_resent, (
            f"{self.scenario}: {self.duplicated} duplicates but only {self.counted_resent} counted")


def account(scenario: str, sent: int, proxy: FaultProxy, *telemetry: Telemetry) -> Figures:
    delivered, duplicated = proxy.stored_totals()
    figures = Figures(
        scenario, sent, delivered,
        int(sum(t.get("datums_dropped") for t in telemetry)),
        duplicated,
        int(sum(t.get("datums_resent") for t in telemetry)),
    )
    path = os.environ.get("DELIVERY_FAULT_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(figures)) + "\n")
    print(f"\n{figures}")  # noqa: T201 - the figures are the point of the test
    figures.check()
    return figures
