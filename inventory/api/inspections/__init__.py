"""Inspections and sanctions over the API (/api/v1/inspections, /inspection-findings, /sanctions)."""
