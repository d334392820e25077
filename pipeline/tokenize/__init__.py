"""Token files for training: tokenizer loading, fill-in-the-middle, Megatron `.bin`/`.idx` shards.

Pure functions and small classes over lists of texts and numpy arrays; `jobs/tokenization.py` maps them
over Spark partitions, and `pipeline.tokenize.inspect` reads the result back.
"""
