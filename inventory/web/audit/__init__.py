"""Pages of the audit domain: the audit log."""
