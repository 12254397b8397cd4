"""Ids inside Airflow metric names: learning them, splitting names, choosing the spelling.

Airflow 2.x writes ids into legacy names as they are, so a task in a task group
makes ``ti.finish.my_dag.section_1.task_1.success`` and nothing in the name
says where the DAG id ends. Airflow 3.3 writes each dot inside an id as ``__``
(``ti.finish.my_dag.section_1__task_1.success``) and carries the real id in
its tags. :class:`KnownIds` remembers the ids seen unambiguously (in tags, or
as the whole remainder of ``dagrun.duration.success.<dag_id>`` and the like)
and uses them to split and to turn ``__`` back into dots.

Rules (also in docs/metric-names.md):

- Splitting a run of adjacent ids (``{dag_id}.{task_id}``): a known DAG id that
  is a prefix wins (the longest one); otherwise each id but the last takes one
  dot-separated segment and the last takes the rest. So an unknown DAG id is
  read as the first segment: task groups (dotted task ids) are far more common
  than dotted DAG ids.
- Spelling: an id read from a tag reaches the dimension as it is. An id read
  from a name keeps the name's spelling, except that an id containing ``__``
  is replaced by the real id whose ``__`` spelling it is, when that id is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

# Tag keys whose values are ids worth learning, and the variable each feeds.
LEARNED_TAGS: Mapping[str, str] = {
    "dag_id": "dag_id",
    "task_id": "task_id",
    "pool_name": "pool_name",
    "hostname": "hostname",
    "file_name": "dag_filename",
    "bundle_name": "bundle_name",
    "executor_class_name": "executor_class_name",
}

# Airflow 3.3 writes "." inside an id as this in legacy names
# (airflow/_shared/observability/metrics/stats.py, _get_legacy_stat_name_and_tags).
DOT_ESCAPE = "__"


def escaped(value: str) -> str:
    """The spelling Airflow 3.3 gives ``value`` inside a legacy name."""
    return value.replace(".", DOT_ESCAPE)


class KnownIds:
    """Ids seen unambiguously, per variable (``dag_id``, ``task_id``, ``pool_name`` ...)."""

    def __init__(self, seeds: Mapping[str, Iterable[str]] | None = None) -> None:
        self._ids: dict[str, set[str]] = {}
        # variable -> escaped spelling -> real id
        self._unescape: dict[str, dict[str, str]] = {}
        for variable, values in (seeds or {}).items():
            for value in values:
                self.add(variable, value)

    def add(self, variable: str, value: str) -> bool:
        """Remember ``value``; True when it was new."""
        known = self._ids.setdefault(variable, set())
        if not value or value in known:
            return False
        known.add(value)
        spelled = escaped(value)
        if spelled != value:
            self._unescape.setdefault(variable, {}).setdefault(spelled, value)
        return True

    def learn_tags(self, tags: Sequence[tuple[str, str]]) -> bool:
        """Learn the id-carrying tags of one series; True when anything was new."""
        new = False
        for key, value in tags:
            variable = LEARNED_TAGS.get(key)
            if variable is not None and self.add(variable, value):
                new = True
        return new

    def knows(self, variable: str, value: str) -> bool:
        if value in self._ids.get(variable, ()):
            return True
        return value in self._unescape.get(variable, {})

    def real(self, variable: str, value: str) -> str:
        """The spelling that reaches the dimension (see the module docstring)."""
        if DOT_ESCAPE in value:
            return self._unescape.get(variable, {}).get(value, value)
        return value

    def is_ambiguous(self, value: str) -> bool:
        """Whether a later-learned id could change how ``value`` is read."""
        return DOT_ESCAPE in value

    def split(self, text: str, variables: Sequence[str]) -> tuple[list[str], bool] | None:
        """Split ``text`` into one value per variable.

        Also returns whether the result depends on the ids known so far (so a
        cached reading must be redone when new ids are learned). ``None`` when
        ``text`` has fewer segments than variables.
        """
        segments = text.split(".")
        if len(segments) < len(variables):
            return None
        if len(variables) == 1:
            return [text], False
        values: list[str] = []
        depends = False
        pos = 0
        for i, variable in enumerate(variables):
            remaining = len(variables) - i - 1
            if remaining == 0:
                values.append(".".join(segments[pos:]))
                break
            room = len(segments) - pos - remaining  # most segments this id may take
            take = 1
            if room > 1:
                depends = True
                known = self._ids.get(variable, set())
                unescape = self._unescape.get(variable, {})
                for k in range(room, 0, -1):
                    candidate = ".".join(segments[pos:pos + k])
                    if candidate in known or candidate in unescape:
                        take = k
                        break
            values.append(".".join(segments[pos:pos + take]))
            pos += take
        return values, depends
