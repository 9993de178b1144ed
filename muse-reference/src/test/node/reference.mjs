// llama.cpp as the reference, through node-llama-cpp's prebuilt CPU binary (installed by `npm ci`, never
// downloaded or built here). For each GGUF in the job it evaluates the prompt's token ids, then continues greedily
// for `steps` tokens with llama.cpp's own choices (teacher forcing: the reference's token always continues), and
// writes one JSON line per model to stdout with every position's full logits row (little-endian float32, base64).
//
// Usage: node reference.mjs JOB.json   where JOB = {"vocab": N, "prompt": [ids], "steps": S, "models": [{"name", "path"}]}
// Output lines: {"name", "tokens": [prompt + generated], "logits": base64 of (prompt+steps) x vocab floats}
//               or {"error": "..."} with exit code 2 when the reference cannot run.
import {readFileSync} from "node:fs";

function fail(message) {
    process.stdout.write(JSON.stringify({error: message}) + "\n");
    process.exit(2);
}

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
// never fetch llama.cpp sources or binaries: the reference is what npm installed, or nothing
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";

let llama;
try {
    const {getLlama} = await import("node-llama-cpp");
    llama = await getLlama({
        gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true,
        progressLogs: false, logLevel: "error", logger: () => {}, maxThreads: job.threads ?? 2
    });
} catch (e) {
    fail("node-llama-cpp could not load its prebuilt llama.cpp binary @node-llama-cpp/linux-x64 (no download or build is "
        + "attempted; reinstall with `npm ci` on Linux x86-64 with glibc): " + (e.message || e.name || String(e)));
}
const info = {binary: llama.buildType, gpu: llama.gpu, llamaCpp: llama.llamaCppRelease};
process.stderr.write(`node-llama-cpp ${JSON.stringify(info)}\n`);

function argmax(row) {
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return best;
}

function toRow(map, vocab) {
    const row = new Float32Array(vocab).fill(Number.NEGATIVE_INFINITY);
    for (const [token, logit] of map) row[token] = logit;
    return row;
}

for (const m of job.models) {
    try {
        await evaluate(m);
    } catch (e) {
        fail(`llama.cpp could not evaluate ${m.name} (${m.path}): ${e.message}`);
    }
}
await llama.dispose();

async function evaluate(m) {
    const model = await llama.loadModel({modelPath: m.path, gpuLayers: 0, useMmap: true});
    // F32 KV cache and no flash attention: leave only the matrix products' own rounding as a difference
    const context = await model.createContext({
        contextSize: job.prompt.length + job.steps + 8, batchSize: job.prompt.length, sequences: 1,
        threads: job.threads ?? 2, flashAttention: false,
        experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"
    });
    const sequence = context.getSequence();
    const withLogits = (token) => [token, {generateNext: {logits: true}}];
    const rows = [];
    const prompt = await sequence.controlledEvaluate(job.prompt.map(withLogits));
    for (let i = 0; i < job.prompt.length; i++) rows.push(toRow(prompt[i].next.logits, job.vocab));
    const tokens = [...job.prompt];
    for (let s = 0; s < job.steps; s++) {
        const next = argmax(rows[rows.length - 1]);
        tokens.push(next);
        const out = await sequence.controlledEvaluate([withLogits(next)]);
        rows.push(toRow(out[0].next.logits, job.vocab));
    }
    const all = new Float32Array(rows.length * job.vocab);
    rows.forEach((row, i) => all.set(row, i * job.vocab));
    process.stdout.write(JSON.stringify({
        name: m.name, tokens, logits: Buffer.from(all.buffer).toString("base64"), reference: info
    }) + "\n");
    await context.dispose();
    await model.dispose();
}
