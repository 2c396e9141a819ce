"""The backend build setting.

Bazel 4's native Starlark build settings, without bazel-skylib:

  string_setting   a string flag (`--//executors:backend=epoll`) that accepts
                   only the values listed in `values`; any other value fails
                   the analysis of every target that selects on it.
"""

BackendSettingInfo = provider(
    doc = "The value of a string_setting.",
    fields = {"value": "the flag's value, one of the allowed values"},
)

def _string_setting_impl(ctx):
    value = ctx.build_setting_value
    if value not in ctx.attr.values:
        fail("--%s=%s is not a known value; use one of: %s" % (
            ctx.label,
            value,
            ", ".join(ctx.attr.values),
        ))
    return [BackendSettingInfo(value = value)]

string_setting = rule(
    implementation = _string_setting_impl,
    build_setting = config.string(flag = True),
    attrs = {
        "values": attr.string_list(
            mandatory = True,
            doc = "The allowed values.",
        ),
    },
    doc = "A string flag restricted to `values`.",
)
