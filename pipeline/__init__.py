"""Data-curation pipeline for code language models: ingest, filter, dedup, repo samples, tokens."""

__version__ = "0.1.0"
