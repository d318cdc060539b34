"""videoaug.methods.avd."""
