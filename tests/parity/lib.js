// Parity-harness core: load TF.js model.json files from disk with the real @tensorflow/tfjs
// (cpu backend), build deterministic inputs and run them, so other scripts can compare outputs.
'use strict';

const fs = require('fs');
const path = require('path');

const tf = require('@tensorflow/tfjs');

// Drop two known, expected notices (the cpu backend's "install tfjs-node" banner, and
// executeAsync's "you could use execute()" hint, which we ignore on purpose); any other tfjs
// warning, e.g. about weights, stays visible.
const NOISE = ['running TensorFlow.js in Node.js', 'did not contain any nodes with control flow'];
const warn = console.warn;
console.warn = (...args) => {
  if (!NOISE.some((n) => String(args[0]).includes(n))) warn(...args);
};

// The pure-JS cpu kernels are the oracle: webgl cannot run in Node and tfjs-node is a different
// (native) implementation, so pin cpu before any model is touched.
async function setup() {
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

// Bytes one stored element takes; quantized weights are stored in their quantized dtype.
const STORED_BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

function storedBytes(spec) {
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  const per = STORED_BYTES[dtype];
  if (per === undefined) return undefined; // strings: variable length, cannot be precomputed
  return per * spec.shape.reduce((a, b) => a * b, 1);
}

// An IOHandler reading model.json + shards from the local file system. tfjs' own Node file
// handler lives in tfjs-node, which we deliberately do not use, so this mirrors what the http
// loader does: all groups' shards concatenated in manifest order, weight specs flattened in the
// same order, so spec offsets line up with the buffer.
function fileHandler(modelJsonPath) {
  return {
    async load() {
      const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
      if (json.modelTopology == null) throw new Error(`${modelJsonPath}: no modelTopology`);
      const dir = path.dirname(modelJsonPath);
      const manifest = json.weightsManifest || [];
      const weightSpecs = manifest.flatMap((group) => group.weights);
      const groups = manifest.map((group, g) => {
        const bytes = Buffer.concat(group.paths.map((p) => {
          const file = path.join(dir, p);
          try {
            return fs.readFileSync(file);
          } catch (e) {
            throw new Error(`${modelJsonPath}: cannot read weight shard ${file}: ${e.message}`);
          }
        }));
        // Check sizes ourselves: tfjs reads past a short buffer with an unhelpful RangeError,
        // and a writer bug should name the file and group.
        const sizes = group.weights.map(storedBytes);
        if (!sizes.includes(undefined)) {
          const want = sizes.reduce((a, b) => a + b, 0);
          const where = `${modelJsonPath}: group ${g + 1} (${group.paths.join(', ')})`;
          if (bytes.length < want) throw new Error(`${where}: ${bytes.length} bytes, manifest expects ${want}`);
          if (bytes.length > want) console.error(`warning: ${where}: ${bytes.length} bytes, manifest uses ${want}`);
        }
        return bytes;
      });
      const all = Buffer.concat(groups);
      return {
        modelTopology: json.modelTopology,
        weightSpecs,
        // A Buffer may be a view into a larger pooled ArrayBuffer; hand tfjs an exact copy.
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        modelInitializer: json.modelInitializer,
        initializerSignature: json.initializerSignature,
        trainingConfig: json.trainingConfig,
      };
    },
  };
}

// Decide layers vs graph the way the two loaders tell them apart: `format` when present (old
// converters omit it), else by the topology's shape (GraphDef has `node`; Keras JSON has
// `model_config` or `class_name`).
function modelKind(modelJsonPath) {
  const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
  if (json.format === 'graph-model') return 'graph';
  if (json.format === 'layers-model') return 'layers';
  const topo = json.modelTopology || {};
  if (Array.isArray(topo.node)) return 'graph';
  if (topo.model_config != null || topo.class_name != null) return 'layers';
  throw new Error(`${modelJsonPath}: cannot tell layers-model from graph-model`);
}

// Loads the model; errors are rethrown with the file name so callers can print them as-is.
async function loadModel(modelJsonPath) {
  try {
    const kind = modelKind(modelJsonPath);
    const handler = fileHandler(modelJsonPath);
    const model = kind === 'graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
    return { kind, model, path: modelJsonPath };
  } catch (e) {
    const msg = e && e.message ? e.message : String(e);
    throw new Error(msg.includes(modelJsonPath) ? msg : `${modelJsonPath}: ${msg}`);
  }
}

// [{name, shape, dtype}] for every model input; shape may still contain null / -1.
function inputSpecs(loaded) {
  const { kind, model } = loaded;
  // (Layers: the symbolic tensors' names, since a Sequential fills inputNames only once built.)
  const specs = model.inputs.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype }));
  if (kind === 'graph') specs.forEach((spec) => fillFromSignature(spec, model.modelSignature));
  return specs;
}

