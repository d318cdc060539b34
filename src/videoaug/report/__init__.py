"""videoaug.report."""
