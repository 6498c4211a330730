// TensorFlow graphs converted by OUR converter, run in real TF.js 4.22 (cpu), in one Node process.
//
//   node graph_models_tfjs.js CLI MODELS_DIR WORK_DIR
//
// Every model is converted with `CLI convert` (the CLI under test) into WORK_DIR, then loaded with
// @tensorflow/tfjs and run on fixed inputs. The oracles are independent of our converter:
//   korean     the reference converter's own graph-model of the same SavedModel (shipped with it):
//              predictions within 1e-5 of each output's range on seeded int32 ids, op counts per
//              type (each difference listed below with the reason), same-name same-shape weights
//              byte-identical and every reference float32 weight present byte for byte.
//   tensorspace  the TF1 SavedModel and the frozen GraphDef exported from the same training run
//              (SOURCE.md) predict the same within 1e-5 of the output range.
//   half_plus  the formulas TensorFlow Serving / TF Hub document for their test models.
//   tfjs-node  every case of savedmodel-tf2-tfjs-node-test-fixtures/expected.json (upstream values).
// A case TF.js cannot run is listed in EXPECT_TFJS_ERROR with the exact error it must give.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const lib = require('./lib');

const [cli, models, work] = process.argv.slice(2);
if (!cli || !models || !work) {
  console.error('usage: node graph_models_tfjs.js CLI MODELS_DIR WORK_DIR');
  process.exit(2);
}

const BYTES = { float32: 4, int32: 4, bool: 1 };
let failures = 0;
const pass = (what) => console.log(`PASS ${what}`);
const fail = (what, why) => { failures += 1; console.log(`FAIL ${what}: ${why}`); };

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// Our CLI, one conversion; returns model.json's path or throws with the CLI's stderr.
function convert(name, args) {
  const out = path.join(work, name);
  fs.rmSync(out, { recursive: true, force: true });
  const r = spawnSync(cli, ['convert', ...args, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`convert ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').trim()}`);
  return path.join(out, 'model.json');
}

// name -> {dtype, shape, bytes} of every weight (float32/int32/bool only: what these models hold).
function readWeights(modelJson) {
  const json = readJson(modelJson);
  const dir = path.dirname(modelJson);
  const out = new Map();
  for (const group of json.weightsManifest || []) {
    const buf = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      if (BYTES[w.dtype] === undefined || w.quantization) throw new Error(`${modelJson}: weight ${w.name} is ${w.dtype}`);
      const size = BYTES[w.dtype] * w.shape.reduce((a, b) => a * b, 1);
      out.set(w.name, { dtype: w.dtype, shape: w.shape, bytes: buf.subarray(off, off + size) });
      off += size;
    }
  }
  return out;
}

function opCounts(modelJson) {
  const counts = {};
  for (const n of readJson(modelJson).modelTopology.node || []) counts[n.op] = (counts[n.op] || 0) + 1;
  return counts;
}

// Signature key -> bare node name, for inputs or outputs; from `signature` (TF.js converter >= 3)
// or `userDefinedMetadata.signature` (2.x), keyed by key or tensor name.
function signatureNames(modelJson, which) {
  const json = readJson(modelJson);
  const sig = json.signature || (json.userDefinedMetadata || {}).signature || {};
  const table = sig[which] || {};
  const names = {};
  for (const [key, v] of Object.entries(table)) names[key.replace(/:0$/, '')] = String(v.name).replace(/:0$/, '');
  return names;
}

// Runs a graph model on {node: tensor spec} feeds; returns {shape, dtype, data} per output name.
async function run(modelJson, feeds, outputs) {
  const { tf } = lib;
  const loaded = await lib.loadModel(modelJson);
  const feed = {};
  for (const [node, x] of Object.entries(feeds)) feed[node] = tf.tensor(x.data, x.shape, x.dtype);
  try {
    const names = outputs || loaded.model.outputNodes;
    let outs = await loaded.model.executeAsync(feed, names);
    outs = Array.isArray(outs) ? outs : [outs];
    const res = outs.map((t) => ({ shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) }));
    tf.dispose(outs);
    return res;
  } finally {
    tf.dispose(Object.values(feed));
    loaded.model.dispose();
  }
}

// |a - b| <= 1e-5 * (max - min of the reference output), element by element.
function closeInRange(got, ref, what) {
  if (JSON.stringify(got.shape) !== JSON.stringify(ref.shape)) {
    throw new Error(`${what}: shape [${got.shape}] vs [${ref.shape}]`);
  }
  const range = Math.max(...ref.data) - Math.min(...ref.data);
  const tol = 1e-5 * range;
  let worst = 0;
  ref.data.forEach((r, i) => { worst = Math.max(worst, Math.abs(got.data[i] - r)); });
  if (!(worst <= tol) || !(range > 0)) throw new Error(`${what}: max |diff| ${worst} > 1e-5 * range ${range}`);
  return `max |diff| ${worst.toExponential(2)} <= ${tol.toExponential(2)} (range ${range.toPrecision(4)})`;
}

