"""Reserve plans (docs/plans.md): the catalogue, annual plans, temporary additions, selections, storage contracts,
coverage against the plan, annual evaluations and the statistics reports."""
