#!/usr/bin/env bash
# Muse's embedded engine against llama.cpp on the same GGUF file and thread count, in one run, with the ratios.
#   bench/vs-llamacpp.sh FILE [--threads T] [--prompt-tokens P] [--gen-tokens G] [--parallel 1,8] [--reps R] [--no-avx2]
#   bench/vs-llamacpp.sh --make llama1b-q8_0     # writes a random-weight benchmark file with Muse's own GGUF writer
# Muse: `./muse bench ... --json` when the CLI has the command, else the engine's BenchMain straight from its classes.
# llama.cpp, two builds of the source node-llama-cpp ships (built once into ~/.cache/muse/llama.cpp; needs npm, git,
# cmake, a C++ compiler): "native" (-march=native: on a CPU with AVX512-VNNI its int8 kernels use those instructions,
# which Java's Vector API cannot reach) and "avx2" (AVX2+FMA+F16C only, the instruction set a Vector API kernel gets
# on any x86-64 machine). $MUSE_LLAMA_BIN / $MUSE_LLAMA_BIN_AVX2 point at existing bin directories instead.
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
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$(engine_cp)" dev.muse.engine.bench.BenchModels "$MODELS" "$@" \
    2> >(grep -v 'Using incubator modules' >&2)
  exit $?
fi

FILE="${1:?usage: bench/vs-llamacpp.sh FILE [--threads T] [--prompt-tokens P] [--gen-tokens G] [--parallel 1,8] [--reps R]}"
shift
THREADS="$(nproc)"; PP=512; TG=128; PAR="1,8"; REPS=3; AVX2=1
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --prompt-tokens) PP="$2"; shift 2 ;;
    --gen-tokens) TG="$2"; shift 2 ;;
    --parallel) PAR="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --no-avx2) AVX2=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$FILE" ] || { echo "no such model file: $FILE (make one with: bench/vs-llamacpp.sh --make llama1b-q8_0)" >&2; exit 2; }

build_llama() { # $1 build directory name, then cmake flags; prints the bin directory
  local dir="$1"; shift
  local LLAMA="$CACHE/llama.cpp"
  if [ ! -x "$LLAMA/$dir/bin/llama-bench" ]; then
    mkdir -p "$CACHE"
    if [ ! -d "$LLAMA" ]; then
      echo "fetching llama.cpp's source from the npm package node-llama-cpp..." >&2
      (cd "$CACHE" && npm install --silent --no-save --ignore-scripts node-llama-cpp@3.22.1 >/dev/null)
      git clone -q "$CACHE/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$LLAMA"
    fi
    echo "building llama-bench and llama-batched-bench ($dir, a few minutes)..." >&2
    cmake -S "$LLAMA" -B "$LLAMA/$dir" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF "$@" >/dev/null
    cmake --build "$LLAMA/$dir" -j"$(nproc)" --target llama-bench llama-batched-bench >/dev/null
  fi
  echo "$LLAMA/$dir/bin"
}
BIN="${MUSE_LLAMA_BIN:-}"
[ -n "$BIN" ] || BIN="$(build_llama build)"
BIN_AVX2=""
if [ "$AVX2" = 1 ]; then
  BIN_AVX2="${MUSE_LLAMA_BIN_AVX2:-}"
  [ -n "$BIN_AVX2" ] || BIN_AVX2="$(build_llama build-avx2 -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)"
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

echo "muse bench: $FILE, $THREADS threads, pp$PP tg$TG, parallel $PAR, $REPS reps" >&2
# the CLI's bench command once the lead has wired it (looked up in the built jar: ./muse itself may rebuild the reactor)
if [ -f "$ROOT/muse-cli/target/muse.jar" ] && unzip -l "$ROOT/muse-cli/target/muse.jar" 2>/dev/null | grep -qi 'Bench[A-Za-z]*Command'; then
  "$ROOT/muse" bench --model "$FILE" --threads "$THREADS" --prompt-tokens "$PP" --gen-tokens "$TG" --parallel "$PAR" \
    --repetitions "$REPS" --json >"$OUT/muse.json"
