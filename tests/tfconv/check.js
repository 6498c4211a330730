// The reference converter as an oracle (tests/tfconv/make_models.py wrote the fixtures).
//
//   node check.js reference FIXTURES
//     Each reference graph-model (tensorflowjs_converter 4.22.0) loaded in real TF.js 4.22 (cpu)
//     predicts TensorFlow's own outputs within the case's tolerance: the oracle chain works.
//     Then the comparison below is run on the reference against itself (must pass) and against
//     copies with one weight byte changed and one op renamed (each must fail at its stage): the
//     comparison can tell.
//
//   node check.js compare FIXTURES CLI EXPECTED_JSON WORK_DIR [--update]
//     Each case converted by our converter (`CLI convert FLAGS... SOURCE WORK_DIR/<case>`, the
//     same flags the reference got), then, stage by stage:
//       convert  the CLI succeeds and writes model.json
//       weights  the same weights as the reference (name, shape, dtype), each byte-identical
//       ops      the same count per op type (graph, modelInitializer, function bodies); for a
//                layers-model, the same Keras topology
//       predict  TF.js predictions within tolerance of the reference model's and of TensorFlow's
//     A case reaches "pass" when every stage does. EXPECTED_JSON lists, per case, the stage it is
//     expected to stop at and a piece of the message it stops with; the test fails when a case
//     does better or worse than listed (then update the list: --update rewrites it from this run).
//     A case may also list "renamed" (reference weight name -> ours, for names TensorFlow takes
//     from a process-wide counter) and "predicts" (it stops at weights or ops, but its TF.js
//     predictions must still match TensorFlow's outputs); --update keeps both, and "why" while the
//     case stops where it did.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const lib = require('../parity/lib');

const STAGES = ['convert', 'weights', 'ops', 'predict', 'pass'];
const BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2 };

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// name -> {dtype, shape, bytes} for every weight of a graph-model, from its manifest and shards.
function readWeights(modelJson) {
  const json = readJson(modelJson);
  const dir = path.dirname(modelJson);
  const out = new Map();
  for (const group of json.weightsManifest || []) {
    const buf = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      const dtype = w.quantization ? w.quantization.dtype : w.dtype;
      const count = w.shape.reduce((a, b) => a * b, 1);
      let size;
      if (dtype === 'string') {
        // TF.js stores each string as a 4-byte little-endian length and its bytes.
        size = 0;
        for (let i = 0; i < count; i += 1) {
          if (off + size + 4 > buf.length) throw new Error(`${modelJson}: weight ${w.name} runs past its shards`);
          size += 4 + buf.readUInt32LE(off + size);
        }
      } else {
        if (BYTES[dtype] === undefined) throw new Error(`${modelJson}: weight ${w.name} has dtype ${dtype}`);
        size = count * BYTES[dtype];
      }
      if (off + size > buf.length) throw new Error(`${modelJson}: weight ${w.name} runs past its shards`);
      if (out.has(w.name)) throw new Error(`${modelJson}: weight ${w.name} twice in the manifest`);
      out.set(w.name, { dtype: w.dtype, shape: w.shape, quantization: w.quantization, bytes: buf.subarray(off, off + size) });
      off += size;
    }
  }
  return out;
}

// "Op" -> count over the graph, "init:Op" over modelInitializer, "fn:Op" over function bodies.
function opCounts(modelJson) {
  const json = readJson(modelJson);
  const counts = {};
  const add = (key) => { counts[key] = (counts[key] || 0) + 1; };
  const topo = json.modelTopology || {};
  (topo.node || []).forEach((n) => add(n.op));
  ((json.modelInitializer || {}).node || []).forEach((n) => add(`init:${n.op}`));
  (((topo.library || {}).function) || []).forEach((f) => (f.nodeDef || []).forEach((n) => add(`fn:${n.op}`)));
  return counts;
}