async function check(what, body) {
  try {
    const note = await body();
    pass(note ? `${what}: ${note}` : what);
  } catch (e) {
    fail(what, e && e.message ? e.message : String(e));
    if (process.env.STUDIO_DEBUG) console.log(e.stack);
  }
}

// ------------------------------------------------------------------------------------ korean
// Our op counts against the reference converter 2.4.0's graph-model of the same SavedModel.
// Each difference, with the reason (anything not listed here fails):
const KOREAN_OP_DIFFS = {
};

async function korean() {
  const dir = path.join(models, 'pair-savedmodel-tf23-korean-spacing-graph');
  const ref = path.join(dir, 'tfjs_graph_model/model.json');
  let ours;
  await check('korean spacing SavedModel converts', () => { ours = convert('korean', [path.join(dir, 'saved_model')]); });
  if (!ours) return;

  await check('korean spacing: predictions as the reference graph-model', async () => {
    // Seeded ids in [0, 5000) (the embedding's vocabulary), batch 2, 37 characters.
    const rand = lib.mulberry32(4242);
    const x = { dtype: 'int32', shape: [2, 37], data: Int32Array.from({ length: 74 }, () => Math.floor(5000 * rand())) };
    const [r] = await run(ref, { [signatureNames(ref, 'inputs').input_tensor]: x });
    const [o] = await run(ours, { [signatureNames(ours, 'inputs').input_tensor]: x });
    return closeInRange(o, r, 'output_0');
  });

  await check('korean spacing: op counts per type as the reference', () => {
    const a = opCounts(ours);
    const b = opCounts(ref);
    const problems = [];
    for (const op of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = (a[op] || 0) - (b[op] || 0);
      const listed = KOREAN_OP_DIFFS[op];
      if (d !== 0 && (!listed || listed.diff !== d)) problems.push(`${op} ${a[op] || 0} (reference ${b[op] || 0})`);
      if (d === 0 && listed) problems.push(`${op} listed as differing by ${listed.diff} but now equal: update the list`);
    }
    if (problems.length) throw new Error(problems.join('; '));
    const listed = Object.entries(KOREAN_OP_DIFFS).map(([op, v]) => `${op} ${v.diff > 0 ? '+' : ''}${v.diff}`);
    return `${Object.keys(b).length} op types${listed.length ? `; listed differences: ${listed.join(', ')}` : ''}`;
  });

  await check('korean spacing: weights byte-identical', () => {
    const a = readWeights(ours);
    const b = readWeights(ref);
    const problems = [];
    let sameName = 0;
    for (const [name, w] of b) {
      const o = a.get(name);
      if (!o || JSON.stringify(o.shape) !== JSON.stringify(w.shape)) continue;
      sameName += 1;
      if (o.dtype !== w.dtype || !o.bytes.equals(w.bytes)) problems.push(`'${name}' differs`);
    }
    // Names are the reference's own choice (unknown_N, StatefulPartitionedCall/...); whatever
    // the names, every float32 weight (the 23 trained variables) must be in ours byte for byte.
    const ourBytes = new Set([...a.values()].map((w) => `${w.dtype}${w.shape}:${w.bytes.toString('base64')}`));
    const floats = [...b].filter(([, w]) => w.dtype === 'float32');
    const missing = floats.filter(([, w]) => !ourBytes.has(`${w.dtype}${w.shape}:${w.bytes.toString('base64')}`));
    missing.forEach(([name]) => problems.push(`reference float32 weight '${name}' has no byte-identical weight in ours`));
    if (floats.length !== 23) problems.push(`the reference has ${floats.length} float32 weights, SOURCE.md says 23`);
    if (problems.length) throw new Error(problems.join('; '));
    return `${sameName} of ${b.size} reference weights matched by name and shape, all identical; all ${floats.length} float32 weights present byte for byte`;
  });
}

