"""conformance_suite: the conformance tests, once per backend.

The tests live in one `testonly`, `alwayslink` library (:conformance_tests);
each backend gets a `cc_test` that links that library, the backend and
gtest_main, and nothing else, so every backend runs the same list of tests
(the Abseil idiom for one typed test over N implementations). The test runs
with WEFT_BACKEND set to the backend's name: the runtime then starts that
backend, and RuntimeBuilderTest.BackendIsTheOneTheTestWasStartedWith checks
that it did.
"""

def conformance_suite(backends, size = "medium", shard_count = 2, tags = []):
    """Declares `conformance_<backend>` for each name in `backends`.

    Args:
      backends: executor names; each must be a package //executors/<name>.
      size: test size of every generated test.
      shard_count: gtest shards per backend.
      tags: extra tags for every generated test.
    """
    for backend in backends:
        native.cc_test(
            name = "conformance_" + backend,
            size = size,
            shard_count = shard_count,
            linkstatic = 1,
            env = {"WEFT_BACKEND": backend},
            tags = tags + ["conformance"],
            deps = [
                ":conformance_tests",
                "//executors/" + backend,
                "@gtest//:gtest_main",
            ],
        )
