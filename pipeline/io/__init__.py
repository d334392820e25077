"""Storage: local paths, s3:// and https:// behind one retry policy; datasets, manifests, atomic commit."""
