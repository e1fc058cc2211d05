"""Training the study's mood models on a snapshot, logging to MLflow, and the registry's champion gate."""
