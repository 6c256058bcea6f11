"""Reserve plans over the API (docs/plans.md)."""
