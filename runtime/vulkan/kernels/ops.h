// The Vulkan op table: for each TensorFlow op, a builder that plans its dispatches (weights packed
// and uploaded, push constants, workgroup counts) or declines, in which case the node runs on the
// CPU fallback (the reference kernel). Adding an op: a .comp, a builder, one line in the table.
#pragma once

#include "core/ir/graph.h"
#include "runtime/tensor.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace studio::vk {

// Activation codes shared with kernels/activation.glsl.
enum class Act : std::int32_t { None = 0, Relu = 1, Relu6 = 2, Elu = 3, LeakyRelu = 4, Sigmoid = 5, Tanh = 6 };

// One tensor of the planned graph: a node output with its static dtype and shape.
struct ValueInfo {
    core::DType dtype = core::DType::Float32;
    std::vector<std::int64_t> shape;
    int buffer = -1;                  // device buffer; views share their source's
    const rt::Tensor* host = nullptr; // constant value on the host (Const nodes and what folds from them)

    std::int64_t count() const
    {
        std::int64_t n = 1;
        for (auto d : shape)
            n *= d;
        return n;
    }
};

// Push constants as 32-bit words, in the shader's declaration order.
class Push {
public:
    Push& i(std::int64_t v) { m_words.push_back(static_cast<std::int32_t>(v)); return *this; }
    Push& f(float v);
    // The code of the op the kernel's applyOp runs (a fused activation, or a unary op): pushed
    // like i(), and also fixed in the kernel when its pipeline is made (specialization constant
    // 0, activation.glsl). On CPU devices a kernel otherwise carries all of applyOp's cases for
    // every element it stores, masked but executed: a 1x1 convolution ran 1.85x slower with the
    // code read at run time (bench_vulkan_variants on a one-node graph, 112x112x16 -> 96, Relu6).
    Push& op(std::int64_t code)
    {
        fixed(0, static_cast<std::int32_t>(code));
        return i(code);
    }
    // A value fixed in the kernel when its pipeline is made (specialization constant `id`), not
    // pushed: for uniform branches, which CPU devices execute on both sides, masked, and for loop
    // bounds, so that loops unroll. Id 0 is the op code (op(), activation.glsl); ids 1-7 are
    // declared in fixed_values.glsl, id 8 (the gemm's columns) in gemm.glsl. A kernel ignores ids it does
    // not declare.
    Push& fixed(std::uint32_t id, std::int32_t value)
    {
        m_fixed.emplace_back(id, value);
        return *this;
    }
    const std::vector<std::int32_t>& words() const { return m_words; }
    const std::vector<std::pair<std::uint32_t, std::int32_t>>& fixedValues() const { return m_fixed; }

private:
    std::vector<std::int32_t> m_words;
    std::vector<std::pair<std::uint32_t, std::int32_t>> m_fixed;
};

// One binding of a dispatch: a buffer read or written as a storage buffer, or read through an
// rgba32f uniform texel buffer (the fast load path of CPU implementations).
struct Binding {
    Binding(int b) : buffer(b) {} // NOLINT: plain buffer ids convert
    static Binding texel(int b)
    {
        Binding x(b);
        x.texelLoads = true;
        return x;
    }
    int buffer = -1;
    bool texelLoads = false;
};

// What a builder can ask of the planner.
class Planner {
public:
    virtual ~Planner() = default;
    // The device buffer of input k (created and uploaded for a constant on first use).
    virtual int inputBuffer(std::size_t k) = 0;
    // The buffer of output k, created on first use.
    virtual int outputBuffer(std::size_t k) = 0;
    // A buffer holding `words` (packed weights), named after the node.
    virtual int constantBuffer(const std::vector<float>& words, const std::string& what) = 0;
    // A device buffer of `floats` values that a dispatch of this node writes in full before any
    // reads it (a padded copy of an input, say); it may share memory with other short-lived values.
    virtual int scratchBuffer(std::int64_t floats, const std::string& what) = 0;
    // One dispatch of `kernel` with buffers at bindings 0..n-1 (output(s) first, by convention).
    virtual void dispatch(const std::string& kernel, const std::vector<Binding>& bindings, const Push& push,
        std::array<std::uint32_t, 3> groups) = 0;
    // The device profile: read vec4 operands through texel buffers (CPU implementations, where
    // they load 2-4x faster than storage buffers) rather than storage buffers (GPUs).
    virtual bool preferTexelLoads() const = 0;
    // A flat dispatch over n elements with 64-lane groups (x, then y beyond 65535 groups).
    std::array<std::uint32_t, 3> flat(std::int64_t n) const;
};

struct OpCall {
    const core::Node& node;
    std::vector<const ValueInfo*> inputs;  // data inputs, in order
    std::vector<const ValueInfo*> outputs; // planned outputs
    Act fusedAct = Act::None;              // an activation folded in from the single consumer
    float fusedAlpha = 0.2f;
    // Add only: >= 0 when input 1 is the input of a Pad folded into this add, which zero-pads
    // only the last dimension, this many before (the rest after).
    std::int64_t padBefore = -1;
    // A residual Add folded in from the single consumer: the other operand (same shape as the
    // output), added before fusedAct; Planner::inputBuffer(residualInput) is its buffer.
    const ValueInfo* residual = nullptr;
    std::size_t residualInput = 0;
    // >= 0: the residual has fewer channels than the output and is added at this channel offset
    // (a zero channel Pad folded in with the Add); the other channels get nothing.
    std::int64_t residualPadBefore = -1;
    // Convolutions only: input 0 is the input of a zero Pad of H and W folded into this node;
    // `padded` is the Pad's output (what the node's attributes describe), spatialPad its
    // top, bottom, left and right padding. All -1: no Pad folded.
    std::array<std::int64_t, 4> spatialPad{-1, -1, -1, -1};
    const ValueInfo* padded = nullptr;
};

// Add(a, Pad(x)) with a zero Pad of the last dimension only, a of the output's shape: the Pad
// can be folded into the add (builder "Add" with OpCall::padBefore). Returns padBefore or -1.
std::int64_t channelPadFoldable(const core::Node& add, const ValueInfo& other, const ValueInfo& padded,
    const core::Node& pad, const ValueInfo& padInput, const ValueInfo* paddings, const ValueInfo* value);

// Plans the node's dispatches and returns true, or returns false having planned nothing.
using Builder = bool (*)(const OpCall& call, Planner& planner);

const std::map<std::string, Builder>& builders();
// The builders of kernels/ops_shape_reduce.cpp (reductions, softmax, resize, slicing, gathers,
// casts, ...), merged into builders().
const std::map<std::string, Builder>& shapeAndReduceBuilders();

// Ops whose output is their input's buffer seen with another shape.
bool isViewOp(const std::string& op);
// Activation op -> code, when a producing kernel can carry it.
bool activationCode(const std::string& op, Act& act);
// Ops that can take a fused activation from their single consumer.
bool takesFusedActivation(const core::Node& node);
// Ops whose kernel can add a residual (the other operand of their single consumer, an Add).
bool takesResidual(const core::Node& node);

} // namespace studio::vk
