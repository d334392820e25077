"""Spark drivers, one per stage: parse arguments, map `pipeline` functions over partitions, write."""
