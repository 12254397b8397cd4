"""A minimal Airflow plugin for the local MWAA environment's plugins.zip."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin


class LocalPlugin(AirflowPlugin):
    name = "local_plugin"
