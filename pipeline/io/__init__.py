"""Reading and writing datasets: storage paths, manifests, atomic commit."""
