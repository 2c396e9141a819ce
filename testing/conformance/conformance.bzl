"""Test suites linked once per backend.

The tests of a suite live in one `testonly`, `alwayslink` library; each
backend gets a `cc_test` that links that library, the backend and
gtest_main, and nothing else, so every backend runs the same list of tests
(the Abseil idiom for one typed test over N implementations). The test runs
with WEFT_BACKEND set to the backend's name: the runtime then starts that
backend, and RuntimeBuilderTest.BackendIsTheOneTheTestWasStartedWith checks
that it did.
"""

load("//executors:backends.bzl", "backend_label")

def per_backend_tests(prefix, library, backends, size = "medium", shard_count = 2, tags = [], timeout = None):
    """Declares `<prefix>_<backend>` for each name in `backends`.

    Args:
      prefix: name of the generated tests before the backend's name.
      library: the alwayslink library holding the tests.
      backends: backend names, rows of executors/backends.bzl.
      size: test size of every generated test.
      shard_count: gtest shards per backend.
      tags: extra tags for every generated test.
      timeout: test timeout (default: the size's).
    """
    for backend in backends:
        native.cc_test(
            name = prefix + "_" + backend,
            size = size,
            timeout = timeout,
            shard_count = shard_count,
            linkstatic = 1,
            env = {"WEFT_BACKEND": backend},
            tags = tags + [prefix],
            deps = [
                library,
                backend_label(backend),
                "@gtest//:gtest_main",
            ],
        )

def conformance_suite(backends, size = "medium", shard_count = 2, tags = []):
    """Declares `conformance_<backend>` for each name in `backends`."""
    per_backend_tests(
        prefix = "conformance",
        library = ":conformance_tests",
        backends = backends,
        size = size,
        shard_count = shard_count,
        tags = tags,
    )
