"""Engine adapters: MkDocs, ProperDocs and Zensical render a compiled site source."""
