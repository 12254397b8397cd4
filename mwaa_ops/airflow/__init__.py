"""Airflow metric names to the MWAA CloudWatch schema.

``NameMapper`` settles each interval's distinct StatsD series into CloudWatch
targets (MWAA metric names, dimensions, units), publishing one form per event
when Airflow emits both a legacy and a base/tagged name. ``load_catalogue``
gives the name catalogue built from ``mwaa_ops/data``. Rules:
docs/metric-names.md.
"""

from __future__ import annotations

from mwaa_ops.airflow.catalogue import Catalogue, Family, MapRow, build_catalogue, load_catalogue
from mwaa_ops.airflow.ids import KnownIds
from mwaa_ops.airflow.mapper import NameMapper
from mwaa_ops.airflow.target import Target, canonical

__all__ = [
    "Catalogue",
    "Family",
    "KnownIds",
    "MapRow",
    "NameMapper",
    "Target",
    "build_catalogue",
    "canonical",
    "load_catalogue",
]
