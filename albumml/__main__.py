"""`python -m albumml` runs the CLI."""

from albumml.cli import main

main()
