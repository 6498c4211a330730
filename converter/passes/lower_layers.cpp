// Keras layer semantics (TF.js layers) expressed as TensorFlow ops, one layer at a time.
#include "converter/passes/lower_layers.h"

#include "core/error.h"
#include "core/ops/shape_inference.h"
#include "core/tfjs/decode.h"

#include <cmath>
#include <cstring>
#include <map>

namespace studio::conv {

using Json = nlohmann::ordered_json;
using core::AttrValue;

namespace {

using Dims = std::vector<std::int64_t>; // a weight's shape

AttrValue ints(std::vector<std::int64_t> v)
{
    AttrValue a;
    a.kind = AttrValue::Kind::List;
    a.list.i = std::move(v);
    return a;
}

AttrValue typeAttr(int tf)
{
    return AttrValue::ofType(tf);
}

std::pair<std::int64_t, std::int64_t> pair(const Json& v, const std::string& where)
{
    if (v.is_number_integer())
        return {v.get<std::int64_t>(), v.get<std::int64_t>()};
    if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number())
        return {v[0].get<std::int64_t>(), v[1].get<std::int64_t>()};
    fail(where, "expected a number or a pair of numbers, got " + v.dump());
}

class Lowering {
public:
    explicit Lowering(const core::Model& src) : m_src(src)
    {
        for (const auto& g : src.weightGroups)
            for (const auto& w : g.weights)
                m_weights[w.name] = &w;
        m_out.kind = core::ModelKind::GraphModel;
        m_out.sourcePath = src.sourcePath;
        m_out.meta.format = "lowered " + src.meta.format;
        m_out.weightGroups.emplace_back();
    }

    core::Model run()
    {
        if (m_src.kind != core::ModelKind::LayersModel || m_src.layers.empty())
            fail(m_src.sourcePath, "not a layers model with a topology");
        for (const auto& layer : m_src.layers) {
            if (layer.path != layer.name)
                fail(m_src.sourcePath, "layer '" + layer.path + "': nested models are not lowered yet");
            try {
                lower(layer);
            } catch (const nlohmann::json::exception& e) {
                fail(where(layer), std::string("unexpected config: ") + e.what());
            }
            inferTypes(layer);
        }
        for (const auto& spec : m_src.outputs) {
            const auto it = m_tensor.find(spec.name);
            if (it == m_tensor.end())
                fail(m_src.sourcePath, "output layer '" + spec.name + "' was not lowered");
            core::TensorSpec out = spec;
            out.name = it->second + ":0";
            const auto& type = typeOf(it->second);
            out.tfDtype = core::tfDataTypeOf(type.dtype.value_or(core::DType::Float32));
            out.shape = type.shape;
            m_out.outputs.push_back(out);
        }
        return std::move(m_out);
    }

private:
    std::string where(const core::Layer& l) const
    {
        return m_src.sourcePath + ": layer '" + l.name + "' (" + l.className + ")";
    }

    const core::Weight& weight(const core::Layer& l, const std::string& var)
    {
        const auto it = m_weights.find(l.name + "/" + var);
        if (it == m_weights.end())
            fail(where(l), "weight '" + l.name + "/" + var + "' is missing from the manifest");
        return *it->second;
    }

    // A Const node for an existing weight (same bytes, same source).
    std::string constFor(const core::Weight& w)
    {
        if (auto it = m_constOf.find(w.name); it != m_constOf.end())
            return it->second;
        core::Weight copy = w;
        addConst(copy);
        m_constOf[w.name] = w.name;
        return w.name;
    }

    template <typename T>
    std::string valuesConst(const std::string& name, core::DType dtype, Dims shape, const std::vector<T>& values)
    {
        core::Weight w;
        w.name = name;
        w.dtype = dtype;
        w.shape = std::move(shape);
        std::vector<std::uint8_t> bytes(values.size() * sizeof(T));
        std::memcpy(bytes.data(), values.data(), bytes.size());
        w.byteLength = bytes.size();
        w.source = std::make_shared<core::MemorySource>(std::move(bytes));
        addConst(w);
        return name;
    }
    std::string floatConst(const std::string& name, Dims shape, const std::vector<float>& values)
    {
        return valuesConst(name, core::DType::Float32, std::move(shape), values);
    }
    std::string intConst(const std::string& name, Dims shape, const std::vector<std::int32_t>& values)
    {
        return valuesConst(name, core::DType::Int32, std::move(shape), values);
    }

