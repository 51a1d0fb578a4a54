#!/usr/bin/env bash
# The embedded demo (`npm run demo`): a local Jupyter server with a token, plus a VS Code server with this
# extension installed from a freshly built .vsix; prints the URL to open and stops everything on Ctrl-C.
#
#   npm run demo                      VS Code 1.100.3 (the oldest supported), on http://127.0.0.1:8181/
#   DEMO_VSCODE=newest npm run demo   VS Code 1.139.1
#   DEMO_PORT=9000 DEMO_HOST=0.0.0.0 npm run demo   another port / listen on all interfaces (no auth: careful)
#
# Everything it writes goes to one temp folder (HOME for both servers included), removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
version=${DEMO_VSCODE:-oldest}
host=${DEMO_HOST:-127.0.0.1}

say() { printf '\033[1m[demo]\033[0m %s\n' "$*" >&2; }

# ---- what it needs -------------------------------------------------------------------------------------------
[ -d node_modules ] || { say "npm ci"; npm ci --no-audit --no-fund; }
bash scripts/ensure-system-deps.sh all >&2
say "building the extension (.vsix)"
npm run --silent package >/dev/null
bash scripts/vscode-server.sh install "$version" >&2
server_main=$(bash scripts/vscode-server.sh path "$version")
node_bin=$(bash scripts/vscode-server.sh node-bin "$version")
vscode_version=$(bash scripts/vscode-server.sh vscode-version "$version")

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port_free() { node -e 'const s=require("net").createServer().once("error",()=>process.exit(1)).listen(+process.argv[1],process.argv[2],()=>s.close())' "$1" "$host"; }
port=${DEMO_PORT:-8181}
port_free "$port" || { say "port $port is taken; using another"; port=$(free_port); }

# ---- scratch ---------------------------------------------------------------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/sjc-demo-XXXXXX")
pids=()
cleanup() {
  trap - INT TERM EXIT
  say "stopping"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

home=$scratch/home
runtime=$scratch/jupyter-runtime
notebooks=$scratch/notebooks
mkdir -p "$home"/.config "$home"/.local/share "$home"/.cache "$runtime" "$notebooks" "$scratch/jupyter-config" "$scratch/jupyter-data" \
  "$scratch/user-data/User" "$scratch/server-data" "$scratch/extensions"
export HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share XDG_CACHE_HOME=$home/.cache
cat >"$notebooks/hello.ipynb" <<'NB'
{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["print('hello from the demo kernel')"]}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
NB

# ---- a local Jupyter server with a token (the token is only in its env and its runtime file) --------------------
jport=$(free_port)
token=$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')
say "starting jupyter-server on 127.0.0.1:$jport (runtime dir $runtime)"
JUPYTER_TOKEN=$token JUPYTER_RUNTIME_DIR=$runtime JUPYTER_CONFIG_DIR=$scratch/jupyter-config JUPYTER_DATA_DIR=$scratch/jupyter-data \
  setsid jupyter-server --no-browser --allow-root --ip=127.0.0.1 --port="$jport" --port-retries=0 \
  --ServerApp.root_dir="$notebooks" >"$scratch/jupyter.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  ls "$runtime"/jpserver-*.json >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$scratch/jupyter.log" >&2; say "jupyter-server did not start"; exit 1; }
  sleep 0.1
done
# A notebook session, so the explorer has a kernel to show. The token travels in a header, read from the env.
DEMO_TOKEN=$token node -e '
  fetch(process.argv[1] + "api/sessions", { method: "POST",
    headers: { authorization: "token " + process.env.DEMO_TOKEN, "content-type": "application/json" },
    body: JSON.stringify({ path: "hello.ipynb", name: "hello.ipynb", type: "notebook", kernel: { name: "python3" } }) })
  .then((r) => { if (r.status !== 201) throw new Error("POST api/sessions: " + r.status); })
  .catch((e) => { console.error(e.message); process.exit(1); });' "http://127.0.0.1:$jport/"
unset token

# ---- the VS Code server with the extension installed from the .vsix ---------------------------------------------
cat >"$scratch/user-data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "security.workspace.trust.enabled": false
}
JSON
say "starting VS Code $vscode_version with secure-jupyter-connections.vsix"
# JUPYTER_RUNTIME_DIR: the extension host inherits it, so the extension discovers the server above.
JUPYTER_RUNTIME_DIR=$runtime setsid "$node_bin" "$server_main" --host "$host" --port "$port" --without-connection-token \
  --accept-server-license-terms --disable-telemetry --disable-workspace-trust \
  --user-data-dir "$scratch/user-data" --server-data-dir "$scratch/server-data" --extensions-dir "$scratch/extensions" \
  --install-extension "$repo/secure-jupyter-connections.vsix" --start-server >"$scratch/vscode.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
  node -e 'fetch(process.argv[1]).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$port/version" && break
  kill -0 "${pids[1]}" 2>/dev/null || { cat "$scratch/vscode.log" >&2; say "the VS Code server did not start"; exit 1; }
  sleep 0.2
done

url="http://${host/0.0.0.0/127.0.0.1}:$port/?folder=$notebooks"
echo
say "ready. Open this URL in a browser:"
echo
echo "    $url"
echo
say "the 'Jupyter Servers' view (activity bar) shows the local server 127.0.0.1:$jport with its kernel;"
say "logs: $scratch/{jupyter,vscode}.log. Press Ctrl-C to stop."
wait "${pids[1]}"