// `renamed`: reference weight name -> ours, for names TensorFlow makes from a process-wide counter
// that no other converter can reproduce (expected.json lists them per case, with why).
function compareWeights(ours, ref, renamed = {}) {
  const a = readWeights(ours);
  const b = new Map([...readWeights(ref)].map(([name, w]) => [renamed[name] || name, w]));
  const problems = [];
  for (const [name, w] of b) {
    const o = a.get(name);
    if (!o) { problems.push(`no weight '${name}' ${JSON.stringify(w.shape)}`); continue; }
    if (JSON.stringify(o.shape) !== JSON.stringify(w.shape) || o.dtype !== w.dtype) {
      problems.push(`weight '${name}': ${o.dtype}${JSON.stringify(o.shape)}, reference ${w.dtype}${JSON.stringify(w.shape)}`);
      continue;
    }
    if (!o.bytes.equals(w.bytes)) {
      let i = 0;
      while (i < o.bytes.length && o.bytes[i] === w.bytes[i]) i += 1;
      problems.push(`weight '${name}': bytes differ from byte ${i} of ${w.bytes.length}`);
    }
  }
  for (const name of a.keys()) if (!b.has(name)) problems.push(`extra weight '${name}' (not in the reference)`);
  return problems;
}

// A layers-model's topology (Keras JSON) with object keys sorted, for comparing.
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
  }
  return value;
}

