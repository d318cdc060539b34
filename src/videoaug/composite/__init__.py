"""videoaug.composite."""
