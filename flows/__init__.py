"""Prefect flows: thin, scheduled wrappers around albumml functions."""
