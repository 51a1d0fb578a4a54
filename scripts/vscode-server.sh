#!/usr/bin/env bash
# Installs and locates a real VS Code server (the one bundled in the npm package `code-server`) for the
# extension-host and UI tests. Everything comes from the npm registry and Debian; nothing is written to the
# repository: installs live in ${SJC_CACHE_DIR:-~/.cache/secure-jupyter-connections}.
#
# Usage:
#   scripts/vscode-server.sh install <4.100.3|4.139.1|oldest|newest|all|4.x.y>
#   scripts/vscode-server.sh path <version>       # prints .../lib/vscode/out/server-main.js
#   scripts/vscode-server.sh node-bin <version>   # prints the node binary to run server-main.js with
#   scripts/vscode-server.sh vscode-version <version>  # prints the bundled VS Code version (e.g. 1.100.3)
#   scripts/vscode-server.sh status               # lists what is installed
#
# `path`, `node-bin` and `vscode-version` exit 3 (and print nothing on stdout) when <version> is not installed.
# Set SJC_VSCODE_SERVER_VERBOSE=1 to stream the npm output instead of only logging it.
set -euo pipefail

OLDEST=4.100.3
NEWEST=4.139.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${SJC_CACHE_DIR:-$HOME/.cache/secure-jupyter-connections}
marker_name=.install-complete

die() { echo "vscode-server: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

resolve_version() {
  case "$1" in
    oldest) echo "$OLDEST" ;;
    newest) echo "$NEWEST" ;;
    [0-9]*.[0-9]*.[0-9]*) echo "$1" ;;
    *) die "unknown version '$1' (use oldest, newest, all or a code-server version such as $OLDEST)" ;;
  esac
}

install_dir() { echo "$cache_root/code-server/$1"; }

# Reads KEY from the marker of an installed version; exits 3 when the version is not (completely) installed.
marker_get() {
  local v=$1 key=$2 m
  m="$(install_dir "$v")/$marker_name"
  [ -f "$m" ] || { echo "vscode-server: code-server $v is not installed (run: scripts/vscode-server.sh install $v)" >&2; exit 3; }
  local line
  line=$(grep -E "^$key=" "$m" | head -1) || die "marker $m has no $key"
  echo "${line#*=}"
}

node_arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    aarch64|arm64) echo arm64 ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
}

# ---- progress and logging ------------------------------------------------------------------------------------
log_file=""
label=""
step() {
  # step "description" command args...   — runs the command with its output in $log_file; prints one line.
  local what=$1; shift
  local t0=$SECONDS rc=0
  printf '  [%s] %s ... ' "$label" "$what" >&2
  {
    echo
    echo "=== $(date -u +%FT%TZ) $what"
    echo "+ (cd $PWD && $*)"
  } >>"$log_file"
  if [ "${SJC_VSCODE_SERVER_VERBOSE:-0}" = 1 ]; then
    echo >&2
    "$@" 2>&1 | tee -a "$log_file" >&2 || rc=${PIPESTATUS[0]}
  else
    "$@" >>"$log_file" 2>&1 </dev/null || rc=$?
  fi
  if [ "$rc" != 0 ]; then
    echo "FAILED (exit $rc, $((SECONDS - t0)) s)" >&2
    echo "----- last 40 lines of $log_file -----" >&2
    tail -n 40 "$log_file" >&2
    echo "-----" >&2
    exit 1
  fi
  echo "ok ($((SECONDS - t0)) s)" >&2
}

# The environment every npm call gets: independent of ~/.npmrc (nodedir=/usr, yes=false,
# omit-lockfile-registry-resolved=true) and of any globally configured script shell quirks.
npm_env() {
  local node_bin_dir=$1 nodedir=$2
  export PATH="$node_bin_dir:$PATH"
  export npm_config_nodedir="$nodedir"
  export npm_config_yes=true              # node-pty's install script runs `npx node-gyp`
  export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
  export npm_config_omit_lockfile_registry_resolved=false
  export npm_config_progress=false npm_config_loglevel=warn
  export npm_config_ignore_scripts=false
  unset NODE_OPTIONS || true
}

