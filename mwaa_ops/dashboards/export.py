"""``dashboards export``: the rendered dashboards as CloudFormation, Terraform or raw JSON.

- ``cloudformation``: ``dashboards.template.json``, one ``AWS::CloudWatch::Dashboard``
  per dashboard (``DashboardBody`` is the JSON text), validated by cfn-lint in tests;
- ``terraform``: ``dashboards.tf.json`` (Terraform's JSON syntax), one
  ``aws_cloudwatch_dashboard`` per dashboard; ``${`` and ``%{`` are escaped
  so Terraform does not read them as interpolation;
- ``json``: ``<dashboard name>.json``, the body as PutDashboard takes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from mwaa_ops.sync.plan import Resource

FORMATS = ("cloudformation", "terraform", "json")
CFN_FILE = "dashboards.template.json"
TF_FILE = "dashboards.tf.json"


def logical_id(name: str) -> str:
    """``mwaa-ops-overview-prod`` -> ``MwaaOpsOverviewProdDashboard`` (CloudFormation: [A-Za-z0-9])."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name)
                   if part) + "Dashboard"


def _body_text(body: object) -> str:
    return json.dumps(body, separators=(",", ":"), sort_keys=False)


def export(dashboards: Sequence[Resource], fmt: str, out: Path) -> list[Path]:
    """Write the files of ``fmt`` into ``out`` (created); returns their paths."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(dashboards, key=lambda d: d.name)
    if fmt == "json":
        paths = []
        for dashboard in ordered:
            path = out / f"{dashboard.name}.json"
            path.write_text(json.dumps(dashboard.body, indent=2) + "\n")
            paths.append(path)
        return paths
    if fmt == "cloudformation":
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "CloudWatch dashboards managed by mwaa-ops (mwaa-ops dashboards export)",
            "Resources": {
                logical_id(d.name): {
                    "Type": "AWS::CloudWatch::Dashboard",
                    "Properties": {"DashboardName": d.name, "DashboardBody": _body_text(d.body)},
                } for d in ordered
            },
            "Outputs": {
                logical_id(d.name) + "Name": {"Value": {"Ref": logical_id(d.name)}}
                for d in ordered
            },
        }
        path = out / CFN_FILE
        path.write_text(json.dumps(template, indent=2) + "\n")
        return [path]
    resources = {
        re.sub(r"[^A-Za-z0-9_]", "_", d.name): {
            "dashboard_name": d.name,
            "dashboard_body": _body_text(d.body).replace("${", "$${").replace("%{", "%%{"),
        } for d in ordered
    }
    path = out / TF_FILE
    path.write_text(json.dumps({"resource": {"aws_cloudwatch_dashboard": resources}}, indent=2)
                    + "\n")
    return [path]
