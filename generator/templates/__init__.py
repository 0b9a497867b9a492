"""Templates for `assay new` and `assay init` (package data)."""
