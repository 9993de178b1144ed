#!/usr/bin/env bash
# Muse's embedded engine against llama.cpp on the same GGUF file and thread count, in one run, with the ratios.
#   bench/vs-llamacpp.sh FILE [--threads T] [--prompt-tokens P] [--gen-tokens G] [--parallel 1,8] [--reps R] [--rounds N] [--depth D] [--no-avx2] [--isa avx2]
#   bench/vs-llamacpp.sh --make llama1b-q8_0     # writes a random-weight benchmark file with Muse's own GGUF writer
# Muse: `./muse bench ... --json` when the CLI has the command, else the engine's BenchMain straight from its classes.
# llama.cpp, two builds of the source node-llama-cpp ships (built once into ~/.cache/muse/llama.cpp; needs npm, git,
# cmake, a C++ compiler): "native" (-march=native: on a CPU with AVX512-VNNI its int8 kernels use those instructions,
# which Java's Vector API cannot reach) and "avx2" (AVX2+FMA+F16C only, the instruction set a Vector API kernel gets
# on any x86-64 machine). $MUSE_LLAMA_BIN / $MUSE_LLAMA_BIN_AVX2 point at existing bin directories instead.
# --rounds N runs Muse and llama.cpp in turn N times and prints the median of the per-round ratios with their range:
# on a shared machine the memory bandwidth drifts within minutes, and a ratio of two runs taken side by side moves
# less than either figure.
# --depth D adds one sequence's generation after D positions of context (llama-bench -d D), where attention reads
# the keys and values of D positions per token on top of the weights.
# --isa avx2 compares both sides on AVX2 alone, as on a CPU without AVX-512 or VNNI: Muse's JVM runs with
# -XX:UseAVX=2 (256-bit vectors, no AVX-512 instructions) against the AVX2 llama.cpp build only.
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

FILE="${1:?usage: bench/vs-llamacpp.sh FILE [--threads T] [--prompt-tokens P] [--gen-tokens G] [--parallel 1,8] [--reps R] [--rounds N]}"
shift
THREADS="$(nproc)"; PP=512; TG=128; PAR="1,8"; REPS=3; ROUNDS=1; AVX2=1; DEPTH=0; ISA=native
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --prompt-tokens) PP="$2"; shift 2 ;;
    --gen-tokens) TG="$2"; shift 2 ;;
    --parallel) PAR="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --depth) DEPTH="$2"; shift 2 ;;
    --no-avx2) AVX2=0; shift ;;
    --isa) ISA="${2:-}"; shift $(( $# > 1 ? 2 : 1 )) ;; # a missing value is reported below, not by a failed shift
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds takes a positive whole number, not '$ROUNDS'" >&2; exit 2; }
[[ "$DEPTH" =~ ^[0-9]+$ ]] || { echo "--depth takes a whole number of positions, not '$DEPTH'" >&2; exit 2; }
case "$ISA" in
  native) ISA_OPTS="" ;;
  avx2)
    [ "$(uname -m)" = x86_64 ] || { echo "--isa avx2 needs an x86-64 CPU (this is $(uname -m))" >&2; exit 2; }
    ISA_OPTS="-XX:UseAVX=2"; AVX2=1 ;;
  *) echo "--isa takes native or avx2, not '$ISA'" >&2; exit 2 ;;
esac
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
BIN=""
if [ "$ISA" = native ]; then
  BIN="${MUSE_LLAMA_BIN:-}"
  [ -n "$BIN" ] || BIN="$(build_llama build)"
fi
BIN_AVX2=""
if [ "$AVX2" = 1 ]; then
  BIN_AVX2="${MUSE_LLAMA_BIN_AVX2:-}"
  [ -n "$BIN_AVX2" ] || BIN_AVX2="$(build_llama build-avx2 -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)"
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

echo "muse bench: $FILE, $THREADS threads, pp$PP tg$TG, parallel $PAR, $REPS reps, $ROUNDS round(s)" >&2
run_muse() { # $1 round
  # the CLI's bench command when the built jar has it (looked up in the jar: ./muse itself may rebuild the reactor)
  if [ -f "$ROOT/muse-cli/target/muse.jar" ] && unzip -l "$ROOT/muse-cli/target/muse.jar" 2>/dev/null | grep -qi 'Bench[A-Za-z]*Command'; then
    MUSE_JAVA_OPTS="$ISA_OPTS ${MUSE_JAVA_OPTS:-}" "$ROOT/muse" bench --model "$FILE" --threads "$THREADS" --prompt-tokens "$PP" --gen-tokens "$TG" --parallel "$PAR" \
      --repetitions "$REPS" --depth "$DEPTH" --json >"$OUT/muse-$1.json"
  else
    "$JAVA_HOME/bin/java" $ISA_OPTS ${MUSE_JAVA_OPTS:-} --add-modules jdk.incubator.vector -cp "$(engine_cp)" dev.muse.engine.bench.BenchMain \
      "$FILE" "$THREADS" "$PP" "$TG" "$PAR" "$REPS" "$DEPTH" >"$OUT/muse-$1.json" 2>"$OUT/muse-$1.log"
  fi
}

