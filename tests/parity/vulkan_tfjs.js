// The Vulkan runtime against real TF.js 4.22 (cpu backend) on every TF.js model in the shared
// models, in one Node process.
//
//   node vulkan_tfjs.js CLI MODELS_DIR WORK_DIR [FILTER]
//
// For every model.json under MODELS_DIR (graph and layers models, quantized ones included):
// `CLI predict MODEL --backend vulkan --seed 7 --output-dir WORK_DIR/<model>` writes the inputs it
// generated and every output as .npy plus predict.json; the same input files go into TF.js, and
// every output must agree within 1e-4 of that output's range (max - min of the TF.js output,
// floored at 1e-3 of its largest magnitude and at 1e-6, so a constant output still gets a sensible
// tolerance); integer and bool outputs must be equal. The seeded MobileNetV2's reference.json
// (TF.js's own output for a fixed input) must be matched within 1e-5 of its range.
// A model that cannot pass for a legitimate reason is listed in EXPECTED_FAILURES with the reason
// and the exact error; the test fails if it then passes, or fails differently.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const lib = require('./lib');

const [cli, models, work, filter] = process.argv.slice(2);
if (!cli || !models || !work) {
  console.error('usage: node vulkan_tfjs.js CLI MODELS_DIR WORK_DIR [FILTER]');
  process.exit(2);
}

// Free dimensions for models whose inputs have unknown sizes that 1 would not suit (the same
// sizes runtime.reference_executor uses), by path below MODELS_DIR.
const OPTIONS = [
  [/^quantization-pair-bodypix-mobilenet050\//, ['--dim', '129']],
  [/^tfjs-graph-early-v1-style-transfer-separable\//, ['--dim', '16']],
  [/^pair-savedmodel-tf23-korean-spacing-graph\//, ['--dim', '13']],
];

// Models that cannot pass, by path below MODELS_DIR: why, and the exact error (a substring of
// the failure message) they give.
const EXPECTED_FAILURES = {
  'keras-custom-layer-hyperscale-layers/tfjs_layers_model/model.json': {
    reason: 'a user-defined Keras layer class (HyperScale, Python code that was never exported): neither we nor TF.js '
      + '("Unknown layer: HyperScale") can run it',
    error: "layer 'hyper_scale_1' (HyperScale): layer class HyperScale is not lowered yet",
  },
};

const RANGE_TOLERANCE = 1e-4;
const REFERENCE_TOLERANCE = 1e-5;

let failures = 0;
const fail = (what, why) => { failures += 1; console.log(`FAIL ${what}: ${why}`); };

// ---- .npy (numpy.lib.format 1.0-3.0), the dtypes predict writes ----

const NPY_TYPES = { '<f4': ['float32', Float32Array], '<i4': ['int32', Int32Array], '|b1': ['bool', Uint8Array], '|u1': ['int32', Uint8Array] };

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape || /'fortran_order':\s*True/.test(header)) throw new Error(`${file}: unexpected header ${header.trim()}`);
  const type = NPY_TYPES[descr[1]];
  if (!type) throw new Error(`${file}: dtype ${descr[1]} not handled here`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const size = dims.reduce((a, b) => a * b, 1);
  const data = buf.subarray(start + headerLength);
  const bytes = new Uint8Array(data); // a copy, aligned for the typed array
  const values = new type[1](bytes.buffer, 0, size);
  if (values.length !== size) throw new Error(`${file}: ${values.length} values for shape (${dims})`);
  return { dtype: type[0], shape: dims, data: type[0] === 'int32' && type[1] === Uint8Array ? Int32Array.from(values) : values };
}

function writeNpyFloat32(file, shape, values) {
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(dict, 'latin1'), Buffer.from(Float32Array.from(values).buffer)]));
}

// ---- models ----

function findModels(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...findModels(p));
    } else if (entry.name.endsWith('.json')) {
      let json;
      try {
        json = JSON.parse(fs.readFileSync(p, 'utf8'));
      } catch (e) {
        continue;
      }
      if (json && typeof json === 'object' && json.modelTopology && Array.isArray(json.weightsManifest)) out.push(p);
    }
  }
  return out.sort();
}

const bare = (name) => String(name).replace(/:0$/, '');

