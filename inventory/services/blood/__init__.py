"""Blood reserves (docs/blood.md): daily reports, days of supply, the working-day calendar, emergency levels."""