else
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$(engine_cp)" dev.muse.engine.bench.BenchMain \
    "$FILE" "$THREADS" "$PP" "$TG" "$PAR" "$REPS" >"$OUT/muse.json" 2>"$OUT/muse.log"
fi

run_llama() { # $1 bin directory, $2 label
  echo "llama-bench ($2): same file and threads" >&2
  "$1/llama-bench" -m "$FILE" -t "$THREADS" -p "$PP" -n "$TG" -r "$REPS" -o json >"$OUT/llama-$2.json" 2>"$OUT/llama-$2.log"
  local PMAX
  PMAX="$(echo "$PAR" | tr ',' '\n' | sort -n | tail -1)"
  if [ -x "$1/llama-batched-bench" ] && [ "$PMAX" -gt 1 ]; then
    echo "llama-batched-bench ($2): $PAR sequences" >&2
    "$1/llama-batched-bench" -m "$FILE" -t "$THREADS" -c $(( (PP + TG) * PMAX + 64 )) -b 2048 -ub 512 \
      -npp "$PP" -ntg "$TG" -npl "$PAR" --output-format jsonl >"$OUT/batched-$2.jsonl" 2>"$OUT/batched-$2.log" || true
  fi
}
run_llama "$BIN" native
[ -z "$BIN_AVX2" ] || run_llama "$BIN_AVX2" avx2

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
m = json.load(open(os.path.join(out, "muse.json")))
refs = {}
for label in ("native", "avx2"):
    path = os.path.join(out, f"llama-{label}.json")
    if not os.path.exists(path):
        continue
    ll = json.load(open(path))
    ref = {"pp": next(r["avg_ts"] for r in ll if r["n_prompt"] > 0 and r["n_gen"] == 0),
           "tg": next(r["avg_ts"] for r in ll if r["n_gen"] > 0 and r["n_prompt"] == 0)}
    bpath = os.path.join(out, f"batched-{label}.jsonl")
    if os.path.exists(bpath):
        for line in open(bpath):
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                if "pl" in r and "speed_tg" in r:
                    ref[str(r["pl"])] = r["speed_tg"]
    refs[label] = ref
def row(name, muse, key):
    cells = ""
    for label, ref in refs.items():
        v = ref.get(key)
        cells += f" {v:10.2f} {muse / v:5.2f}x" if v else f" {'n/a':>10} {'':>6}"
    print(f"{name:<28} {muse:9.2f}{cells}")
print(f"model {m['model']} ({m['weight_type']}), {m['threads']} threads")
print(f"{'tokens/s':<28} {'muse':>9}" + "".join(f" {'llama.cpp ' + l:>10} {'ratio':>6}" for l in refs))
row(f"prompt processing pp{m['prompt_tokens']}", m["prompt_tokens_per_s"], "pp")
row(f"generation tg{m['gen_tokens']}", m["gen_tokens_per_s"], "tg")
for n, v in m["parallel"].items():
    if n == "1":
        continue
    row(f"{n} sequences, aggregate", v["aggregate_tokens_per_s"], n)
    one = m["parallel"].get("1", {}).get("aggregate_tokens_per_s") or m["gen_tokens_per_s"]
    print(f"{'':<28} {'':>9}   {v['aggregate_tokens_per_s'] / one:5.2f}x muse's single-sequence rate after the same prompt")
print(f"streaming read of the file {m['stream_read_gb_per_s']:.1f} GB/s; generation reads {m['gen_read_gb_per_s']:.1f} GB/s "
      f"= {100 * m['bandwidth_fraction']:.0f}% of it ({m['weight_bytes_per_token'] / 1e6:.0f} MB of weights per token)")
print("muse json: " + json.dumps(m))
PY
