"""videoaug.avd."""
