"""The name catalogue: which Airflow names feed which MWAA CloudWatch metrics.

Built from two data files in ``mwaa_ops.data``:

- ``mwaa-cloudwatch-metric-map.csv``: the MWAA page, one row per table row
  (Airflow name template, CloudWatch metric, dimensions, unit, version range).
- ``airflow-metric-forms.yaml``: how Airflow actually emits each template: its
  *base* name (bare in plain StatsD, tagged in InfluxDB/DogStatsD mode), which
  tags carry each variable, extra legacy spellings, renames and the unmapped
  metrics that also come twice.

The catalogue groups every name form of one Airflow event into a
:class:`Family` (keyed by the base name) so the mapper can publish exactly one
form per family and interval.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from mwaa_ops.errors import DefinitionError

MAP_FILE = "mwaa-cloudwatch-metric-map.csv"
FORMS_FILE = "airflow-metric-forms.yaml"
# Airflow's default ``statsd_prefix``; one row of the page keeps it.
AIRFLOW_PREFIX = "airflow."

COUNTER, GAUGE, TIMER = "counter", "gauge", "timer"
_KINDS = (COUNTER, GAUGE, TIMER)
TEMPLATE_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def parse_versions(text: str, where: str) -> SpecifierSet | None:
    """A pip-style range, or ``None`` for ``all`` / empty (no limit)."""
    text = (text or "").strip()
    if text in ("", "all"):
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise DefinitionError(f"{where}: {text!r} is not a version range like '>=2.7.2'") from exc


def _applies(versions: SpecifierSet | None, version: Version | None) -> bool:
    return versions is None or version is None or versions.contains(version, prereleases=True)


# Probe releases of one major: minors 0-39, first and late patch. A range admits a
# major when it admits any of them (">=2.7,<2.10" admits 2; "<3" does not admit 3).
_MAJOR_PROBES = {major: tuple(Version(f"{major}.{minor}.{patch}") for minor in range(40) for patch in (0, 99))
                 for major in (2, 3)}


def applies_to_major(versions: SpecifierSet | None, major: int | None) -> bool:
    """Whether a version range admits some release of Airflow ``major`` (``None``: any)."""
    if versions is None or major is None:
        return True
    probes = _MAJOR_PROBES.get(major) or (Version(f"{major}.0.0"),)
    return any(versions.contains(v, prereleases=True) for v in probes)


@dataclass(frozen=True)
class MajorSignals:
    """Names and tags that only one Airflow major version sends (``major_version_signals``)."""

    names: Mapping[str, int] = field(default_factory=dict)
    name_prefixes: tuple[tuple[str, int], ...] = ()
    tags: Mapping[str, int] = field(default_factory=dict)

    def major_of(self, name: str, tags: tuple[tuple[str, str], ...]) -> int | None:
        """The major version a series (prefix removed) proves, or ``None``."""
        major = self.names.get(name)
        if major is not None:
            return major
        for prefix, major in self.name_prefixes:
            if name.startswith(prefix):
                return major
        for key, _ in tags:
            major = self.tags.get(key)
            if major is not None:
                return major
        return None


def template_variables(template: str) -> tuple[str, ...]:
    """The ``{variables}`` of a name template, in order."""
    return tuple(TEMPLATE_VARIABLE.findall(template))


@dataclass(frozen=True, slots=True)
class MapRow:
    """One row of the MWAA page (or an alias copying one)."""

    airflow_metric: str
    cloudwatch_metric: str
    # (dimension name, literal value or "{variable}") as on the page.
    dimensions: tuple[tuple[str, str], ...]
    unit: str
    versions: SpecifierSet | None
    kind: str
    notes: str = ""
    alias_of: str = ""
    # Published only when named in the compatibility setting (airflow.compat_metrics).
    compat_only: bool = False

    def applies_to(self, version: Version | None) -> bool:
        return _applies(self.versions, version)

    @property
    def dimension_variables(self) -> tuple[str, ...]:
        return tuple(v for _, value in self.dimensions for v in template_variables(value))


@dataclass(frozen=True, slots=True)
class NameForm:
    """A name template with ids inside (a *legacy* name) compiled for matching.

    ``groups[i]`` lists the variables captured by regex group ``i + 1``: free-text
    variables next to each other (``{dag_id}.{task_id}``) share one group, which
    the mapper splits with what it knows about ids.
    """

    template: str
    regex: re.Pattern[str]
    groups: tuple[tuple[str, ...], ...]
    versions: SpecifierSet | None = None
    scale: float = 1.0
    guard: str = ""

    def applies_to(self, version: Version | None) -> bool:
        return _applies(self.versions, version)

    @property
    def index_key(self) -> str:
        """First dot-separated segment when it is literal, else ``""``."""
        head = self.template.split(".", 1)[0]
        return "" if "{" in head or "." not in self.template else head


@dataclass(frozen=True, slots=True)
class BaseVariant:
    """How to read the base form for some versions (which tags mark it, its scale)."""

    requires_tags: tuple[str, ...] = ()
    versions: SpecifierSet | None = None
    scale: float = 1.0


@dataclass(frozen=True)
class Family:
    """Every name form of one Airflow event, and the CloudWatch metrics it feeds."""

    key: str
    base: str | None
    rows: tuple[MapRow, ...]
    legacy: tuple[NameForm, ...]
    tag_names: Mapping[str, tuple[str, ...]]
    kind: str
    base_variants: tuple[BaseVariant, ...] = ()
    variables: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Catalogue:
    """All families, plus the variable patterns and seed ids the mapper uses."""

    rows: tuple[MapRow, ...]
    families: tuple[Family, ...]
    seed_ids: Mapping[str, tuple[str, ...]]
    signals: MajorSignals = field(default_factory=MajorSignals)

    def templates(self, version: str | Version | None = None) -> set[str]:
        """Every Airflow name (or template) the catalogue knows for ``version``.

        Base names, map templates and legacy spellings, whether mapped or not.
        """
        ver = Version(str(version)) if version is not None else None
        out: set[str] = set()
        for family in self.families:
            rows = [r for r in family.rows if r.applies_to(ver)]
            if family.base and (rows or not family.rows):
                out.add(family.base)
            out.update(r.airflow_metric for r in rows)
            out.update(f.template for f in family.legacy if f.applies_to(ver))
        return out


def compile_template(template: str, patterns: Mapping[str, str]) -> tuple[re.Pattern[str], tuple[tuple[str, ...], ...]]:
    """A full-match regex for ``template`` and the variables of each group."""
    parts = TEMPLATE_VARIABLE.split(template)  # literal, var, literal, var, ..., literal
    regex: list[str] = []
    groups: list[list[str]] = []
    previous_free = False
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex.append(re.escape(part))
            previous_free = previous_free and part == "."
            continue
        free = part not in patterns
        if free and previous_free:
            regex.pop()  # the "." and the previous "(.+)" become one group
            groups[-1].append(part)
            continue
        groups.append([part])
        regex.append("(.+)" if free else f"({patterns[part]})")
        previous_free = free
    return re.compile("".join(regex)), tuple(tuple(g) for g in groups)


def _read_map_rows(text: str) -> list[MapRow]:
    rows: list[MapRow] = []
    reader = csv.DictReader(io.StringIO(text))
    for line, raw in enumerate(reader, start=2):
        where = f"{MAP_FILE}:{line}"
        try:
            metric = raw["airflow_metric"].strip()
            notes = raw["notes"].strip()
            kind = notes.split(";", 1)[0].strip()
            dims = tuple(
                tuple(part.split("=", 1)) for part in raw["dimensions"].split(";") if part.strip()
            )
            row = MapRow(
                airflow_metric=metric.removeprefix(AIRFLOW_PREFIX),
                cloudwatch_metric=raw["cloudwatch_metric"].strip(),
                dimensions=tuple((n.strip(), v.strip()) for n, v in dims),
                unit=raw["unit"].strip(),
                versions=parse_versions(raw["airflow_versions"], where),
                kind=kind,
                notes=notes,
            )
        except (KeyError, ValueError, AttributeError) as exc:
            if isinstance(exc, DefinitionError):
                raise
            raise DefinitionError(f"{where}: malformed row ({exc})") from exc
        if kind not in _KINDS:
            raise DefinitionError(f"{where}: notes must start with one of {_KINDS}, not {kind!r}")
        rows.append(row)
    return rows


def _form(template: str, patterns: Mapping[str, str], **kw: Any) -> NameForm:
    regex, groups = compile_template(template, patterns)
    return NameForm(template, regex, groups, **kw)


def build_catalogue(map_csv: str, forms_yaml: str) -> Catalogue:
    """Parse the two data files into a :class:`Catalogue` (pure: text in)."""
    rows = _read_map_rows(map_csv)
    data = yaml.safe_load(forms_yaml) or {}
    compat = set(data.get("compat_only") or ())
    rows = [replace(r, compat_only=True) if r.cloudwatch_metric in compat else r for r in rows]
    patterns: dict[str, str] = dict(data.get("variables") or {})
    forms: dict[str, dict[str, Any]] = data.get("forms") or {}
    twins: dict[str, list[dict[str, Any]]] = data.get("twins") or {}
    twin_tags: dict[str, list[str]] = data.get("twin_tags") or {}
    by_template = {r.airflow_metric: r for r in rows}

    for alias in data.get("aliases") or ():
        source = by_template.get(alias["same_as"])
        if source is None:
            raise DefinitionError(f"{FORMS_FILE}: alias {alias['airflow_metric']!r} copies unknown {alias['same_as']!r}")
        rows.append(
            MapRow(
                airflow_metric=alias["airflow_metric"],
                cloudwatch_metric=source.cloudwatch_metric,
                dimensions=source.dimensions,
                unit=source.unit,
                versions=parse_versions(alias.get("airflow_versions", "all"), FORMS_FILE),
                kind=source.kind,
                notes=alias.get("why", ""),
                alias_of=source.airflow_metric,
            )
        )

    # Group rows by family key, collecting legacy forms and tag names on the way.
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        template = row.airflow_metric
        spec = forms.get(template, {})
        variables = template_variables(template)
        if variables and template not in forms:
            raise DefinitionError(f"{FORMS_FILE}: no entry under 'forms' for map template {template!r}")
        key = spec.get("base") or template if variables else template
        group = grouped.setdefault(
            key,
            {"base": spec.get("base") if variables else template, "rows": [], "legacy": [],
             "tags": {}, "kind": row.kind, "variants": ()},
        )
        group["rows"].append(row)
        for extra in spec.get("legacy") or ():
            if extra["template"] not in {f.template for f in group["legacy"]}:
                group["legacy"].append(
                    _form(extra["template"], patterns,
                          versions=parse_versions(extra.get("airflow_versions", "all"), FORMS_FILE),
                          scale=float(extra.get("scale", 1.0)), guard=extra.get("guard", ""))
                )
        if variables and template not in {f.template for f in group["legacy"]}:
            versions = row.versions
            if spec.get("legacy_versions"):
                versions = parse_versions(spec["legacy_versions"], FORMS_FILE)
            group["legacy"].append(
                _form(template, patterns, versions=versions, scale=float(spec.get("legacy_scale", 1.0)))
            )
        for twin in twins.get(template, ()):
            if twin["template"] not in {f.template for f in group["legacy"]}:
                group["legacy"].append(_form(twin["template"], patterns))
        for var in variables:
            group["tags"].setdefault(var, tuple((spec.get("tags") or {}).get(var, [var])))
        for var, names in twin_tags.items():
            group["tags"].setdefault(var, tuple(names))
        if spec.get("base_variants"):
            group["variants"] = tuple(
                BaseVariant(tuple(v.get("requires_tags") or ()),
                            parse_versions(v.get("airflow_versions", "all"), FORMS_FILE),
                            float(v.get("scale", 1.0)))
                for v in spec["base_variants"]
            )

    for extra in data.get("unmapped_families") or ():
        legacy = [_form(t, patterns) for t in extra.get("legacy") or ()]
        variables = tuple(dict.fromkeys(v for f in legacy for v in template_variables(f.template)))
        grouped.setdefault(
            extra["base"],
            {"base": extra["base"], "rows": [], "legacy": legacy,
             "tags": {v: (v,) for v in variables}, "kind": extra.get("kind", ""), "variants": ()},
        )

    families = []
    for key, g in grouped.items():
        variables = tuple(dict.fromkeys(
            v for f in g["legacy"] for v in template_variables(f.template)
        ))
        families.append(
            Family(key=key, base=g["base"], rows=tuple(g["rows"]), legacy=tuple(g["legacy"]),
                   tag_names=dict(g["tags"]), kind=g["kind"], base_variants=g["variants"],
                   variables=variables)
        )
    seeds = {k: tuple(v) for k, v in (data.get("seed_ids") or {}).items()}
    return Catalogue(rows=tuple(rows), families=tuple(families), seed_ids=seeds,
                     signals=_read_signals(data.get("major_version_signals") or {}))


def _read_signals(data: Mapping[Any, Any]) -> MajorSignals:
    names: dict[str, int] = {}
    prefixes: list[tuple[str, int]] = []
    tags: dict[str, int] = {}
    for major, spec in data.items():
        try:
            number = int(major)
        except (TypeError, ValueError):
            raise DefinitionError(f"{FORMS_FILE}: major_version_signals key {major!r} is not a major version") from None
        for name in spec.get("names") or ():
            names[name] = number
        prefixes.extend((p, number) for p in spec.get("name_prefixes") or ())
        for tag in spec.get("tags") or ():
            tags[tag] = number
    return MajorSignals(names, tuple(prefixes), tags)


def _read_data(name: str) -> str:
    return resources.files("mwaa_ops.data").joinpath(name).read_text(encoding="utf-8")


_DEFAULT: Catalogue | None = None


def load_catalogue() -> Catalogue:
    """The catalogue shipped with mwaa-ops (parsed once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = build_catalogue(_read_data(MAP_FILE), _read_data(FORMS_FILE))
    return _DEFAULT

