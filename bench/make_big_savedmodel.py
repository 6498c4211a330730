"""Writes the SavedModel that bench/convert_savedmodel.sh converts: a tf.Module whose float32
variables (LAYERS square matrices, about 200 MB in all) are used in a chain of MatMuls, so every
variable survives pruning and ends up as a weight of the graph-model.

usage: python make_big_savedmodel.py OUT_DIR [LAYERS] [WIDTH]
Prints the number of variable bytes (what the converter has to carry) on the last line.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


class Chain(tf.Module):
    def __init__(self, layers, width):
        super().__init__()
        rng = np.random.default_rng(20240601)
        # Scaled so activations stay O(1) through the chain (the benchmark also runs nothing,
        # but a model that overflows to inf would be a poor stand-in for a real one).
        scale = 1.0 / np.sqrt(width)
        self.weights_ = [
            tf.Variable((rng.standard_normal((width, width)) * scale).astype(np.float32), name=f"w{i}")
            for i in range(layers)
        ]
        self.width = width

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32, name="x")])
    def __call__(self, x):
        for w in self.weights_:
            x = tf.tanh(tf.matmul(x, w))
        return {"y": x}


def main():
    out = sys.argv[1]
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    m = Chain(layers, width)
    tf.saved_model.save(m, out, signatures={"serving_default": m.__call__})
    print(sum(int(np.prod(w.shape)) * 4 for w in m.weights_))


if __name__ == "__main__":
    main()
