"""Data files shipped with the package (metric map, version snapshot, upgrade rules)."""
