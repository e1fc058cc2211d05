"""Performance harness: every figure is a ratio against a baseline measured in the same process."""