// ------------------------------------------------------------------------------- tensorspace
async function tensorspace() {
  const dir = path.join(models, 'tensorspace-mnist-lenet-multiformat');
  let saved;
  let frozen;
  await check('tensorspace TF1.12 SavedModel converts', () => { saved = convert('lenet-saved', [path.join(dir, 'savedmodel_tf1.12')]); });
  await check('tensorspace frozen GraphDef converts', () => {
    frozen = convert('lenet-frozen', ['--output_node_names=MySoftMax', path.join(dir, 'frozen_graphdef_tf1/frozen_model.pb')]);
  });
  if (!saved || !frozen) return;
  await check('tensorspace: SavedModel predicts as the frozen graph of the same run', async () => {
    const rand = lib.mulberry32(77);
    const x = { dtype: 'float32', shape: [3, 32, 32, 1], data: Float32Array.from({ length: 3 * 1024 }, () => rand()) };
    const [a] = await run(saved, { [signatureNames(saved, 'inputs').input]: x }, [signatureNames(saved, 'outputs').output]);
    const [b] = await run(frozen, { MyInput: x }, ['MySoftMax']);
    // Softmax rows: the outputs are probabilities, not something degenerate.
    for (let r = 0; r < 3; r += 1) {
      const s = b.data.slice(r * 10, r * 10 + 10).reduce((p, q) => p + q, 0);
      if (Math.abs(s - 1) > 1e-5) throw new Error(`frozen graph row ${r} sums to ${s}`);
    }
    return closeInRange(a, b, 'MySoftMax');
  });
}

// --------------------------------------------------------------------------------- half_plus
async function formula(what, modelJson, signature, inKey, outKey, x, f) {
  await check(what, async () => {
    const ins = signatureNames(modelJson, 'inputs');
    const outs = signatureNames(modelJson, 'outputs');
    if (!ins[inKey] || !outs[outKey]) throw new Error(`signature lacks ${inKey} -> ${outKey}: ${JSON.stringify({ ins, outs })}`);
    const [y] = await run(modelJson, { [ins[inKey]]: x }, [outs[outKey]]);
    const want = Array.from(x.data, f);
    if (JSON.stringify(y.shape) !== JSON.stringify(x.shape) || y.data.some((v, i) => v !== want[i])) {
      throw new Error(`${JSON.stringify(y.data)} [${y.shape}], want ${JSON.stringify(want)} [${x.shape}]`);
    }
    return `[${Array.from(x.data)}] -> [${y.data}]`;
  });
}

async function halfPlus() {
  const serving = path.join(models, 'savedmodel-tf1-serving-half-plus-two');
  const hub = path.join(models, 'tfhub-module-tf1-half-plus-two');
  const col = { dtype: 'float32', shape: [3, 1], data: [1, 2, 5] };
  const flat = { dtype: 'float32', shape: [3], data: [1, 2, 3] };
  const cases = [
    ['half_plus_two (TF1 serving)', 'hp2', [path.join(serving, 'saved_model_half_plus_two_cpu/00000123')], 'x', 'y', col, (v) => 0.5 * v + 2],
    ['half_plus_two regress_x2_to_y3', 'hp2-y3', ['--signature_name=regress_x2_to_y3', path.join(serving, 'saved_model_half_plus_two_cpu/00000123')],
      'inputs', 'outputs', col, (v) => 0.5 * v + 3],
    ['half_plus_three (TF 1.0)', 'hp3', [path.join(serving, 'saved_model_half_plus_three/00000123')], 'x', 'y', col, (v) => 0.5 * v + 3],
    ['TF Hub module folder', 'hub', ['--input_format=tf_hub', path.join(hub, 'module')], 'default', 'default', flat, (v) => 0.5 * v + 2],
  ];
  if (fs.existsSync(path.join(hub, 'half_plus_two_v1.tar.gz'))) {
    cases.push(['TF Hub module .tar.gz', 'hub-tgz', ['--input_format=tf_hub', path.join(hub, 'half_plus_two_v1.tar.gz')], 'default', 'default',
      flat, (v) => 0.5 * v + 2]);
  }
  for (const [what, name, args, inKey, outKey, x, f] of cases) {
    let json;
    await check(`${what} converts`, () => { json = convert(name, args); });
    if (json) await formula(`${what} computes its formula in TF.js`, json, null, inKey, outKey, x, f);
  }
}

// --------------------------------------------------------------------------------- tfjs-node
// TF.js has no uint8 or int64 tensors: the graph-model stores those placeholders as int32 (the
// reference converter's mapping), so those inputs are fed as int32 with expected.json's values.
const TFJS_DTYPE = { float32: 'float32', int32: 'int32', uint8: 'int32', int64: 'int32' };

// The SavedModels' signatures (and so the Placeholders, as the reference converter writes them
// too) declare shapes other than the ones upstream's tfjs-node tests feed through the native
// TensorFlow binding, which does not check them. TF.js checks a feed against the Placeholder's
// shape, so the feed as expected.json gives it must be refused with exactly this error; then the
// case is run element by element at the declared shape ([] or [1]: one element) and each output
// element must be expected.json's.
const EXPECT_TFJS_ERROR = {
  'times_three_float/serving_default': "The shape of dict['x'] provided in model.execute(dict) must be [], but was [3]",
  'times_two_int/serving_default': "The shape of dict['x'] provided in model.execute(dict) must be [], but was [3]",
  'module_with_multiple_signatures/serving_default': "The shape of dict['x'] provided in model.execute(dict) must be [], but was [3]",
  'module_with_multiple_signatures/timestwo': "The shape of dict['x'] provided in model.execute(dict) must be [], but was [3]",
  'model_single_input_multi_output/serving_default': "The shape of dict['x'] provided in model.execute(dict) must be [], but was [3]",
  'model_multi_output/serving_default': "The shape of dict['x'] provided in model.execute(dict) must be [], but was [3]",
  'uint8_multiply/serving_default': "The shape of dict['x'] provided in model.execute(dict) must be [1], but was []",
};

