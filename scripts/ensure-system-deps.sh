#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, only when they are missing.
# Usage: scripts/ensure-system-deps.sh [jupyter|vscode|all]   (default: all)
set -euo pipefail

want=${1:-all}
jupyter_pkgs=(jupyter-notebook jupyter-server python3-ipykernel python3-notebook python3-jupyter-server
  jupyterhub node-configurable-http-proxy openssl procps)
vscode_pkgs=(chromium ripgrep build-essential python3 pkg-config libkrb5-dev git)

pkgs=()
case "$want" in
  jupyter) pkgs=("${jupyter_pkgs[@]}") ;;
  vscode) pkgs=("${vscode_pkgs[@]}") ;;
  all) pkgs=("${jupyter_pkgs[@]}" "${vscode_pkgs[@]}") ;;
  *) echo "usage: $0 [jupyter|vscode|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${#pkgs[@]})"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "error: need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -y -q --no-install-recommends)
# An index older than a day (or none) is refreshed first; a failed refresh is not fatal when the index exists.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  $sudo apt-get -o DPkg::Lock::Timeout=600 -q update || true
fi
$sudo apt-get "${apt_opts[@]}" install "${missing[@]}"
echo "system packages: installed ${#missing[@]}"
