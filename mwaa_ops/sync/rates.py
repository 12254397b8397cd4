"""Write rates of the APIs the sync frame calls, in requests per second.

Source: "CloudWatch service quotas", API request quotas table,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
(per account and Region; adjustable through Service Quotas) and "Amazon SNS
endpoints and quotas", https://docs.aws.amazon.com/general/latest/gr/sns.html
(API throttling table). The frame paces at these rates; a throttling answer
halves the rate (see :class:`mwaa_ops.cloudwatch.pacing.Pacer`).
"""

from __future__ import annotations

# CloudWatch dashboards: PutDashboard, GetDashboard, ListDashboards, DeleteDashboards.
CLOUDWATCH_DASHBOARD_TPS = 10.0
# CloudWatch alarms: PutMetricAlarm, PutCompositeAlarm and DeleteAlarms share this quota.
CLOUDWATCH_PUT_METRIC_ALARM_TPS = 3.0
CLOUDWATCH_DESCRIBE_ALARMS_TPS = 9.0
# GetMetricData (read-back for check/preview/backtest).
CLOUDWATCH_GET_METRIC_DATA_TPS = 50.0
# SNS CreateTopic / DeleteTopic / TagResource (the smallest of the control-plane quotas).
SNS_CONTROL_PLANE_TPS = 10.0
