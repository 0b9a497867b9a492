"""Assay: a compiler from a knowledge base of Markdown records to diagnostics, statistics and a site."""

__version__ = "0.1.0"