// The first path where two JSON values differ, or ''.
function firstDifference(a, b, where = 'modelTopology') {
  if (JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${where}.${k}`);
      if (d) return d;
    }
  }
  return `${where}: ${JSON.stringify(a)} (reference ${JSON.stringify(b)})`.slice(0, 300);
}

function compareOps(ours, ref) {
  const refJson = readJson(ref);
  if (refJson.format === 'layers-model') {
    // A layers-model has no ops: its Keras topology must be the reference's.
    const d = firstDifference(readJson(ours).modelTopology, refJson.modelTopology);
    return d ? [`topology differs at ${d}`] : [];
  }
  const a = opCounts(ours);
  const b = opCounts(ref);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diff = keys.filter((k) => a[k] !== b[k]).map((k) => `${k} ${a[k] || 0} (reference ${b[k] || 0})`);
  return diff;
}

// Runs a graph-model on the case's inputs; returns [{key, shape, data}] in the case's output
// order. Inputs and outputs are found through model.json's signature (key -> tensor name), else
// by the node names the case records (frozen graphs have no input signature).
async function predict(modelJson, c) {
  const { tf } = lib;
  const loaded = await lib.loadModel(modelJson);
  const json = readJson(modelJson);
  const sig = json.signature || {};
  const bare = (n) => String(n).replace(/:0$/, '');
  const resolve = (table, x) => {
    const hit = (table || {})[x.key];
    return hit && hit.name ? bare(hit.name) : (x.node || x.key);
  };
  const feed = {};
  const tensors = [];
  for (const x of c.inputs) {
    const t = tf.tensor(x.dtype === 'string' ? x.data : x.data, x.shape, x.dtype);
    tensors.push(t);
    feed[resolve(sig.inputs, x)] = t;
  }
  const names = c.outputs.map((y) => resolve(sig.outputs, y));
  let outs;
  try {
    // A layers-model takes its inputs in order and predicts its outputs in order.
    outs = loaded.kind === 'graph' ? await loaded.model.executeAsync(feed, names) : loaded.model.predict(tensors);
  } catch (e) {
    throw new Error(`${modelJson}: predict failed: ${e && e.message ? e.message : e}`);
  } finally {
    tf.dispose(tensors);
  }
  outs = Array.isArray(outs) ? outs : [outs];
  const res = outs.map((t, i) => ({ key: c.outputs[i].key, shape: t.shape, data: Array.from(t.dataSync()) }));
  tf.dispose(outs);
  loaded.model.dispose();
  return res;
}

// Worst |got - want| over all outputs, each against tol * max(1, max|want|); throws on a shape
// mismatch. Returns {ok, worst, where}.
function within(got, wantOutputs, tol, what) {
  let ok = true;
  let worst = 0;
  let where = '';
  got.forEach((o, k) => {
    const want = wantOutputs[k];
    if (JSON.stringify(o.shape) !== JSON.stringify(want.shape)) {
      throw new Error(`output '${want.key}' has shape [${o.shape}], ${what} [${want.shape}]`);
    }
    const scale = Math.max(1, ...want.data.map((v) => Math.abs(v)));
    o.data.forEach((v, i) => {
      const d = Math.abs(v - want.data[i]);
      if (!(d <= tol * scale)) ok = false;
      if (!(d <= worst)) { worst = d; where = `output '${want.key}' element ${i}: ${v} vs ${want.data[i]}`; }
    });
  });
  return { ok, worst, where };
}

function tolOf(c) {
  return (c.tolerance && c.tolerance.abs) || 1e-5;
}

// ----------------------------------------------------------------------------- reference mode

async function checkReference(dir) {
  const doc = readJson(path.join(dir, 'cases.json'));
  let failed = 0;
  for (const c of doc.cases) {
    const modelJson = path.join(dir, c.reference, 'model.json');
    try {
      let got;
      try {
        got = await predict(modelJson, c);
      } catch (e) {
        if (c.tfjs_known_error && e.message.includes(c.tfjs_known_error)) {
          console.log(`PASS ${c.name}: TF.js cannot run the reference, the known limitation (${c.tfjs_known_error})`);
          continue;
        }
        throw e;
      }
      if (c.tfjs_known_error) throw new Error(`TF.js now runs it: drop tfjs_known_error '${c.tfjs_known_error}' from make_models.py`);
      const r = within(got, c.outputs, tolOf(c), 'TensorFlow');
      if (!r.ok) throw new Error(`max |tfjs - tensorflow| = ${r.worst} at ${r.where}`);
      console.log(`PASS ${c.name}: reference in TF.js vs TensorFlow, max diff ${r.worst.toExponential(3)}`);
    } catch (e) {
      console.log(`FAIL ${c.name}: ${e.message}`);
      failed += 1;
    }
  }
  for (const s of doc.skipped || []) console.log(`SKIP ${s.name}: ${s.reason}`);

  // The comparison itself: identical passes; a changed byte / a renamed op each fail.
  const c = doc.cases.find((x) => x.name === 'tf2_conv_relu') || doc.cases[0];
  const ref = path.join(dir, c.reference, 'model.json');
  const self = await stagesOf(ref, ref, c);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfconv-self-'));
  try {
    fs.cpSync(path.dirname(ref), path.join(tmp, 'bytes'), { recursive: true });
    const m = readJson(path.join(tmp, 'bytes', 'model.json'));
    const shard = path.join(tmp, 'bytes', m.weightsManifest[0].paths[0]);
    const buf = fs.readFileSync(shard);
    buf[buf.length - 1] ^= 0x01;
    fs.writeFileSync(shard, buf);
    const bytes = await stagesOf(path.join(tmp, 'bytes', 'model.json'), ref, c);
    fs.cpSync(path.dirname(ref), path.join(tmp, 'ops'), { recursive: true });
    const m2 = readJson(path.join(tmp, 'ops', 'model.json'));
    const ident = m2.modelTopology.node.find((n) => n.op === 'Identity');
    ident.op = 'Snapshot'; // same computation, another op type
    fs.writeFileSync(path.join(tmp, 'ops', 'model.json'), JSON.stringify(m2));
    const ops = await stagesOf(path.join(tmp, 'ops', 'model.json'), ref, c);
    const checks = [[`reference vs itself`, self, 'pass'], ['one weight byte flipped', bytes, 'weights'],
      ['Identity renamed Snapshot', ops, 'ops']];
    for (const [what, got, want] of checks) {
      const ok = got.stage === want;
      console.log(`${ok ? 'PASS' : 'FAIL'} self-check ${c.name}, ${what}: stops at '${got.stage}' (want '${want}')${got.message ? `: ${got.message}` : ''}`);
      if (!ok) failed += 1;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (doc.cases.length === 0) { console.log('FAIL: no cases'); failed += 1; }
  console.log(`${doc.cases.length} cases, ${(doc.skipped || []).length} skipped, ${failed} failed`);
  return failed;
}

// ------------------------------------------------------------------------------- compare mode

// The weights/ops/predict stages on an already converted model.json. Returns {stage, message}:
// the first stage that failed, or 'pass'.
async function stagesOf(ours, ref, c, renamed = {}) {
  try {
    const w = compareWeights(ours, ref, renamed);
    if (w.length) return { stage: 'weights', message: w.slice(0, 6).join('; ') + (w.length > 6 ? `; ... ${w.length} in all` : '') };
  } catch (e) {
    return { stage: 'weights', message: e.message };
  }
  const o = compareOps(ours, ref);
  if (o.length) return { stage: 'ops', message: `op counts differ: ${o.join(', ')}` };
  if (c.tfjs_known_error) {
    // TF.js cannot run the reference (see make_models.py): ours must fail the same way, or run
    // and give TensorFlow's outputs.
    try {
      const got = await predict(ours, c);
      const vsTf = within(got, c.outputs, tolOf(c), 'TensorFlow');
      if (!vsTf.ok) return { stage: 'predict', message: `max |ours - tensorflow| = ${vsTf.worst} at ${vsTf.where}` };
      return { stage: 'pass', message: '', worst: vsTf.worst };
    } catch (e) {
      if (e.message.includes(c.tfjs_known_error)) return { stage: 'pass', message: '', worst: 0 };
      return { stage: 'predict', message: e.message };
    }
  }
  try {
    const want = await predict(ref, c);
    const got = await predict(ours, c);
    const tol = tolOf(c);
    const vsRef = within(got, want.map((x, i) => ({ ...x, key: c.outputs[i].key })), tol, 'the reference');
    if (!vsRef.ok) return { stage: 'predict', message: `max |ours - reference| = ${vsRef.worst} at ${vsRef.where}` };
    const vsTf = within(got, c.outputs, tol, 'TensorFlow');
    if (!vsTf.ok) return { stage: 'predict', message: `max |ours - tensorflow| = ${vsTf.worst} at ${vsTf.where}` };
    return { stage: 'pass', message: '', worst: Math.max(vsRef.worst, vsTf.worst) };
  } catch (e) {
    return { stage: 'predict', message: e.message };
  }
}

// The CLI's output, reduced to its message: its last non-empty lines, the work dir replaced.
// (Paths are replaced by <out> and <fixtures>, so the message does not depend on the build dir.)
function cliMessage(p, work, dir) {
  const text = `${p.stdout || ''}\n${p.stderr || ''}`.split(work).join('<out>').split(dir).join('<fixtures>');
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-3).join(' | ') || `exit status ${p.status}${p.signal ? `, signal ${p.signal}` : ''}`;
}

async function compare(dir, cli, expectedFile, work, update) {
  const doc = readJson(path.join(dir, 'cases.json'));
  const expected = readJson(expectedFile);
  const table = expected.cases || {};
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const results = {};
  let failed = 0;
  for (const c of doc.cases) {
    const out = path.join(work, c.name);
    const args = ['convert', ...c.flags, path.join(dir, c.source), out];
    const p = spawnSync(cli, args, { encoding: 'utf8', timeout: 300000, maxBuffer: 64 << 20 });
    let r;
    if (p.error) r = { stage: 'convert', message: `cannot run ${cli}: ${p.error.message}` };
    else if (p.status !== 0) r = { stage: 'convert', message: cliMessage(p, out, dir) };
    else if (!fs.existsSync(path.join(out, 'model.json'))) r = { stage: 'convert', message: 'exit status 0 but no model.json' };
    else r = await stagesOf(path.join(out, 'model.json'), path.join(dir, c.reference, 'model.json'), c, (table[c.name] || {}).renamed);
    if (p.signal || (p.status !== null && p.status > 128)) {
      r = { stage: 'convert', message: `CRASH (${p.signal || `status ${p.status}`}): ${r.message}` };
    }
    const want = table[c.name];
    if (want && want.predicts && (r.stage === 'weights' || r.stage === 'ops')) {
      // A case that legitimately differs in structure must still compute TensorFlow's outputs.
      try {
        const got = await predict(path.join(out, 'model.json'), c);
        const vsTf = within(got, c.outputs, tolOf(c), 'TensorFlow');
        r.predicted = vsTf.ok ? `predicts TensorFlow's outputs, max diff ${vsTf.worst.toExponential(3)}`
          : `max |ours - tensorflow| = ${vsTf.worst} at ${vsTf.where}`;
        r.predictFailed = !vsTf.ok;
      } catch (e) {
        r.predicted = e.message;
        r.predictFailed = true;
      }
    }
    results[c.name] = r;
    let verdict;
    if (r.message && r.message.startsWith('CRASH')) {
      verdict = 'FAIL (a crash is never expected)';
    } else if (!want) {
      verdict = 'FAIL (not in expected.json: add it)';
    } else if (want.stage !== r.stage) {
      const better = STAGES.indexOf(r.stage) > STAGES.indexOf(want.stage);
      verdict = better ? `FAIL (expected to stop at '${want.stage}', now reaches '${r.stage}': update expected.json)`
        : `FAIL (expected to reach '${want.stage}', stops at '${r.stage}': a regression)`;
    } else if (r.stage !== 'pass' && want.reason && !r.message.includes(want.reason)) {
      verdict = `FAIL (stops at '${r.stage}' as expected, but not with '${want.reason}')`;
    } else if (r.predictFailed) {
      verdict = `FAIL (listed as predicting TensorFlow's outputs: ${r.predicted})`;
    } else {
      verdict = r.stage === 'pass' ? 'PASS' : 'XFAIL';
    }
    if (verdict.startsWith('FAIL')) failed += 1;
    const detail = (r.stage === 'pass' ? `max diff ${r.worst.toExponential(3)}` : `stops at '${r.stage}': ${r.message}`)
      + (r.predicted && !r.predictFailed ? `; ${r.predicted}` : '');
    console.log(`${verdict.split(' ')[0]} ${c.name}: ${detail}${verdict.startsWith('FAIL') ? `\n     ${verdict}` : ''}`);
  }
  for (const name of Object.keys(table)) {
    if (!doc.cases.some((c) => c.name === name) && !(doc.skipped || []).some((s) => s.name === name)) {
      console.log(`FAIL ${name}: listed in expected.json but no such case (remove it)`);
      failed += 1;
    }
  }
  const counts = {};
  Object.values(results).forEach((r) => { counts[r.stage] = (counts[r.stage] || 0) + 1; });
  console.log(`stages reached: ${STAGES.map((s) => `${s} ${counts[s] || 0}`).join(', ')}`);
  if (update) {
    const next = { ...expected, cases: {} };
    for (const c of doc.cases) {
      const r = results[c.name];
      // The reason: the message without its leading "error: <file>: ", cut short (matched as a
      // substring, so a shorter piece still matches).
      const reason = r.message.replace(/^error: <fixtures>\/[^:]*: /, '').slice(0, 120);
      next.cases[c.name] = r.stage === 'pass' ? { stage: 'pass' } : { stage: r.stage, reason };
      // A "why" stays while the case stops where it did; the renamed weights always stay.
      const before = table[c.name] || {};
      if (before.why && before.stage === r.stage) next.cases[c.name].why = before.why;
      if (before.renamed) next.cases[c.name].renamed = before.renamed;
      if (before.predicts && r.stage !== 'pass') next.cases[c.name].predicts = true;
    }
    fs.writeFileSync(expectedFile, `${JSON.stringify(next, null, 2)}\n`);
    console.log(`wrote ${expectedFile}`);
    return 0;
  }
  console.log(`${doc.cases.length} cases, ${failed} not as listed in ${expectedFile}`);
  return failed;
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  await lib.setup();
  let failed;
  if (mode === 'reference' && rest.length === 1) {
    failed = await checkReference(rest[0]);
  } else if (mode === 'compare' && (rest.length === 4 || (rest.length === 5 && rest[4] === '--update'))) {
    failed = await compare(rest[0], rest[1], rest[2], rest[3], rest.length === 5);
  } else {
    console.error('usage: node check.js reference FIXTURES\n       node check.js compare FIXTURES CLI EXPECTED_JSON WORK_DIR [--update]');
    process.exit(2);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(2);
});
