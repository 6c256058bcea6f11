"""Blood reserves over the API: daily reports, the status of any day, emergency levels (docs/blood.md)."""
