"""example(): one example program and the test that checks its output."""

def example(name, expect, deps = []):
    """A cc_binary `name` from `name`.cc and `name`_test running it.

    Args:
      name: the example, also its source file's stem.
      expect: pieces of text the output must contain, in order (no single
        quotes).
      deps: more dependencies than //runtime:weft.
    """
    native.cc_binary(
        name = name,
        srcs = [name + ".cc"],
        deps = ["//runtime:weft"] + deps,
    )
    native.sh_test(
        name = name + "_test",
        size = "small",
        srcs = ["check_output.sh"],
        args = ["$(location :%s)" % name] + ["'%s'" % text for text in expect],
        data = [":" + name],
    )
