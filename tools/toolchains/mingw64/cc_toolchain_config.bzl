"""A C++ toolchain configuration for Debian's mingw-w64 g++ 12 (posix threads).

Bazel's own configurations do not fit: unix_cc_toolchain_config names
executables without `.exe`, and windows_cc_toolchain_config's mingw branch
has no optimization or debug modes. This one is small: the flags of each
compilation mode, static linking of the compiler's runtime (so that a test
binary runs under Wine without the mingw DLLs on its path), and `.exe` for
executables. Bazel's legacy features (includes, defines, --copt, --linkopt,
dependency files) are added as for any configuration that does not turn
them off.
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "artifact_name_pattern",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
    "with_feature_set",
)

_COMPILE_ACTIONS = [
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
    ACTION_NAMES.c_compile,
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]

_CXX_ACTIONS = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]

_LINK_ACTIONS = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _flags(actions, flags, mode = None):
    return flag_set(
        actions = actions,
        flag_groups = [flag_group(flags = flags)],
        with_features = [with_feature_set(features = [mode])] if mode else [],
    )

def _impl(ctx):
    prefix = ctx.attr.tool_prefix
    tools = ["ar", "cpp", "gcc", "gcov", "ld", "nm", "objcopy", "objdump", "strip"]
    tool_paths = [
        tool_path(name = name, path = prefix + name + ("-posix" if name in ["gcc", "cpp", "gcov"] else ""))
        for name in tools
    ] + [tool_path(name = "llvm-cov", path = "/bin/false"), tool_path(name = "dwp", path = "/bin/false")]

    features = [
        feature(name = "opt"),
        feature(name = "dbg"),
        feature(name = "fastbuild"),
        feature(
            name = "default_compile_flags",
            enabled = True,
            flag_sets = [
                _flags(_COMPILE_ACTIONS, ctx.attr.compile_flags),
                _flags(_CXX_ACTIONS, ctx.attr.cxx_flags),
                _flags(_COMPILE_ACTIONS, ["-g"], "dbg"),
                _flags(_COMPILE_ACTIONS, ["-g0", "-O2", "-DNDEBUG"], "opt"),
            ],
        ),
        feature(
            name = "default_link_flags",
            enabled = True,
            flag_sets = [_flags(_LINK_ACTIONS, ctx.attr.link_flags)],
        ),
        # --linkopt, then the system libraries: after the objects and
        # libraries of the link (as unix_cc_toolchain_config places them), so
        # that those resolve against them.
        feature(
            name = "user_link_flags",
            enabled = True,
            flag_sets = [
                flag_set(
                    actions = _LINK_ACTIONS,
                    flag_groups = [
                        flag_group(
                            flags = ["%{user_link_flags}"],
                            iterate_over = "user_link_flags",
                            expand_if_available = "user_link_flags",
                        ),
                        flag_group(flags = ctx.attr.link_libs),
                    ],
                ),
            ],
        ),
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        artifact_name_patterns = [
            artifact_name_pattern(
                category_name = "executable",
                prefix = "",
                extension = ".exe",
            ),
        ],
        cxx_builtin_include_directories = ctx.attr.cxx_builtin_include_directories,
        toolchain_identifier = ctx.attr.toolchain_identifier,
        host_system_name = "x86_64-linux-gnu",
        target_system_name = "x86_64-w64-mingw32",
        target_cpu = ctx.attr.cpu,
        target_libc = "mingw-w64",
        compiler = "gcc",
        abi_version = "gcc",
        abi_libc_version = "mingw-w64",
        tool_paths = tool_paths,
    )

mingw_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "cpu": attr.string(mandatory = True),
        "toolchain_identifier": attr.string(mandatory = True),
        "tool_prefix": attr.string(mandatory = True),
        "cxx_builtin_include_directories": attr.string_list(),
        "compile_flags": attr.string_list(),
        "cxx_flags": attr.string_list(),
        "link_flags": attr.string_list(),
        "link_libs": attr.string_list(),
    },
    provides = [CcToolchainConfigInfo],
)
