"""Cold-chain monitoring over the API: sensors, readings, rules, excursions (docs/coldchain.md)."""
