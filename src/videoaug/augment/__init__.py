"""videoaug.augment."""
