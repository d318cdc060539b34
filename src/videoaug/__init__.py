"""videoaug: cached data augmentation for few-sample video action recognition."""

__version__ = "0.1.0"
