#!/usr/bin/env python3
"""Writes cases.json: layers and arguments that golden-kerasjs-layer-tests does not cover (Keras 2.1
had no GRU reset_after, LayerNormalization, Rescaling, SeparableConv1D...), computed by real Keras.

Each case: the layer as {class_name, config} in the TF.js layers-model layout, the input (no batch
dimension), the weights in get_weights() order and Keras' output, all float32.
Run with Keras 3 on its numpy backend (no TensorFlow needed):
    python3 -m venv venv && venv/bin/pip install keras numpy scipy jax
    KERAS_BACKEND=numpy venv/bin/python generate.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402
import numpy as np  # noqa: E402

CASES = [
    # key, input shape, class_name, config (inner layer for wrappers)
    ("GRU.reset_after.0", (5, 4), "GRU", {"units": 3, "reset_after": True, "recurrent_activation": "sigmoid"}),
    ("GRU.reset_after.1", (5, 4), "GRU", {"units": 3, "reset_after": True, "recurrent_activation": "sigmoid",
                                         "return_sequences": True, "go_backwards": True}),
    ("GRU.reset_after.2", (4, 3), "GRU", {"units": 2, "reset_after": True, "use_bias": False,
                                         "recurrent_activation": "sigmoid", "return_sequences": True}),
    ("LSTM.sigmoid.0", (6, 3), "LSTM", {"units": 4, "recurrent_activation": "sigmoid", "return_sequences": True}),
    ("Bidirectional.gru_reset_after.0", (4, 3), "Bidirectional",
     {"merge_mode": "concat", "layer": {"class_name": "GRU", "config": {
         "units": 2, "reset_after": True, "recurrent_activation": "sigmoid", "return_sequences": True}}}),
    ("LayerNormalization.0", (4, 6), "LayerNormalization", {"axis": -1, "epsilon": 0.001}),
    ("LayerNormalization.1", (3, 4, 5), "LayerNormalization", {"axis": [1, 2], "epsilon": 0.01}),
    ("LayerNormalization.2", (3, 4, 5), "LayerNormalization", {"axis": -1, "center": False}),
    ("Rescaling.0", (4, 3), "Rescaling", {"scale": 1.0 / 127.5, "offset": -1.0}),
    ("SeparableConv1D.0", (7, 3), "SeparableConv1D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2,
                                                     "padding": "same", "activation": "relu"}),
    ("SeparableConv1D.1", (9, 2), "SeparableConv1D", {"filters": 3, "kernel_size": 3, "strides": 2}),
    ("Conv1D.causal.0", (8, 3), "Conv1D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "causal"}),
    ("Conv2D.channels_first.0", (2, 5, 6), "Conv2D", {"filters": 3, "kernel_size": [3, 2], "strides": [2, 1],
                                                     "padding": "same", "data_format": "channels_first"}),
    ("DepthwiseConv2D.0", (5, 5, 3), "DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, "activation": "tanh"}),
    ("Flatten.channels_first.0", (2, 3, 4), "Flatten", {"data_format": "channels_first"}),
    ("Dense.rank3.0", (3, 6), "Dense", {"units": 4, "activation": "elu"}),
    ("ReLU.0", (8,), "ReLU", {"max_value": 0.5}),
    ("ReLU.1", (8,), "ReLU", {"max_value": 0.7, "negative_slope": 0.1}),
    ("Softmax.0", (3, 5), "Softmax", {"axis": -1}),
    ("Resizing.0", (5, 7, 3), "Resizing", {"height": 9, "width": 11, "interpolation": "bilinear"}),
    ("Resizing.1", (6, 8, 2), "Resizing", {"height": 4, "width": 5, "interpolation": "bilinear"}),
    ("Resizing.2", (5, 7, 3), "Resizing", {"height": 8, "width": 12, "interpolation": "nearest"}),
    ("Resizing.3", (6, 8, 2), "Resizing", {"height": 3, "width": 5, "interpolation": "nearest"}),
    ("Activation.softsign.0", (8,), "Activation", {"activation": "softsign"}),
]


def build(cls, config):
    if cls == "Bidirectional":
        inner = config["layer"]
        layer = getattr(keras.layers, inner["class_name"])(**inner["config"])
        return keras.layers.Bidirectional(layer, merge_mode=config["merge_mode"])
    return getattr(keras.layers, cls)(**config)


def tensor(a):
    a = np.asarray(a, dtype=np.float32)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def main():
    out = {}
    for n, (key, shape, cls, config) in enumerate(CASES):
        inp = keras.Input(shape=shape)
        model = keras.Model(inp, build(cls, config)(inp))
        rng = np.random.default_rng(8000 + n)
        weights = [rng.uniform(-1, 1, w.shape).astype(np.float32) for w in model.get_weights()]
        model.set_weights(weights)
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        if cls == "Rescaling":
            x = rng.integers(0, 256, shape).astype(np.float32)
        y = model.predict(x[None], verbose=0)[0]
        out[key] = {"layer": {"class_name": cls, "config": config}, "input": tensor(x),
                    "weights": [tensor(w) for w in weights], "expected": tensor(y)}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    with open(path, "w") as f:
        json.dump({"generator": "keras " + keras.__version__ + " (" + keras.backend.backend() + " backend)",
                   "cases": out}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(out)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
