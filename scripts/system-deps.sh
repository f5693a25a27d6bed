#!/usr/bin/env bash
# Install the system tools PhenoSeq Bench needs (Debian/Ubuntu apt), only those missing.
#
#   scripts/system-deps.sh [TOOL ...]      default tools: bedtools chromium
#
# Tools: bedtools (pybedtools' engine), chromium (renders the leaderboard page in the
# tests), shellcheck (lints the shell scripts in the tests), venv (python3-venv: Debian
# and Ubuntu ship `python3 -m venv` without ensurepip).
# As root it calls apt-get directly; otherwise through sudo when sudo works without a
# prompt or on a terminal. Without either, or without apt-get, it prints one line naming
# the packages and the command to run, and exits 1. Nothing is installed when every
# tool is already present.
set -euo pipefail

PYTHON=${PYTHON:-python3}
tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(bedtools chromium)

# Package for each missing tool.
need=()
for tool in "${tools[@]}"; do
  case "$tool" in
    bedtools | shellcheck)
      command -v "$tool" >/dev/null 2>&1 || need+=("$tool") ;;
    chromium)
      command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium) ;;
    venv)
      if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        ver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3)
        need+=("python${ver}-venv")
      fi ;;
    *)
      echo "system-deps: unknown tool '$tool' (known: bedtools chromium shellcheck venv)" >&2
      exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

manual="apt-get update && apt-get install -y ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${need[*]} and this machine has no apt-get; install them with your package manager (as root: $manual; conda: conda install -c bioconda bedtools) and run make again." >&2
  exit 1
fi

# Root runs apt-get itself; others go through sudo. `env` carries the assignment through
# both (an assignment in front of an expanded, possibly empty, variable is not one).
if [ "$(id -u)" -eq 0 ]; then
  as_root=(env)
elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
  as_root=(sudo env)
else
  echo "system-deps: missing ${need[*]}; installing them needs root or sudo. Ask an admin to run: $manual (then run make again)." >&2
  exit 1
fi

echo "system-deps: installing ${need[*]} with apt-get (${as_root[0]})"
if ! { "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
       "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }; then
  echo "system-deps: apt-get could not install ${need[*]} (see its message above). Run as root: $manual" >&2
  exit 1
fi