# ---- Node provisioning -----------------------------------------------------------------------------------------
# Sets node_bin and node_dir (a prefix with include/node headers for node-gyp) for Node major $1.
# Uses the machine's node when its major matches and its headers are present; otherwise the npm package
# node-linux-<arch>@<major> in the cache (it ships bin/node and include/node).
ensure_node() {
  local major=$1 sys_node sys_ver prefix
  sys_node=$(command -v node || true)
  if [ -n "$sys_node" ]; then
    sys_ver=$("$sys_node" -p 'process.versions.node' 2>/dev/null || true)
    prefix=$(dirname "$(dirname "$(readlink -f "$sys_node")")")
    if [ "${sys_ver%%.*}" = "$major" ] && node_headers_match "$prefix" "$sys_ver"; then
      node_bin=$(readlink -f "$sys_node")
      node_dir=$prefix
      return
    fi
  fi
  local pkg="node-linux-$(node_arch)" dir="$cache_root/node/$major"
  local pdir="$dir/node_modules/$pkg"
  mkdir -p "$cache_root/node"
  (
    exec 8>"$cache_root/node/.lock-$major"
    flock 8
    if [ ! -f "$dir/$marker_name" ]; then
      rm -rf "$dir"
      mkdir -p "$dir"
      log_file="$dir/install.log"
      label="node $major"
      : >"$log_file"
      echo '{"name":"sjc-node-cache","private":true}' >"$dir/package.json"
      cd "$dir"
      # npm itself runs on whatever node is on PATH (any supported version); it only unpacks here.
      step "npm install $pkg@$major" npm install --no-save --ignore-scripts --no-audit --no-fund "$pkg@$major"
      [ -x "$pdir/bin/node" ] || die "$pkg@$major has no bin/node"
      local v
      v=$("$pdir/bin/node" -p 'process.versions.node')
      node_headers_match "$pdir" "$v" || die "$pkg@$major ($v) ships no matching include/node headers"
      printf 'node_bin=%s\nnode_dir=%s\nnode_version=%s\n' "$pdir/bin/node" "$pdir" "$v" >"$dir/$marker_name"
    fi
  )
  node_bin=$(grep '^node_bin=' "$dir/$marker_name" | cut -d= -f2-)
  node_dir=$(grep '^node_dir=' "$dir/$marker_name" | cut -d= -f2-)
}

node_headers_match() {
  local prefix=$1 ver=$2 h="$1/include/node/node_version.h"
  [ -f "$h" ] || return 1
  local maj min pat
  maj=$(awk '/define NODE_MAJOR_VERSION/{print $3}' "$h")
  min=$(awk '/define NODE_MINOR_VERSION/{print $3}' "$h")
  pat=$(awk '/define NODE_PATCH_VERSION/{print $3}' "$h")
  [ "$maj.$min.$pat" = "$ver" ]
}

# Node major a code-server version needs. Known versions are listed; others are read from the registry.
node_major_for() {
  case "$1" in
    4.100.*) echo 20 ;;
    4.139.*) echo 24 ;;
    *)
      local e
      e=$(npm view "code-server@$1" engines.node 2>/dev/null | tr -dc '0-9.' | cut -d. -f1)
      [ -n "$e" ] || die "cannot tell which Node code-server@$1 needs"
      echo "$e"
      ;;
  esac
}

