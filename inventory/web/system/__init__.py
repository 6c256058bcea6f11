"""Pages of the system domain: health of the database, the broker and the beat."""
