# Sourced by the standalone tests: repo_files DIR prints, NUL-separated and relative to DIR,
# the files of the repository: what git tracks or would add (untracked, not ignored), or,
# outside a git checkout, every file but .git and build directories. Files git lists that
# were deleted in the working tree are left out.
repo_files() {
  local dir=$1
  if git -C "$dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$dir" ls-files -z --cached --others --exclude-standard
  else
    (cd "$dir" && find . \( -name .git -o -name 'build*' \) -prune -o -type f -print0 |
      sed -z 's#^\./##')
  fi | while IFS= read -r -d '' f; do
    [ -f "$dir/$f" ] && printf '%s\0' "$f"
  done
}
