"""Dashboards as code: CloudWatch dashboards built from ``dashboards/*.yaml`` (docs/dashboards.md).

Built on the sync frame (:mod:`mwaa_ops.sync`): definitions → pure plan →
paced, owner-only apply; plus ``check`` (does CloudWatch hold data for every
widget?), ``preview`` (static HTML with matplotlib charts) and ``export``
(CloudFormation, Terraform, raw JSON).
"""
