"""Builds Keras 3 models that reuse layers and nest models, for the layers lowering's tests
(tests/converter/test_lower_layers_nested.cpp), and records Keras's own predictions.

    python make_lowering_models.py OUT_DIR

Writes OUT_DIR/<name>.keras, OUT_DIR/<name>.h5 and OUT_DIR/<name>.json in the layout of
make_models.py ({"inputs": [{"name", "shape", "data"}], "outputs": [{"shape", "data"}]}).
Runs on Keras's numpy backend (KERAS_BACKEND=numpy).
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def randomize(layer, rng):
    # Every weight random, nested models' layers too, so a weight read from the wrong layer or
    # a call wired to the wrong input shows in the outputs.
    for sub in getattr(layer, "layers", None) or [layer]:
        if hasattr(sub, "layers") and sub is not layer:
            randomize(sub, rng)
            continue
        ws = sub.get_weights()
        if ws:
            sub.set_weights([rng.uniform(-0.8, 0.8, size=w.shape).astype(w.dtype) for w in ws])


def shared_dense():
    # One Dense called three times: on each input, and again on its own output (node 1 read
    # by node 2 of the same layer).
    a = keras.Input((5,), name="a")
    b = keras.Input((5,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    twice = shared(shared(a))
    other = shared(b)
    out = layers.Dense(3, name="out")(layers.Concatenate(name="cat")([twice, other]))
    return keras.Model([a, b], out, name="shared_dense")


def sequential_in_functional():
    # A Sequential with an input shape (Keras 2 / TF.js count its calls from node 1), called
    # twice with its weights shared, and one built lazily by its call (no Input of its own).
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(5, activation="relu", name="inner_a"),
                              layers.Dense(6, name="inner_b")], name="inner")
    lazy = keras.Sequential([layers.Dense(4, activation="sigmoid", name="lazy_dense")], name="lazy")
    x = keras.Input((6,), name="x")
    h = layers.Dense(6, name="pre")(x)
    h = layers.Add(name="sum")([inner(h), inner(layers.Activation("tanh", name="squash")(h))])
    out = layers.Dense(3, name="post")(lazy(h))
    return keras.Model(x, out, name="sequential_in_functional")


def functional_in_sequential():
    # A functional block with a skip connection and two outputs merged inside it, as a layer of
    # a Sequential.
    i = keras.Input((4,), name="block_in")
    j = layers.Dense(4, activation="tanh", name="block_a")(i)
    k = layers.Dense(4, activation="relu", name="block_b")(i)
    block = keras.Model(i, layers.Add(name="block_add")([i, j, k]), name="block")
    return keras.Sequential([keras.Input((4,), name="features"), layers.Dense(4, name="pre"), block,
                             layers.Dense(2, name="post")], name="functional_in_sequential")


def two_levels():
    # A Sequential inside a functional model inside the model, the middle one called twice:
    # the innermost layers run once per call of the middle model, on the same weights.
    deep = keras.Sequential([keras.Input((3,)), layers.Dense(3, activation="relu", name="deep_dense")], name="deep")
    i = keras.Input((3,), name="middle_in")
    middle = keras.Model(i, layers.Add(name="middle_add")([deep(layers.Dense(3, name="middle_dense")(i)), i]),
                         name="middle")
    x = keras.Input((3,), name="x")
    out = layers.Dense(2, name="post")(middle(middle(x)))
    return keras.Model(x, out, name="two_levels")


MODELS = [shared_dense, sequential_in_functional, functional_in_sequential, two_levels]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(4321)
    rng = np.random.default_rng(4321)
    for make in MODELS:
        model = make()
        randomize(model, rng)
        name = make.__name__
        inputs = [rng.uniform(-1, 1, size=(3,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]
        preds = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        preds = preds if isinstance(preds, list) else [preds]
        model.save(os.path.join(out, name + ".keras"))
        model.save(os.path.join(out, name + ".h5"))
        record = {
            "keras_version": keras.__version__,
            # Input tensors are named after their InputLayer (the lowering feeds by that name).
            "inputs": [{"name": t._keras_history[0].name, "shape": list(x.shape), "data": x.ravel().tolist()}
                       for t, x in zip(model.inputs, inputs)],
            "outputs": [{"shape": list(p.shape), "data": np.asarray(p, dtype="float64").ravel().tolist()} for p in preds],
        }
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(record, f)
        print(f"{name}: {len(model.weights)} weights, outputs {[list(p.shape) for p in preds]}")


if __name__ == "__main__":
    main()
