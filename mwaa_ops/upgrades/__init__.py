"""Maintenance-window upgrades: windows, plan, approval, the driver, its lease and audit trail.

Public surface: :class:`~mwaa_ops.upgrades.driver.UpgradeDriver` (built by
:func:`~mwaa_ops.upgrades.wiring.build_driver`), the window computation in
:mod:`~mwaa_ops.upgrades.window`, and the seams (:class:`PagingMute`,
:class:`Readiness`) in :mod:`~mwaa_ops.upgrades.seams`. See docs/upgrades.md.
"""