// tfjs takes input shapes from the Placeholder nodes, which converters often leave as
// [1,-1,-1,3] while the signature records the size the model was exported for (handtrack:
// 320x320). Running at that size beats running a 1x1 image, so fill unknown dims from it.
function fillFromSignature(spec, signature) {
  const entries = Object.entries((signature && signature.inputs) || {});
  const bare = (n) => String(n).replace(/:0$/, '');
  const hit = entries.find(([key, v]) => bare(key) === spec.name || bare(v.name) === spec.name);
  const dims = hit && hit[1].tensorShape && hit[1].tensorShape.dim;
  if (!dims) return;
  const sig = dims.map((d) => Number(d.size));
  if (spec.shape == null) {
    spec.shape = sig;
  } else if (spec.shape.length === sig.length) {
    spec.shape = spec.shape.map((d, i) => ((d == null || d < 0) && sig[i] > 0 ? sig[i] : d));
  }
}

// mulberry32: tiny, well-known, and easy to reproduce bit for bit in C++ (uint32 arithmetic).
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Unknown dims: index 0 is the batch (opts.batch), any other is a free spatial/length size
// (opts.dim); both default to 1 so fixed-size models need no options.
function resolveShape(spec, opts) {
  if (spec.shape == null) {
    throw new Error(`input ${spec.name} has unknown rank; cannot build an input for it`);
  }
  return spec.shape.map((d, i) => (d == null || d < 0 ? (i === 0 ? opts.batch || 1 : opts.dim || 1) : d));
}

// One generator stream over all inputs in order, so the same options give the same bytes.
// Values lie in opts.range [lo, hi); without it float32 uses [-1, 1) (what image models expect
// after normalization) and int32 [0, 10) (valid indices for gathers/embeddings). bool: 0/1.
function makeInputs(specs, opts = {}) {
  const rand = mulberry32(opts.seed == null ? 1234 : opts.seed);
  return specs.map((spec) => {
    const shape = resolveShape(spec, opts);
    const size = shape.reduce((a, b) => a * b, 1);
    const dtype = spec.dtype || 'float32';
    let data;
    if (dtype === 'float32') {
      const [lo, hi] = opts.range || [-1, 1];
      // Round through float32 so the recorded values are exactly what the model sees.
      data = Float32Array.from({ length: size }, () => lo + (hi - lo) * rand());
    } else if (dtype === 'int32') {
      const [lo, hi] = opts.range || [0, 10];
      data = Int32Array.from({ length: size }, () => Math.floor(lo + (hi - lo) * rand()));
    } else if (dtype === 'bool') {
      data = Uint8Array.from({ length: size }, () => (rand() < 0.5 ? 0 : 1));
    } else {
      throw new Error(`input ${spec.name}: dtype ${dtype} not supported by the harness`);
    }
    return { name: spec.name, shape, dtype, data };
  });
}

// Runs the model; inputs are matched to model inputs by position. Graph models use executeAsync
// because models with control flow (While/Switch/Merge) refuse the synchronous execute.
// Returns [{name, shape, dtype, data: Float64Array}] (float32 -> float64 is exact).
async function predict(loaded, inputs) {
  const { kind, model } = loaded;
  const specs = inputSpecs(loaded);
  if (specs.length !== inputs.length) {
    throw new Error(`${loaded.path}: model has ${specs.length} inputs, given ${inputs.length}`);
  }
  const tensors = inputs.map((x) => tf.tensor(x.data, x.shape, x.dtype));
  let outs;
  let names;
  try {
    if (kind === 'layers') {
      outs = model.predict(tensors.length === 1 ? tensors[0] : tensors);
      names = model.outputNames;
    } else {
      const feed = {};
      specs.forEach((s, i) => { feed[s.name] = tensors[i]; });
      names = model.outputNodes;
      outs = await model.executeAsync(feed, names);
    }
  } catch (e) {
    throw new Error(`${loaded.path}: predict failed: ${e && e.message ? e.message : e}`);
  } finally {
    tf.dispose(tensors);
  }
  outs = Array.isArray(outs) ? outs : [outs];
  const result = outs.map((t, i) => ({
    name: names[i],
    shape: t.shape,
    dtype: t.dtype,
    data: Float64Array.from(t.dataSync()),
  }));
  tf.dispose(outs);
  return result;
}

module.exports = { tf, setup, fileHandler, modelKind, loadModel, inputSpecs, makeInputs, mulberry32, predict };
