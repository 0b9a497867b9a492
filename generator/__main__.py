"""`python -m generator` runs the `assay` command line."""

from .cli import main

main()
