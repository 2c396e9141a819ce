"""reactor_conformance_test: the reactor conformance suite on one backend.

The shared tests live in one `testonly`, `alwayslink` library
(//executors/testing:reactor_conformance); each backend's package declares a
`cc_test` with this macro, which links that library, the backend and
gtest_main (and the backend's test hooks, if it has any), so every backend
runs the same list of tests. The fixture finds the backend through the
executor registry, so the test must link exactly one backend.

A backend that also keeps the stronger promises of
//executors/testing:ordered_reactor_conformance (FIFO order on one fd, a
cancel before the Run wins) passes `ordered = True` to run those as well.
"""

def reactor_conformance_test(
        name,
        backend,
        hooks = [],
        ordered = False,
        size = "small",
        tags = []):
    """Declares a cc_test `name` that runs the suite on `backend`.

    Args:
      name: the test's name.
      backend: the backend library, e.g. "//executors/epoll" or ":epoll".
      hooks: testonly, alwayslink libraries that register a
          reactor_testing::ReactorTestHook: checks the backend adds around
          every test.
      ordered: whether the backend keeps the promises of
          //executors/testing:ordered_reactor_conformance too.
      size: the test's size.
      tags: extra tags.
    """
    native.cc_test(
        name = name,
        size = size,
        linkstatic = 1,
        tags = tags + ["conformance"],
        deps = [
            "//executors/testing:reactor_conformance",
            backend,
            "@gtest//:gtest_main",
        ] + hooks + (
            ["//executors/testing:ordered_reactor_conformance"] if ordered else []
        ),
    )
