// Private to the lowering: the Lowering class shared by lower_layers*.cpp (one file per layer
// family: core and merges, convolutional and pooling, recurrent and wrappers).
#pragma once

#include "converter/passes/lower_layers.h"

#include "core/error.h"
#include "core/ops/shape_inference.h"

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace studio::conv::lowering {

using Json = nlohmann::ordered_json;
using Dims = std::vector<std::int64_t>;

// Where a layer's weights live in the manifest: "<prefix>/.../<var>", optionally only the
// ones with a path component containing `part` (Bidirectional's forward_* / backward_* layers).
// Limits on what a config may ask the lowering to build (a model file is untrusted): index
// tables for RepeatVector / UpSampling, and the steps a recurrent layer is unrolled over.
inline constexpr std::int64_t kMaxIndexTable = std::int64_t{1} << 24;
inline constexpr std::int64_t kMaxUnrolledSteps = 4096;

struct WeightScope {
    std::string prefix;
    std::string part;
};

// A tensor a layer call reads: output `tensor` of call `node` of `layer` (Keras' inbound node
// entry), with `node` counted from the layer's first call inside the model that lists it.
struct TensorRef {
    std::string layer;
    std::int64_t node = 0;
    std::int64_t tensor = 0;
};

// One model's layers as Keras wires them: the top-level model or a nested one.
struct Network {
    struct Member {
        const core::Layer* layer = nullptr;
        std::vector<std::vector<TensorRef>> calls; // each call's inputs (an InputLayer: one, empty)
        const Network* nested = nullptr;           // a nested model: its own network
    };
    std::string path; // "" for the top-level model, else the nested model's layer path
    bool sequential = false;
    std::vector<Member> members;
    std::map<std::string, std::size_t> byName;
    std::vector<TensorRef> inputs; // its InputLayers, in the order of its inputs
    std::vector<TensorRef> outputs;
};

// Limits on what a model may ask for: a nested model called twice at each of many levels
// doubles its layers per level; nesting is bounded like the topology's JSON.
inline constexpr std::size_t kMaxLayerCalls = 100000;
inline constexpr int kMaxNesting = 64;

class Lowering {
public:
    Lowering(const core::Model& src, const LoweringOptions& options);
    core::Model run();

    // ---- infrastructure (lower_layers.cpp)
    std::string where(const core::Layer& l) const;
    [[noreturn]] void bad(const core::Layer& l, const std::string& what) const;
    bool referenceNames() const { return m_options.referenceNames; }
    // The weight `var` of a layer; fails naming the layer when absent, or when `expected` is
    // given and the weight's shape differs from it.
    const core::Weight& weight(const core::Layer& l, const std::string& var, const Dims& expected = {});
    std::vector<float> values(const core::Layer& l, const std::string& var, const Dims& expected = {});
    std::string constFor(const core::Weight& w);
    // A Const over the same stored bytes with another shape of the same element count.
    std::string constReshaped(const core::Weight& w, const Dims& shape);
    std::string floatConst(const std::string& name, Dims shape, const std::vector<float>& values);
    std::string intConst(const std::string& name, Dims shape, const std::vector<std::int32_t>& values);
    // A float32 scalar Const; one per value in the whole graph.
    std::string scalar(const std::string& name, float v);
    std::string node(const std::string& name, const std::string& op, std::vector<std::string> inputs, core::AttrMap attrs = {});
    std::string unique(const std::string& name);

    // The shape of a tensor built so far (shape inference runs again when it is new).
    Dims shapeOf(const core::Layer& l, const std::string& tensor);
    // Known dims except the batch (dimension 0); fails naming the layer otherwise.
    Dims staticShape(const core::Layer& l, const std::string& tensor);

    // Keras activation `name` applied to x ("linear" returns x).
    std::string activation(const core::Layer& l, const std::string& x, const std::string& name, const std::string& tag);
    std::string activation(const core::Layer& l, const std::string& x)
    {
        return activation(l, x, activationName(l, l.config), "activation");
    }
    std::string activationName(const core::Layer& l, const Json& config, const char* key = "activation", const char* fallback = "linear");
    std::string reshape(const core::Layer& l, const std::string& x, const Dims& dimsAfterBatch, const std::string& tag);
    std::string transpose(const core::Layer& l, const std::string& x, const std::vector<std::int32_t>& perm, const std::string& tag);
    std::string gather(const core::Layer& l, const std::string& x, const std::vector<std::int32_t>& indices, int axis, const std::string& tag);
    // x[:, ..., begin:end, ...] along one axis.
    std::string sliceAxis(const core::Layer& l, const std::string& x, int axis, std::int64_t begin, std::int64_t end, const std::string& tag);
    std::string matMul(const core::Layer& l, const std::string& a, const std::string& b, const std::string& tag);

    // The prefix a layer's weights are named with (its own name, a wrapped layer its wrapper's).
    std::string weightPrefix(const core::Layer& l) const;

    // Lowers one layer whose inputs are the given tensors; returns its output tensor.
    std::string lowerLayer(const core::Layer& l, const std::vector<std::string>& inputs);

    // ---- families (each returns false when the class is not theirs)
    bool lowerCoreLayer(const core::Layer& l, const std::vector<std::string>& in, std::string& out);
    bool lowerConvLayer(const core::Layer& l, const std::vector<std::string>& in, std::string& out);
    bool lowerRecurrentLayer(const core::Layer& l, const std::vector<std::string>& in, std::string& out);

    // A layer wrapped by Bidirectional / TimeDistributed, as a layer of its own whose nodes are
    // named under the wrapper and whose weights live in `scope`.
    core::Layer innerLayer(const core::Layer& wrapper, const Json& spec, const std::string& suffix, WeightScope scope);

    // Recurrent cell unrolled over the (static) time axis; goBackwards as configured.
    std::string recurrent(const core::Layer& l, const std::string& x);

private:
    // ---- networks (lower_layers.cpp): shared layers and nested models
    // The network of a model config (its layer list and wiring); `prefix` is its layer path.
    const Network& network(const Json& config, const std::string& className, const std::string& prefix, int depth);
    // The top-level network: from the Keras topology when the model has one, else from the
    // layers' inbound layer names.
    const Network& topNetwork();
    // Runs the calls of a network on `inputs` (none for the top-level model, whose InputLayers
    // become Placeholders); node names start with `scope`. Returns its output tensors.
    std::vector<std::string> lowerNetwork(const Network& net, const std::vector<std::string>& inputs, const std::string& scope);
    // One call of a plain layer (not a nested model), its nodes named `name`.
    std::string lowerCall(const core::Layer& layer, const std::string& name, std::int64_t call, const std::vector<std::string>& inputs);
    // The name for a call other than a layer's first: "<scope><leaf>_<k>", with a suffix no
    // layer is named with and no other call has.
    std::string callScope(const std::string& scope, const std::string& leaf);
    // "<file>: layer '<path>' (<class>)", and which call when not the first.
    std::string label(const core::Layer& layer, std::int64_t call) const;
    [[noreturn]] void badCall(const core::Layer& layer, std::int64_t call, const std::string& what) const;

    void inferTypes(const core::Layer& l);
    // LoweringOptions::referenceNames, once every layer is lowered.
    void useReferenceNames();
    void addConst(core::Weight w);
    const core::TensorType* findType(const std::string& tensor) const;

    const core::Model& m_src;
    LoweringOptions m_options;
    core::Model m_out;
    std::map<std::string, const core::Weight*> m_weights;
    std::map<std::string, WeightScope> m_scopes; // layer name -> weights (default: its own name)
    std::map<std::string, std::string> m_constOf; // Keras weight name -> its Const
    std::set<std::string> m_names;               // node names in use
    std::map<std::uint32_t, std::string> m_scalars; // float bits -> Const
    std::set<std::string> m_masked; // tensors that carry a Keras mask
    std::deque<Network> m_networks; // stable addresses: members point at nested networks
    std::map<std::string, std::deque<const core::Layer*>> m_layersByPath;
    std::set<std::string> m_layerNames; // every layer name and path: call scopes avoid them
    std::set<std::string> m_callScopes; // scopes given to calls after a layer's first
    // Lowered layer name -> the layer's path and which of its calls (errors name the layer).
    std::map<std::string, std::pair<std::string, std::int64_t>> m_origin;
    std::size_t m_calls = 0;
    core::InferResult m_types;
    core::GraphIndex m_index;
    std::size_t m_typedNodes = 0; // nodes m_types covers
};

// Number or list helpers for Keras configs.
std::vector<std::int64_t> intsOf(const Json& v, std::size_t n, const std::string& what, const Lowering& low, const core::Layer& l);

} // namespace studio::conv::lowering
