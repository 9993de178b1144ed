#!/usr/bin/env bash
# Checks Muse's OpenAI-compatible client against a REAL server: llama.cpp's llama-server, built from the source
# that the npm package node-llama-cpp ships, serving a tiny random-weight GGUF. Too slow for every CI run (the first
# build takes several minutes), so it is an opt-in check:  scripts/check-llama-server.sh
# Needs: node/npm, cmake, a C++ compiler, python3 with numpy. Caches the build in ~/.cache/muse/llama.cpp.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MUSE_LLAMA_CACHE:-$HOME/.cache/muse}"
LLAMA="$CACHE/llama.cpp"
SERVER="$LLAMA/build/bin/llama-server"

if [ ! -x "$SERVER" ]; then
  mkdir -p "$CACHE"
  if [ ! -d "$LLAMA" ]; then
    echo "fetching llama.cpp's source from the npm package node-llama-cpp..." >&2
    (cd "$CACHE" && npm install --silent --no-save --ignore-scripts node-llama-cpp@3.22.1 >/dev/null)
    git clone -q "$CACHE/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$LLAMA"
  fi
  echo "building llama-server (a few minutes)..." >&2
  cmake -S "$LLAMA" -B "$LLAMA/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF >/dev/null
  cmake --build "$LLAMA/build" -j"$(nproc)" --target llama-server >/dev/null
fi

WORK="$(mktemp -d)"
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
PYTHONPATH="$LLAMA/gguf-py" python3 "$ROOT/scripts/tiny_gguf.py" "$WORK/tiny.gguf"

PORT="${PORT:-18089}"
"$SERVER" -m "$WORK/tiny.gguf" --host 127.0.0.1 --port "$PORT" -np 4 -c 8192 --jinja >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$WORK/server.log"; echo "llama-server did not start" >&2; exit 1; }

fail=0
for mode in instant thinking contemplating auto; do
  # no --model: Muse asks the server for the one model it serves
  if out="$("$ROOT/muse" ask -q --mode "$mode" --agents 3 --max-tokens 24 --base-url "http://127.0.0.1:$PORT/v1" --json "Say hello")"; then
    calls="$(printf '%s' "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin); u=j["usage"]; print(j["mode"], "calls", u["calls"], "in", u["input_tokens"], "out", u["output_tokens"], "agents", len(j["agents"]))')"
    echo "ok   $mode: $calls"
  else
    echo "FAIL $mode" >&2
    fail=1
  fi
done
exit $fail
