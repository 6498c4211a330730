// CLI: run a model in real TF.js (cpu) on deterministic inputs and write inputs and outputs
// as JSON, for C++ tests that check our executors against TF.js.
// usage: node dump_outputs.js MODEL_JSON OUT_JSON [--dim N] [--batch N] [--seed S]
'use strict';

const fs = require('fs');
const lib = require('./lib');

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 2) {
    console.error('usage: node dump_outputs.js MODEL_JSON OUT_JSON [--dim N] [--batch N] [--seed S]');
    process.exit(2);
  }
  const [modelPath, outPath] = args;
  const opts = { batch: 1, dim: 1, seed: 1234 };
  for (let i = 2; i + 1 < args.length; i += 2) opts[args[i].replace(/^--/, '')] = Number(args[i + 1]);
  await lib.setup();
  const loaded = await lib.loadModel(modelPath);
  const inputs = lib.makeInputs(lib.inputSpecs(loaded), opts);
  const outputs = await lib.predict(loaded, inputs);
  const plain = (x) => ({ name: x.name, shape: x.shape, dtype: x.dtype, data: Array.from(x.data) });
  fs.writeFileSync(outPath, JSON.stringify({ model: modelPath, inputs: inputs.map(plain), outputs: outputs.map(plain) }));
  console.log(`${outPath}: ${inputs.length} input(s), ${outputs.length} output(s)`);
}

main().catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(2);
});
