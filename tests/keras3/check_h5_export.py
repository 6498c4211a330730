# Checks a Keras .h5 file that tfjs-studio wrote (layers model -> keras) against the Keras-written
# .h5 it came from, with h5py and real Keras 3 (its legacy h5 loader):
#   - the structure Keras's legacy loader reads: root model_config / keras_version / backend
#     (/ training_config), model_weights' layer_names, each layer group's weight_names in order,
#     each dataset's shape, dtype and values;
#   - keras.models.load_model on both files (when Keras 3 can load the original at all) and
#     equal predictions on one seeded random input.
# usage: KERAS_BACKEND=numpy python check_h5_export.py ORIGINAL.h5 OURS.h5
# Prints one JSON line: {"structure": "ok"|message, "keras": "ok"|"original-unloadable: ..."|message}
# and exits 1 when something differs.
import json
import sys

import h5py
import numpy as np


def text(v):
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def names(attrs, key):
    if key not in attrs:
        return None
    return [text(n) for n in attrs[key]]


def structure(path):
    with h5py.File(path, "r") as f:
        s = {"root": {}, "groups": {}}
        for k in ("keras_version", "backend"):
            s["root"][k] = text(f.attrs[k]) if k in f.attrs else None
        for k in ("model_config", "training_config"):
            s["root"][k] = json.loads(text(f.attrs[k])) if k in f.attrs else None
        mw = f["model_weights"]
        s["layer_names"] = names(mw.attrs, "layer_names")
        for layer in s["layer_names"] or []:
            g = mw[layer]
            wn = names(g.attrs, "weight_names") or []
            s["groups"][layer] = [(n, g[n].shape, g[n].dtype.str, np.asarray(g[n])) for n in wn]
        return s


def compare_structure(a, b):
    for k, v in a["root"].items():
        if b["root"].get(k) != v:
            return f"root attribute {k} differs: {str(b['root'].get(k))[:200]} vs original {str(v)[:200]}"
    if a["layer_names"] != b["layer_names"]:
        return f"layer_names differ: {b['layer_names']} vs original {a['layer_names']}"
    for layer, weights in a["groups"].items():
        ours = b["groups"][layer]
        if [w[0] for w in weights] != [w[0] for w in ours]:
            return f"{layer}: weight_names {[w[0] for w in ours]} vs original {[w[0] for w in weights]}"
        for (n, shape, dtype, values), (_, oshape, odtype, ovalues) in zip(weights, ours):
            if shape != oshape:
                return f"{layer}/{n}: shape {oshape} vs original {shape}"
            if dtype != odtype:
                return f"{layer}/{n}: dtype {odtype} vs original {dtype}"
            if not np.array_equal(values, ovalues):
                return f"{layer}/{n}: values differ"
    return "ok"


def predictions(path):
    import keras

    model = keras.models.load_model(path, compile=False)
    rng = np.random.default_rng(7)
    inputs = []
    for t in model.inputs:
        shape = [1 if d is None else d for d in t.shape]
        inputs.append(rng.standard_normal(shape).astype("float32"))
    out = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def main():
    original, ours = sys.argv[1], sys.argv[2]
    result = {"structure": compare_structure(structure(original), structure(ours))}
    try:
        want = predictions(original)
    except Exception as e:  # noqa: BLE001 - any failure means Keras 3 cannot read the original
        result["keras"] = f"original-unloadable: {type(e).__name__}: {str(e)[:300]}"
    else:
        try:
            got = predictions(ours)
            if len(got) != len(want) or any(g.shape != w.shape or not np.array_equal(g, w) for g, w in zip(got, want)):
                result["keras"] = "predictions differ from the original's"
            else:
                result["keras"] = "ok"
                result["outputs"] = [list(w.shape) for w in want]
        except Exception as e:  # noqa: BLE001
            result["keras"] = f"Keras cannot load our file: {type(e).__name__}: {str(e)[:300]}"
    print(json.dumps(result))
    ok = result["structure"] == "ok" and (result["keras"] == "ok" or result["keras"].startswith("original-unloadable"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
