#!/usr/bin/env bash
# TF.js parity: models re-written by tfjs-studio-cli must load in real @tensorflow/tfjs 4.22
# and predict what the original files predict: identically after re-sharding, within the
# quantization bound after uint16 quantization.
# usage: run_parity.sh CLI MODELS_DIR WORK_DIR
set -euo pipefail
cli=$1 models=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/node_modules/@tensorflow/tfjs" ] || { echo "parity: npm packages missing; run scripts/setup.sh"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
fails=0
check() { # name, then compare.js arguments
  local name=$1; shift
  if node "$here/compare.js" "$@"; then echo "PASS $name"; else echo "FAIL $name"; fails=$((fails+1)); fi
}
convert() { # out, then convert arguments
  local out=$1; shift
  "$cli" convert "$@" "$work/$out" >/dev/null
}

layers=$models/tfjs-layers-mobilenetv2-float32-seeded/model.json
graph=$models/tfjs-graph-blazeface-front-float32/blazeface-front.json
f16=$models/tfjs-graph-selfie-segmentation-float16/selfie.json
u8=$models/tfjs-layers-mobilenetv2-uint8-nsfwjs/model.json
golden=$models/golden-tfjs-e2e-load-predict/layers_model/model.json

convert layers-1000 --weight_shard_size_bytes=1000 "$layers"
check "layers re-sharded at 1000 bytes: identical" --reference "$layers" --candidate "$work/layers-1000/model.json" --mode exact
convert graph-1000 --weight_shard_size_bytes=1000 "$graph"
check "graph re-sharded at 1000 bytes: identical" --reference "$graph" --candidate "$work/graph-1000/model.json" --mode exact
convert f16-1000 --quantize_float16 --weight_shard_size_bytes=1000 "$f16"
check "float16 graph re-sharded: identical" --reference "$f16" --candidate "$work/f16-1000/model.json" --mode exact
convert u8-777 --quantize_uint8 --weight_shard_size_bytes=777 "$u8"
check "uint8 layers re-sharded: identical" --reference "$u8" --candidate "$work/u8-777/model.json" --mode exact
convert golden-1 --weight_shard_size_bytes=1 "$golden"
check "GRU layers at 1-byte shards: identical" --reference "$golden" --candidate "$work/golden-1/model.json" --mode exact --input-range 0,100

# Keras HDF5 -> layers model: predicts exactly what the reference converter's output of the
# same file predicts; and a Keras 2.0.5 file predicts what the reference graph model made from
# it predicts (different kernels: fused graph ops vs layers, so a float tolerance).
pair=$models/pair-tfkeras224-mnist-bn-layers-and-graph
convert tiny-mnist "$pair/keras/tiny_mnist.h5"
check "keras h5 -> layers: identical to the reference converter's" --reference "$pair/tfjs_layers_model/model.json" --candidate "$work/tiny-mnist/model.json" --mode exact
gender=$models/pair-keras205-gender-minixception-graph
convert gender "$gender/keras/gender_mini_XCEPTION.21-0.95.hdf5"
check "keras 2.0.5 hdf5 -> layers: as the reference graph model" --reference "$gender/tfjs_graph_model/gender.json" --candidate "$work/gender/model.json" --atol 1e-5 --rtol 1e-4

# The pre-1.0 layout (tensorflowjs_model.pb + weights_manifest.json) upgraded to a model.json
# predicts exactly what the 1.0 model.json of the same model predicts.
early=$models/tfjs-graph-early-v1-style-transfer-separable
convert pre1 "$early/tensorflowjs_model.pb"
check "pre-1.0 layout upgraded: identical" --reference "$early/model.json" --candidate "$work/pre1/model.json" --mode exact --dim 16

# uint16: every weight moves by at most scale/2, so outputs stay close. The bound is loose
# on purpose for deep nets (errors add up over 50+ layers) and tight for shallow ones.
convert layers-u16 --quantize_uint16 "$layers"
check "layers uint16: within bound" --reference "$layers" --candidate "$work/layers-u16/model.json" --atol 2e-3 --rtol 2e-2
convert graph-u16 --quantize_uint16 "$graph"
# BlazeFace's regressors reach |x| ~ 20; measured uint16 error 0.1, uint8 error 18 (x ~1/256 apart).
check "graph uint16: within bound" --reference "$graph" --candidate "$work/graph-u16/model.json" --atol 0.2 --rtol 0.05
# ...and the bound is not trivially loose: uint8 quantization of the same graph must break it.
convert graph-u8 --quantize_uint8 "$graph"
if node "$here/compare.js" --reference "$graph" --candidate "$work/graph-u8/model.json" --atol 0.2 --rtol 0.05 >/dev/null; then
  echo "FAIL uint8 graph should break the uint16 bound"; fails=$((fails+1))
else
  echo "PASS uint8 graph breaks the uint16 bound (the comparison can fail)"
fi

echo "parity: $fails failure(s)"
[ "$fails" -eq 0 ]
