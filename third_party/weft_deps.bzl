"""weft_dependencies(): every repository weft needs, in one call.

weft's own WORKSPACE calls it, and so does a workspace that uses weft:

    local_repository(name = "weft", path = "/path/to/weft")
    load("@weft//third_party:weft_deps.bzl", "weft_dependencies")
    weft_dependencies(weft_path = "/path/to/weft")

Bazel 4.2.3 (Debian's bazel-bootstrap) cannot download anything, so the
repositories it would fetch are local stand-ins under third_party/, and the
libraries come from Debian's -dev packages (tools/setup installs them). Each
library repository is rooted at /usr; its BUILD file in third_party/ links
the libraries from /usr/lib/<multiarch triplet>, which @debian_multiarch
finds by asking the compiler (`gcc -print-multiarch`).
"""

load(":debian.bzl", "debian_multiarch")

# name -> BUILD file under third_party/ (Debian package in the comment).
_DEBIAN_LIBRARIES = {
    "absl": "absl.BUILD",  # libabsl-dev: @absl//:absl
    "gtest": "gtest.BUILD",  # libgtest-dev, libgmock-dev
    "benchmark": "benchmark.BUILD",  # libbenchmark-dev
    "liburing": "liburing.BUILD",  # liburing-dev
    "libuv": "libuv.BUILD",  # libuv1-dev
    "libseccomp": "libseccomp.BUILD",  # libseccomp-dev
}

def weft_dependencies(weft_path = "."):
    """Declares weft's repositories.

    Args:
      weft_path: weft's directory, as given to local_repository (relative to
        the calling workspace's root, or absolute); "." in weft itself.
    """
    for name in ["rules_cc", "remote_coverage_tools", "rules_java"]:
        native.local_repository(
            name = name,
            path = weft_path + "/third_party/" + name,
        )
    debian_multiarch(name = "debian_multiarch")
    for name, build_file in _DEBIAN_LIBRARIES.items():
        native.new_local_repository(
            name = name,
            build_file = str(Label("//third_party:" + build_file)),
            path = "/usr",
        )
