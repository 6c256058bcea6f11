"""Inspection and sanction pages (监督检查 §五(二), §六(二))."""
