#!/usr/bin/env bash
# Lints the contracts under buf's STANDARD rules and checks them for breaking changes against the
# previous commit. Run by the build (process-classes phase) from the proto/ directory, after the
# imported .proto files were unpacked into target/proto-deps. buf comes from npm (@bufbuild/buf).
set -euo pipefail
BUF_VERSION="${BUF_VERSION:-1.75.0}"
cd "$(dirname "$0")"

if ! command -v npm >/dev/null 2>&1; then
  echo "[buf] npm not found: skipping buf lint and breaking checks (install Node.js to run them)" >&2
  exit 0
fi
buf_home="${XDG_CACHE_HOME:-$HOME/.cache}/optimesh/buf-$BUF_VERSION"
buf="$buf_home/node_modules/.bin/buf"
if [ ! -x "$buf" ]; then
  echo "[buf] installing @bufbuild/buf@$BUF_VERSION from npm into $buf_home"
  mkdir -p "$buf_home"
  npm install --silent --no-audit --no-fund --prefix "$buf_home" "@bufbuild/buf@$BUF_VERSION" >/dev/null
fi

"$buf" lint --path src/main/proto/optimesh
echo "[buf] lint: clean (STANDARD)"

against="${BUF_BREAKING_AGAINST:-HEAD~1}"
if [ "${BUF_BREAKING_SKIP:-false}" = "true" ]; then
  echo "[buf] breaking: skipped (BUF_BREAKING_SKIP=true)"
  exit 0
fi
if ! git rev-parse --verify --quiet "$against^{commit}" >/dev/null 2>&1; then
  echo "[buf] breaking: skipped ($against is not a commit in this clone)"
  exit 0
fi
previous="target/buf-previous"
rm -rf "$previous" && mkdir -p "$previous"
if ! git -C .. archive "$against:proto" src/main/proto 2>/dev/null | tar -x -C "$previous"; then
  echo "[buf] breaking: skipped ($against has no contracts yet)"
  exit 0
fi
cp buf.yaml "$previous/"
mkdir -p "$previous/target" && cp -r target/proto-deps "$previous/target/"
(cd "$previous" && "$buf" build --path src/main/proto/optimesh -o ../buf-previous.binpb)
"$buf" build --path src/main/proto/optimesh -o target/buf-current.binpb
"$buf" breaking target/buf-current.binpb --against target/buf-previous.binpb --exclude-imports
echo "[buf] breaking: none against $against"
