// Op check against the TF.js op table.
#include "converter/op_check.h"

#include "core/ops/op_table.h"
#include "core/ops/shape_inference.h"

#include <algorithm>
#include <array>
#include <map>

namespace studio::conv {

namespace {

std::string reasonFor(const std::string& op)
{
    if (op == "StatefulPartitionedCall" || op == "PartitionedCall")
        return "a function call that freezing should have inlined";
    if (op == "VarHandleOp" || op == "ReadVariableOp" || op == "VariableV2" || op == "AssignVariableOp")
        return "a variable that freezing should have turned into a constant";
    if (op == "Assert" || op == "CheckNumerics")
        return "a debug op (kept because strip_debug_ops is off)";
    return "not in TensorFlow.js's op list";
}

// The classes tfjs-layers 4.x registers for deserialization (its layers/*.ts registerClass calls),
// sorted for binary search. Anything else in a layers model needs the page's own class.
constexpr std::array<std::string_view, 78> kTfjsLayerClasses{
    "Activation", "Add", "AlphaDropout", "Average", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "BatchNormalization", "Bidirectional", "CategoryEncoding", "CenterCrop", "Concatenate", "Conv1D", "Conv2D",
    "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "ConvLSTM2D", "ConvLSTM2DCell", "Cropping2D", "Dense",
    "DepthwiseConv2D", "Dot", "Dropout", "ELU", "Embedding", "Flatten", "Functional", "GRU", "GRUCell",
    "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "InputLayer", "LSTM", "LSTMCell", "LayerNormalization", "LeakyReLU", "Masking",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum", "Minimum", "Model", "Multiply", "PReLU", "Permute",
    "RNN", "ReLU", "RandomWidth", "RepeatVector", "Rescaling", "Reshape", "Resizing", "SeparableConv2D",
    "Sequential", "SimpleRNN", "SimpleRNNCell", "Softmax", "SpatialDropout1D", "StackedRNNCells",
    "ThresholdedReLU", "TimeDistributed", "UpSampling2D", "ZeroPadding2D",
    // Keras spellings that the TF.js converter and tfjs-layers map onto the classes above
    "AvgPool2D", "Convolution2D", "GlobalAvgPool2D", "MaxPool2D", "SeparableConvolution2D",
    "Convolution1D", "MaxPool1D", "AvgPool1D", "GlobalAvgPool1D"};

std::string layerReason(const std::string& className)
{
    if (className == "Lambda" || className == "TFOpLambda" || className == "SlicingOpLambda")
        return "a Lambda layer holds Python code, which TensorFlow.js cannot run";
    return "a custom layer class: tf.loadLayersModel fails unless the page registers a class of this name "
           "(tf.serialization.registerClass)";
}

} // namespace

bool tfjsSupportsLayerClass(std::string_view className)
{
    static const auto sorted = [] {
        auto v = kTfjsLayerClasses;
        std::sort(v.begin(), v.end());
        return v;
    }();
    return std::binary_search(sorted.begin(), sorted.end(), className);
}

OpCheckReport checkOps(const core::Model& model, bool stripDebugOps)
{
    OpCheckReport r;
    std::map<std::string, std::vector<std::string>> bad;
    if (model.kind == core::ModelKind::LayersModel) {
        for (const auto& l : model.layers) {
            ++r.checkedNodes;
            if (!tfjsSupportsLayerClass(l.className))
                bad[l.className].push_back(l.path.empty() ? l.name : l.path);
        }
        for (auto& [cls, layers] : bad)
            r.unsupported.push_back({cls, std::move(layers), layerReason(cls), true});
        return r;
    }
    auto visit = [&](const core::Node& n, const std::string& prefix) {
        ++r.checkedNodes;
        if (!core::tfjsSupportsOp(n.op, stripDebugOps))
            bad[n.op].push_back(prefix + n.name);
    };
    for (const auto& n : model.graph.nodes)
        visit(n, "");
    for (const auto& f : model.graph.functions)
        for (const auto& n : f.nodes)
            visit(n, f.name + "/");
    // TF.js runs modelInitializer too (once, at load): its ops need kernels as much as the graph's.
    const auto& init = model.meta.modelInitializer;
    if (init.is_object() && init.contains("node") && init["node"].is_array())
        for (const auto& n : init["node"]) {
            if (!n.is_object() || !n.contains("op") || !n["op"].is_string())
                continue;
            ++r.checkedNodes;
            const auto op = n["op"].get<std::string>();
            if (!core::tfjsSupportsOp(op, stripDebugOps))
                bad[op].push_back("modelInitializer/" + (n.contains("name") && n["name"].is_string() ? n["name"].get<std::string>() : "?"));
        }
    for (auto& [op, nodes] : bad)
        r.unsupported.push_back({op, std::move(nodes), reasonFor(op)});
    // The same schemas the lowering and the executors use: static shapes, leniently, so that an
    // op without a schema or a loop only leaves shapes unknown.
    if (model.kind == core::ModelKind::GraphModel)
        r.malformed = core::inferShapes(model).inconsistencies;
    return r;
}

std::string describe(const OpCheckReport& r)
{
    const bool layers = !r.unsupported.empty() && r.unsupported.front().layerClass;
    if (r.ok())
        return "all " + std::to_string(r.checkedNodes) + " nodes use ops TensorFlow.js supports";
    std::string s = layers ? "Unsupported layer classes in the model: " : "Unsupported Ops in the model: ";
    for (std::size_t i = 0; i < r.unsupported.size(); ++i) {
        const auto& u = r.unsupported[i];
        s += (i ? "; " : "") + u.op + " (" + u.reason + "; " + std::to_string(u.nodes.size())
            + (layers ? (u.nodes.size() == 1 ? " layer: " : " layers: ") : (u.nodes.size() == 1 ? " node: " : " nodes: "));
        for (std::size_t k = 0; k < u.nodes.size() && k < 5; ++k)
            s += (k ? ", " : "") + u.nodes[k];
        if (u.nodes.size() > 5)
            s += ", ...";
        s += ")";
    }
    return s;
}

} // namespace studio::conv
