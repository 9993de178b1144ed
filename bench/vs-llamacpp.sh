#!/usr/bin/env bash
# Muse's embedded engine against llama.cpp on the same GGUF file and thread count, in one run, with the ratios.
#   bench/vs-llamacpp.sh FILE [--threads T] [--prompt-tokens P] [--gen-tokens G] [--parallel 1,8] [--reps R]
#   bench/vs-llamacpp.sh --make llama1b-q8_0     # writes a random-weight benchmark file with Muse's own GGUF writer
# Muse: `./muse bench ... --json` when the CLI has the command, else the engine's BenchMain straight from its classes.
# llama.cpp: llama-bench (and llama-batched-bench for the parallel figure, when built) from $MUSE_LLAMA_BIN, else
# built once from the source node-llama-cpp ships, into ~/.cache/muse/llama.cpp (needs npm, git, cmake, a C++ compiler).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MUSE_LLAMA_CACHE:-$HOME/.cache/muse}"
MODELS="${MUSE_BENCH_MODELS:-$CACHE/bench-models}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -x "$JAVA_HOME/bin/java" ] || { echo "set JAVA_HOME to a JDK 25" >&2; exit 2; }

engine_cp() {
  if [ -n "${MUSE_ENGINE_CP:-}" ]; then echo "$MUSE_ENGINE_CP"; return; fi
  local core="$HOME/.m2/repository/dev/muse/muse-core/0.1.0-SNAPSHOT/muse-core-0.1.0-SNAPSHOT.jar"
  if [ ! -d "$ROOT/muse-engine/target/classes/dev/muse/engine/bench" ] || [ ! -f "$core" ]; then
    echo "building muse-engine..." >&2
    (cd "$ROOT" && ./mvnw -q -pl muse-core,muse-tokenizer,muse-engine install -DskipTests >&2)
  fi
  echo "$ROOT/muse-engine/target/classes:$core"
}

if [ "${1:-}" = "--make" ]; then
  shift
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$(engine_cp)" dev.muse.engine.bench.BenchModels "$MODELS" "$@" 2>/dev/null
  exit 0
fi

FILE="${1:?usage: bench/vs-llamacpp.sh FILE [--threads T] [--prompt-tokens P] [--gen-tokens G] [--parallel 1,8] [--reps R]}"
shift
THREADS="$(nproc)"; PP=512; TG=128; PAR="1,8"; REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --prompt-tokens) PP="$2"; shift 2 ;;
    --gen-tokens) TG="$2"; shift 2 ;;
    --parallel) PAR="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$FILE" ] || { echo "no such model file: $FILE (make one with: bench/vs-llamacpp.sh --make llama1b-q8_0)" >&2; exit 2; }

BIN="${MUSE_LLAMA_BIN:-$CACHE/llama.cpp/build/bin}"
if [ ! -x "$BIN/llama-bench" ]; then
  LLAMA="$CACHE/llama.cpp"
  mkdir -p "$CACHE"
  if [ ! -d "$LLAMA" ]; then
    echo "fetching llama.cpp's source from the npm package node-llama-cpp..." >&2
    (cd "$CACHE" && npm install --silent --no-save --ignore-scripts node-llama-cpp@3.22.1 >/dev/null)
    git clone -q "$CACHE/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$LLAMA"
  fi
  echo "building llama-bench and llama-batched-bench (a few minutes)..." >&2
  cmake -S "$LLAMA" -B "$LLAMA/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF >/dev/null
  cmake --build "$LLAMA/build" -j"$(nproc)" --target llama-bench llama-batched-bench >/dev/null
  BIN="$LLAMA/build/bin"
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

echo "muse bench: $FILE, $THREADS threads, pp$PP tg$TG, parallel $PAR, $REPS reps" >&2
# the CLI's bench command once the lead has wired it (looked up in the built jar: ./muse itself may rebuild the reactor)
if [ -f "$ROOT/muse-cli/target/muse.jar" ] && unzip -l "$ROOT/muse-cli/target/muse.jar" 2>/dev/null | grep -qi 'Bench[A-Za-z]*Command'; then
  "$ROOT/muse" bench --model "$FILE" --threads "$THREADS" --prompt-tokens "$PP" --gen-tokens "$TG" --parallel "$PAR" --json >"$OUT/muse.json"
else
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$(engine_cp)" dev.muse.engine.bench.BenchMain \
    "$FILE" "$THREADS" "$PP" "$TG" "$PAR" "$REPS" >"$OUT/muse.json" 2>"$OUT/muse.log"
fi

echo "llama-bench: same file and threads" >&2
"$BIN/llama-bench" -m "$FILE" -t "$THREADS" -p "$PP" -n "$TG" -r "$REPS" -o json >"$OUT/llama.json" 2>"$OUT/llama.log"
PMAX="$(echo "$PAR" | tr ',' '\n' | sort -n | tail -1)"
if [ -x "$BIN/llama-batched-bench" ] && [ "$PMAX" -gt 1 ]; then
  echo "llama-batched-bench: $PAR sequences" >&2
  "$BIN/llama-batched-bench" -m "$FILE" -t "$THREADS" -c $(( (PP + TG) * PMAX + 64 )) -b 2048 -ub 512 \
    -npp "$PP" -ntg "$TG" -npl "$PAR" --output-format jsonl >"$OUT/batched.jsonl" 2>"$OUT/batched.log" || true
fi

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
m = json.load(open(os.path.join(out, "muse.json")))
ll = json.load(open(os.path.join(out, "llama.json")))
pp = next(r["avg_ts"] for r in ll if r["n_prompt"] > 0 and r["n_gen"] == 0)
tg = next(r["avg_ts"] for r in ll if r["n_gen"] > 0 and r["n_prompt"] == 0)
batched = {}
path = os.path.join(out, "batched.jsonl")
if os.path.exists(path):
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            if "pl" in r and "speed_tg" in r:
                batched[str(r["pl"])] = r["speed_tg"]
def row(name, muse, ref):
    ratio = f"{muse / ref:5.2f}x" if ref else "  n/a"
    refs = f"{ref:9.2f}" if ref else "      n/a"
    print(f"{name:<28} {muse:9.2f} {refs}   {ratio}")
print(f"model {m['model']} ({m['weight_type']}), {m['threads']} threads")
print(f"{'tokens/s':<28} {'muse':>9} {'llama.cpp':>9}   ratio")
row(f"prompt processing pp{m['prompt_tokens']}", m["prompt_tokens_per_s"], pp)
row(f"generation tg{m['gen_tokens']}", m["gen_tokens_per_s"], tg)
for n, v in m["parallel"].items():
    if n == "1":
        continue
    row(f"{n} sequences, aggregate", v["aggregate_tokens_per_s"], batched.get(n))
    print(f"{'':<28} {'':>9} {'':>9}   {v['aggregate_tokens_per_s'] / m['gen_tokens_per_s']:5.2f}x muse's single-sequence rate")
print(f"streaming read of the file {m['stream_read_gb_per_s']:.1f} GB/s; generation reads {m['gen_read_gb_per_s']:.1f} GB/s "
      f"= {100 * m['bandwidth_fraction']:.0f}% of it ({m['weight_bytes_per_token'] / 1e6:.0f} MB of weights per token)")
print("muse json: " + json.dumps(m))
PY
