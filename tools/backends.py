"""The backend table of executors/backends.bzl, for the Python tools.

The table is a plain literal (BACKENDS = [ {...}, ... ]), so Python reads it
without Bazel: tools/compare and bench/mini_redis_vs_redis take their default
columns from here, in preference order, and a new row shows up in them with
nothing else to change.
"""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(ROOT, "executors", "backends.bzl")


def load_backends(path=TABLE):
    """The rows of BACKENDS, most preferred first."""
    with open(path) as table:
        module = ast.parse(table.read(), path)
    for node in module.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "BACKENDS"):
            rows = ast.literal_eval(node.value)
            return sorted(rows, key=lambda row: -row["preference"])
    raise ValueError("%s has no BACKENDS table" % path)


def backend_names(platform="linux"):
    """Names of the production backends that run on `platform`, most
    preferred first (test-only rows, such as poll, are left out)."""
    return [row["name"] for row in load_backends()
            if platform in row["platforms"]
            and not row.get("test_only", False)]


if __name__ == "__main__":
    print(" ".join(backend_names()))
