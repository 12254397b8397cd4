"""The embedded default: a local AWS endpoint (moto plus an MWAA emulator) on one port."""

from __future__ import annotations

from mwaa_ops.local.endpoint import DEFAULT_HOST, DEFAULT_PORT, LocalEndpoint
from mwaa_ops.local.mwaa_emulator import ACCOUNT_ID, InjectedFailure, MwaaEmulator

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "InjectedFailure",
    "LocalEndpoint",
    "MwaaEmulator",
]
