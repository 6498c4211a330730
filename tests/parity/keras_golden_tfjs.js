// The golden-kerasjs-layer-tests cases through real TF.js: converter.keras_layers_golden writes
// each case's one-layer Keras model as a TF.js layers-model (with the converter's writer) plus
// case.json (the input and Keras's recorded output); this loads every one in @tensorflow/tfjs
// 4.22 (pure-JS cpu backend), predicts, and requires Keras's output within 2e-5 absolute.
// A stateful case is predicted twice and the second output kept, as upstream recorded it.
// Cases whose layer TF.js does not implement must fail with the error TF.js gives for it (KNOWN);
// such a case that starts to pass, or any other failure, fails the test.
// usage: node keras_golden_tfjs.js DIR EXPECTED_CASE_COUNT
'use strict';

const fs = require('fs');
const path = require('path');
const lib = require('./lib');

const TOLERANCE = 2e-5;

// What TF.js 4.22 cannot run, by layer type (every case) or by case key, with the words of
// the error it throws, or for a wrong result the symptom observed (checked the same way).
const KNOWN = {
  // layers TF.js does not implement
  Cropping1D: 'Unknown layer: Cropping1D',
  Cropping3D: 'Unknown layer: Cropping3D',
  GlobalAveragePooling3D: 'Unknown layer: GlobalAveragePooling3D',
  GlobalMaxPooling3D: 'Unknown layer: GlobalMaxPooling3D',
  Subtract: 'Unknown layer: Subtract',
  UpSampling1D: 'Unknown layer: UpSampling1D',
  UpSampling3D: 'Unknown layer: UpSampling3D',
  ZeroPadding1D: 'Unknown layer: ZeroPadding1D',
  ZeroPadding3D: 'Unknown layer: ZeroPadding3D',
  // arguments it refuses
  'advanced_activations.ELU.0': 'Non-default alpha value (1.1) is not supported by the ELU layer yet',
  'core.Flatten.0': 'Input 0 is incompatible with layer flatten: expected min_ndim=3, found ndim=2',
  // arguments it accepts but computes differently from Keras (and from our reference executor,
  // which matches Keras within 1e-5 on these cases: converter.keras_layers_golden)
  'merge.Concatenate.2': 'output shape [1,3,4], Keras [1,6,2]', // axis=-2 taken as the last axis
  'normalization.BatchNormalization.2': 'max |tfjs - keras| = 4.5', // axis=1
  'normalization.BatchNormalization.3': 'max |tfjs - keras| = 0.69', // axis=2
};

function layerType(key) {
  const parts = key.split('.');
  return parts[parts.length - 2];
}

async function runCase(dir, c) {
  const loaded = await lib.loadModel(path.join(dir, 'model.json'));
  try {
    const input = [{ name: 'input', shape: [1, ...c.input.shape], dtype: 'float32', data: Float32Array.from(c.input.data) }];
    let outputs = await lib.predict(loaded, input);
    if (c.stateful) outputs = await lib.predict(loaded, input);
    if (outputs.length !== 1) throw new Error(`${outputs.length} outputs`);
    const o = outputs[0];
    const want = [1, ...c.expected.shape];
    if (JSON.stringify(o.shape) !== JSON.stringify(want)) throw new Error(`output shape [${o.shape}], Keras [${want}]`);
    let worst = 0;
    o.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - c.expected.data[i])); });
    if (Number.isNaN(worst) || o.data.some((v) => Number.isNaN(v))) throw new Error('NaN in the output');
    return worst;
  } finally {
    loaded.model.dispose();
  }
}

async function main() {
  const [dir, expectedCount] = process.argv.slice(2);
  if (!dir || !expectedCount) {
    console.error('usage: node keras_golden_tfjs.js DIR EXPECTED_CASE_COUNT');
    process.exit(2);
  }
  await lib.setup();
  // TF.js warns once per model about unknown-to-it but harmless config keys; keep the log readable.
  const cases = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'case.json'))).sort() : [];
  let passed = 0;
  let refused = 0;
  const failures = [];
  const tally = {};
  let worstAll = 0;
  for (const key of cases) {
    const type = layerType(key);
    const known = KNOWN[key] || KNOWN[type];
    const t = (tally[type] = tally[type] || { passed: 0, refused: 0, failed: 0, worst: 0 });
    const c = JSON.parse(fs.readFileSync(path.join(dir, key, 'case.json'), 'utf8'));
    let error = null;
    let worst = 0;
    try {
      worst = await runCase(path.join(dir, key), c);
      if (!(worst <= TOLERANCE)) error = `max |tfjs - keras| = ${worst} > ${TOLERANCE}`;
    } catch (e) {
      error = e && e.message ? e.message : String(e);
    }
    if (known) {
      if (error && error.includes(known)) {
        t.refused += 1;
        refused += 1;
        console.log(`EXPECTED FAILURE ${key}: TF.js: ${known}`);
      } else {
        t.failed += 1;
        failures.push(`${key}: listed as failing in TF.js (${known}) but ${error ? `failed otherwise: ${error}` : 'it passed: remove it from KNOWN'}`);
      }
    } else if (error) {
      t.failed += 1;
      failures.push(`${key}: ${error}`);
    } else {
      t.passed += 1;
      passed += 1;
      t.worst = Math.max(t.worst, worst);
      worstAll = Math.max(worstAll, worst);
    }
  }
  for (const [type, t] of Object.entries(tally)) {
    console.log(`${type.padEnd(24)} ${t.passed} passed${t.refused ? `, ${t.refused} failing in TF.js as expected` : ''}${t.failed ? `, ${t.failed} FAILED` : ''}  max error ${t.worst.toExponential(2)}`);
  }
  if (cases.length !== Number(expectedCount)) failures.push(`${cases.length} cases in ${dir}, expected ${expectedCount}`);
  failures.forEach((f) => console.log(`FAIL ${f}`));
  console.log(`total: ${passed} passed within ${TOLERANCE} (max error ${worstAll.toExponential(2)}), ${refused} failing in TF.js as expected (listed), ${failures.length} failed, of ${cases.length}`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(2);
});
