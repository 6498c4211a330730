"""Builds small TensorFlow models with TensorFlow itself, records TensorFlow's outputs on fixed
inputs, and converts each with the reference converter (tensorflowjs_converter 4.22.0) to a
TF.js graph-model: the oracle our own converter is compared with (tests/tfconv/compare.js).

    .venv-tfjs/bin/python tests/tfconv/make_models.py OUT_DIR

OUT_DIR/<case>/            the source (saved_model/, hub_module/, frozen.pb, model.h5 ...)
OUT_DIR/<case>/inputs/     fixed, seeded inputs as .npy
OUT_DIR/<case>/expected/   TensorFlow's outputs on those inputs as .npy
OUT_DIR/<case>/reference/  what tensorflowjs_converter wrote (model.json + shards)
OUT_DIR/cases.json         every case: source, input format, flags, inputs and expected outputs
                           (also inline, flattened row-major), tolerance; skipped cases with the
                           reason.

The converter runs as a subprocess with the flags recorded in cases.json, so any converter can be
run the same way: `CONVERTER <flags...> OUT_DIR/<source> OUT_DIR_OF_RESULT`.
Runs under .venv-tfjs (scripts/setup.sh): TensorFlow 2.18 (CPU), tf-keras, tensorflow-hub.
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
import zlib

# tensorflow.keras is tf-keras (Keras 2): what tensorflowjs 4.22's Keras code and the
# SavedModel/.h5 writers of "tf.keras" expect. Set before TensorFlow is imported, and inherited
# by the converter subprocesses.
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN off: with it (the default of x86 wheels) Grappler's remapper also fuses Tanh/Sigmoid,
# Add side inputs and _FusedDepthwiseConv2dNative, which TF.js cannot run ("Activation tanh has
# not been implemented"); without it the remapper makes only the forms TF.js runs, the ones
# ../shared/spec/CONVERTER.md §3.5 tells our converter to make. Same for the converter runs.
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# Each output within ABS_TOL * max(1, max|expected|) (float32 sums in a different order, batch
# norm folded into the weights: rounding, never more).
ABS_TOL = 1e-5

GRAPH_FLAGS = ["--output_format=tfjs_graph_model"]


def rng_for(name):
    # One seed per case, from its name: adding a case changes no other case's numbers.
    return np.random.default_rng(zlib.crc32(name.encode()))


def uniform(rng, shape, lo=-0.5, hi=0.5):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


class Skip(Exception):
    """A case this TensorFlow cannot make; recorded in cases.json with the reason."""


class Case:
    def __init__(self, name, kind, source, input_format, flags, inputs, outputs, notes="", output_flags=None):
        self.name = name
        self.kind = kind
        self.source = source  # relative to OUT_DIR
        self.input_format = input_format
        self.flags = ["--input_format=" + input_format] + (GRAPH_FLAGS if output_flags is None else output_flags) + flags
        self.inputs = inputs  # [(key, node, ndarray)]
        self.outputs = outputs  # [(key, node, ndarray)]
        self.notes = notes
        self.tfjs_known_error = TFJS_KNOWN_ERRORS.get(name)


# ---------------------------------------------------------------- TF2 SavedModels (tf.Module)

def conv_vars(rng, cin=3, cout=4, k=3):
    return {"w": uniform(rng, [k, k, cin, cout]), "b": uniform(rng, [cout])}


def conv_act(act):
    def body(v, x):
        y = tf.nn.bias_add(tf.nn.conv2d(x, v["w"], strides=1, padding="SAME"), v["b"])
        return act(y)
    return body


def depthwise_body(v, x):
    y = tf.nn.depthwise_conv2d(x, v["w"], strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu6(tf.nn.bias_add(y, v["b"]))


def batchnorm_body(v, x):
    # Conv without bias, then an inference-mode FusedBatchNormV3 and Relu: the reference folds the
    # batch norm into the filter and a bias, then fuses Conv2D+BiasAdd+Relu.
    y = tf.nn.conv2d(x, v["w"], strides=1, padding="SAME")
    y, _, _ = tf.compat.v1.nn.fused_batch_norm(
        y, v["gamma"], v["beta"], mean=v["mean"], variance=v["var"], epsilon=0.001, is_training=False)
    return tf.nn.relu(y)


def matmul_body(v, x):
    return tf.nn.relu(tf.nn.bias_add(tf.matmul(x, v["w"]), v["b"]))


def while_body(v, x):
    # A loop whose trip count comes from the data (sum of |x| thresholded), so it cannot be
    # unrolled at conversion time. The weights are read outside and passed through as loop
    # variables (see while_captured_body for the other form).
    n = tf.cast(tf.reduce_sum(tf.abs(x)) > 1.0, tf.int32) + 2

    def cond(i, h, w, b):
        return i < n

    def step(i, h, w, b):
        return i + 1, tf.tanh(tf.matmul(h, w) + b), w, b

    _, h, _, _ = tf.while_loop(cond, step, [tf.constant(0), x, tf.identity(v["w"]), tf.identity(v["b"])])
    return h


def while_captured_body(v, x):
    # The same loop with the variables captured by the body (the usual way it is written).
    # Lowered, the frozen variables become Consts inside the loop frame with control inputs from
    # Enter nodes, which TF.js 4.22 cannot schedule ("Cannot compute the outputs"): a known
    # limitation of the reference's output, recorded in the case (tfjs_known_error).
    n = tf.cast(tf.reduce_sum(tf.abs(x)) > 1.0, tf.int32) + 2

    def cond(i, h):
        return i < n

    def step(i, h):
        return i + 1, tf.tanh(tf.matmul(h, v["w"]) + v["b"])

    _, h = tf.while_loop(cond, step, [tf.constant(0), x])
    return h


def cond_body(v, x):
    # tf.cond on a data-dependent predicate, the weights read outside the branches (the branches
    # capture plain tensors): a StatelessIf, which the reference lowers to Switch / Merge unless
    # --control_flow_v2 keeps it.
    w, b = tf.identity(v["w"]), tf.identity(v["b"])
    pred = tf.reduce_sum(x) > 0.0
    return tf.cond(pred, lambda: tf.nn.relu(tf.matmul(x, w) + b), lambda: tf.tanh(tf.matmul(x, w) - b))


TF2_CASES = {
    # name: (variables(rng), body, input shape, notes)
    "tf2_conv_relu": (lambda r: conv_vars(r), conv_act(tf.nn.relu), [1, 8, 8, 3], "Conv2D+BiasAdd+Relu"),
    "tf2_conv_relu6": (lambda r: conv_vars(r), conv_act(tf.nn.relu6), [1, 8, 8, 3], "Conv2D+BiasAdd+Relu6"),
    "tf2_conv_elu": (lambda r: conv_vars(r), conv_act(tf.nn.elu), [1, 8, 8, 3], "Conv2D+BiasAdd+Elu"),
    "tf2_conv_leakyrelu": (lambda r: conv_vars(r), conv_act(lambda y: tf.nn.leaky_relu(y, alpha=0.2)),
                           [1, 8, 8, 3], "Conv2D+BiasAdd+LeakyRelu(alpha 0.2)"),
    "tf2_conv_sigmoid": (lambda r: conv_vars(r), conv_act(tf.sigmoid), [1, 8, 8, 3], "Conv2D+BiasAdd+Sigmoid"),
    "tf2_conv_tanh": (lambda r: conv_vars(r), conv_act(tf.tanh), [1, 8, 8, 3], "Conv2D+BiasAdd+Tanh"),
    "tf2_depthwise_relu6": (lambda r: {"w": uniform(r, [3, 3, 3, 2]), "b": uniform(r, [6])}, depthwise_body,
                            [1, 8, 8, 3], "DepthwiseConv2dNative (multiplier 2)+BiasAdd+Relu6"),
    "tf2_conv_batchnorm": (lambda r: {"w": uniform(r, [3, 3, 3, 4]), "gamma": uniform(r, [4], 0.5, 1.5),
                                      "beta": uniform(r, [4]), "mean": uniform(r, [4]),
                                      "var": uniform(r, [4], 0.5, 1.5)},
                           batchnorm_body, [1, 8, 8, 3], "Conv2D+FusedBatchNormV3 (inference)+Relu: folded"),
    "tf2_matmul_relu": (lambda r: {"w": uniform(r, [16, 8]), "b": uniform(r, [8])}, matmul_body, [2, 16],
                        "MatMul+BiasAdd+Relu"),
    "tf2_while": (lambda r: {"w": uniform(r, [4, 4]), "b": uniform(r, [4])}, while_body, [1, 4],
                  "tf.while_loop with a data-dependent trip count, weights as loop variables"),
    "tf2_while_captured": (lambda r: {"w": uniform(r, [4, 4]), "b": uniform(r, [4])}, while_captured_body, [1, 4],
                           "tf.while_loop with a data-dependent trip count, variables captured by the body"),
    "tf2_cond": (lambda r: {"w": uniform(r, [4, 3]), "b": uniform(r, [3])}, cond_body, [2, 4],
                 "tf.cond on a data-dependent predicate (StatelessIf)"),
}

# Cases whose reference graph-model TF.js 4.22 cannot run, with (a piece of) the error it gives.
TFJS_KNOWN_ERRORS = {"tf2_while_captured": "Cannot compute the outputs"}

# Frozen GraphDefs made from these TF2 cases (convert_variables_to_constants_v2, no optimization).
FROZEN_FROM = ["tf2_conv_relu", "tf2_depthwise_relu6", "tf2_conv_batchnorm", "tf2_matmul_relu", "tf2_while"]


def make_tf2(out, name):
    make_vars, body, shape, notes = TF2_CASES[name]
    rng = rng_for(name)
    values = make_vars(rng)
    x = uniform(rng, shape, -1.0, 1.0)

    module = tf.Module()
    module.v = {k: tf.Variable(val, name=k) for k, val in values.items()}

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32, name="x")])
    def serve(x):
        return {"y": body(module.v, x)}

    module.serve = serve
    path = os.path.join(out, name, "saved_model")
    tf.saved_model.save(module, path, signatures={"serving_default": serve})

    # TensorFlow's outputs from the saved file, through its signature.
    loaded = tf.saved_model.load(path)
    y = loaded.signatures["serving_default"](x=tf.constant(x))["y"].numpy()
    cases = [Case(name, "tf2_saved_model", f"{name}/saved_model", "tf_saved_model",
                  ["--signature_name=serving_default", "--saved_model_tags=serve"],
                  [("x", "x", x)], [("y", None, y)], notes)]
    if name in ("tf2_while", "tf2_cond"):
        # The same control flow kept functional (While / StatelessIf, no lowering to Switch / Merge).
        cases.append(Case(name + "_cfv2", "tf2_saved_model", f"{name}/saved_model", "tf_saved_model",
                          ["--signature_name=serving_default", "--control_flow_v2=True"],
                          [("x", "x", x)], [("y", None, y)], notes + ", --control_flow_v2"))

    if name in FROZEN_FROM:
        from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
        concrete = serve.get_concrete_function()
        frozen = convert_variables_to_constants_v2(concrete)
        gd = frozen.graph.as_graph_def()
        fname = "frozen_" + name[len("tf2_"):]
        os.makedirs(os.path.join(out, fname), exist_ok=True)
        pb = os.path.join(out, fname, "frozen.pb")
        with open(pb, "wb") as f:
            f.write(gd.SerializeToString())
        in_node = frozen.inputs[0].op.name
        out_node = frozen.outputs[0].op.name
        yf = run_graph_def(gd, {in_node: x}, [out_node])[0]
        cases.append(Case(fname, "frozen_graph_def", f"{fname}/frozen.pb", "tf_frozen_model",
                          ["--output_node_names=" + out_node],
                          [(in_node, in_node, x)], [(out_node, out_node, yf)],
                          "frozen (convert_variables_to_constants_v2, unoptimized) " + name))
    return cases


def run_graph_def(gd, feeds, fetches):
    def imported():
        tf.graph_util.import_graph_def(gd, name="")
    fn = tf.compat.v1.wrap_function(imported, [])
    g = fn.graph
    pruned = fn.prune([g.get_tensor_by_name(k + ":0") for k in feeds],
                      [g.get_tensor_by_name(k + ":0") for k in fetches])
    res = pruned(*[tf.constant(v) for v in feeds.values()])
    return [r.numpy() for r in res]


# ----------------------------------------------------------------- hash table (TF2 SavedModel)

def make_hash_table(out):
    name = "tf2_hash_table"
    keys = ["apple", "banana", "cherry", "date", "elder"]
    values = np.array([3, 1, 4, 1, 5], dtype=np.int64)

    module = tf.Module()
    module.table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(keys), tf.constant(values)), default_value=-1)
    module.scale = tf.Variable(np.float32(0.5), name="scale")

    @tf.function(input_signature=[tf.TensorSpec([6], tf.string, name="words")])
    def serve(words):
        ids = module.table.lookup(words)
        return {"ids": ids, "scaled": tf.cast(ids, tf.float32) * module.scale}

    module.serve = serve
    path = os.path.join(out, name, "saved_model")
    tf.saved_model.save(module, path, signatures={"serving_default": serve})
    words = np.array([b"cherry", b"apple", b"fig", b"elder", b"banana", b"date"])
    loaded = tf.saved_model.load(path)
    res = loaded.signatures["serving_default"](words=tf.constant(words))
    return [Case(name, "tf2_saved_model", f"{name}/saved_model", "tf_saved_model",
                 ["--signature_name=serving_default"],
                 [("words", "words", words)],
                 [("ids", None, res["ids"].numpy()), ("scaled", None, res["scaled"].numpy())],
                 "tf.lookup.StaticHashTable (string -> int64): the table goes to modelInitializer")]


# ------------------------------------------------------------ TF1 SavedModel (graph + variables)

def make_tf1(out):
    name = "tf1_saved_model"
    rng = rng_for(name)
    x = uniform(rng, [1, 8, 8, 3], -1.0, 1.0)
    w1, b1 = uniform(rng, [3, 3, 3, 4]), uniform(rng, [4])
    w2, b2 = uniform(rng, [8 * 8 * 4, 5]), uniform(rng, [5])
    path = os.path.join(out, name, "saved_model")
    g = tf.Graph()
    with g.as_default():
        v1 = tf.compat.v1
        ph = v1.placeholder(tf.float32, [1, 8, 8, 3], name="x")
        # use_resource=False: classic VariableV2 variables, as TF1 wrote them.
        k1 = v1.get_variable("conv/w", initializer=w1, use_resource=False)
        c1 = v1.get_variable("conv/b", initializer=b1, use_resource=False)
        k2 = v1.get_variable("dense/w", initializer=w2, use_resource=False)
        c2 = v1.get_variable("dense/b", initializer=b2, use_resource=False)
        h = tf.nn.relu6(tf.nn.bias_add(tf.nn.conv2d(ph, k1, strides=1, padding="SAME"), c1))
        h = tf.reshape(h, [1, -1])
        y = tf.identity(tf.nn.relu(tf.nn.bias_add(tf.matmul(h, k2), c2)), name="y")
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            expected = sess.run(y, {ph: x})
            builder = v1.saved_model.Builder(path)
            sig = v1.saved_model.predict_signature_def(inputs={"x": ph}, outputs={"y": y})
            builder.add_meta_graph_and_variables(sess, [v1.saved_model.tag_constants.SERVING],
                                                 signature_def_map={"serving_default": sig})
            builder.save()
    return [Case(name, "tf1_saved_model", f"{name}/saved_model", "tf_saved_model",
                 ["--signature_name=serving_default", "--saved_model_tags=serve"],
                 [("x", "x", x)], [("y", "y", expected)],
                 "TF1 graph, VariableV2 variables, SavedModelBuilder; Conv2D+BiasAdd+Relu6, MatMul+BiasAdd+Relu")]


def make_tf1_hash_table(out):
    # TF1: the table is filled by the table_initializer collection's ops, run by the session at
    # load; the converter turns them into modelInitializer.
    name = "tf1_hash_table"
    keys = ["apple", "banana", "cherry", "date", "elder"]
    path = os.path.join(out, name, "saved_model")
    words = np.array([b"cherry", b"apple", b"fig", b"elder", b"banana", b"date"])
    g = tf.Graph()
    with g.as_default():
        v1 = tf.compat.v1
        ph = v1.placeholder(tf.string, [6], name="words")
        table = v1.lookup.StaticHashTable(
            v1.lookup.KeyValueTensorInitializer(tf.constant(keys), tf.constant(np.array([3, 1, 4, 1, 5], dtype=np.int64))),
            default_value=-1)
        scale = v1.get_variable("scale", initializer=np.float32(0.5), use_resource=False)
        ids = tf.identity(table.lookup(ph), name="ids")
        scaled = tf.identity(tf.cast(ids, tf.float32) * scale, name="scaled")
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(v1.tables_initializer())
            got_ids, got_scaled = sess.run([ids, scaled], {ph: words})
            builder = v1.saved_model.Builder(path)
            sig = v1.saved_model.predict_signature_def(inputs={"words": ph}, outputs={"ids": ids, "scaled": scaled})
            builder.add_meta_graph_and_variables(sess, [v1.saved_model.tag_constants.SERVING],
                                                 signature_def_map={"serving_default": sig},
                                                 main_op=v1.tables_initializer())
            builder.save()
    return [Case(name, "tf1_saved_model", f"{name}/saved_model", "tf_saved_model",
                 ["--signature_name=serving_default", "--saved_model_tags=serve"],
                 [("words", "words", words)], [("ids", "ids", got_ids), ("scaled", "scaled", got_scaled)],
                 "TF1 StaticHashTable (string -> int64) filled by the table_initializer collection: modelInitializer")]


# -------------------------------------------------------------------------- TF1 Hub module

def make_hub(out):
    name = "tf1_hub_module"
    import tensorflow_hub as hub
    if not hasattr(hub, "create_module_spec"):
        # tensorflow-hub 0.16 (which tensorflowjs 4.22 requires) dropped the TF1 module API, and
        # 0.15 imports tf.estimator, gone since TF 2.16. The reference converter's own TF1 Hub route
        # calls hub.Module, so it could not convert such a module with this set either.
        raise Skip(f"tensorflow_hub {hub.__version__} has no create_module_spec/Module (TF1 Hub "
                           "modules were dropped in tensorflow-hub 0.16; 0.15 needs tf.estimator, removed "
                           "in TF 2.16): neither a TF1 module can be made nor the reference convert one")
    rng = rng_for(name)
    x = uniform(rng, [2, 6], -1.0, 1.0)
    w, b = uniform(rng, [6, 3]), uniform(rng, [3])

    def module_fn():
        v1 = tf.compat.v1
        ph = v1.placeholder(tf.float32, [2, 6], name="x")
        k = v1.get_variable("w", initializer=w)
        c = v1.get_variable("b", initializer=b)
        hub.add_signature(inputs={"x": ph}, outputs={"default": tf.nn.elu(tf.matmul(ph, k) + c)})

    path = os.path.join(out, name, "hub_module")
    with tf.Graph().as_default():
        v1 = tf.compat.v1
        spec = hub.create_module_spec(module_fn)
        m = hub.Module(spec)
        ph = v1.placeholder(tf.float32, [2, 6])
        y = m({"x": ph})
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            expected = sess.run(y, {ph: x})
            m.export(path, sess)
    return [Case(name, "tf1_hub_module", f"{name}/hub_module", "tf_hub", ["--signature_name=default"],
                 [("x", None, x)], [("default", None, expected)],
                 "TF1 Hub module (hub.create_module_spec), signature 'default': MatMul+Add+Elu")]


def make_hub2(out):
    # A TF2 Hub model is a SavedModel whose signature is "default" (tensorflowjs_converter
    # --input_format=tf_hub reads it through the TF2 route when there is no tfhub_module.pb).
    name = "tf2_hub_saved_model"
    rng = rng_for(name)
    x = uniform(rng, [1, 8, 8, 3], -1.0, 1.0)
    module = tf.Module()
    module.v = {"w": tf.Variable(uniform(rng, [3, 3, 3, 4]), name="w"), "b": tf.Variable(uniform(rng, [4]), name="b"),
                "dw": tf.Variable(uniform(rng, [4, 2]), name="dw"), "db": tf.Variable(uniform(rng, [2]), name="db")}

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 3], tf.float32, name="x")])
    def serve(x):
        v = module.v
        h = tf.nn.relu6(tf.nn.bias_add(tf.nn.conv2d(x, v["w"], strides=2, padding="SAME"), v["b"]))
        h = tf.reduce_mean(h, axis=[1, 2])
        return {"default": tf.sigmoid(tf.nn.bias_add(tf.matmul(h, v["dw"]), v["db"]))}

    module.serve = serve
    path = os.path.join(out, name, "hub_module")
    tf.saved_model.save(module, path, signatures={"default": serve})
    y = tf.saved_model.load(path).signatures["default"](x=tf.constant(x))["default"].numpy()
    return [Case(name, "tf2_hub_module", f"{name}/hub_module", "tf_hub", ["--signature_name=default"],
                 [("x", "x", x)], [("default", None, y)],
                 "TF2 Hub SavedModel (signature 'default'): Conv2D+BiasAdd+Relu6, Mean, MatMul+BiasAdd, Sigmoid")]


# ---------------------------------------------------------------------- tf.keras (tf-keras)

def randomize_keras(model, rng):
    # Every weight random (moving variance kept positive), so a weight put in the wrong place
    # shows in the outputs.
    for layer in model.layers:
        new = []
        for var in layer.weights:
            lo, hi = (0.5, 1.5) if "variance" in var.name else (-0.5, 0.5)
            new.append(rng.uniform(lo, hi, size=var.shape).astype(np.float32))
        if new:
            layer.set_weights(new)


def make_keras(out):
    from tensorflow import keras  # tf-keras: TF_USE_LEGACY_KERAS=1
    layers = keras.layers
    cases = []

    def conv_model():
        inp = keras.Input((8, 8, 3), batch_size=1, name="image")
        h = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(inp)
        h = layers.BatchNormalization(name="bn1")(h)
        h = layers.DepthwiseConv2D(3, padding="same", activation="relu6", name="dw")(h)
        h = layers.Conv2D(6, 1, name="conv2")(h)
        h = layers.PReLU(shared_axes=[1, 2], name="prelu")(h)
        h = layers.Conv2D(4, 3, padding="valid", activation="elu", name="conv3")(h)
        h = layers.LeakyReLU(alpha=0.2, name="leaky")(h)
        h = layers.GlobalAveragePooling2D(name="gap")(h)
        h = layers.Dense(8, activation="tanh", name="fc1")(h)
        out_ = layers.Dense(3, activation="sigmoid", name="fc2")(h)
        return keras.Model(inp, out_, name="keras_conv")

    def dense_model():
        inp = keras.Input((10,), batch_size=2, name="features")
        h = layers.Dense(16, activation="relu", name="d1")(inp)
        h = layers.BatchNormalization(name="bn")(h)
        h = layers.Dense(8, name="d2")(h)
        h = layers.PReLU(name="prelu")(h)
        h = layers.Dense(6, activation="elu", name="d3")(h)
        out_ = layers.Dense(3, activation="softmax", name="d4")(h)
        return keras.Model(inp, out_, name="keras_dense")

    for name, build, shape in (("keras_conv", conv_model, [1, 8, 8, 3]), ("keras_dense", dense_model, [2, 10])):
        rng = rng_for(name)
        model = build()
        randomize_keras(model, rng)
        x = uniform(rng, shape, -1.0, 1.0)
        expected = model(x, training=False).numpy()
        in_name = model.inputs[0].name.split(":")[0]
        sm = os.path.join(out, name + "_savedmodel", "saved_model")
        model.save(sm, save_format="tf")
        h5 = os.path.join(out, name + "_h5", "model.h5")
        os.makedirs(os.path.dirname(h5), exist_ok=True)
        model.save(h5, save_format="h5")
        # TensorFlow's outputs from the files, not the model in memory.
        sig = tf.saved_model.load(sm).signatures["serving_default"]
        out_key = list(sig.structured_outputs.keys())[0]
        y_sm = sig(**{in_name: tf.constant(x)})[out_key].numpy()
        y_h5 = keras.models.load_model(h5)(x, training=False).numpy()
        for y in (y_sm, y_h5):
            if not np.allclose(y, expected, atol=1e-6):
                raise RuntimeError(f"{name}: the saved model predicts differently from the built one")
        cases.append(Case(name + "_savedmodel", "keras_saved_model", f"{name}_savedmodel/saved_model",
                          "tf_saved_model", ["--signature_name=serving_default"],
                          [(in_name, in_name, x)], [(out_key, None, y_sm)],
                          "tf.keras model saved as a SavedModel (model.save, save_format tf)"))
        # The same SavedModel read as a tf.keras model (keras_metadata.pb): a layers-model.
        cases.append(Case(name + "_keras_saved_model", "keras_saved_model", f"{name}_savedmodel/saved_model",
                          "keras_saved_model", [], [(in_name, in_name, x)], [(out_key, None, y_sm)],
                          "tf.keras SavedModel converted with --input_format=keras_saved_model to a layers-model",
                          output_flags=["--output_format=tfjs_layers_model"]))
        cases.append(Case(name + "_h5", "keras_h5", f"{name}_h5/model.h5", "keras", [],
                          [(in_name, in_name, x)], [(model.outputs[0].name.split(":")[0].split("/")[0], None, y_h5)],
                          "tf.keras model saved as .h5, converted to a graph-model"))
    return cases


# ----------------------------------------------------------------------------- writing

def tensor_json(out, case, where, key, node, arr):
    os.makedirs(os.path.join(out, case.name, where), exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "_-." else "_" for c in key)
    rel = f"{case.name}/{where}/{safe}.npy"
    np.save(os.path.join(out, rel), arr)
    if arr.dtype.kind == "S":
        dtype, data = "string", [s.decode() for s in arr.reshape(-1)]
    elif arr.dtype.kind in "iu":
        dtype, data = "int32", [int(v) for v in arr.reshape(-1)]
    elif arr.dtype.kind == "b":
        dtype, data = "bool", [int(v) for v in arr.reshape(-1)]
    else:
        dtype, data = "float32", [float(v) for v in arr.astype(np.float32).reshape(-1)]
    return {"key": key, "node": node, "dtype": dtype, "tf_dtype": str(arr.dtype),
            "shape": list(arr.shape), "npy": rel, "data": data}


def run_reference(out, case):
    ref = os.path.join(out, case.name, "reference")
    shutil.rmtree(ref, ignore_errors=True)
    exe = os.path.join(os.path.dirname(sys.executable), "tensorflowjs_converter")
    cmd = [exe] + case.flags + [os.path.join(out, case.source), ref]
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    took = time.time() - t0
    if p.returncode != 0 or not os.path.isfile(os.path.join(ref, "model.json")):
        tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-15:])
        return False, f"tensorflowjs_converter exited {p.returncode}:\n{tail}", took
    return True, "", took


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    for entry in os.listdir(out):  # a fresh set each run: no case left over from an older one
        p = os.path.join(out, entry)
        shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    tf.random.set_seed(1)

    import tensorflowjs
    cases, skipped = [], []
    builders = [(n, (lambda n=n: make_tf2(out, n))) for n in TF2_CASES]
    builders += [("tf2_hash_table", lambda: make_hash_table(out)), ("tf1_saved_model", lambda: make_tf1(out)),
                 ("tf1_hash_table", lambda: make_tf1_hash_table(out)),
                 ("tf1_hub_module", lambda: make_hub(out)), ("tf2_hub_saved_model", lambda: make_hub2(out)),
                 ("keras", lambda: make_keras(out))]
    for label, build in builders:
        try:
            cases += build()
        except Exception as e:  # noqa: BLE001 - logged and recorded with its reason
            reason = f"{type(e).__name__}: {e}".strip().splitlines()[0][:400]
            print(f"make_models: SKIP {label}: {reason}", file=sys.stderr)
            if not isinstance(e, Skip):
                traceback.print_exc()
            skipped.append({"name": label, "reason": "building it with TensorFlow failed: " + reason})

    # The reference converter: one subprocess per case, two at a time.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: run_reference(out, c), cases))

    records, failed = [], []
    for case, (ok, why, took) in zip(cases, results):
        print(f"make_models: {case.name}: reference converter {'ok' if ok else 'FAILED'} ({took:.1f} s)")
        if not ok:
            print(why, file=sys.stderr)
            failed.append(case.name)
            skipped.append({"name": case.name, "reason": "the reference converter failed: " + why})
            continue
        records.append({
            "name": case.name,
            "kind": case.kind,
            "notes": case.notes,
            "source": case.source,
            "input_format": case.input_format,
            "flags": case.flags,
            "reference": f"{case.name}/reference",
            "inputs": [tensor_json(out, case, "inputs", k, n, a) for k, n, a in case.inputs],
            "outputs": [tensor_json(out, case, "expected", k, n, a) for k, n, a in case.outputs],
            "tolerance": {"abs": ABS_TOL, "scaled_by": "max(1, max|expected|)"},
        })
        if case.tfjs_known_error:
            records[-1]["tfjs_known_error"] = case.tfjs_known_error
    doc = {
        "generated_by": "tests/tfconv/make_models.py",
        "tensorflow": tf.__version__,
        "tensorflowjs": tensorflowjs.__version__,
        "converter_command": "tensorflowjs_converter FLAGS... OUT_DIR/SOURCE RESULT_DIR",
        "converter_env": {"TF_USE_LEGACY_KERAS": "1", "TF_ENABLE_ONEDNN_OPTS": "0"},
        "cases": records,
        "skipped": skipped,
    }
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(f"make_models: {len(records)} cases in {out}/cases.json, {len(skipped)} skipped")
    # A case the reference cannot convert is a broken fixture, not a finding about our converter.
    if failed:
        print("make_models: the reference converter failed on " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
