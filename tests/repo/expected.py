"""The expected dependency order of each built-in sample repository (samples/README.md), and the
expected import edges (importer -> imported), used by the tests and by bench/bench_repo.py."""

J = "src/main/java/com/javalab/ledger/"

EXPECTED_ORDER = {
    "acme/textkit": ["src/textkit/_compat.py", "src/textkit/normalize.py", "src/textkit/tokenize.py",
                     "src/textkit/stats.py", "src/textkit/__init__.py", "src/textkit/cli.py", "tests/test_stats.py"],
    "pyorbit/graphs": ["graphs/_compat.py", "graphs/edge.py", "graphs/node.py", "graphs/graph.py",
                       "graphs/algorithms.py", "graphs/__init__.py"],
    "someone/toolkit": ["toolkit/strings.py", "toolkit/files.py", "toolkit/retry.py", "toolkit/__init__.py"],
    "fork/toolkit": ["toolkit/strings.py", "toolkit/files.py", "toolkit/retry.py", "toolkit/__init__.py"],
    "webtools/fetchlite": ["src/errors.js", "src/utils/retry.js", "src/utils/url.js", "src/client.js",
                           "src/utils/index.js", "src/index.js", "test/url.test.js"],
    "typeflow/store": ["src/types.ts", "src/components/StoreProvider.tsx", "src/middleware/logger.ts",
                       "src/middleware/persist.ts", "src/middleware/index.ts", "src/store.ts", "src/index.ts"],
    "javalab/ledger": [J + "util/Money.java", J + "model/Account.java", J + "model/Posting.java",
                       J + "model/Transaction.java", J + "UnbalancedTransactionException.java", J + "Ledger.java",
                       J + "App.java", "src/test/java/com/javalab/ledger/LedgerTest.java"],
    "embedded/ringbuf": ["include/ringbuf/config.h", "include/ringbuf/crc16.h", "include/ringbuf/ringbuf.h",
                         "examples/echo.c", "src/crc16.c", "src/ringbuf.c"],
    "cppgeo/shapes": ["include/shapes/vec2.hpp", "include/shapes/shape.hpp", "include/shapes/circle.hpp",
                      "include/shapes/polygon.hpp", "include/shapes/registry.hpp", "src/circle.cpp", "src/main.cpp",
                      "src/polygon.cpp", "src/registry.cpp", "tests/test_shapes.cpp"],
    "gopher/kvstore": ["internal/codec/codec.go", "store/store.go", "store/memory.go", "server/server.go",
                       "cmd/kvstore/main.go"],
    "rustacean/tinyjson": ["src/error.rs", "src/parse/lexer.rs", "src/value.rs", "src/parse/parser.rs",
                           "src/parse/mod.rs", "src/main.rs"],
}

# The one import cycle of the sample.
EXPECTED_ORDER["quality/lab"] = ["quality/spacing.py", "quality/__init__.py"]  # files that trip filter rules

EXPECTED_CYCLES = {"pyorbit/graphs": {("graphs/edge.py", "graphs/node.py"), ("graphs/node.py", "graphs/edge.py")}}

_TOOLKIT_EDGES = {
    ("toolkit/__init__.py", "toolkit/files.py"), ("toolkit/__init__.py", "toolkit/retry.py"),
    ("toolkit/__init__.py", "toolkit/strings.py"), ("toolkit/files.py", "toolkit/strings.py"),
    ("toolkit/retry.py", "toolkit/strings.py"),
}

