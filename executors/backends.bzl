"""The backend table: every executor backend weft has, one row each.

Everything that lists backends derives the list from here: the
--//executors:backend setting and its config_settings, what `auto` links,
the preference each backend registers with, the runtime's list of the
backends that exist (for its error messages), the conformance, stress and
reactor-conformance tests, the benchmark binaries, mini_redis's binaries and
tests, and tools/compare's columns (tools/backends.py reads this file, so
BACKENDS stays a plain literal).

Adding a backend (README.md, "Adding a backend"): a package whose
cc_library, declared with backend_library below, registers itself (see
runtime/executor.h), and one row here.

Fields of a row:
  name        the name users pick it by (--//executors:backend=<name>,
              Builder::backend, WEFT_BACKEND), and the cc_library's name.
  package     optional: the package that holds it; executors/<name> when
              left out.
  preference  `auto` starts the linked backend with the highest preference
              and falls back down the list when one cannot start.
  platforms   where it builds and runs: "linux", "windows".
  ordered     whether it also keeps the stronger reactor promises of
              //executors/testing:ordered_reactor_conformance (FIFO order on
              one fd, a cancel before the Run wins).
  test_only   optional, False when left out: a backend that exists to test
              the others' shared parts (poll: the readiness core over
              poll(2)). It gets every test derived from the table (reactor
              conformance, conformance, stress) and may be picked by name,
              but `auto` never links it, and the benchmark binaries,
              mini_redis's every-backend binary and tools/compare's columns
              leave it out: its figures would say nothing about weft in
              production. Its preference is below every production
              backend's all the same.
"""

BACKENDS = [
    {"name": "uring", "preference": 2, "platforms": ["linux"], "ordered": False},
    {"name": "epoll", "preference": 1, "platforms": ["linux"], "ordered": True},
    {"name": "uv", "preference": 0, "platforms": ["linux", "windows"], "ordered": True},
    {"name": "poll", "package": "executors/testing/poll", "preference": -1, "platforms": ["linux"], "ordered": True, "test_only": True},
]

# Every backend, test-only ones included: what the tests run on.
BACKEND_NAMES = [row["name"] for row in BACKENDS]

# The backends weft ships: what `auto` links, the benchmarks and tools/compare.
PRODUCTION_BACKEND_NAMES = [row["name"] for row in BACKENDS if not row.get("test_only", False)]

def production_backend_names_for(platform):
    """The backends weft ships that build and run on `platform` ("linux",
    "windows"), for targets that link or drive every one of them."""
    return [
        row["name"]
        for row in BACKENDS
        if platform in row["platforms"] and not row.get("test_only", False)
    ]

def _per_platform(value_for):
    """A select() of value_for(platform) for the platform being built for
    (--config=windows builds Windows, anything else Linux)."""
    return select({
        str(Label("//executors/platform:windows")): value_for("windows"),
        "//conditions:default": value_for("linux"),
    })

def _production_backend_labels_for(platform):
    return [backend_label(name) for name in production_backend_names_for(platform)]

def platform_backend_names():
    """A select(): the backends weft ships for the platform being built for."""
    return _per_platform(production_backend_names_for)

def platform_backend_labels():
    """A select(): the cc_libraries of platform_backend_names()."""
    return _per_platform(_production_backend_labels_for)

def backend_package(row):
    """The package of a row's backend."""
    return row.get("package", "executors/" + row["name"])

def backend_label(name):
    """The label of backend `name`'s cc_library, e.g. //executors/epoll."""
    row = backend_row(name)
    return "//%s:%s" % (backend_package(row), name)

def backend_row_of_package(package):
    """The row of the backend whose package is `package`."""
    for row in BACKENDS:
        if backend_package(row) == package:
            return row
    fail("no row of executors/backends.bzl has its backend in %s" % package)

def backend_row(name):
    """The table's row for `name` (fails for a name not in the table)."""
    for row in BACKENDS:
        if row["name"] == name:
            return row
    fail("%s is not a backend of executors/backends.bzl (%s)" % (name, ", ".join(BACKEND_NAMES)))

def backend_library(name, srcs, deps = [], **kwargs):
    """The cc_library of backend `name`, registering itself as the table says.

    The backend's registration reads its name and preference from the
    macros WEFT_BACKEND_NAME (a string literal) and WEFT_BACKEND_PREFERENCE,
    so that neither is written anywhere but in BACKENDS.

    Args:
      name: the backend's name (called in the row's package).
      srcs: the library's sources.
      deps: its dependencies.
      **kwargs: other cc_library attributes.
    """
    row = backend_row(name)
    if native.package_name() != backend_package(row):
        fail("backend %s belongs in %s (its row in executors/backends.bzl)" % (name, backend_package(row)))
    native.cc_library(
        name = name,
        srcs = srcs,
        deps = deps,
        local_defines = [
            "WEFT_BACKEND_NAME=\\\"%s\\\"" % name,
            "WEFT_BACKEND_PREFERENCE=%d" % row["preference"],
        ],
        alwayslink = 1,
        visibility = ["//visibility:public"],
        **kwargs
    )

def _known_backends_source_impl(ctx):
    names = ", ".join(['"%s"' % name for name in BACKEND_NAMES])
    ctx.actions.write(
        output = ctx.outputs.out,
        content = """// Generated from executors/backends.bzl by known_backends_source.
#include <string>
#include <vector>

#include "runtime/known_executors.h"

namespace weft {

const std::vector<std::string>& KnownExecutorNames() {
  static const auto* names = new std::vector<std::string>{%s};
  return *names;
}

}  // namespace weft
""" % names,
    )

# The definition of weft::KnownExecutorNames() (runtime/known_executors.h): the
# names of every backend in BACKENDS, linked or not.
known_backends_source = rule(
    implementation = _known_backends_source_impl,
    outputs = {"out": "%{name}.cc"},
)
