"""Cold-chain pages: a facility's temperature chart, sensors and excursions (docs/coldchain.md)."""
