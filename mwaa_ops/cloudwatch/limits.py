"""CloudWatch ``PutMetricData`` limits, in one place.

Source for every number unless noted: the CloudWatch API reference,
``PutMetricData`` and ``MetricDatum``
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html).
"""

from __future__ import annotations

# PutMetricData: "up to 1000 different metrics" per request.
MAX_DATUMS_PER_REQUEST = 1000
# PutMetricData: "Each request is limited to 1 MB" (HTTP POST). We read "1 MB" as
# 1,000,000 bytes, the stricter of the two readings, and keep a margin below it.
MAX_REQUEST_BYTES = 1_000_000
# Room kept below MAX_REQUEST_BYTES for the request envelope (Namespace, Action,
# Version, CBOR map headers) and for estimate error.
REQUEST_ENVELOPE_MARGIN_BYTES = 8_192

# MetricDatum.Dimensions: "Array Members: Maximum number of 30 items." (API_MetricDatum)
MAX_DIMENSIONS = 30
# MetricDatum.Values: "You can include up to 150 unique values in each PutMetricData
# action that specifies a Values array"; Counts "must include the same amount of
# values as the Values array" (API_MetricDatum).
MAX_VALUES_PER_DATUM = 150
# MetricDatum.MetricName: "Length Constraints: Minimum length of 1. Maximum length of 255."
MAX_METRIC_NAME_LENGTH = 255
# Dimension.Name: "Length Constraints: Minimum length of 1. Maximum length of 255.";
# Dimension.Value: "Minimum length of 1. Maximum length of 1024." (API_Dimension)
MAX_DIMENSION_NAME_LENGTH = 255
MAX_DIMENSION_VALUE_LENGTH = 1024
# PutMetricData.Namespace: "Length Constraints: Minimum length of 1. Maximum length of 255."
MAX_NAMESPACE_LENGTH = 255

# MetricDatum.Timestamp: "can be up to two weeks before the current date" and "up
# to two hours after".
MAX_AGE_SECONDS = 14 * 24 * 3600
MAX_FUTURE_SECONDS = 2 * 3600
# Kept off the two-week edge so a datum checked now is still acceptable when the
# request reaches CloudWatch a few retries later.
AGE_SAFETY_MARGIN_SECONDS = 600

# MetricDatum.StorageResolution: "Valid values are 1 and 60." (API_MetricDatum)
STORAGE_RESOLUTIONS = frozenset({1, 60})

# MetricDatum.Value / Values: "CloudWatch rejects values that are either too small
# or too large. Values must be in the range of -2^360 to 2^360" (API_MetricDatum);
# the older PutMetricData reference spells the range out as "8.515920e-109 to
# 1.174271e+108 (Base 10) or 2e-360 to 2e360 (Base 2)", i.e. non-zero magnitudes
# from 2^-360 to 2^360. NaN, +Infinity and -Infinity are not supported.
MAX_VALUE_MAGNITUDE = 2.0**360
MIN_NONZERO_MAGNITUDE = 2.0**-360

# Dimension.Value (API_Dimension): "Dimension values must contain only ASCII
# characters and must include at least one non-whitespace character. ASCII
# control characters are not supported as part of dimension values."
# Dimension.Name: "Dimension names must contain only ASCII characters, must
# include at least one non-whitespace character, and cannot start with a colon
# (:). ASCII control characters are not supported as part of dimension names."

# The units CloudWatch accepts (MetricDatum.Unit "Valid Values" in API_MetricDatum).
STANDARD_UNITS = frozenset(
    {
        "Seconds", "Microseconds", "Milliseconds",
        "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
        "Percent", "Count",
        "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
        "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    }
)