EXPECTED_EDGES = {
    "acme/textkit": {
        ("src/textkit/__init__.py", "src/textkit/normalize.py"), ("src/textkit/__init__.py", "src/textkit/stats.py"),
        ("src/textkit/__init__.py", "src/textkit/tokenize.py"), ("src/textkit/cli.py", "src/textkit/__init__.py"),
        ("src/textkit/cli.py", "src/textkit/stats.py"), ("src/textkit/normalize.py", "src/textkit/_compat.py"),
        ("src/textkit/stats.py", "src/textkit/tokenize.py"), ("src/textkit/tokenize.py", "src/textkit/normalize.py"),
        ("tests/test_stats.py", "src/textkit/stats.py"), ("tests/test_stats.py", "src/textkit/tokenize.py"),
    },
    "pyorbit/graphs": {
        ("graphs/__init__.py", "graphs/algorithms.py"), ("graphs/__init__.py", "graphs/graph.py"),
        ("graphs/algorithms.py", "graphs/graph.py"), ("graphs/edge.py", "graphs/node.py"),
        ("graphs/graph.py", "graphs/_compat.py"), ("graphs/graph.py", "graphs/edge.py"),
        ("graphs/graph.py", "graphs/node.py"), ("graphs/node.py", "graphs/edge.py"),
    },
    "someone/toolkit": _TOOLKIT_EDGES,
    "fork/toolkit": _TOOLKIT_EDGES,
    "webtools/fetchlite": {
        ("src/client.js", "src/errors.js"), ("src/client.js", "src/utils/retry.js"),
        ("src/client.js", "src/utils/url.js"), ("src/index.js", "src/client.js"), ("src/index.js", "src/errors.js"),
        ("src/index.js", "src/utils/index.js"), ("src/utils/index.js", "src/utils/retry.js"),
        ("src/utils/index.js", "src/utils/url.js"), ("test/url.test.js", "src/utils/url.js"),
    },
    "typeflow/store": {
        ("src/components/StoreProvider.tsx", "src/types.ts"), ("src/index.ts", "src/components/StoreProvider.tsx"),
        ("src/index.ts", "src/middleware/index.ts"), ("src/index.ts", "src/store.ts"), ("src/index.ts", "src/types.ts"),
        ("src/middleware/index.ts", "src/middleware/logger.ts"),
        ("src/middleware/index.ts", "src/middleware/persist.ts"), ("src/middleware/index.ts", "src/types.ts"),
        ("src/middleware/logger.ts", "src/types.ts"), ("src/middleware/persist.ts", "src/types.ts"),
        ("src/store.ts", "src/middleware/index.ts"), ("src/store.ts", "src/types.ts"),
    },
    "javalab/ledger": {
        (J + "App.java", J + "Ledger.java"), (J + "App.java", J + "model/Account.java"),
        (J + "App.java", J + "model/Posting.java"), (J + "App.java", J + "model/Transaction.java"),
        (J + "App.java", J + "util/Money.java"), (J + "Ledger.java", J + "UnbalancedTransactionException.java"),
        (J + "Ledger.java", J + "model/Account.java"), (J + "Ledger.java", J + "model/Posting.java"),
        (J + "Ledger.java", J + "model/Transaction.java"), (J + "Ledger.java", J + "util/Money.java"),
        (J + "UnbalancedTransactionException.java", J + "model/Transaction.java"),
        (J + "model/Account.java", J + "util/Money.java"), (J + "model/Posting.java", J + "model/Account.java"),
        (J + "model/Posting.java", J + "util/Money.java"), (J + "model/Transaction.java", J + "model/Posting.java"),
        (J + "model/Transaction.java", J + "util/Money.java"),
        *{("src/test/java/com/javalab/ledger/LedgerTest.java", J + t) for t in (
            "Ledger.java", "UnbalancedTransactionException.java", "model/Account.java", "model/Posting.java",
            "model/Transaction.java", "util/Money.java")},
    },
    "embedded/ringbuf": {
        ("examples/echo.c", "include/ringbuf/crc16.h"), ("examples/echo.c", "include/ringbuf/ringbuf.h"),
        ("include/ringbuf/ringbuf.h", "include/ringbuf/config.h"), ("src/crc16.c", "include/ringbuf/crc16.h"),
        ("src/ringbuf.c", "include/ringbuf/ringbuf.h"),
    },
    "cppgeo/shapes": {
        ("include/shapes/circle.hpp", "include/shapes/shape.hpp"),
        ("include/shapes/polygon.hpp", "include/shapes/shape.hpp"),
        ("include/shapes/registry.hpp", "include/shapes/shape.hpp"),
        ("include/shapes/shape.hpp", "include/shapes/vec2.hpp"), ("src/circle.cpp", "include/shapes/circle.hpp"),
        ("src/main.cpp", "include/shapes/registry.hpp"), ("src/polygon.cpp", "include/shapes/polygon.hpp"),
        ("src/registry.cpp", "include/shapes/circle.hpp"), ("src/registry.cpp", "include/shapes/polygon.hpp"),
        ("src/registry.cpp", "include/shapes/registry.hpp"), ("tests/test_shapes.cpp", "include/shapes/circle.hpp"),
        ("tests/test_shapes.cpp", "include/shapes/polygon.hpp"),
    },
    "gopher/kvstore": {
        ("cmd/kvstore/main.go", "server/server.go"), ("cmd/kvstore/main.go", "store/memory.go"),
        ("cmd/kvstore/main.go", "store/store.go"), ("server/server.go", "internal/codec/codec.go"),
        ("server/server.go", "store/memory.go"), ("server/server.go", "store/store.go"),
        ("store/memory.go", "store/store.go"),
    },
    "rustacean/tinyjson": {
        ("src/main.rs", "src/error.rs"), ("src/main.rs", "src/parse/mod.rs"), ("src/main.rs", "src/value.rs"),
        ("src/parse/lexer.rs", "src/error.rs"), ("src/parse/mod.rs", "src/parse/lexer.rs"),
        ("src/parse/mod.rs", "src/parse/parser.rs"), ("src/parse/parser.rs", "src/error.rs"),
        ("src/parse/parser.rs", "src/parse/lexer.rs"), ("src/parse/parser.rs", "src/value.rs"),
    },
    "quality/lab": {("quality/__init__.py", "quality/spacing.py")},
}
