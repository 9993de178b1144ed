#!/usr/bin/env bash
# Contemplating's N agents against Thinking's one agent on the embedded engine, same file, threads and --max-tokens,
# in one run, with the ratio of their wall times (issue 4: at most 4x for 8 agents).
#   bench/contemplating.sh FILE [--agents 8] [--max-tokens 48] [--threads T] [--question TEXT] [--no-matched]
# Three runs of `muse ask --json` (the CLI jar, $MUSE_JAR or muse-cli/target/muse.jar):
#   thinking       the question in Thinking mode (one agent)
#   contemplating  the same question, N agents, --refine-rounds 0 --no-early-stop (every agent writes --max-tokens)
#   matched        Thinking again with the question padded so its prompt has as many tokens as one agent's prompt
#                  (Contemplating's instructions and the per-agent approach make each agent's prompt longer), so the
#                  "same token counts" ratio compares equal prompts and equal outputs per agent
# Times are the run's own elapsed_ms (model loading excluded, it is the same for both); the process wall time is shown too.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -x "$JAVA_HOME/bin/java" ] || { echo "set JAVA_HOME to a JDK 25" >&2; exit 2; }
JAR="${MUSE_JAR:-$ROOT/muse-cli/target/muse.jar}"
command -v jq >/dev/null || { echo "this script needs jq (apt-get install jq)" >&2; exit 2; }

USAGE="usage: bench/contemplating.sh FILE [--agents 8] [--max-tokens 48] [--threads T] [--question TEXT] [--no-matched]"
FILE="${1:?$USAGE}"
shift
AGENTS=8; MAXTOK=48; THREADS="$(nproc)"; MATCHED=1
QUESTION="A train leaves at 9:40 and arrives at 13:05. How long is the journey in minutes?"
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) AGENTS="$2"; shift 2 ;;
    --max-tokens) MAXTOK="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --question) QUESTION="$2"; shift 2 ;;
    --no-matched) MATCHED=0; shift ;;
    *) echo "unknown option $1; $USAGE" >&2; exit 2 ;;
  esac
done
[ -f "$FILE" ] || { echo "no such model file: $FILE (make one with: bench/vs-llamacpp.sh --make llama1b-q8_0)" >&2; exit 2; }
[ -f "$JAR" ] || { echo "no CLI jar at $JAR: build it with ./muse --version (or set MUSE_JAR)" >&2; exit 2; }

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# ask NAME MODE QUESTION [extra args...]: runs muse ask, keeps its JSON in $OUT/NAME.json and its wall time in $OUT/NAME.wall
# ($TOKENS overrides --max-tokens for one call)
ask() {
  local name="$1" mode="$2" question="$3"
  shift 3
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -f '%U %S' -o "$OUT/$name.cpu" "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector \
      --enable-native-access=ALL-UNNAMED -jar "$JAR" ask --json \
      --model "$FILE" --threads "$THREADS" --mode "$mode" --max-tokens "${TOKENS:-$MAXTOK}" --seed 1 "$@" "$question" \
      >"$OUT/$name.json" 2>"$OUT/$name.err"; then
    echo "muse ask ($name) failed:" >&2
    cat "$OUT/$name.err" >&2
    exit 1
  fi
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) >"$OUT/$name.wall"
}
ms() { jq -r '.elapsed_ms' "$OUT/$1.json"; }
cpu() { awk '{print $1 + $2}' "$OUT/$1.cpu"; }
mean() { echo "($1 + $2) / 2" | bc -l; }
# prompt tokens of one agent (the mean over agents), and output tokens per agent
prompt_per_agent() { jq -r '[.agents[].usage.input_tokens] | (add / length | floor)' "$OUT/$1.json"; }
out_per_agent() { jq -r '[.agents[].usage.output_tokens] | (add / length | floor)' "$OUT/$1.json"; }
line() {
  printf '%-15s %2s agent(s)  prompt %4s tok/agent  output %3s tok/agent (%4s total)  run %6.1f s  process %6.1f s  cpu %6.1f s\n' \
    "$1" "$(jq -r '.agents | length' "$OUT/$1.json")" "$(prompt_per_agent "$1")" "$(out_per_agent "$1")" \
    "$(jq -r '.usage.output_tokens' "$OUT/$1.json")" "$(echo "$(ms "$1") / 1000" | bc -l)" "$(echo "$(cat "$OUT/$1.wall") / 1000" | bc -l)" "$(cpu "$1")"
}

echo "model $FILE, $THREADS threads, --max-tokens $MAXTOK, $AGENTS agents; load: $(uptime | sed 's/.*load average/load average/')"
# the references run before and after Contemplating and are averaged: other load on the machine drifts
ask thinking thinking "$QUESTION"
line thinking
if [ "$MATCHED" = 1 ]; then
  # pad the question until Thinking's prompt is as long as one agent's: the padding's tokens are measured once
  have=$(prompt_per_agent thinking)
  TOKENS=1 ask agent contemplating "$QUESTION" --agents 1 --refine-rounds 0 --no-early-stop
  want=$(prompt_per_agent agent)
  pad="This sentence is padding that makes the prompt as long as one agent's prompt."
  probe="$QUESTION"
  for _ in 1 2 3 4; do probe="$probe $pad"; done
  TOKENS=1 ask probe thinking "$probe"
  per=$(( ($(prompt_per_agent probe) - have + 3) / 4 ))
  n=$(( per > 0 ? (want - have + per / 2) / per : 0 ))
  padded="$QUESTION"
  for _ in $(seq 1 "$n"); do padded="$padded $pad"; done
  ask matched thinking "$padded"
  line matched
fi
ask contemplating contemplating "$QUESTION" --agents "$AGENTS" --refine-rounds 0 --no-early-stop
line contemplating
grep -ho 'decoding in a batch of.*' "$OUT/contemplating.err" | sort | uniq -c | sed 's/^ */  trace: /' || true
ask thinking2 thinking "$QUESTION"
line thinking2
ref=$(mean "$(ms thinking)" "$(ms thinking2)")
refcpu=$(mean "$(cpu thinking)" "$(cpu thinking2)")
printf 'ratio (same question)      contemplating / thinking = %.2fx wall, %.2fx cpu\n' \
  "$(echo "$(ms contemplating) / $ref" | bc -l)" "$(echo "$(cpu contemplating) / $refcpu" | bc -l)"
if [ "$MATCHED" = 1 ]; then
  ask matched2 thinking "$padded"
  line matched2
  ref=$(mean "$(ms matched)" "$(ms matched2)")
  refcpu=$(mean "$(cpu matched)" "$(cpu matched2)")
  printf 'ratio (same token counts)  contemplating / matched thinking = %.2fx wall, %.2fx cpu   (issue 4: at most 4x for 8 agents)\n' \
    "$(echo "$(ms contemplating) / $ref" | bc -l)" "$(echo "$(cpu contemplating) / $refcpu" | bc -l)"
fi
echo "load after: $(uptime | sed 's/.*load average/load average/')"
