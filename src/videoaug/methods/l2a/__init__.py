"""videoaug.methods.l2a."""
