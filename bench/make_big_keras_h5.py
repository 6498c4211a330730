"""Writes the Keras .h5 that bench/convert_keras_h5.sh converts: a Sequential chain of Dense
layers (LAYERS of them, WIDTH x WIDTH float32 kernels plus biases, about 200 MB in all), saved by
tf.keras (Keras 2 .h5 layout: model_config, model_weights/<layer>/<layer>/kernel:0, ...).

usage: python make_big_keras_h5.py OUT_FILE.h5 [LAYERS] [WIDTH]
Prints the number of weight bytes (what the converter has to carry) on the last line.
"""
import os
import sys

# tf_keras is the Keras 2 that TensorFlow 2.16+ keeps beside Keras 3; this selects it.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402


def main():
    out = sys.argv[1]
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
    keras.utils.set_random_seed(20240601)
    # tanh keeps activations O(1) through the chain; nothing is run, but a model that overflows
    # would be a poor stand-in for a real one.
    model = keras.Sequential(
        [keras.Input(shape=(width,))] + [keras.layers.Dense(width, activation="tanh") for _ in range(layers)]
    )
    model.save(out, save_format="h5")
    print(f"keras {keras.__version__}", file=sys.stderr)
    print(sum(int(np.prod(w.shape)) * w.dtype.size for w in model.weights))


if __name__ == "__main__":
    main()
