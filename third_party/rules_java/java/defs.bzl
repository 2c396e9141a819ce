"""Forwards rules_java's names to Bazel 4's native Java rules (offline stand-in).

weft builds no Java; @bazel_tools loads these names while registering its
default toolchains, so they must exist.
"""

def java_binary(**kwargs):
    native.java_binary(**kwargs)

def java_import(**kwargs):
    native.java_import(**kwargs)

def java_library(**kwargs):
    native.java_library(**kwargs)

def java_runtime(**kwargs):
    native.java_runtime(**kwargs)

def java_toolchain(**kwargs):
    native.java_toolchain(**kwargs)
