"""Repository-level samples: import extraction, resolution to files of the same repository,
dependency ordering (strongly connected components first) and sample assembly with path headers.
"""
