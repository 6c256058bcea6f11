"""Inspections (监督检查, §五(二)), their findings, and sanctions on the storage qualification (§六(二))."""
