"""videoaug.train."""
