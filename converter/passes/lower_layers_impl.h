// Private to the lowering: the Lowering class shared by lower_layers*.cpp (one file per layer
// family: core and merges, convolutional and pooling, recurrent and wrappers).
#pragma once

#include "converter/passes/lower_layers.h"

#include "core/error.h"
#include "core/ops/shape_inference.h"

#include <cstdint>
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
    std::map<std::string, std::string> m_tensor; // layer -> tensor name of its output
    std::set<std::string> m_names;               // node names in use
    std::map<std::uint32_t, std::string> m_scalars; // float bits -> Const
    std::set<std::string> m_masked; // layers whose output carries a Keras mask
    core::InferResult m_types;
    core::GraphIndex m_index;
    std::size_t m_typedNodes = 0; // nodes m_types covers
};

// Number or list helpers for Keras configs.
std::vector<std::int64_t> intsOf(const Json& v, std::size_t n, const std::string& what, const Lowering& low, const core::Layer& l);

} // namespace studio::conv::lowering
