"""Turning any text into a CloudWatch-valid name or dimension value, keeping distinct inputs distinct.

CloudWatch refuses a dimension value that is not ASCII, is blank (whitespace
only), holds an ASCII control character (a tab, a newline, DEL) or is longer
than 1,024 characters (:mod:`mwaa_ops.cloudwatch.limits`). Airflow ids can be
any of these (``dag_id:données``), and a refused value would cost the whole
request every interval, for as long as the DAG exists. So such values are
rewritten by one deterministic rule (docs/metric-names.md, "Rewritten names"):

- every character CloudWatch refuses (non-ASCII, control) becomes ``_``;
- the result is cut so that the suffix fits the limit;
- a suffix ``~`` + the first 8 hex digits of the SHA-256 of the original text
  (UTF-8) is appended.

A value CloudWatch accepts is never changed, so ids in the field stay as they
are. Two different inputs that rewrite to the same text still differ in the
suffix (a 32-bit hash: a collision needs ~65,000 rewritten ids of one dimension
before it becomes likely), so distinct ids stay distinct series instead of
being merged. :func:`metric_name` applies the same rule to the fallback's metric
names, whose allowed characters are ``[A-Za-z0-9_.-]``.

Reasons (the ``reason`` label of ``dimension_values_rewritten``):
:data:`NON_ASCII`, :data:`CONTROL_CHARACTER`, :data:`BLANK`, :data:`TOO_LONG`.
"""

from __future__ import annotations

import hashlib
import re

from mwaa_ops.cloudwatch.limits import MAX_DIMENSION_VALUE_LENGTH, MAX_METRIC_NAME_LENGTH

NON_ASCII = "non_ascii"
CONTROL_CHARACTER = "control_character"
BLANK = "blank"
TOO_LONG = "too_long"
REWRITE_REASONS = (NON_ASCII, CONTROL_CHARACTER, BLANK, TOO_LONG)

SUFFIX_SEPARATOR = "~"
HASH_HEX_DIGITS = 8
_SUFFIX_LENGTH = len(SUFFIX_SEPARATOR) + HASH_HEX_DIGITS
# Characters CloudWatch refuses in a dimension value: outside ASCII, or ASCII control.
_REFUSED = re.compile(r"[^\x20-\x7e]")
# Characters the fallback keeps in a metric name (docs/metric-names.md).
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.\-]")


def short_hash(text: str) -> str:
    """The first 8 hex digits of SHA-256 of ``text`` in UTF-8: the rewrite suffix."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_HEX_DIGITS]


def dimension_value_problem(value: str) -> str:
    """Why CloudWatch would refuse ``value`` as a dimension value (a reason), or ``""``.

    An empty value is the caller's business (it is no value at all).
    """
    if not value.isascii():
        return NON_ASCII
    if not value.isprintable():  # for ASCII: exactly the control characters
        return CONTROL_CHARACTER
    if value.isspace():
        return BLANK
    if len(value) > MAX_DIMENSION_VALUE_LENGTH:
        return TOO_LONG
    return ""


def dimension_value(value: str) -> tuple[str, str]:
    """``(valid value, reason)``: ``value`` itself and ``""`` when CloudWatch accepts it.

    Otherwise the rewritten value and why it was rewritten (see the module docstring).
    """
    reason = dimension_value_problem(value) if value else ""
    if not reason:
        return value, ""
    cleaned = _REFUSED.sub("_", value)[: MAX_DIMENSION_VALUE_LENGTH - _SUFFIX_LENGTH]
    return cleaned + SUFFIX_SEPARATOR + short_hash(value), reason


def metric_name(name: str) -> str:
    """A metric name of ``[A-Za-z0-9_.-]``, at most 255 characters, distinct for distinct names.

    A name that is already safe and short enough is returned as it is; any
    other gets its unsafe characters replaced by ``_``, is cut, and ends in
    ``_`` + the 8-hex-digit hash of the original (``~`` is not a safe character here).
    """
    if name and len(name) <= MAX_METRIC_NAME_LENGTH and not _UNSAFE_NAME.search(name):
        return name
    cleaned = _UNSAFE_NAME.sub("_", name)[: MAX_METRIC_NAME_LENGTH - _SUFFIX_LENGTH]
    return cleaned + "_" + short_hash(name)


def dimension_name(name: str) -> str:
    """A dimension name for a tag key, by the same rule as :func:`metric_name`."""
    return metric_name(name)
