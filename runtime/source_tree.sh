# Sourced by the tests of runtime/ that read the source tree itself (tagged
# local and external: unsandboxed, never cached).
#
# source_tree PATH_IN_TREE DIR_IN_TREE: prints the workspace root that this
# script's real path (PATH_IN_TREE under the root, e.g.
# runtime/socket_seam_test.sh) lies in, after checking that DIR_IN_TREE is
# there; fails, saying so, otherwise.
source_tree() {
  local script workspace
  script=$(readlink -f "$0")
  workspace=${script%/"$1"}
  if [ "$workspace" = "$script" ] || [ ! -d "$workspace/$2" ]; then
    echo "cannot find the source tree from $script" >&2
    return 1
  fi
  echo "$workspace"
}
