// TF.js 4.22's wasm backend on a model.json from disk, timed the way `tfjs-studio-cli bench`
// times: the first run apart, W warm-up runs discarded, N timed runs, each from feeding the
// inputs to having the outputs' values on the host. Prints one JSON object.
//
//   node bench/tfjs_wasm_bench.js MODEL.json [WARMUP] [RUNS] [SEED]
//
// Uses tests/parity's node_modules (@tensorflow/tfjs and @tensorflow/tfjs-backend-wasm, pinned
// there). The wasm backend runs with whatever Node gives it: SIMD when available, one thread
// (Node has no cross-origin-isolated SharedArrayBuffer workers for it).
'use strict';

const path = require('path');
const { createRequire } = require('module');

const parity = path.join(__dirname, '..', 'tests', 'parity');
const requireParity = createRequire(path.join(parity, 'package.json'));
const lib = require(path.join(parity, 'lib.js'));
const tf = lib.tf;
requireParity('@tensorflow/tfjs-backend-wasm');

const [model, warmupArg, runsArg, seedArg] = process.argv.slice(2);
if (!model) {
  console.error('usage: node bench/tfjs_wasm_bench.js MODEL.json [WARMUP] [RUNS] [SEED]');
  process.exit(2);
}
const warmup = Number(warmupArg || 3);
const runs = Number(runsArg || 20);
const seed = Number(seedArg || 1234);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  await tf.ready();
  const t0 = performance.now();
  const loaded = await lib.loadModel(model);
  const loadMs = performance.now() - t0;
  const specs = lib.inputSpecs(loaded);
  const inputs = lib.makeInputs(specs, { seed });
  const tensors = inputs.map((x) => tf.tensor(x.data, x.shape, x.dtype));
  const feed = {};
  specs.forEach((s, i) => { feed[s.name] = tensors[i]; });

  // One inference, outputs downloaded; graph models run synchronously (execute) unless they hold
  // control flow, which only executeAsync runs.
  let async = false;
  async function once() {
    const start = performance.now();
    let outs;
    if (loaded.kind === 'layers') outs = loaded.model.predict(tensors.length === 1 ? tensors[0] : tensors);
    else if (async) outs = await loaded.model.executeAsync(feed);
    else {
      try {
        outs = loaded.model.execute(feed);
      } catch (e) {
        if (!/executeAsync/.test(String(e && e.message))) throw e;
        async = true;
        outs = await loaded.model.executeAsync(feed);
      }
    }
    outs = Array.isArray(outs) ? outs : [outs];
    for (const t of outs) await t.data();
    tf.dispose(outs);
    return performance.now() - start;
  }

  const firstRunMs = await once();
  const warmupMs = [];
  for (let i = 0; i < warmup; i++) warmupMs.push(await once());
  const samplesMs = [];
  for (let i = 0; i < runs; i++) samplesMs.push(await once());
  tf.dispose(tensors);
  const flags = tf.env().flags;
  console.log(JSON.stringify({
    what: model,
    backend: tf.getBackend(),
    tfjs: tf.version.tfjs,
    simd: Boolean(flags.WASM_HAS_SIMD_SUPPORT),
    threads: flags.WASM_HAS_MULTITHREAD_SUPPORT ? 'multi' : 'single',
    execute: loaded.kind === 'layers' ? 'predict' : async ? 'executeAsync' : 'execute',
    loadMs,
    firstRunMs,
    warmupMs,
    samplesMs,
    median: median(samplesMs),
    min: Math.min(...samplesMs),
  }));
}

main().catch((e) => {
  console.error(`error: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
