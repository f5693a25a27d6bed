#!/usr/bin/env bash
# Install the system tools PhenoSeq Bench needs (Debian/Ubuntu), only when missing.
set -euo pipefail
need=()
command -v bedtools >/dev/null 2>&1 || need+=(bedtools)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${need[*]} and no apt-get here; install them with your package manager (conda: 'conda install -c bioconda bedtools')." >&2
  exit 1
fi
echo "system-deps: installing ${need[*]} with apt-get"
if ! { $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }; then
  echo "system-deps: could not install ${need[*]} via apt-get (no root/sudo?). Ask an admin to run: apt-get install ${need[*]}" >&2
  exit 1
fi
