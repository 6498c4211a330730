#!/usr/bin/env bash
# The Vulkan runtime against TF.js 4.22's wasm backend on the same model files, in one run:
# for each model, `tfjs-studio-cli bench --backend vulkan` twice (the second with the pipeline
# cache the first left on disk) and bench/tfjs_wasm_bench.js in Node, same warm-up and run
# counts. Prints the ratio of the medians (vulkan / wasm; targets of issue 7 on lavapipe: <= 0.7
# for both MobileNetV2s, <= 1.0 for BlazeFace), the GFLOP/s of the convolution and matrix-product
# op types (FLOPs from the inferred shapes over the profiled device times), and the first
# inference with a warm pipeline cache as a multiple of the median (target <= 3x).
#
# usage: bench/vulkan_vs_tfjs_wasm.sh CLI [WARMUP] [RUNS] [WORK_DIR] [ROUNDS]
#   CLI       the tfjs-studio-cli binary (build/bin/tfjs-studio-cli)
#   WARMUP, RUNS  warm-up and timed runs on both sides (default 5 and 30)
#   WORK_DIR  where the JSON reports go (default: a new temporary folder, removed at the end)
#   ROUNDS    rounds of (vulkan bench, wasm bench), alternated (default 3): the medians are taken
#             over every round's timed runs pooled per side, so that a machine whose speed drifts
#             within minutes (a shared VM) weighs on both sides alike; each round's ratio is
#             printed too.
# Models come from ../shared/models (STUDIO_MODELS overrides). Not a test: the figures depend on
# the machine and its load, so run it on an otherwise idle machine.
set -euo pipefail
cli=$(realpath "$1")
warmup=${2:-5}
runs=${3:-30}
here=$(cd "$(dirname "$0")" && pwd)
models=${STUDIO_MODELS:-$here/../../shared/models}
if [ -n "${4:-}" ]; then work=$4; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
rounds=${5:-3}

# name | model file | target ratio of the medians
cases=(
  "mobilenetv2-uint8-nsfwjs|$models/tfjs-layers-mobilenetv2-uint8-nsfwjs/model.json|0.7"
  "mobilenetv2-float32-seeded|$models/tfjs-layers-mobilenetv2-float32-seeded/model.json|0.7"
  "blazeface-front-float32|$models/tfjs-graph-blazeface-front-float32/blazeface-front.json|1.0"
)

echo "vulkan vs TF.js wasm: $warmup warm-up + $runs timed runs each, $rounds round(s) alternated, $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for c in "${cases[@]}"; do
  IFS='|' read -r name model target <<<"$c"
  # The first bench fills the pipeline cache (if it was cold); the rounds after it are reported.
  "$cli" bench "$model" --backend vulkan --warmup "$warmup" --runs "$runs" --profile 3 --json "$work/$name.vulkan-1.json" >/dev/null
  for r in $(seq 1 "$rounds"); do
    "$cli" bench "$model" --backend vulkan --warmup "$warmup" --runs "$runs" --profile 3 --json "$work/$name.vulkan.$r.json" >/dev/null
    node "$here/tfjs_wasm_bench.js" "$model" "$warmup" "$runs" >"$work/$name.wasm.$r.json"
  done
  node - "$name" "$target" "$work" "$rounds" <<'EOF'
const fs = require('fs');
const [name, target, work, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText);
const read = (file) => JSON.parse(fs.readFileSync(`${work}/${file}`, 'utf8'));
const cold = read(`${name}.vulkan-1.json`);
const vs = [], ws = [];
for (let r = 1; r <= rounds; r++) {
  vs.push(read(`${name}.vulkan.${r}.json`));
  ws.push(read(`${name}.wasm.${r}.json`));
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const v = vs[0], w = ws[0];
const vSamples = vs.flatMap((x) => x.samplesMs), wSamples = ws.flatMap((x) => x.samplesMs);
const vMedian = median(vSamples), wMedian = median(wSamples);
const ratio = vMedian / wMedian;
const firstRatio = v.firstRunMs / vMedian;
const f = (x, d = 2) => x.toFixed(d);
console.log(`\n${name}: ${v.device}${v.cpuDevice ? ' (CPU device)' : ''}`);
if (v.placement) console.log(`  nodes: ${Object.entries(v.placement).map(([k, n]) => `${n} on ${k}`).join(', ')}`);
if (v.planNotes) for (const n of v.planNotes) console.log(`  planned: ${n}`);
if (v.deviceMemoryBytes) console.log(`  device memory: ${f(v.deviceMemoryBytes / 1048576, 1)} MiB`);
console.log(`  vulkan median ${f(vMedian)} ms (min ${f(Math.min(...vSamples))}), wasm median ${f(wMedian)} ms (min ${f(Math.min(...wSamples))}; ${w.simd ? 'SIMD' : 'no SIMD'}, ${w.threads} thread), ${vSamples.length} and ${wSamples.length} timed runs`);
console.log(`  each round's ratio: ${vs.map((x, i) => f(x.summary.median / ws[i].median, 3)).join(', ')}`);
console.log(`  ratio of the medians vulkan/wasm: ${f(ratio, 3)} (target <= ${target}: ${ratio <= Number(target) ? 'met' : 'NOT met'})`);
for (const o of v.profileByOp || []) {
  if (/Conv|MatMul/.test(o.op) && o.flops) console.log(`  ${o.op.padEnd(30)} ${f(o.ms, 3)} ms ${String(o.nodes).padStart(3)} nodes ${f(o.flops / 1e9, 3)} GFLOP ${f(o.gflopsPerSecond)} GFLOP/s`);
}
console.log(`  first inference: ${f(v.firstRunMs)} ms with a warm pipeline cache = ${f(firstRatio)}x the median (target <= 3: ${firstRatio <= 3 ? 'met' : 'NOT met'}); `
  + `${f(cold.firstRunMs)} ms in the first bench of this run; load ${f(v.loadMs)} ms`);
console.log(`  wasm first inference ${f(w.firstRunMs)} ms`);
EOF
done
