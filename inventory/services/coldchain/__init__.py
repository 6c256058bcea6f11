"""Cold-chain monitoring (docs/coldchain.md): sensors, ingest, storage, rules, excursion detection, alerts."""
