"""CloudWatch dashboard limits, enforced before any call.

Source unless noted: "CloudWatch service quotas", Dashboards row,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
("Up to 500 widgets per dashboard. Up to 500 metrics per dashboard widget.
Up to 2500 metrics per dashboard, across all widgets"), and "Dashboard Body
Structure and Syntax",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
(the 24-column grid; widget width 1-24, height 1-1000).
"""

from __future__ import annotations

MAX_WIDGETS_PER_DASHBOARD = 500
MAX_METRICS_PER_WIDGET = 500
MAX_METRICS_PER_DASHBOARD = 2500
GRID_COLUMNS = 24
MAX_WIDGET_HEIGHT = 1000
# PutDashboard's reference gives no body size; CloudFormation caps a template at 1 MB
# (CloudFormation quotas, "Template body size in a request": 51,200 bytes inline,
# 1 MB from S3), so a body above 1 MB could not be exported: refuse it before sending.
MAX_BODY_BYTES = 1_000_000
# DashboardName: "A-Z, a-z, 0-9, '-' and '_'", up to 255 characters (PutDashboard API reference).
DASHBOARD_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,255}$"
