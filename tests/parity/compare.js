// CLI: run a reference and a candidate TF.js model on identical deterministic inputs with the
// real @tensorflow/tfjs (cpu) and compare every output; exit 0 pass, 1 mismatch, 2 load/run error.
'use strict';

const lib = require('./lib');

const USAGE = `usage: node compare.js --reference A/model.json --candidate B/model.json|same
         [--mode exact|tolerance] [--atol X] [--rtol Y]
         [--input-range LO,HI] [--batch N] [--dim N] [--seed S]
  exact      every element bit-identical (also +0 vs -0; NaN equals NaN)
  tolerance  |a-b| <= atol + rtol*|a|, a = reference (defaults atol 1e-5, rtol 1e-5)
  --mode defaults to tolerance when --atol or --rtol is given, else exact.
  --batch sets an unknown leading dim, --dim every other unknown dim (both default 1);
    graph models first take unknown dims from their signature when it has them.
  --input-range sets every input's value range (default: float32 -1,1; int32 0,10).
  --candidate same  loads the reference file a second time.`;

function parseArgs(argv) {
  const opts = { batch: 1, dim: 1, seed: 1234 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${key} needs a value`);
      return argv[++i];
    };
    const num = () => {
      const v = val();
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${key}: not a number: ${v}`);
      return n;
    };
    switch (key) {
      case '--reference': opts.reference = val(); break;
      case '--candidate': opts.candidate = val(); break;
      case '--mode': opts.mode = val(); break;
      case '--atol': opts.atol = num(); break;
      case '--rtol': opts.rtol = num(); break;
      case '--batch': opts.batch = num(); break;
      case '--dim': opts.dim = num(); break;
      case '--seed': opts.seed = num(); break;
      case '--input-range': {
        const r = val().split(',').map(Number);
        if (r.length !== 2 || !r.every(Number.isFinite) || !(r[0] < r[1])) {
          throw new Error('--input-range wants LO,HI with LO < HI');
        }
        opts.range = r;
        break;
      }
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown argument ${key}`);
    }
  }
  if (!opts.reference || !opts.candidate) throw new Error('--reference and --candidate are required');
  if (opts.candidate === 'same') opts.candidate = opts.reference;
  if (opts.mode == null) opts.mode = opts.atol != null || opts.rtol != null ? 'tolerance' : 'exact';
  if (opts.mode !== 'exact' && opts.mode !== 'tolerance') throw new Error(`unknown --mode ${opts.mode}`);
  if (opts.atol == null) opts.atol = 1e-5;
  if (opts.rtol == null) opts.rtol = 1e-5;
  return opts;
}

// Compares one output pair; stats are reported in both modes so a failing exact run still shows
// how far apart the models are.
function compareArrays(a, b, opts) {
  let maxAbs = 0;
  let maxRel = 0;
  let bad = 0;
  let firstBad = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    let ok;
    if (Object.is(x, y)) {
      ok = true; // also covers NaN == NaN and equal infinities
    } else {
      const d = Math.abs(x - y); // NaN if exactly one side is NaN, or for opposite infinities
      const r = x === 0 ? (d === 0 ? 0 : Infinity) : d / Math.abs(x);
      if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? NaN : Math.max(maxAbs, d);
      if (!(r <= maxRel)) maxRel = Number.isNaN(r) ? NaN : Math.max(maxRel, r);
      ok = opts.mode === 'tolerance' && d <= opts.atol + opts.rtol * Math.abs(x); // NaN -> false
    }
    if (!ok) {
      bad++;
      if (firstBad < 0) firstBad = i;
    }
  }
  return { maxAbs, maxRel, bad, firstBad };
}

const fmtShape = (s) => `[${s.join(',')}]`;
const fmtNum = (n) => (n === 0 ? '0' : n.toExponential(3));

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${e.message}\n${USAGE}`);
    return 2;
  }

  let ref;
  let cand;
  let refOut;
  let candOut;
  try {
    await lib.setup();
    ref = await lib.loadModel(opts.reference);
    cand = await lib.loadModel(opts.candidate);
    // Inputs come from the reference's signature; the candidate must accept the same shapes.
    const refSpecs = lib.inputSpecs(ref);
    const inputs = lib.makeInputs(refSpecs, opts);
    const candInputs = lib.makeInputs(lib.inputSpecs(cand), opts);
    const describe = (xs) => xs.map((x) => `${x.name}${fmtShape(x.shape)} ${x.dtype}`).join(', ');
    console.log(`reference ${ref.kind}-model ${opts.reference}`);
    console.log(`candidate ${cand.kind}-model ${opts.candidate}`);
    console.log(`inputs: ${describe(inputs)}`);
    // Names may legitimately differ (a converter may rename), shapes and dtypes may not.
    const layout = (xs) => xs.map((x) => `${fmtShape(x.shape)} ${x.dtype}`).join(', ');
    if (layout(candInputs) !== layout(inputs)) {
      console.log(`FAIL candidate inputs differ: ${describe(candInputs)}`);
      return 1;
    }
    refOut = await lib.predict(ref, inputs);
    candOut = await lib.predict(cand, inputs);
  } catch (e) {
    console.error(`error: ${e && e.message ? e.message : e}`);
    return 2;
  }

  if (refOut.length !== candOut.length) {
    console.log(`FAIL output count: reference ${refOut.length}, candidate ${candOut.length}`);
    return 1;
  }
  // Pair outputs by name when both sides use the same names (a writer may reorder them), else
  // by position (a converter may rename them).
  const candByName = new Map(candOut.map((o) => [o.name, o]));
  const byName = refOut.every((o) => candByName.has(o.name)) && candByName.size === candOut.length;
  let failed = false;
  refOut.forEach((r, i) => {
    const c = byName ? candByName.get(r.name) : candOut[i];
    const label = r.name === c.name ? r.name : `${r.name}~${c.name}`;
    if (fmtShape(r.shape) !== fmtShape(c.shape)) {
      console.log(`FAIL ${label} shape reference ${fmtShape(r.shape)} candidate ${fmtShape(c.shape)}`);
      failed = true;
      return;
    }
    const s = compareArrays(r.data, c.data, opts);
    const verdict = s.bad === 0 ? 'PASS' : 'FAIL';
    if (s.bad) failed = true;
    let line = `${verdict} ${label} ${fmtShape(r.shape)} ${r.dtype}` +
      ` max_abs=${fmtNum(s.maxAbs)} max_rel=${fmtNum(s.maxRel)} mismatched=${s.bad}/${r.data.length}`;
    if (s.bad) line += ` first@${s.firstBad}: ${r.data[s.firstBad]} vs ${c.data[s.firstBad]}`;
    console.log(line);
  });
  const bound = opts.mode === 'exact' ? 'exact' : `tolerance atol=${opts.atol} rtol=${opts.rtol}`;
  console.log(`${failed ? 'FAIL' : 'PASS'} (${bound}, ${refOut.length} outputs)`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`error: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