function declaredShape(modelJson, key) {
  const json = readJson(modelJson);
  const entry = (json.signature || {}).inputs[key];
  const dims = entry && entry.tensorShape && entry.tensorShape.dim;
  return dims ? dims.map((d) => Number(d.size)) : [];
}

function sameValues(got, want, what) {
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape) || got.data.length !== want.data.length
      || got.data.some((v, j) => v !== want.data[j])) {
    throw new Error(`${what}: ${JSON.stringify(got.data)} [${got.shape}] ${got.dtype}, want ${JSON.stringify(want.data)} [${want.shape}]`);
  }
}

async function tfjsNode() {
  const dir = path.join(models, 'savedmodel-tf2-tfjs-node-test-fixtures');
  const expected = readJson(path.join(dir, 'expected.json'));
  for (const c of expected.cases) {
    const id = `${c.model}/${c.signature}`;
    const what = `tfjs-node ${c.model} [${c.signature}]`;
    let json;
    await check(`${what} converts`, () => { json = convert(`node-${c.model}-${c.signature}`, [`--signature_name=${c.signature}`, path.join(dir, c.model)]); });
    if (!json) continue;
    await check(`${what} gives expected.json's outputs in TF.js`, async () => {
      const ins = signatureNames(json, 'inputs');
      const outs = signatureNames(json, 'outputs');
      const keys = Object.keys(c.outputs);
      // With several outputs the signature is keyed by tensor name (Identity:0, Identity_1:0),
      // as the reference converter writes it; the SavedModel lists its outputs by key, so
      // output_0, output_1 are the signature's outputs in order.
      const outNodes = Object.values(outs);
      const outName = (k, i) => outs[k] || (keys.length === outNodes.length ? outNodes[i] : undefined);
      keys.forEach((k, i) => { if (!outName(k, i)) throw new Error(`no output '${k}' in the signature`); });
      const feedsAt = (shapeOf, pick) => {
        const feeds = {};
        for (const [key, x] of Object.entries(c.inputs)) {
          if (!ins[key]) throw new Error(`no input '${key}' in the signature`);
          feeds[ins[key]] = { dtype: TFJS_DTYPE[x.dtype], shape: shapeOf(key, x), data: pick(x.data) };
        }
        return feeds;
      };
      let got;
      let refused;
      try {
        got = await run(json, feedsAt((k, x) => x.shape, (d) => d), keys.map(outName));
      } catch (e) {
        refused = String(e.message);
      }
      const want = EXPECT_TFJS_ERROR[id];
      if (!want && refused) throw new Error(refused);
      if (want && !refused) throw new Error(`TF.js ran it although listed as refused with: ${want}`);
      if (want && !refused.includes(want)) throw new Error(`TF.js refused it with "${refused}", listed: "${want}"`);
      if (!want) {
        keys.forEach((k, i) => sameValues(got[i], c.outputs[k], k));
        return keys.map((k, i) => `${k}=[${got[i].data}]`).join(' ');
      }
      // At the declared shape, one element at a time.
      const n = Object.values(c.inputs)[0].data.length;
      const values = keys.map(() => []);
      for (let e = 0; e < n; e += 1) {
        const feeds = feedsAt((k) => {
          const s = declaredShape(json, k);
          if (s.reduce((a, b) => a * b, 1) !== 1) throw new Error(`input '${k}' declares [${s}], not one element`);
          return s;
        }, (d) => [d[e]]);
        const res = await run(json, feeds, keys.map(outName));
        res.forEach((r, i) => {
          if (r.data.length !== 1) throw new Error(`${keys[i]}: ${r.data.length} elements for a one-element feed`);
          values[i].push(r.data[0]);
        });
      }
      keys.forEach((k, i) => sameValues({ shape: c.outputs[k].shape, data: values[i] }, c.outputs[k], `${k} element by element`));
      return `refused at expected.json's shape as listed; at the declared shape element by element: ${
        keys.map((k, i) => `${k}=[${values[i]}]`).join(' ')}`;
    });
  }
}

async function main() {
  await lib.setup();
  fs.mkdirSync(work, { recursive: true });
  await korean();
  await tensorspace();
  await halfPlus();
  await tfjsNode();
  console.log(`graph models in TF.js: ${failures} failure(s)`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(2); });
