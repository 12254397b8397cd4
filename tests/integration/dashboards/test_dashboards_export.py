"""export writes CloudFormation that cfn-lint accepts, Terraform JSON and raw bodies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mwaa_ops.clock import FakeClock
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.dashboards.export import CFN_FILE, TF_FILE, export
from mwaa_ops.local import LocalEndpoint
from tests.integration.dashboards.sync_env import client, make_config
from tests.support.fault_proxy import FaultProxy

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def test_exports(proxy: FaultProxy, endpoint: LocalEndpoint, definitions: Path,
                 tmp_path: Path) -> None:
    endpoint.emulator.seed_environment("prod", "2.10.3")
    config = make_config(proxy, definitions)
    desired = prepare(config, None, lambda s: client(config, s), FakeClock()).desired
    names = sorted(d.name for d in desired)

    [template] = export(desired, "cloudformation", tmp_path / "cfn")
    assert template.name == CFN_FILE
    lint = subprocess.run([CFN_LINT, "--regions", "us-east-1", "--", str(template)],
                          capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    resources = json.loads(template.read_text())["Resources"]
    assert sorted(r["Properties"]["DashboardName"] for r in resources.values()) == names
    by_name = {d.name: d.body for d in desired}
    for resource in resources.values():
        props = resource["Properties"]
        assert json.loads(props["DashboardBody"]) == by_name[props["DashboardName"]]

    [tf] = export(desired, "terraform", tmp_path / "tf")
    assert tf.name == TF_FILE
    tf_resources = json.loads(tf.read_text())["resource"]["aws_cloudwatch_dashboard"]
    assert sorted(r["dashboard_name"] for r in tf_resources.values()) == names
    assert all("${" not in r["dashboard_body"].replace("$${", "") for r in tf_resources.values())

    files = export(desired, "json", tmp_path / "raw")
    assert sorted(p.stem for p in files) == names
    assert json.loads(files[0].read_text()) == by_name[files[0].stem]
