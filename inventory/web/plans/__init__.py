"""Reserve plans on the web (docs/plans.md)."""
