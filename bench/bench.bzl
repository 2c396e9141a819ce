"""weft_benchmarks: the same benchmark list, once per executor backend."""

load("//executors:backends.bzl", "backend_label")

def weft_benchmarks(name = "bench", backends = [], workloads = ":workloads", smoke_filter = None):
    """One cc_binary `<name>_<backend>` per backend, all running `workloads`.

    Each binary links the backend-independent runtime, exactly one backend
    (so the runtime's default backend is that one), the workload
    registrations (an alwayslink cc_library) and Google Benchmark's main.

    With `smoke_filter`, also one sh_test `<name>_<backend>_smoke` per backend
    that runs the benchmarks matching that filter once, briefly, and fails if
    one reports an error (a cheap check that the binaries run; timing is never
    a pass/fail criterion).

    Args:
      name: prefix of the generated targets.
      backends: names of packages under //executors (e.g. "epoll", "uv").
      workloads: the alwayslink cc_library registering the benchmarks.
      smoke_filter: a --benchmark_filter regex for the smoke tests, or None.
    """
    for backend in backends:
        binary = "%s_%s" % (name, backend)
        native.cc_binary(
            name = binary,
            deps = [
                workloads,
                "//runtime:runtime",
                backend_label(backend),
                "@benchmark//:benchmark_main",
            ],
        )
        if smoke_filter:
            native.sh_test(
                name = "%s_smoke" % binary,
                size = "small",
                srcs = ["bench_smoke.sh"],
                args = ["$(location :%s)" % binary, "'%s'" % smoke_filter],
                data = [":" + binary],
                tags = ["bench_smoke"],
            )
