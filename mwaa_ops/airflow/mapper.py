"""Airflow StatsD series to MWAA CloudWatch targets, settled once per flush interval.

Airflow emits most events twice: a *legacy* name with ids inside
(``ti.finish.<dag_id>.<task_id>.<state>``) and a *base* name (``ti.finish``),
bare in plain StatsD mode and carrying the ids as tags in InfluxDB/DogStatsD
mode. To count each event once in each CloudWatch metric, whatever the Airflow
setting, :meth:`NameMapper.resolve` looks at all distinct series of an
interval and, per family (all forms of one event), publishes exactly one form:

1. the base form with tags for every variable the dimensions need ("complete";
   a bare base is complete when the dimensions need no ids, e.g.
   ``executor.open_slots`` or ``ti.start`` whose dimensions are ``All``);
2. else the legacy forms;
3. else the bare base, with ``All`` for the ids it cannot give.

The other forms of that family map to ``()`` (not published). Mapping a
distinct series is cached; an interval of already-seen series costs a few
dictionary look-ups each.

Airflow major version: Airflow 2 and 3 spell some names differently and send
some values in other units (``dag_processing.last_duration.<file>`` in
milliseconds from 2.x, ``...last_duration.<bundle>.<file>`` in seconds from
3.x). Every such rule carries a version range in the catalogue; the mapper
applies the ranges of the major version it is given (``airflow_major``, from
the ``airflow.major_version`` config key) or, without one, of the major the
traffic proves (a name or tag only one major sends, the catalogue's
``major_version_signals``): the first such series switches the mapper and
drops every cached mapping, so all later intervals follow that major. Until
then, version-dependent forms are read by their guards (e.g. a known bundle name).
:attr:`NameMapper.major_version` and :attr:`NameMapper.major_source` say which
applies and why.

Memory: with 100,000 distinct series the cache is most of the mapper, so its
entries share what they can. Dimension pairs (``("DAG", "my_dag")``, with
their id strings) are interned in a table pruned with the cache, a series
without tags is cached under its name (the aggregator's own string) rather
than a fresh ``(name, ())`` tuple, and past ``max_cached`` entries the cache
keeps only the current interval's series.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from mwaa_ops.airflow import fallback
from mwaa_ops.airflow.catalogue import (
    TEMPLATE_VARIABLE,
    Catalogue,
    Family,
    MapRow,
    NameForm,
    applies_to_major,
    load_catalogue,
)
from mwaa_ops.airflow.ids import KnownIds
from mwaa_ops.airflow.target import Target, canonical
from mwaa_ops.statsd.series import SeriesAggregate

Tags = tuple[tuple[str, str], ...]
Key = tuple[str, Tags]

# Form ranks: higher wins within a family and interval.
RANK_COMPLETE_BASE = 2
RANK_LEGACY = 1
RANK_BARE_BASE = 0
# Value of a dimension whose id the chosen form cannot give (the page's own word
# for "not split by this dimension").
ALL = "All"
# Distinct series remembered; past this the cache keeps only the series of the
# current interval (memory bound, about 300 bytes per series). The agent's
# default series cap per interval (statsd.max_series), so an agent at its cap
# holds one interval's worth; pass ``max_cached`` to follow another cap.
MAX_CACHED_SERIES = 100_000
# Where the major version came from (``NameMapper.major_source``).
SOURCE_CONFIG = "config"
SOURCE_TRAFFIC = "traffic"
SOURCE_UNKNOWN = "unknown"

@dataclass(frozen=True, slots=True)
class _Plan:
    """A family as it applies to the configured Airflow version."""

    family: Family
    rows: tuple[MapRow, ...]
    variables: tuple[str, ...]  # ids the published dimensions use


@dataclass(frozen=True, slots=True)
class _Entry:
    family: str | None  # None: not part of a family, always published
    rank: int
    targets: tuple[Target, ...]
    depends_on_ids: bool = False


class NameMapper:
    """Maps the distinct StatsD series of one interval to CloudWatch targets.

    ``environment`` becomes the ``Environment`` dimension of every target.
    ``airflow_version`` (e.g. ``"2.11.2"``) keeps only the map rows and name
    forms that apply to it; ``airflow_major`` (2 or 3) those that apply to
    some release of that major; with neither, the major is detected from the
    traffic (see the module docstring). ``fallback`` forwards metrics the page
    does not map (see :mod:`mwaa_ops.airflow.fallback`). ``compat_metrics``
    turns on map rows the catalogue keeps off by default (``PoolFailures``,
    see docs/metric-names.md). ``on_major_detected(major, name)`` is called
    once when the traffic proves the major version.
    """

    def __init__(
        self,
        environment: str,
        *,
        airflow_version: str | None = None,
        airflow_major: int | None = None,
        catalogue: Catalogue | None = None,
        fallback: bool = True,
        max_cached: int = MAX_CACHED_SERIES,
        compat_metrics: Iterable[str] = (),
        on_major_detected: Callable[[int, str], None] | None = None,
    ) -> None:
        self.environment = environment
        self._max_cached = max(1, max_cached)
        self._version = Version(airflow_version) if airflow_version else None
        if self._version is not None:
            airflow_major = self._version.major
        self._major = airflow_major
        self.major_source = SOURCE_CONFIG if airflow_major is not None else SOURCE_UNKNOWN
        self._fallback = fallback
        self._compat = frozenset(compat_metrics)
        self._on_major = on_major_detected
        catalogue = catalogue or load_catalogue()
        self._catalogue = catalogue
        self._signals = catalogue.signals
        self._known = KnownIds(catalogue.seed_ids)
        self._build_index()

    @property
    def major_version(self) -> int | None:
        """The Airflow major version the mapping follows (2 or 3), or ``None`` while unknown."""
        return self._major

    def _build_index(self) -> None:
        catalogue = self._catalogue
        # Keyed by the name alone for a series without tags, else by (name, tags).
        self._cache: dict[str | Key, _Entry] = {}
        self._id_dependent: set[str | Key] = set()
        self._env_pair = ("Environment", self.environment)
        # Interned dimension pairs, shared by the cache entries' targets (pruned
        # with the cache); the environment's pair is the mapper's own.
        self._shared: dict[tuple[str, str], tuple[str, str]] = {self._env_pair: self._env_pair}
        self._exact: dict[str, _Plan] = {}
        self._by_head: dict[str, list[tuple[NameForm, _Plan]]] = {}
        self._generic: list[tuple[NameForm, _Plan]] = []
        # Legacy forms whose only id is the DAG id: the remainder is a DAG id.
        self._dag_learners: dict[str, list[NameForm]] = {}
        for family in catalogue.families:
            self._add_family(family)

    # -- building the index -------------------------------------------------

    def _applies(self, versions: SpecifierSet | None) -> bool:
        if self._version is not None:
            return versions is None or versions.contains(self._version, prereleases=True)
        return applies_to_major(versions, self._major)

    def _add_family(self, family: Family) -> None:
        seen: set[tuple[str, tuple[tuple[str, str], ...], str]] = set()
        rows = []
        for row in family.rows:
            marker = (row.cloudwatch_metric, row.dimensions, row.unit)
            if row.compat_only and row.cloudwatch_metric not in self._compat:
                continue
            if self._applies(row.versions) and marker not in seen:
                seen.add(marker)
                rows.append(row)
        if rows:
            variables = tuple(dict.fromkeys(v for r in rows for v in r.dimension_variables))
        else:
            variables = family.variables
        legacy = tuple(f for f in family.legacy if self._applies(f.versions))
        plan = _Plan(family, tuple(rows), variables)
        if family.base:
            self._exact[family.base] = plan
        for form in legacy:
            head = form.index_key
            (self._by_head.setdefault(head, []) if head else self._generic).append((form, plan))
            if form.groups == (("dag_id",),) and head:
                self._dag_learners.setdefault(head, []).append(form)

    # -- public API ---------------------------------------------------------

    def learn(self, variable: str, values: Iterable[str]) -> None:
        """Tell the mapper real ids (e.g. ``learn("dag_id", ["my.dag"])``) before any metric shows them."""
        if any([self._known.add(variable, v) for v in values]):
            self._forget_id_dependent()

    def resolve(
        self, keys: Iterable[Key], kinds: Mapping[Key, str] | None = None
    ) -> dict[Key, tuple[Target, ...]]:
        """Targets for each distinct series of ONE interval; ``()`` = do not publish.

        ``keys`` are ``(name, tags)`` with the StatsD prefix removed and tags
        sorted. ``kinds`` (``counter``/``gauge``/``timer``/``set`` per key) only
        chooses the unit of fallback targets; without it they get ``None``.
        """
        keys = list(keys)
        kinds = kinds or {}
        entries = self._entries(
            [k if k[1] else k[0] for k in keys], lambda i: (keys[i][0], keys[i][1], kinds.get(keys[i], ""))
        )
        published = self._published(entries)
        return dict(zip(keys, published, strict=True))

    def resolve_series(self, series: Sequence[SeriesAggregate]) -> list[tuple[Target, ...]]:
        """:meth:`resolve` for a flush's aggregates: the targets of ``series[i]`` at ``[i]``.

        Same answers, less memory at the flush's peak: no ``(name, tags)``
        tuple, kinds dict or result dict per series (pass the list to
        :func:`mwaa_ops.cloudwatch.build_datums` as ``targets``).
        """
        def part(i: int) -> tuple[str, Tags, str]:
            s = series[i]
            return s.name, s.tags, s.kind

        return self._published(self._entries([(s.name, s.tags) if s.tags else s.name for s in series], part))

    def _entries(self, ckeys: list[str | Key], part: Callable[[int], tuple[str, Tags, str]]) -> list[_Entry]:
        """Cache entries for one interval's cache keys; ``part(i)`` gives name, tags and kind of ``ckeys[i]``."""
        cache = self._cache
        new = [i for i, ck in enumerate(ckeys) if ck not in cache]
        if new:
            if self._major is None and self._detect([part(i)[:2] for i in new]):
                cache = self._cache
                new = list(range(len(ckeys)))
            self._learn_from([part(i)[:2] for i in new])
            cache = self._make_room(ckeys, len(new))
            id_dependent = self._id_dependent
            # All keys, not only ``new``: learning may have forgotten id-dependent entries.
            for i, ckey in enumerate(ckeys):
                if ckey not in cache:
                    name, tags, kind = part(i)
                    entry = self._classify(name, tags, kind)
                    cache[ckey] = entry
                    if entry.depends_on_ids:
                        id_dependent.add(ckey)
        return [cache[ck] for ck in ckeys]

    @staticmethod
    def _published(entries: list[_Entry]) -> list[tuple[Target, ...]]:
        """Per entry, its targets if its form wins its family this interval, else ``()``."""
        best: dict[str, int] = {}
        for entry in entries:
            family = entry.family
            if family is not None and entry.rank > best.get(family, -1):
                best[family] = entry.rank
        return [
            entry.targets if entry.family is None or entry.rank == best[entry.family] else ()
            for entry in entries
        ]

    def _make_room(self, ckeys: list[str | Key], new: int) -> dict[str | Key, _Entry]:
        """Bound the cache: past ``max_cached`` keep only the entries of this interval's ``keys``."""
        cache = self._cache
        if len(cache) + new <= self._max_cached:
            return cache
        kept: dict[str | Key, _Entry] = {}
        for ckey in ckeys:
            entry = cache.get(ckey)
            if entry is not None:
                kept[ckey] = entry
        self._cache = kept
        self._id_dependent = {k for k in self._id_dependent if k in kept}
        # Re-intern the pairs the kept entries use, so the table does not grow forever.
        shared: dict[tuple[str, str], tuple[str, str]] = {self._env_pair: self._env_pair}
        for entry in kept.values():
            for target in entry.targets:
                for pair in target.dimensions:
                    shared.setdefault(pair, pair)
        self._shared = shared
        return kept

    # -- the Airflow major version ---------------------------------------------

    def _detect(self, keys: list[Key]) -> bool:
        """Switch to the major version the first proving series shows; True when switched."""
        signals = self._signals
        for name, tags in keys:
            major = signals.major_of(name, tags)
            if major is not None:
                self._major = major
                self.major_source = SOURCE_TRAFFIC
                self._build_index()  # drops every cached mapping too
                if self._on_major is not None:
                    self._on_major(major, name)
                return True
        return False

    # -- learning -----------------------------------------------------------

    def _learn_from(self, keys: list[Key]) -> None:
        learned = False
        known = self._known
        learners = self._dag_learners
        for name, tags in keys:
            if tags and known.learn_tags(tags):
                learned = True
            forms = learners.get(name.split(".", 1)[0])
            if forms:
                for form in forms:
                    match = form.regex.fullmatch(name)
                    if match and known.add("dag_id", match.group(1)):
                        learned = True
        if learned:
            self._forget_id_dependent()

    def _forget_id_dependent(self) -> None:
        for key in self._id_dependent:
            self._cache.pop(key, None)
        self._id_dependent.clear()

    # -- classifying one series ---------------------------------------------

    def _classify(self, name: str, tags: Tags, kind: str) -> _Entry:
        plan = self._exact.get(name)
        if plan is not None:
            return self._base_entry(plan, name, tags, kind)
        candidates = self._by_head.get(name.split(".", 1)[0], ())
        for group in (candidates, self._generic):
            for form, plan in group:
                match = form.regex.fullmatch(name)
                if match is not None:
                    entry = self._legacy_entry(plan, form, match, name, tags, kind)
                    if entry is not None:
                        return entry
        if not self._fallback:
            return _Entry(None, RANK_LEGACY, ())
        return _Entry(None, RANK_LEGACY, self._share_targets([fallback.target(self.environment, name, tags, kind)]))

    def _base_entry(self, plan: _Plan, name: str, tags: Tags, kind: str) -> _Entry:
        family = plan.family
        values: dict[str, str] = {}
        tag_map = dict(tags) if tags else {}
        if tag_map:
            for variable in plan.variables:
                value = _tag_value(family, tag_map, variable)
                if value:
                    values[variable] = value
        complete = len(values) == len(plan.variables)
        scale = 1.0
        for variant in family.base_variants:
            if self._major is not None:
                if self._applies(variant.versions):
                    scale = variant.scale
                    break
            elif all(t in tag_map for t in variant.requires_tags):
                scale = variant.scale
                break
        rank = RANK_COMPLETE_BASE if complete else RANK_BARE_BASE
        return _Entry(family.key, rank, self._targets(plan, values, scale, name, kind))

    def _legacy_entry(
        self, plan: _Plan, form: NameForm, match: re.Match[str], name: str, tags: Tags, kind: str
    ) -> _Entry | None:
        known = self._known
        raw: dict[str, str] = {}
        depends = False
        for i, variables in enumerate(form.groups, start=1):
            text = match.group(i)
            if len(variables) == 1:
                raw[variables[0]] = text
                continue
            split = known.split(text, variables)
            if split is None:
                return None
            parts, split_depends = split
            depends = depends or split_depends
            raw.update(zip(variables, parts, strict=True))
        if form.guard and self._major is None and not known.knows(form.guard, raw.get(form.guard, "")):
            return None
        tag_map = dict(tags) if tags else {}
        values: dict[str, str] = {}
        for variable, value in raw.items():
            tagged = _tag_value(plan.family, tag_map, variable)
            if tagged:
                values[variable] = tagged  # a tag has the real id
            else:
                real = known.real(variable, value)
                if real == value and known.is_ambiguous(value):
                    depends = True
                values[variable] = real
        targets = self._targets(plan, values, form.scale, name, kind)
        return _Entry(plan.family.key, RANK_LEGACY, targets, depends)

    def _targets(
        self, plan: _Plan, values: Mapping[str, str], scale: float, name: str, kind: str
    ) -> tuple[Target, ...]:
        if plan.rows:
            shared = self._shared
            targets = []
            for row in plan.rows:
                dims = [self._env_pair]
                for dim, template in row.dimensions:
                    value = TEMPLATE_VARIABLE.sub(lambda m: values.get(m.group(1)) or ALL, template)
                    pair = (dim, value)
                    dims.append(shared.setdefault(pair, pair))
                targets.append(Target(row.cloudwatch_metric, canonical(tuple(dims)), row.unit, scale))
            return tuple(targets)  # pairs already interned above
        if not self._fallback:
            return ()
        family = plan.family
        pairs = [(v, values[v]) for v in plan.variables if v in values]
        metric = family.base or name
        return self._share_targets([fallback.target(self.environment, metric, pairs, family.kind or kind)])

    def _share_targets(self, targets: list[Target]) -> tuple[Target, ...]:
        """``targets`` as a tuple, their dimension pairs interned.

        Only the pairs: there are few distinct ones (an environment, a few
        thousand DAG and task ids), while a whole dimension tuple is usually
        one series' own, so interning it would cost a table slot per series.
        """
        shared = self._shared
        out = []
        for target in targets:
            dims = target.dimensions
            interned = tuple(shared.setdefault(p, p) for p in dims)
            if any(a is not b for a, b in zip(interned, dims, strict=True)):
                target = Target(target.metric, interned, target.unit, target.scale)
            out.append(target)
        return tuple(out)


def _tag_value(family: Family, tag_map: Mapping[str, str], variable: str) -> str | None:
    """The first non-empty tag that carries ``variable`` (tags may name it differently)."""
    for tag in family.tag_names.get(variable, (variable,)):
        value = tag_map.get(tag)
        if value:
            return value
    return None
