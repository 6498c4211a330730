"""Builds small Keras 3 models with real Keras, saves each as .keras and as .h5 (the legacy
format, as Keras 3 writes it), and records Keras's own predictions for fixed inputs.

    python make_models.py OUT_DIR

OUT_DIR/<name>.keras, OUT_DIR/<name>.h5 and OUT_DIR/<name>.json:
{"inputs": [{"name", "shape", "data"}], "outputs": [{"shape", "data"}]} (data flattened, row-major).
The C++ test converts both files and compares our reference executor with these outputs.
Runs on Keras's numpy backend (KERAS_BACKEND=numpy): no TensorFlow needed.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def randomize(model, rng):
    # Every weight random (BatchNormalization's moving variance kept positive), so a weight
    # mapped to the wrong place shows in the outputs.
    for layer in model.layers:
        sub = layer.layers if hasattr(layer, "layers") else [layer]
        for l in sub:
            ws = l.get_weights()
            if not ws:
                continue
            new = []
            for w, v in zip(ws, l.weights):
                r = rng.uniform(-0.5, 0.5, size=w.shape).astype(w.dtype)
                if "variance" in v.path:
                    r = rng.uniform(0.5, 1.5, size=w.shape).astype(w.dtype)
                new.append(r)
            l.set_weights(new)


def sequential_dense():
    return keras.Sequential([
        keras.Input((10,), name="features"),
        layers.Dense(16, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(8, activation="tanh", use_bias=False),
        layers.Dense(3, activation="softmax"),
    ], name="sequential_dense")


def conv():
    return keras.Sequential([
        keras.Input((9, 9, 3), name="image"),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(5, (2, 3), strides=2),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(4),
    ], name="conv")


def functional_merge():
    # Two inputs, a shared Dense applied to both, a skip connection, Add and Concatenate.
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    shared = layers.Dense(6, activation="relu", name="shared")
    sa, sb = shared(a), shared(b)
    added = layers.Add(name="add")([sa, sb, a])  # a: the skip
    h = layers.Dense(5, name="mix")(added)
    h = layers.BatchNormalization(name="bn")(h)
    cat = layers.Concatenate(name="cat")([h, sb])
    out = layers.Dense(2, name="out")(cat)
    return keras.Model([a, b], out, name="functional_merge")


def recurrent():
    # reset_after=False: the GRU TF.js can run (gru_reset_after has Keras 3's default).
    x = keras.Input((5, 3), name="seq")
    h = layers.LSTM(4, return_sequences=True)(x)
    h = layers.GRU(3, reset_after=False)(h)
    return keras.Model(x, layers.Dense(2)(h), name="recurrent")


def gru_reset_after():
    return keras.Sequential([keras.Input((4, 3), name="seq"), layers.GRU(5), layers.Dense(2)], name="gru_reset_after")


def nested():
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(6, activation="relu", name="inner_dense")], name="inner")
    x = keras.Input((6,), name="x")
    h = layers.Dense(6, name="pre")(x)
    h = layers.Add()([inner(h), h])
    return keras.Model(x, layers.Dense(3, name="post")(h), name="nested")


def nested_functional():
    # A functional model used as a layer, with a skip connection of its own.
    i = keras.Input((4,), name="inner_in")
    j = layers.Dense(4, activation="tanh", name="inner_a")(i)
    inner = keras.Model(i, layers.Add(name="inner_add")([i, j]), name="block")
    x = keras.Input((4,), name="x")
    h = inner(layers.Dense(4, name="pre")(x))
    return keras.Model(x, layers.Dense(2, name="post")(h), name="nested_functional")


def wrappers():
    # Weights one and two levels down: layers/bidirectional/forward_layer/cell/vars,
    # layers/time_distributed/layer/vars.
    return keras.Sequential([
        keras.Input((5, 3), name="seq"),
        layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2)),
        layers.Flatten(),
        layers.Dense(2),
    ], name="wrappers")


def assorted():
    return keras.Sequential([
        keras.Input((8, 8, 3), name="image"),
        layers.SeparableConv2D(4, 3, padding="same"),
        layers.DepthwiseConv2D(3),
        layers.Conv2DTranspose(2, 2, strides=2),
        layers.LayerNormalization(),
        layers.BatchNormalization(center=False),
        layers.PReLU(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3),
    ], name="assorted")


MODELS = [sequential_dense, conv, functional_merge, recurrent, gru_reset_after, nested, nested_functional, wrappers, assorted]


def make_disguised(out, name):
    """A Keras 3 .h5 whose keras_version says 2.15.0: the Keras 3 layout is told by its content."""
    import h5py
    import shutil

    target = "disguised_keras3"
    shutil.copyfile(os.path.join(out, name + ".h5"), os.path.join(out, target + ".h5"))
    with h5py.File(os.path.join(out, target + ".h5"), "r+") as f:
        f.attrs["keras_version"] = "2.15.0"
        f["model_weights"].attrs["keras_version"] = "2.15.0"
    with open(os.path.join(out, name + ".json")) as f:
        record = json.load(f)
    record["keras_version"] = "2.15.0"
    with open(os.path.join(out, target + ".json"), "w") as f:
        json.dump(record, f)


def make_bad(out, good):
    """Damaged .keras files made from a good one (each must give a clear error, nothing written)."""
    import h5py
    import zipfile

    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}

    def write(name, files):
        with zipfile.ZipFile(os.path.join(bad, name), "w", zipfile.ZIP_DEFLATED) as z:
            for n, data in files.items():
                z.writestr(n, data)

    write("missing_weights.keras", {k: v for k, v in members.items() if k != "model.weights.h5"})
    write("missing_config.keras", {k: v for k, v in members.items() if k != "config.json"})
    write("bad_config.keras", dict(members, **{"config.json": b'{"class_name": "Sequential", "config": {'}))
    # The first Dense kernel stored transposed: [16, 10] where the config says [10, 16].
    tmp = os.path.join(bad, "weights.h5")
    with open(tmp, "wb") as f:
        f.write(members["model.weights.h5"])
    with h5py.File(tmp, "r+") as f:
        kernel = f["layers/dense/vars/0"][...]
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = kernel.T.copy()
    with open(tmp, "rb") as f:
        write("wrong_shape.keras", dict(members, **{"model.weights.h5": f.read()}))
    # A variable missing: the BatchNormalization's moving variance.
    with open(tmp, "wb") as f:
        f.write(members["model.weights.h5"])
    with h5py.File(tmp, "r+") as f:
        del f["layers/batch_normalization/vars/3"]
    with open(tmp, "rb") as f:
        write("missing_variable.keras", dict(members, **{"model.weights.h5": f.read()}))
    os.remove(tmp)
    # A layer class this converter (and TF.js) does not know, with weights.
    config = json.loads(members["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["class_name"] = "MyDense"
            layer["registered_name"] = "Custom>MyDense"
            break
    write("unknown_class.keras", dict(members, **{"config.json": json.dumps(config).encode()}))
    with open(os.path.join(bad, "not_a_zip.keras"), "wb") as f:
        f.write(b"this is not a zip archive\n" * 10)
    with open(os.path.join(bad, "truncated.keras"), "wb") as f:
        data = open(good, "rb").read()
        f.write(data[: len(data) // 2])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(1234)
    for make in MODELS:
        model = make()
        randomize(model, rng)
        name = make.__name__
        inputs = [rng.uniform(-1, 1, size=(2,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]
        preds = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        preds = preds if isinstance(preds, list) else [preds]
        model.save(os.path.join(out, name + ".keras"))
        model.save(os.path.join(out, name + ".h5"))
        record = {
            "keras_version": keras.__version__,
            "inputs": [{"name": t.name, "shape": list(x.shape), "data": x.ravel().tolist()}
                       for t, x in zip(model.inputs, inputs)],
            "outputs": [{"shape": list(p.shape), "data": np.asarray(p, dtype="float64").ravel().tolist()} for p in preds],
        }
        # Input tensors are named after their InputLayer (TF.js and our lowering feed by that name).
        for entry, layer_name in zip(record["inputs"], [t._keras_history[0].name for t in model.inputs]):
            entry["name"] = layer_name
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(record, f)
        print(f"{name}: {len(model.weights)} weights, outputs {[list(p.shape) for p in preds]}")
    make_bad(out, os.path.join(out, "sequential_dense.keras"))
    make_disguised(out, "sequential_dense")


if __name__ == "__main__":
    main()
