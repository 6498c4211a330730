// Loads each layers-model that test_keras3 converted from a Keras 3 .keras / .h5 file in real
// TF.js (@tensorflow/tfjs 4.22, pure-JS cpu backend) and checks its predictions against
// the ones real Keras recorded (make_models.py) within 1e-5.
// usage: node check_tfjs.js MODELS_DIR   (reads MODELS_DIR/converted/<model>_<ext>/model.json)
'use strict';

const fs = require('fs');
const path = require('path');
const lib = require('../parity/lib');

// Models TF.js 4.22 cannot run, with the error it gives: reported, and the error checked.
const KNOWN = {
  gru_reset_after: 'reset_after', // TF.js's GRUCell refuses reset_after=true (Keras 3's default)
};

async function main() {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node check_tfjs.js MODELS_DIR');
    process.exit(2);
  }
  await lib.setup();
  const converted = path.join(dir, 'converted');
  const cases = fs.readdirSync(converted).filter((d) => fs.existsSync(path.join(converted, d, 'model.json'))).sort();
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    const name = c.replace(/_(keras|h5)$/, '');
    const expected = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    try {
      const loaded = await lib.loadModel(path.join(converted, c, 'model.json'));
      // Inputs by name: the InputLayer names Keras recorded are the model's input names.
      const byName = Object.fromEntries(expected.inputs.map((x) => [x.name, x]));
      const inputs = loaded.model.inputs.map((t) => {
        // (TF.js makes tensor names unique per process: "a_1" once another model had an "a".)
        let bare = t.name.replace(/:\d+$/, '');
        if (!byName[bare]) bare = bare.replace(/_\d+$/, '');
        const x = byName[bare];
        if (!x) throw new Error(`input '${t.name}' is not one of ${Object.keys(byName).join(', ')}`);
        return { name: bare, shape: x.shape, dtype: 'float32', data: Float32Array.from(x.data) };
      });
      const outputs = await lib.predict(loaded, inputs);
      if (outputs.length !== expected.outputs.length) throw new Error(`${outputs.length} outputs, Keras has ${expected.outputs.length}`);
      let worst = 0;
      outputs.forEach((o, k) => {
        const want = expected.outputs[k];
        if (JSON.stringify(o.shape) !== JSON.stringify(want.shape)) throw new Error(`output ${k} shape [${o.shape}], Keras [${want.shape}]`);
        o.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - want.data[i])); });
      });
      if (!(worst <= 1e-5)) throw new Error(`max |tfjs - keras| = ${worst}`);
      console.log(`PASS ${c}: max |tfjs - keras| = ${worst.toExponential(3)}`);
      passed += 1;
    } catch (e) {
      const msg = e && e.message ? e.message : String(e);
      if (KNOWN[name] && msg.includes(KNOWN[name])) {
        console.log(`PASS ${c}: TF.js refuses it as expected (${msg})`);
        passed += 1;
      } else {
        console.log(`FAIL ${c}: ${msg}`);
        failed += 1;
      }
    }
  }
  if (cases.length === 0) {
    console.log(`FAIL: no converted models in ${converted}`);
    failed += 1;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(2);
});
