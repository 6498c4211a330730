// CLI: run a graph model in real TF.js (cpu) on the harness's deterministic inputs and write the
// shape and dtype of every node's outputs as JSON, for the C++ static shape inference test.
// usage: node dump_shapes.js MODEL_JSON OUT_JSON [--dim N] [--batch N] [--seed S] [--batch-size K]
// Output: {model, inputs: [{name, shape, dtype}], nodes: {name: [{shape, dtype} per output]},
//          skipped: {tensor: reason}}
'use strict';

const fs = require('fs');
const lib = require('./lib');

// Ops whose node TF.js runs but whose outputs cannot be fetched by name (they yield nothing).
const NO_OUTPUT_OPS = new Set(['NoOp']);
// Multi-output ops TF.js computes every output of, and the attribute that counts them. (TF.js's
// FusedBatchNorm* yield only y, so their statistics outputs are not fetched.)
const OUTPUT_COUNT_ATTR = { Split: 'num_split', SplitV: 'num_split', Unpack: 'num' };

// The number of outputs to fetch for a node of the model.json topology.
function outputCount(nodeDef) {
  const attr = OUTPUT_COUNT_ATTR[nodeDef.op];
  const value = attr && nodeDef.attr && nodeDef.attr[attr];
  return value && value.i != null ? Number(value.i) : 1;
}

// TF.js keeps every fetched tensor alive until the call returns; fetching a large model's nodes
// in batches bounds the memory at the price of re-running the graph once per batch.
async function fetchBatch(model, feed, names) {
  const outs = await model.executeAsync(feed, names);
  const list = Array.isArray(outs) ? outs : [outs];
  const result = list.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  // Inputs and weights come back as themselves; disposing them would break the next batch.
  const keep = new Set(Object.values(feed));
  Object.values(model.weights).forEach((ts) => ts.forEach((t) => keep.add(t)));
  list.forEach((t) => { if (!keep.has(t) && !t.isDisposed) t.dispose(); });
  return result;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 2) {
    console.error('usage: node dump_shapes.js MODEL_JSON OUT_JSON [--dim N] [--batch N] [--seed S] [--batch-size K]');
    process.exit(2);
  }
  const [modelPath, outPath] = args;
  const opts = { batch: 1, dim: 1, seed: 1234, 'batch-size': 64 };
  for (let i = 2; i + 1 < args.length; i += 2) opts[args[i].replace(/^--/, '')] = Number(args[i + 1]);
  const tf = await lib.setup();
  const loaded = await lib.loadModel(modelPath);
  if (loaded.kind !== 'graph') throw new Error(`${modelPath}: dump_shapes.js needs a graph model`);
  const specs = lib.inputSpecs(loaded);
  const inputs = lib.makeInputs(specs, opts);
  const feed = {};
  specs.forEach((s, i) => { feed[s.name] = tf.tensor(inputs[i].data, inputs[i].shape, inputs[i].dtype); });

  const { model } = loaded;
  // Every node of the topology, Consts included (tfjs answers a Const's name with its weight).
  const topology = JSON.parse(fs.readFileSync(modelPath, 'utf8')).modelTopology;
  const skipped = {};
  const wanted = []; // [node, output index]
  for (const node of topology.node || []) {
    if (NO_OUTPUT_OPS.has(node.op)) {
      skipped[node.name] = `${node.op} has no outputs`;
      continue;
    }
    for (let k = 0; k < outputCount(node); k++) wanted.push([node.name, k]);
  }
  const shapes = {};
  const record = ([node, k], type) => { (shapes[node] = shapes[node] || [])[k] = type; };
  const tensorName = ([node, k]) => (k === 0 ? node : `${node}:${k}`);
  const size = Math.max(1, opts['batch-size']);
  for (let i = 0; i < wanted.length; i += size) {
    const batch = wanted.slice(i, i + size);
    try {
      const got = await fetchBatch(model, feed, batch.map(tensorName));
      batch.forEach((w, k) => record(w, got[k]));
    } catch (batchError) {
      // One tensor TF.js cannot fetch fails the whole batch: retry one at a time to name it.
      for (const w of batch) {
        try {
          record(w, (await fetchBatch(model, feed, [tensorName(w)]))[0]);
        } catch (e) {
          skipped[tensorName(w)] = e && e.message ? e.message : String(e);
        }
      }
    }
  }
  const plain = (x) => ({ name: x.name, shape: x.shape, dtype: x.dtype });
  fs.writeFileSync(outPath, JSON.stringify({ model: modelPath, inputs: inputs.map(plain), nodes: shapes, skipped }));
  tf.dispose(Object.values(feed));
  const skips = Object.keys(skipped);
  console.log(`${outPath}: ${Object.keys(shapes).length} node(s), ${skips.length} skipped`
    + (skips.length ? ` (${skips.slice(0, 5).map((n) => `${n}: ${skipped[n]}`).join('; ')})` : ''));
}

main().catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(2);
});