run_llama() { # $1 bin directory, $2 label, $3 round
  echo "llama-bench ($2): same file and threads" >&2
  "$1/llama-bench" -m "$FILE" -t "$THREADS" -p "$PP" -n "$TG" -r "$REPS" -o json >"$OUT/llama-$2-$3.json" 2>"$OUT/llama-$2-$3.log"
  if [ "$DEPTH" -gt 0 ]; then
    echo "llama-bench ($2): generation at depth $DEPTH" >&2
    "$1/llama-bench" -m "$FILE" -t "$THREADS" -p 0 -n "$TG" -d "$DEPTH" -r "$REPS" -o json >"$OUT/depth-$2-$3.json" 2>"$OUT/depth-$2-$3.log"
  fi
  local PMAX
  PMAX="$(echo "$PAR" | tr ',' '\n' | sort -n | tail -1)"
  if [ -x "$1/llama-batched-bench" ] && [ "$PMAX" -gt 1 ]; then
    echo "llama-batched-bench ($2): $PAR sequences" >&2
    "$1/llama-batched-bench" -m "$FILE" -t "$THREADS" -c $(( (PP + TG) * PMAX + 64 )) -b 2048 -ub 512 \
      -npp "$PP" -ntg "$TG" -npl "$PAR" --output-format jsonl >"$OUT/batched-$2-$3.jsonl" 2>"$OUT/batched-$2-$3.log" || true
  fi
}
for round in $(seq 1 "$ROUNDS"); do
  [ "$ROUNDS" = 1 ] || echo "round $round of $ROUNDS" >&2
  run_muse "$round"
  [ -z "$BIN" ] || run_llama "$BIN" native "$round"
  [ -z "$BIN_AVX2" ] || run_llama "$BIN_AVX2" avx2 "$round"
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, os, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])

def llama(label, r):
    path = os.path.join(out, f"llama-{label}-{r}.json")
    if not os.path.exists(path):
        return None
    ll = json.load(open(path))
    ref = {"pp": next(x["avg_ts"] for x in ll if x["n_prompt"] > 0 and x["n_gen"] == 0),
           "tg": next(x["avg_ts"] for x in ll if x["n_gen"] > 0 and x["n_prompt"] == 0)}
    dpath = os.path.join(out, f"depth-{label}-{r}.json")
    if os.path.exists(dpath):
        ref["depth"] = next(x["avg_ts"] for x in json.load(open(dpath)) if x["n_gen"] > 0 and x.get("n_depth", 0) > 0)
    bpath = os.path.join(out, f"batched-{label}-{r}.jsonl")
    if os.path.exists(bpath):
        for line in open(bpath):
            line = line.strip()
            if line.startswith("{"):
                x = json.loads(line)
                if "pl" in x and "speed_tg" in x:
                    ref[str(x["pl"])] = x["speed_tg"]
    return ref

runs = [json.load(open(os.path.join(out, f"muse-{r}.json"))) for r in range(1, rounds + 1)]
refs = {}
for label in ("native", "avx2"):
    per_round = [llama(label, r) for r in range(1, rounds + 1)]
    if all(p is not None for p in per_round):
        refs[label] = per_round

def muse_value(m, key):
    if key == "pp":
        return m["prompt_tokens_per_s"]
    if key == "tg":
        return m["gen_tokens_per_s"]
    if key == "depth":
        return m["gen_at_depth_tokens_per_s"]
    return m["parallel"][key]["aggregate_tokens_per_s"]

def row(name, key):
    mine = [muse_value(m, key) for m in runs]
    cells = ""
    for label, per_round in refs.items():
        theirs = [p.get(key) for p in per_round]
        if all(theirs):
            # each round's ratio pairs runs taken side by side; the median of those is what is printed
            ratios = sorted(a / b for a, b in zip(mine, theirs))
            spread = f" ({ratios[0]:.2f}-{ratios[-1]:.2f})" if rounds > 1 else ""
            cells += f" {statistics.median(theirs):10.2f} {statistics.median(ratios):5.2f}x{spread}"
        else:
            cells += f" {'n/a':>10} {'':>6}"
    print(f"{name:<28} {statistics.median(mine):9.2f}{cells}")

m = runs[0]
print(f"model {m['model']} ({m['weight_type']}), {m['threads']} threads, Muse on {m.get('vector_bits', '?')}-bit vectors"
      + (f", {rounds} rounds: medians, ratio = median of each round's ratio (range)" if rounds > 1 else ""))
ratio_head = f"{'ratio':>6}" + (f" {'(range)':<11}" if rounds > 1 else "")
print(f"{'tokens/s':<28} {'muse':>9}" + "".join(f" {'llama.cpp ' + l:>10} {ratio_head}" for l in refs))
row(f"prompt processing pp{m['prompt_tokens']}", "pp")
row(f"generation tg{m['gen_tokens']}", "tg")
if m.get("depth"):
    row(f"generation tg{m['gen_tokens']} @ d{m['depth']}", "depth")
for n in m["parallel"]:
    if n == "1":
        continue
    row(f"{n} sequences, aggregate", n)
    multiples = sorted(r["parallel"][n]["aggregate_tokens_per_s"]
                       / (r["parallel"].get("1", {}).get("aggregate_tokens_per_s") or r["gen_tokens_per_s"]) for r in runs)
    print(f"{'':<28} {'':>9}   {statistics.median(multiples):5.2f}x muse's single-sequence rate after the same prompt")
for i, r in enumerate(runs, 1):
    print(f"streaming read of the file {r['stream_read_gb_per_s']:.1f} GB/s; generation reads {r['gen_read_gb_per_s']:.1f} GB/s "
          f"= {100 * r['bandwidth_fraction']:.0f}% of it ({r['weight_bytes_per_token'] / 1e6:.0f} MB of weights per token)"
          + (f" [round {i}]" if rounds > 1 else ""))
for i, r in enumerate(runs, 1):
    print(("muse json: " if rounds == 1 else f"muse json (round {i}): ") + json.dumps(r))
PY
