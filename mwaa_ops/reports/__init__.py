"""The weekly upgrade readiness report: gather, cost, build (pandas, matplotlib), the agent's job.

Import from the modules themselves: the package re-exports nothing, so the
agent's ``job`` module never pulls in ``build`` (pandas, matplotlib), which
only the report command and the job's child process import.
"""
