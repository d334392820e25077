"""A parse worker whose grammars misbehave on purpose: `loop` never returns, `crash` kills the process
(as a segfault in a grammar's C code would); any other grammar is parsed for real."""

import os

from pipeline.filters import sandbox, treesignals


def analyze(grammar: str, source: bytes, max_seconds: float, readability: bool = True):
    if grammar == "loop":
        while True:
            pass
    if grammar == "crash":
        os.abort()
    return treesignals.analyze(grammar, source, max_seconds, readability)


if __name__ == "__main__":
    sandbox.serve(analyze)