# ---- code-server install -------------------------------------------------------------------------------------
install_one() {
  local v=$1 dir
  dir=$(install_dir "$v")
  mkdir -p "$cache_root/code-server"
  if [ -f "$dir/$marker_name" ]; then
    echo "code-server $v: already installed ($dir)" >&2
    return 0
  fi
  exec 9>"$cache_root/code-server/.lock-$v"
  if ! flock -n 9; then
    echo "code-server $v: another install is running; waiting for it" >&2
    flock 9
  fi
  if [ -f "$dir/$marker_name" ]; then
    echo "code-server $v: already installed ($dir)" >&2
    exec 9>&-
    return 0
  fi

  local t0=$SECONDS major
  major=$(node_major_for "$v")
  ensure_node "$major"
  echo "code-server $v: installing into $dir (node $("$node_bin" -v) at $node_bin)" >&2

  # A previous attempt that did not finish leaves no marker: start from scratch.
  rm -rf "$dir"
  mkdir -p "$dir"
  log_file="$dir/install.log"
  label="code-server $v"
  : >"$log_file"
  (
    set -euo pipefail
    npm_env "$(dirname "$node_bin")" "$node_dir"
    cd "$dir"
    echo '{"name":"sjc-code-server-cache","private":true}' >package.json
    local cs="$dir/node_modules/code-server" rg_bin
    rg_bin=$(command -v rg) || die "ripgrep (rg) is missing"

    # 1. The package itself without its postinstall (which would run `npm install` in lib/vscode, where
    #    @vscode/ripgrep downloads from GitHub). argon2 (only code-server's password login uses it) builds from
    #    source because its prebuilt download fails offline.
    step "npm install --ignore-scripts code-server@$v" \
      npm install --no-save --ignore-scripts --no-audit --no-fund "code-server@$v"
    [ -f "$cs/lib/vscode/package.json" ] || die "code-server@$v has no lib/vscode"
    step "npm rebuild argon2" npm rebuild argon2

    # 2. VS Code's own production dependencies, native modules built against this Node.
    cd "$cs/lib/vscode"
    step "lib/vscode: npm install --omit=dev --ignore-scripts" \
      npm install --omit=dev --ignore-scripts --no-audit --no-fund
    # VS Code <= ~1.10x depends on @vscode/ripgrep, whose postinstall downloads rg from GitHub; it exits early
    # when bin/ exists, so Debian's rg goes there. Newer builds use @vscode/ripgrep-universal, which ships
    # its binaries in the npm tarball.
    if [ -f node_modules/@vscode/ripgrep/package.json ]; then
      mkdir -p node_modules/@vscode/ripgrep/bin
      ln -sfn "$rg_bin" node_modules/@vscode/ripgrep/bin/rg
    fi
    step "lib/vscode: npm rebuild (native modules)" npm rebuild

    # 3. The rest of code-server's postinstall.sh, by hand.
    ln -sfn node_modules node_modules.asar
    if [ -d "$cs/lib/vscode/bin/remote-cli" ]; then
      ln -sfn code-linux.sh "$cs/lib/vscode/bin/remote-cli/code-server"
    fi
    if [ -d "$cs/lib/vscode/bin/helpers" ]; then
      ln -sfn browser-linux.sh "$cs/lib/vscode/bin/helpers/browser.sh"
    fi
    if [ -f "$cs/lib/vscode/extensions/package.json" ]; then
      cd "$cs/lib/vscode/extensions"
      step "lib/vscode/extensions: npm install --omit=dev" npm install --omit=dev --no-audit --no-fund
    fi

    # 4. Check: the server entry point exists and the native modules load in this Node.
    cd "$cs/lib/vscode"
    [ -f out/server-main.js ] || die "$cs/lib/vscode/out/server-main.js is missing"
    step "check native modules and ripgrep" "$node_bin" -e '
      (async () => {
        for (const m of ["@vscode/spdlog", "node-pty", "@parcel/watcher", "kerberos"]) {
          try { require.resolve(m); } catch { console.log("absent", m); continue; }
          require(m); console.log("loaded", m);
        }
        let rgPath;
        for (const m of ["@vscode/ripgrep-universal", "@vscode/ripgrep"]) {
          try { rgPath = (await import(m)).rgPath; console.log("ripgrep from", m, rgPath); break; } catch {}
        }
        if (!rgPath) throw new Error("neither @vscode/ripgrep-universal nor @vscode/ripgrep loads");
        require("child_process").execFileSync(rgPath, ["--version"], { stdio: "inherit" });
      })().catch((e) => { console.error(e); process.exit(1); });
    '
  ) || exit 1

  local cs="$dir/node_modules/code-server" vsv
  vsv=$("$node_bin" -p "require('$cs/lib/vscode/package.json').version")
  {
    echo "code_server=$v"
    echo "vscode_version=$vsv"
    echo "server_main=$cs/lib/vscode/out/server-main.js"
    echo "node_bin=$node_bin"
    echo "node_version=$("$node_bin" -p 'process.versions.node')"
    echo "installed_at=$(date -u +%FT%TZ)"
  } >"$dir/$marker_name.tmp"
  mv "$dir/$marker_name.tmp" "$dir/$marker_name"
  exec 9>&-
  echo "code-server $v: installed VS Code $vsv in $((SECONDS - t0)) s" >&2
}

cmd=${1:-}
case "$cmd" in
  install)
    [ $# -eq 2 ] || usage
    if [ "${SJC_SKIP_SYSTEM_DEPS:-0}" != 1 ]; then
      bash "$here/ensure-system-deps.sh" vscode >&2
    fi
    command -v npm >/dev/null || die "npm is missing"
    if [ "$2" = all ]; then
      install_one "$OLDEST"
      install_one "$NEWEST"
    else
      install_one "$(resolve_version "$2")"
    fi
    ;;
  path)
    [ $# -eq 2 ] || usage
    marker_get "$(resolve_version "$2")" server_main
    ;;
  node-bin)
    [ $# -eq 2 ] || usage
    marker_get "$(resolve_version "$2")" node_bin
    ;;
  vscode-version)
    [ $# -eq 2 ] || usage
    marker_get "$(resolve_version "$2")" vscode_version
    ;;
  status)
    for d in "$cache_root"/code-server/*/; do
      [ -d "$d" ] || continue
      v=$(basename "$d")
      if [ -f "$d/$marker_name" ]; then
        echo "$v: installed (VS Code $(marker_get "$v" vscode_version), node $(marker_get "$v" node_version))"
      else
        echo "$v: incomplete (will be reinstalled)"
      fi
    done
    ;;
  *) usage ;;
esac
