// CLI: check that our file IOHandler + @tensorflow/tfjs (cpu) reproduce the expected outputs
// recorded next to a model, so the harness itself is known to load weights correctly.
// Exit 0 pass, 1 mismatch, 2 load/run/format error.
'use strict';

const fs = require('fs');
const path = require('path');
const lib = require('./lib');

const USAGE = `usage: node check_reference.js [--atol X] [--rtol Y] FILE...
  FILE is either a reference.json ({input: {shape, dtype, formula}, output: [...], top5}, model.json
  beside it) or an expected.json ({cases: [{model, inputs: {name: {shape, dtype, data}},
  outputs: {name: {shape, data}}}]}). Passes when |got-want| <= atol + rtol*|want|
  (defaults atol 1e-6, rtol 1e-4; the files hold float32 values printed as decimals).`;

// Formulas are free text in reference.json; only the ones we know are rebuilt, any other is an
// error rather than a guess.
const FORMULAS = {
  'x[i] = ((i*7919) % 256) / 255, i over NHWC-flattened index': (i) => ((i * 7919) % 256) / 255,
};

const size = (shape) => shape.reduce((a, b) => a * b, 1);
// Graph-model outputs are named "node:0"; expected files often omit the ":0".
const bare = (name) => String(name).replace(/:0$/, '');

// Turns either file layout into [{model, inputs: [{name, shape, dtype, data}], outputs: [{name,
// shape, data, top5}]}].
function readCases(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const dir = path.dirname(file);
  if (Array.isArray(json.cases)) {
    return json.cases.map((c) => ({
      model: path.join(dir, c.model),
      inputs: Object.entries(c.inputs).map(([name, v]) => ({ name, ...v })),
      outputs: Object.entries(c.outputs).map(([name, v]) => ({ name, ...v })),
    }));
  }
  const f = FORMULAS[json.input && json.input.formula];
  if (!f) throw new Error(`${file}: unknown input formula ${JSON.stringify(json.input && json.input.formula)}`);
  const { shape, dtype } = json.input;
  return [{
    model: path.join(dir, 'model.json'),
    inputs: [{ name: null, shape, dtype, data: Array.from({ length: size(shape) }, (_, i) => f(i)) }],
    outputs: [{ name: null, shape: null, data: json.output, top5: json.top5 }],
  }];
}

// Picks the entry for `name` from `list`: by name (":0"-insensitive), or the only one there is.
function pick(list, name, what) {
  const hit = list.find((x) => x.name != null && name != null && bare(x.name) === bare(name));
  if (hit) return hit;
  if (list.length === 1) return list[0];
  throw new Error(`no ${what} named ${name}`);
}

async function runCase(c, opts) {
  const loaded = await lib.loadModel(c.model);
  // Feed in the model's input order whatever order the file lists them in.
  const inputs = lib.inputSpecs(loaded).map((spec) => {
    const x = pick(c.inputs, spec.name, 'expected input');
    return { name: spec.name, shape: x.shape, dtype: x.dtype || spec.dtype, data: x.data };
  });
  const got = await lib.predict(loaded, inputs);
  let ok = true;
  for (const want of c.outputs) {
    const g = pick(got, want.name, 'model output');
    const label = `${c.model} ${g.name}`;
    if ((want.shape && want.shape.join(',') !== g.shape.join(',')) || want.data.length !== g.data.length) {
      console.log(`FAIL ${label} shape: want ${want.shape || want.data.length}, got ${g.shape}`);
      ok = false;
      continue;
    }
    let maxAbs = 0;
    let bad = 0;
    want.data.forEach((w, i) => {
      const d = Math.abs(g.data[i] - w);
      if (!(d <= maxAbs)) maxAbs = d; // keeps NaN visible
      if (!(d <= opts.atol + opts.rtol * Math.abs(w))) bad++;
    });
    let note = '';
    if (want.top5) {
      // The classes a user would see must agree too, not only the values.
      const order = Array.from(g.data.keys()).sort((a, b) => g.data[b] - g.data[a]).slice(0, 5);
      const wantOrder = want.top5.map((t) => t[0]);
      if (order.join(',') !== wantOrder.join(',')) {
        bad++;
        note = ` top5 got [${order}] want [${wantOrder}]`;
      } else {
        note = ` top5 [${order}] ok`;
      }
    }
    console.log(`${bad ? 'FAIL' : 'PASS'} ${label} [${g.shape}] max_abs=${maxAbs.toExponential(3)}` +
      ` mismatched=${bad}/${g.data.length}${note}`);
    if (bad) ok = false;
  }
  return ok;
}

async function main() {
  const opts = { atol: 1e-6, rtol: 1e-4, files: [] };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--atol' || argv[i] === '--rtol') {
      const n = Number(argv[i + 1]);
      if (!Number.isFinite(n)) { console.error(`error: ${argv[i]} needs a number\n${USAGE}`); return 2; }
      opts[argv[i].slice(2)] = n;
      i++;
    } else if (argv[i].startsWith('-')) {
      console.error(USAGE);
      return argv[i] === '-h' || argv[i] === '--help' ? 0 : 2;
    } else {
      opts.files.push(argv[i]);
    }
  }
  if (opts.files.length === 0) { console.error(USAGE); return 2; }
  await lib.setup();
  let ok = true;
  for (const file of opts.files) {
    try {
      for (const c of readCases(file)) ok = (await runCase(c, opts)) && ok;
    } catch (e) {
      console.error(`error: ${file}: ${e && e.message ? e.message : e}`);
      return 2;
    }
  }
  console.log(`${ok ? 'PASS' : 'FAIL'} (atol=${opts.atol} rtol=${opts.rtol})`);
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`error: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
