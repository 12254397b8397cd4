"""The operations frame shared by dashboards, alarms and SNS topics.

Every operations feature has one shape (see docs/sync.md):

* :mod:`.definitions` — YAML files loaded with their line numbers and
  validated into typed (pydantic) models; every problem becomes a
  :class:`~mwaa_ops.errors.InvalidDefinitionError` naming file, line, key,
  value and what is allowed.
* :mod:`.plan` — a pure :class:`~.plan.Plan` (create / update / delete /
  unchanged) from desired and current (owned) resources, with field-level diffs.
* :mod:`.apply` — the calls, through a per-kind :class:`~.apply.Adapter`,
  paced under the API's rate limit (:mod:`.rates`), zero writes when nothing
  changed, never touching a resource without the ownership marker
  (:mod:`.ownership`).
* :mod:`.session` and :mod:`.job` — one plan/apply run (with the order in
  which kinds are applied) and the APScheduler job wrapper. The ``plan``/``apply``
  click pair lives with the other commands, in :mod:`mwaa_ops.cli.plan_apply`.

Nothing here imports boto3, the CLI or a feature package: features and the CLI
import the frame.
"""
