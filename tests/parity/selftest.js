// Self-test of the parity harness on the real-model corpus (../shared/models beside the repo, or
// $TFJS_STUDIO_MODELS): it must call identical models identical, tell quantized from float, and
// reproduce recorded TF.js outputs. Run with `npm test`; exit 0 when every case behaves.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const models = process.env.TFJS_STUDIO_MODELS || path.resolve(__dirname, '../../../shared/models');
const m = (p) => path.join(models, p);
const bodypix = 'quantization-pair-bodypix-mobilenet050';

// [script, args, expected exit code]. BodyPix has [1,-1,-1,3] input: --dim 129 gives it a real
// image size (16k+1, as BodyPix is used) instead of 1x1.
const CASES = [
  ...[
    'tfjs-layers-mobilenetv2-float32-seeded/model.json',
    'tfjs-layers-mobilenetv2-uint8-nsfwjs/model.json',
    'tfjs-graph-blazeface-front-float32/blazeface-front.json',
    'tfjs-graph-selfie-segmentation-float16/selfie.json',
    'golden-tfjs-e2e-load-predict/layers_model/model.json',
    'golden-tfjs-e2e-load-predict/graph_model/model.json',
    'golden-tfjs-e2e-load-predict/graph_model/model_new.json',
  ].map((p) => ['compare.js', ['--reference', m(p), '--candidate', 'same', '--mode', 'exact'], 0]),
  // Embedding ids: floats in [0,100) truncate to valid, varied ids (input_dim 100).
  ['compare.js', ['--reference', m('golden-tfjs-e2e-load-predict/layers_model/model.json'),
    '--candidate', 'same', '--input-range', '0,100'], 0],
  ['compare.js', ['--reference', m(`${bodypix}/float32/model-stride16.json`), '--candidate', 'same',
    '--dim', '129'], 0],
  // Quantized weights must be caught by exact mode...
  ['compare.js', ['--reference', m(`${bodypix}/float32/model-stride16.json`),
    '--candidate', m(`${bodypix}/quantized/uint16/model-stride16.json`), '--mode', 'exact', '--dim', '129'], 1],
  // ...and uint16 stays within a loose bound that uint8 does not meet.
  ['compare.js', ['--reference', m(`${bodypix}/float32/model-stride16.json`),
    '--candidate', m(`${bodypix}/quantized/uint16/model-stride16.json`), '--atol', '0.25', '--rtol', '0',
    '--dim', '129'], 0],
  ['compare.js', ['--reference', m(`${bodypix}/float32/model-stride16.json`),
    '--candidate', m(`${bodypix}/quantized/uint8/model-stride16.json`), '--atol', '0.25', '--rtol', '0',
    '--dim', '129'], 1],
  // Control flow (While/NMS) needs executeAsync; int32 (DT_UINT8) image input, size from signature.
  ['compare.js', ['--reference', m('tfjs-graph-handtrack-ssd-uint8-controlflow/handtrack.json'),
    '--candidate', 'same', '--input-range', '0,256'], 0],
  ['compare.js', ['--reference', m('golden-tfjs-e2e-load-predict/graph_model/missing.json'),
    '--candidate', 'same'], 2],
  ['check_reference.js', [m('tfjs-layers-mobilenetv2-float32-seeded/reference.json'),
    m('golden-tfjs-e2e-load-predict/expected.json')], 0],
];

if (!fs.existsSync(models)) {
  console.error(`selftest: model corpus not found at ${models} (set TFJS_STUDIO_MODELS)`);
  process.exit(2);
}
let failures = 0;
for (const [script, args, want] of CASES) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(__dirname, script), ...args], { encoding: 'utf8' });
  const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
  const ok = r.status === want;
  if (!ok) failures++;
  const what = `${script} ${args.join(' ').split(`${models}${path.sep}`).join('')}`;
  console.log(`${ok ? 'ok  ' : 'BAD '} exit ${r.status} (want ${want}) ${Date.now() - t0} ms: ${what}`);
  // A surprise shows the whole output; an expected result only its verdict line.
  console.log((ok ? lines.slice(-1) : lines).map((l) => `       ${l}`).join('\n'));
}
console.log(failures ? `selftest: ${failures} of ${CASES.length} cases misbehaved` : `selftest: all ${CASES.length} cases ok`);
process.exit(failures ? 1 : 0);
