"""reactor_conformance_test: the reactor conformance suite on one backend.

The shared tests live in one `testonly`, `alwayslink` library
(//executors/testing:reactor_conformance); each backend's package declares a
`cc_test` with this macro, which links that library, the backend and
gtest_main (and the backend's test hooks, if it has any), so every backend
runs the same list of tests. The fixture finds the backend through the
executor registry, so the test must link exactly one backend.

A backend whose row in executors/backends.bzl says `ordered` also keeps the
stronger promises of //executors/testing:ordered_reactor_conformance (FIFO
order on one fd, a cancel before the Run wins) and runs those as well. The
test learns the row's name and preference (WEFT_EXPECTED_BACKEND,
WEFT_EXPECTED_PREFERENCE) to check that the backend registers as the table
says.
"""

load("//executors:backends.bzl", "backend_row_of_package")

def reactor_conformance_test(
        name,
        backend,
        hooks = [],
        size = "small",
        tags = []):
    """Declares a cc_test `name` that runs the suite on `backend`.

    Called in the backend's own package, which names the backend's row in
    the table (its `package`).

    Args:
      name: the test's name.
      backend: the backend library, e.g. "//executors/epoll" or ":epoll".
      hooks: testonly, alwayslink libraries that register a
          reactor_testing::ReactorTestHook: checks the backend adds around
          every test.
      size: the test's size.
      tags: extra tags.
    """
    row = backend_row_of_package(native.package_name())
    native.cc_test(
        name = name,
        size = size,
        linkstatic = 1,
        env = {
            "WEFT_EXPECTED_BACKEND": row["name"],
            "WEFT_EXPECTED_PREFERENCE": str(row["preference"]),
        },
        tags = tags + ["conformance"],
        deps = [
            "//executors/testing:reactor_conformance",
            backend,
            "@gtest//:gtest_main",
        ] + hooks + (
            ["//executors/testing:ordered_reactor_conformance"] if row["ordered"] else []
        ),
    )