// Our CLI on the vulkan backend; returns predict.json with the folder, or throws with stderr.
function predictVulkan(model, rel, extra) {
  const out = path.join(work, rel.replace(/[^A-Za-z0-9._-]/g, '_'));
  const r = spawnSync(cli, ['predict', model, '--backend', 'vulkan', '--seed', '7', ...extra, '--output-dir', out],
    { encoding: 'utf8', timeout: 600000 });
  if (r.error) throw new Error(`predict: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`predict exited ${r.status}: ${(r.stderr || '').trim()}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'predict.json'), 'utf8'));
  manifest.dir = out;
  return manifest;
}

// Finds `name` in `list` by bare name, else by position `k` when the counts agree.
function match(list, name, k, count) {
  const hit = list.find((x) => bare(x.name) === bare(name));
  if (hit) return hit;
  return list.length === count ? list[k] : undefined;
}

// Worst |ours - theirs| / tolerance base of one output; throws on shape or integer mismatch.
function compare(what, ours, theirs) {
  if (ours.shape.join(',') !== theirs.shape.join(',')) throw new Error(`${what}: shape [${ours.shape}] vs TF.js [${theirs.shape}]`);
  if (theirs.dtype !== 'float32') {
    for (let i = 0; i < theirs.data.length; i++) {
      if (Number(ours.data[i]) !== Number(theirs.data[i])) {
        throw new Error(`${what}: ${theirs.dtype} element ${i}: ours ${ours.data[i]}, TF.js ${theirs.data[i]}`);
      }
    }
    return { worst: 0, range: 0 };
  }
  let lo = Infinity;
  let hi = -Infinity;
  let maxAbs = 0;
  for (const v of theirs.data) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
  }
  const range = Math.max(hi > lo ? hi - lo : 0, 1e-3 * maxAbs, 1e-6);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < theirs.data.length; i++) {
    const a = ours.data[i];
    const b = theirs.data[i];
    if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) {
      if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) throw new Error(`${what}: element ${i}: ours ${a}, TF.js ${b}`);
      continue;
    }
    const d = Math.abs(a - b);
    if (d > worst) {
      worst = d;
      at = i;
    }
  }
  return { worst: worst / range, range, at, ours: at >= 0 ? ours.data[at] : 0, theirs: at >= 0 ? theirs.data[at] : 0 };
}

function placementText(manifest) {
  const p = manifest.placement;
  if (!p) return 'placement not reported';
  const counts = { vulkan: 0, cpu: 0, ...p };
  const parts = Object.entries(counts).map(([where, n]) => `${n} on ${where}`);
  const cpu = (manifest.cpuNodes || []).slice(0, 6);
  return parts.join(', ') + (cpu.length ? ` (cpu: ${cpu.join(', ')}${manifest.cpuNodes.length > 6 ? ', ...' : ''})` : '');
}

// One model: our vulkan predict, TF.js on the same inputs; returns a line or throws.
async function checkModel(model, rel) {
  const extra = (OPTIONS.find(([re]) => re.test(rel)) || [null, []])[1];
  const manifest = predictVulkan(model, rel, extra);
  const loaded = await lib.loadModel(model);
  try {
    const specs = lib.inputSpecs(loaded);
    const inputs = specs.map((spec, k) => {
      const entry = match(manifest.inputs, spec.name, k, specs.length);
      if (!entry || !entry.file) throw new Error(`no generated .npy for TF.js input ${spec.name}`);
      const x = readNpy(path.join(manifest.dir, entry.file));
      return { name: spec.name, shape: x.shape, dtype: spec.dtype || x.dtype, data: x.data };
    });
    const got = await lib.predict(loaded, inputs);
    if (got.length !== manifest.outputs.length) {
      throw new Error(`${manifest.outputs.length} outputs from predict, ${got.length} from TF.js`);
    }
    let worst = 0;
    const parts = [];
    got.forEach((theirs, k) => {
      const entry = match(manifest.outputs, theirs.name, k, got.length);
      if (!entry) throw new Error(`TF.js output ${theirs.name} has no counterpart in predict.json`);
      const ours = readNpy(path.join(manifest.dir, entry.file));
      const what = `output ${entry.name}`;
      const c = compare(what, ours, theirs);
      if (!(c.worst <= RANGE_TOLERANCE)) {
        throw new Error(`${what} [${theirs.shape}]: max error ${(c.worst * c.range).toExponential(3)} at ${c.at} `
          + `(ours ${c.ours}, TF.js ${c.theirs}) = ${c.worst.toExponential(3)} of range ${c.range.toExponential(3)}`);
      }
      worst = Math.max(worst, c.worst);
      parts.push(`${entry.name} [${theirs.shape}] ${theirs.dtype}`);
    });
    return `${got.length} output(s): ${parts.join('; ')}; worst error/range ${worst.toExponential(2)}; nodes ${placementText(manifest)}`;
  } finally {
    loaded.model.dispose();
  }
}

