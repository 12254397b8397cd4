"""The ``mwaa-ops`` command line: one small module per command group."""