    void addConst(core::Weight w)
    {
        core::Node n;
        n.name = w.name;
        n.op = "Const";
        core::AttrValue value;
        value.kind = AttrValue::Kind::Tensor;
        value.tensor.dtype = core::tfDataTypeOf(w.dtype);
        value.tensor.hasShape = true;
        value.tensor.shape.dims = w.shape;
        n.attrs.emplace_back("value", value);
        n.attrs.emplace_back("dtype", typeAttr(core::tfDataTypeOf(w.dtype)));
        m_out.graph.nodes.push_back(n);
        m_out.weightGroups[0].weights.push_back(std::move(w));
    }

    std::string node(const std::string& name, const std::string& op, std::vector<std::string> inputs, core::AttrMap attrs = {})
    {
        core::Node n;
        n.name = name;
        n.op = op;
        n.inputs = std::move(inputs);
        n.attrs = std::move(attrs);
        n.attrs.emplace_back("T", typeAttr(1));
        m_out.graph.nodes.push_back(n);
        return name;
    }

    // Appends the Keras activation as ops; returns the tensor that carries the result.
    std::string activation(const core::Layer& l, const std::string& x, const std::string& name)
    {
        const std::string a = l.config.value("activation", std::string("linear"));
        static const std::map<std::string, std::string> kOps{
            {"relu", "Relu"}, {"relu6", "Relu6"}, {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"}, {"softmax", "Softmax"}};
        if (a == "linear")
            return x;
        const auto it = kOps.find(a);
        if (it == kOps.end())
            fail(where(l), "activation '" + a + "' is not lowered yet");
        return node(l.name + "/" + name, it->second, {x});
    }

    const std::string& input(const core::Layer& l, std::size_t k = 0)
    {
        if (l.inboundLayers.size() <= k)
            fail(where(l), "has no input " + std::to_string(k));
        const auto it = m_tensor.find(l.inboundLayers[k]);
        if (it == m_tensor.end())
            fail(where(l), "reads layer '" + l.inboundLayers[k] + "', which comes later or does not exist");
        return it->second;
    }
    // Shapes come from the op schemas, the one shape logic executors use too: after each layer
    // the ops built so far are inferred again (strict), so a layer that cannot be valid fails
    // here, naming the layer and the node. Re-inferring the whole graph per layer is quadratic,
    // which for Keras models of a few hundred layers costs milliseconds.
    void inferTypes(const core::Layer& l)
    {
        try {
            m_types = core::inferShapes(m_out, {{}, true});
        } catch (const Error& e) {
            Location at = e.where();
            at.file = m_src.sourcePath;
            at.layer = l.name;
            throw Error(where(l) + ": " + e.what(), at);
        }
        m_index = core::GraphIndex(m_out.graph);
    }

    const core::TensorType& typeOf(const std::string& tensor) const
    {
        const auto* t = m_types.find(m_out.graph, m_index, tensor);
        if (!t)
            fail(m_src.sourcePath, "no inferred type for '" + tensor + "'");
        return *t;
    }

    // The static shape of a layer's input k (-1 for unknown dimensions, e.g. the batch).
    const std::vector<std::int64_t>& inputShape(const core::Layer& l, std::size_t k = 0)
    {
        const auto& t = typeOf(input(l, k));
        if (t.shape.unknownRank)
            fail(where(l), "the rank of input " + std::to_string(k) + " is unknown");
        return t.shape.dims;
    }

    void set(const core::Layer& l, const std::string& tensor) { m_tensor[l.name] = tensor; }

    void lower(const core::Layer& l)
    {
        const auto& c = l.config;
        const std::string& cls = l.className;
        if (cls == "InputLayer") {
            Dims s;
            const Json& dims = c.contains("batch_input_shape") ? c["batch_input_shape"] : c.value("batch_shape", Json::array());
            for (const auto& d : dims)
                s.push_back(d.is_number_integer() ? d.get<std::int64_t>() : -1);
            core::AttrMap attrs{{"dtype", typeAttr(1)}, {"shape", AttrValue::ofShape(core::Shape{s, false})}};
            core::Node n;
            n.name = l.name;
            n.op = "Placeholder";
            n.attrs = attrs;
            m_out.graph.nodes.push_back(n);
            core::TensorSpec spec{l.name, l.name + ":0", 1, core::Shape{s, false}};
            m_out.inputs.push_back(spec);
            set(l, l.name);
            return;
        }
        if (l.inboundLayers.empty())
            fail(where(l), "has no inbound layer (a Sequential model without an InputLayer is not lowered yet)");
        const auto& in = inputShape(l);
        if (cls == "Conv2D" || cls == "DepthwiseConv2D") {
            if (c.value("data_format", std::string("channels_last")) != "channels_last")
                fail(where(l), "only channels_last is lowered");
            const bool depthwise = cls == "DepthwiseConv2D";
            const auto& kernel = weight(l, depthwise ? "depthwise_kernel" : "kernel");
            const auto [sh, sw] = pair(c.value("strides", Json::array({1, 1})), where(l));
            const auto [dh, dw] = pair(c.value("dilation_rate", Json::array({1, 1})), where(l));
            const bool same = c.value("padding", std::string("valid")) == "same";
            core::AttrMap attrs{{"strides", ints({1, sh, sw, 1})}, {"dilations", ints({1, dh, dw, 1})},
                {"padding", AttrValue::ofString(same ? "SAME" : "VALID")},
                {"data_format", AttrValue::ofString("NHWC")}};
            std::string y = node(l.name + (depthwise ? "/depthwise" : "/Conv2D"), depthwise ? "DepthwiseConv2dNative" : "Conv2D",
                {input(l), constFor(kernel)}, attrs);
            if (c.value("use_bias", true))
                y = node(l.name + "/BiasAdd", "BiasAdd", {y, constFor(weight(l, "bias"))});
            set(l, activation(l, y, "activation"));
        } else if (cls == "BatchNormalization") {
            // Inference: y = x * gamma / sqrt(var + eps) + (beta - mean * gamma / sqrt(var + eps)).
            // axis is a number, or a one-element list in tf.keras 2.2+.
            const Json axisJson = c.value("axis", Json(-1));
            const Json& axisValue = axisJson.is_array() && axisJson.size() == 1 ? axisJson[0] : axisJson;
            if (!axisValue.is_number_integer())
                fail(where(l), "axis " + axisJson.dump() + " is not lowered");
            const auto axis = axisValue.get<int>();
            if (axis != -1 && axis != static_cast<int>(in.size()) - 1)
                fail(where(l), "only the last axis is lowered");
            const double eps = c.value("epsilon", 0.001);
            const auto mean = core::decodeFloat32(weight(l, "moving_mean"));
            const auto var = core::decodeFloat32(weight(l, "moving_variance"));
            std::vector<float> gamma(mean.size(), 1.0f), beta(mean.size(), 0.0f);
            if (c.value("scale", true))
                gamma = core::decodeFloat32(weight(l, "gamma"));
            if (c.value("center", true))
                beta = core::decodeFloat32(weight(l, "beta"));
            std::vector<float> scale(mean.size()), offset(mean.size());
            for (std::size_t k = 0; k < mean.size(); ++k) {
                scale[k] = gamma[k] / std::sqrt(var[k] + static_cast<float>(eps));
                offset[k] = beta[k] - mean[k] * scale[k];
            }
            const Dims cs{static_cast<std::int64_t>(mean.size())};
            std::string y = node(l.name + "/mul", "Mul", {input(l), floatConst(l.name + "/scale", cs, scale)});
            set(l, node(l.name + "/add", "Add", {y, floatConst(l.name + "/offset", cs, offset)}));
        } else if (cls == "ReLU") {
            const Json mv = c.value("max_value", Json());
            if (c.value("negative_slope", 0.0) != 0.0 || c.value("threshold", 0.0) != 0.0)
                fail(where(l), "negative_slope and threshold are not lowered yet");
            std::string op = "Relu";
            if (mv.is_number()) {
                if (mv.get<double>() != 6.0)
                    fail(where(l), "max_value other than 6 is not lowered yet");
                op = "Relu6";
            }
            set(l, node(l.name + "/" + op, op, {input(l)}));
        } else if (cls == "Activation") {
            set(l, activation(l, input(l), "activation"));
        } else if (cls == "Dense") {
            if (in.size() != 2)
                fail(where(l), "only 2-D inputs are lowered");
            const auto& kernel = weight(l, "kernel");
            std::string y = node(l.name + "/MatMul", "MatMul", {input(l), constFor(kernel)});
            if (c.value("use_bias", true))
                y = node(l.name + "/BiasAdd", "BiasAdd", {y, constFor(weight(l, "bias"))});
            set(l, activation(l, y, "activation"));
        } else if (cls == "ZeroPadding2D") {
            const Json& p = c.value("padding", Json::array({1, 1}));
            std::int64_t t, b, le, r;
            if (p.is_array() && p.size() == 2 && p[0].is_array()) {
                std::tie(t, b) = pair(p[0], where(l));
                std::tie(le, r) = pair(p[1], where(l));
            } else {
                std::tie(t, le) = pair(p, where(l));
                b = t;
                r = le;
            }
            const auto paddings = intConst(l.name + "/paddings", {4, 2},
                {0, 0, static_cast<std::int32_t>(t), static_cast<std::int32_t>(b), static_cast<std::int32_t>(le),
                    static_cast<std::int32_t>(r), 0, 0});
            set(l, node(l.name + "/Pad", "Pad", {input(l), paddings}));
        } else if (cls == "MaxPooling2D" || cls == "AveragePooling2D") {
            const auto [ph, pw] = pair(c.value("pool_size", Json::array({2, 2})), where(l));
            const Json stridesJson = c.value("strides", Json());
            const auto [sh, sw] = stridesJson.is_null() ? std::pair{ph, pw} : pair(stridesJson, where(l));
            const bool same = c.value("padding", std::string("valid")) == "same";
            core::AttrMap attrs{{"ksize", ints({1, ph, pw, 1})}, {"strides", ints({1, sh, sw, 1})},
                {"padding", AttrValue::ofString(same ? "SAME" : "VALID")}, {"data_format", AttrValue::ofString("NHWC")}};
            const std::string op = cls == "MaxPooling2D" ? "MaxPool" : "AvgPool";
            set(l, node(l.name + "/" + op, op, {input(l)}, attrs));
        } else if (cls == "GlobalAveragePooling2D" || cls == "Flatten") {
            // Both become a reshape to [batch, n]; the pooling first averages the whole window.
            std::string x = input(l);
            std::int64_t n = 1;
            if (cls == "GlobalAveragePooling2D") {
                if (in.size() != 4 || in[1] < 0 || in[2] < 0)
                    fail(where(l), "needs a known spatial size");
                core::AttrMap attrs{{"ksize", ints({1, in[1], in[2], 1})}, {"strides", ints({1, 1, 1, 1})},
                    {"padding", AttrValue::ofString("VALID")}, {"data_format", AttrValue::ofString("NHWC")}};
                x = node(l.name + "/AvgPool", "AvgPool", {x}, attrs);
                n = in[3];
                if (n < 0)
                    fail(where(l), "needs a known channel count");
            } else {
                for (std::size_t k = 1; k < in.size(); ++k) {
                    if (in[k] < 0)
                        fail(where(l), "needs a known input shape");
                    n *= in[k];
                }
            }
            const auto shape = intConst(l.name + "/shape", {2}, {-1, static_cast<std::int32_t>(n)});
            set(l, node(l.name + "/Reshape", "Reshape", {x, shape}));
        } else if (cls == "Add") {
            std::string y = input(l, 0);
            for (std::size_t k = 1; k < l.inboundLayers.size(); ++k)
                y = node(l.name + "/add" + (k > 1 ? "_" + std::to_string(k) : ""), "AddV2", {y, input(l, k)});
            set(l, y);
        } else if (cls == "Dropout" || cls == "SpatialDropout2D" || cls == "GaussianNoise") {
            set(l, input(l)); // identity at inference
        } else {
            fail(where(l), "layer class " + cls + " is not lowered yet");
        }
    }

    const core::Model& m_src;
    core::Model m_out;
    std::map<std::string, const core::Weight*> m_weights;
    std::map<std::string, std::string> m_constOf;
    std::map<std::string, std::string> m_tensor; // layer -> tensor name of its output
    core::InferResult m_types; // of m_out's nodes, after the last lowered layer
    core::GraphIndex m_index;  // of m_out's nodes, for m_types.find
};

} // namespace

core::Model lowerLayersModel(const core::Model& layers)
{
    return Lowering(layers).run();
}

} // namespace studio::conv