// reference.json: TF.js's recorded output for the formula input, matched within 1e-5 of its range.
async function checkReference(dir) {
  const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
  const formula = 'x[i] = ((i*7919) % 256) / 255, i over NHWC-flattened index';
  if (ref.input.formula !== formula) throw new Error(`reference.json: unknown input formula ${ref.input.formula}`);
  const size = ref.input.shape.reduce((a, b) => a * b, 1);
  fs.mkdirSync(work, { recursive: true });
  const input = path.join(work, 'mobilenetv2-reference-input.npy');
  writeNpyFloat32(input, ref.input.shape, Array.from({ length: size }, (_, i) => ((i * 7919) % 256) / 255));
  const model = path.join(dir, 'model.json');
  // The InputLayer's name (TF.js numbers its symbolic tensors per load, so not from there).
  const topology = JSON.parse(fs.readFileSync(model, 'utf8')).modelTopology;
  const config = (topology.model_config || topology).config;
  const inputName = config.input_layers[0][0];
  const manifest = predictVulkan(model, 'mobilenetv2-reference', ['--input', `${inputName}=${input}`]);
  if (manifest.outputs.length !== 1) throw new Error(`${manifest.outputs.length} outputs`);
  const ours = readNpy(path.join(manifest.dir, manifest.outputs[0].file));
  const want = { shape: [1, ref.output.length], dtype: 'float32', data: ref.output };
  const c = compare('reference.json output', ours, want);
  const line = `worst error/range ${c.worst.toExponential(2)} (max error ${(c.worst * c.range).toExponential(2)}, range ${c.range.toExponential(3)}); nodes ${placementText(manifest)}`;
  if (!(c.worst <= REFERENCE_TOLERANCE)) throw new Error(`${line}: over ${REFERENCE_TOLERANCE} (element ${c.at}: ours ${c.ours}, reference ${c.theirs})`);
  return line;
}

async function main() {
  await lib.setup();
  fs.mkdirSync(work, { recursive: true });
  const all = findModels(models);
  const seen = new Set();
  for (const model of all) {
    const rel = path.relative(models, model);
    if (filter && !rel.includes(filter)) continue;
    seen.add(rel);
    const expected = EXPECTED_FAILURES[rel];
    const t0 = Date.now();
    let error = null;
    let line = '';
    try {
      line = await checkModel(model, rel);
    } catch (e) {
      error = e && e.message ? e.message : String(e);
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (expected) {
      if (!error) fail(rel, `passed, but EXPECTED_FAILURES says it cannot (${expected.reason}): remove it from the list`);
      else if (!error.includes(expected.error)) fail(rel, `failed differently than expected (${expected.error}): ${error}`);
      else console.log(`XFAIL ${rel}: ${expected.reason} [${error.split('\n')[0]}] (${secs} s)`);
    } else if (error) {
      fail(rel, error);
    } else {
      console.log(`PASS ${rel}: ${line} (${secs} s)`);
    }
  }
  for (const rel of Object.keys(EXPECTED_FAILURES)) {
    if (!filter && !seen.has(rel)) fail(rel, 'listed in EXPECTED_FAILURES but not found');
  }
  const refDir = path.join(models, 'tfjs-layers-mobilenetv2-float32-seeded');
  if (!filter || 'tfjs-layers-mobilenetv2-float32-seeded/reference.json'.includes(filter)) {
    try {
      console.log(`PASS reference.json of tfjs-layers-mobilenetv2-float32-seeded: ${await checkReference(refDir)}`);
    } catch (e) {
      fail('tfjs-layers-mobilenetv2-float32-seeded/reference.json', e && e.message ? e.message : String(e));
    }
  }
  if (!filter && seen.size < 20) fail(models, `found only ${seen.size} TF.js model.json files`);
  const expected = [...seen].filter((rel) => EXPECTED_FAILURES[rel]).length;
  console.log(failures ? `${failures} failure(s)`
    : `${seen.size - expected} models agree with TF.js, ${expected} expected failure(s) failed as listed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
