// Channel widening (widen_channels.h): grow groups of activations to a multiple of 4 channels.
#include "runtime/vulkan/widen_channels.h"

#include "runtime/reference/kernels.h"

#include <algorithm>
#include <deque>
#include <set>

namespace studio::vk {

namespace {

bool isConv(const std::string& op) { return op == "Conv2D" || op == "_FusedConv2D"; }
bool isDepthwise(const std::string& op) { return op == "DepthwiseConv2dNative" || op == "FusedDepthwiseConv2dNative"; }
bool isAdd(const std::string& op) { return op == "Add" || op == "AddV2"; }
bool isPad(const std::string& op) { return op == "Pad" || op == "PadV2"; }
bool isPool(const std::string& op) { return op == "MaxPool" || op == "AvgPool"; }
// Element-wise ops that map 0 to 0 (so zero channels stay zero).
bool keepsZero(const std::string& op)
{
    return op == "Relu" || op == "Relu6" || op == "Elu" || op == "LeakyRelu" || op == "Tanh" || op == "Identity";
}

// An edit of a constant: zero entries added along `axis` (to `size`), or a Pad's last "after"
// amount changed by `delta`.
struct Edit {
    std::size_t node = 0;
    int axis = -1;          // >= 0: widen this axis
    std::int64_t size = 0;  // to this size
    std::int64_t delta = 0; // axis < 0: change of the last dimension's padding after
};

rt::Tensor widened(const rt::Tensor& t, std::size_t axis, std::int64_t size)
{
    rt::Tensor out;
    out.dtype = t.dtype;
    out.shape = t.shape;
    out.shape[axis] = size;
    std::size_t outer = 1, inner = 1;
    for (std::size_t d = 0; d < axis; ++d)
        outer *= static_cast<std::size_t>(t.shape[d]);
    for (std::size_t d = axis + 1; d < t.shape.size(); ++d)
        inner *= static_cast<std::size_t>(t.shape[d]);
    const auto from = static_cast<std::size_t>(t.shape[axis]), to = static_cast<std::size_t>(size);
    out.f.assign(outer * to * inner, 0.0f);
    for (std::size_t o = 0; o < outer; ++o)
        std::copy_n(t.f.begin() + static_cast<std::ptrdiff_t>(o * from * inner), from * inner,
            out.f.begin() + static_cast<std::ptrdiff_t>(o * to * inner));
    return out;
}

class Grouper {
public:
    Grouper(const std::vector<core::Node>& nodes, const core::GraphIndex& index,
        const std::vector<std::vector<std::size_t>>& consumers, const std::vector<bool>& isOutput,
        const std::vector<std::vector<ValueInfo>>& values)
        : m_nodes(nodes), m_index(index), m_dataConsumers(consumers), m_isOutput(isOutput), m_values(values)
    {
    }

    bool candidate(std::size_t k) const
    {
        const auto& op = m_nodes[k].op;
        if (op == "Const" || op == "Placeholder" || m_values[k].size() != 1) // no value: a node the outputs do not need
            return false;
        const auto& v = m_values[k][0];
        return !v.host && v.dtype == core::DType::Float32 && v.shape.size() == 4 && v.shape[3] % 4 != 0;
    }

    // The group around `start`, with the constant edits it needs; false when it cannot be widened.
    bool group(std::size_t start, std::vector<std::size_t>& members, std::vector<Edit>& edits)
    {
        m_channels = m_values[start][0].shape[3];
        m_wide = (m_channels + 3) / 4 * 4;
        m_members.clear();
        m_edits.clear();
        m_queue.clear();
        add(start);
        bool ok = true;
        while (ok && !m_queue.empty()) {
            const auto v = m_queue.front();
            m_queue.pop_front();
            ok = producerFits(v) && consumersFit(v);
        }
        members.assign(m_members.begin(), m_members.end()); // on failure, those seen so far
        edits = m_edits;
        return ok;
    }

private:
    std::vector<core::InputRef> dataInputs(std::size_t k) const
    {
        std::vector<core::InputRef> in;
        for (const auto& r : m_index.inputs(k))
            if (!r.control)
                in.push_back(r);
        return in;
    }

    void add(std::size_t k)
    {
        if (m_members.insert(k).second)
            m_queue.push_back(k);
    }

    // A member input: output 0 of a node that becomes a member.
    bool memberInput(const core::InputRef& r)
    {
        if (r.output != 0)
            return false;
        add(r.node);
        return true;
    }

    // A constant that only `user` reads, edited once.
    const rt::Tensor* editable(const core::InputRef& r, std::size_t user) const
    {
        if (r.output != 0 || m_nodes[r.node].op != "Const" || m_values[r.node].empty() || !m_values[r.node][0].host)
            return nullptr;
        if (m_dataConsumers[r.node].size() != 1 || m_dataConsumers[r.node][0] != user || m_isOutput[r.node])
            return nullptr;
        for (const auto& e : m_edits)
            if (e.node == r.node)
                return nullptr;
        return m_values[r.node][0].host;
    }

    bool widenConstant(const core::InputRef& r, std::size_t user, std::size_t axis, std::size_t rank)
    {
        const auto* t = editable(r, user);
        if (!t || !t->isFloat() || t->shape.size() != rank || t->shape[axis] != m_channels)
            return false;
        m_edits.push_back(Edit{r.node, static_cast<int>(axis), m_wide, 0});
        return true;
    }

    // A Pad of the channels only, with zeros: its paddings constant, to change by `delta` after.
    bool padEdit(std::size_t pad, std::int64_t delta)
    {
        const auto in = dataInputs(pad);
        if (in.size() < 2 || in.size() > 3)
            return false;
        if (in.size() == 3) {
            const auto& value = m_values[in[2].node];
            if (value.empty() || !value[0].host || value[0].host->f.size() != 1 || value[0].host->f[0] != 0.0f)
                return false;
        }
        const auto* p = editable(in[1], pad);
        if (!p || p->isFloat() || p->i.size() != 8)
            return false;
        if (p->i[0] || p->i[1] || p->i[2] || p->i[3] || p->i[4] || p->i[5] || p->i[7] + delta < 0)
            return false;
        m_edits.push_back(Edit{in[1].node, -1, 0, delta});
        return true;
    }

    // Bias and an activation that keeps 0 at 0, nothing else (fused ops that make the zeros).
    bool zeroKeepingEpilogue(const core::Node& n) const
    {
        const auto ops = rt::ref::stringList(n, "fused_ops");
        if (ops.empty() || ops[0] != "BiasAdd" || ops.size() > 2 || rt::ref::intAttr(n, "num_args", 1) != 1)
            return false;
        return ops.size() == 1 || (keepsZero(ops[1]) && ops[1] != "Identity");
    }

    bool producerFits(std::size_t v)
    {
        if (m_isOutput[v] || !candidate(v) || m_values[v][0].shape[3] != m_channels)
            return false;
        const auto& n = m_nodes[v];
        const auto in = dataInputs(v);
        if (rt::ref::stringAttr(n, "data_format", "NHWC") != "NHWC")
            return false;
        if (isConv(n.op)) {
            if (in.size() != (n.op == "Conv2D" ? 2u : 3u) || (n.op == "_FusedConv2D" && !zeroKeepingEpilogue(n)))
                return false;
            return widenConstant(in[1], v, 3, 4) && (in.size() == 2 || widenConstant(in[2], v, 0, 1));
        }
        if (isDepthwise(n.op)) {
            if (in.size() != (n.op == "DepthwiseConv2dNative" ? 2u : 3u) || (n.op != "DepthwiseConv2dNative" && !zeroKeepingEpilogue(n)))
                return false;
            const auto& w = m_values[in[1].node];
            if (w.empty() || !w[0].host || w[0].shape.size() != 4 || w[0].shape[3] != 1)
                return false;
            return memberInput(in[0]) && widenConstant(in[1], v, 2, 4) && (in.size() == 2 || widenConstant(in[2], v, 0, 1));
        }
        if (n.op == "BiasAdd")
            return in.size() == 2 && memberInput(in[0]) && widenConstant(in[1], v, 0, 1);
        if (isPool(n.op)) {
            const auto ksize = rt::ref::intList(n, "ksize", {1, 1, 1, 1}), strides = rt::ref::intList(n, "strides", {1, 1, 1, 1});
            return in.size() == 1 && ksize.size() == 4 && ksize[3] == 1 && strides.size() == 4 && strides[3] == 1 && memberInput(in[0]);
        }
        if (keepsZero(n.op))
            return in.size() == 1 && memberInput(in[0]);
        if (isAdd(n.op)) {
            for (const auto& r : in)
                if (r.output != 0 || m_values[r.node].size() != 1 || m_values[r.node][0].shape != m_values[v][0].shape)
                    return false;
            return in.size() == 2 && memberInput(in[0]) && memberInput(in[1]);
        }
        if (isPad(n.op))
            return padEdit(v, m_wide - m_channels);
        return false;
    }

    bool consumersFit(std::size_t v)
    {
        for (const auto j : m_dataConsumers[v]) {
            const auto& n = m_nodes[j];
            const auto in = dataInputs(j);
            std::vector<std::size_t> at; // where v is read
            for (std::size_t q = 0; q < in.size(); ++q)
                if (in[q].node == v) {
                    if (in[q].output != 0)
                        return false;
                    at.push_back(q);
                }
            const bool firstOnly = at.size() == 1 && at[0] == 0;
            if (rt::ref::stringAttr(n, "data_format", "NHWC") != "NHWC")
                return false;
            if ((keepsZero(n.op) || isPool(n.op) || isDepthwise(n.op) || n.op == "BiasAdd") && firstOnly) {
                add(j);
            } else if (isAdd(n.op)) {
                add(j);
            } else if (isConv(n.op) && firstOnly) {
                if (in.size() < 2 || !widenConstant(in[1], j, 2, 4))
                    return false;
            } else if (isPad(n.op) && firstOnly) {
                if (!padEdit(j, -(m_wide - m_channels)))
                    return false;
            } else {
                return false;
            }
        }
        return true;
    }

    const std::vector<core::Node>& m_nodes;
    const core::GraphIndex& m_index;
    const std::vector<std::vector<std::size_t>>& m_dataConsumers;
    const std::vector<bool>& m_isOutput;
    const std::vector<std::vector<ValueInfo>>& m_values;
    std::int64_t m_channels = 0, m_wide = 0;
    std::set<std::size_t> m_members;
    std::deque<std::size_t> m_queue;
    std::vector<Edit> m_edits;
};

} // namespace

WidenResult widenChannelsToVec4(const std::vector<core::Node>& nodes, const core::GraphIndex& index,
    const std::vector<std::vector<std::size_t>>& consumers, const std::vector<bool>& isOutput,
    std::vector<std::vector<ValueInfo>>& values, std::vector<std::vector<rt::Tensor>>& constants)
{
    WidenResult result;
    Grouper grouper(nodes, index, consumers, isOutput, values);
    std::vector<bool> tried(nodes.size(), false);
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        if (tried[k] || !grouper.candidate(k))
            continue;
        std::vector<std::size_t> members;
        std::vector<Edit> edits;
        const auto channels = values[k][0].shape[3];
        const bool ok = grouper.group(k, members, edits);
        tried[k] = true;
        for (const auto m : members)
            tried[m] = true;
        if (!ok)
            continue;
        for (const auto& e : edits) {
            auto& t = constants[e.node][0];
            if (e.axis >= 0)
                t = widened(t, static_cast<std::size_t>(e.axis), e.size);
            else
                t.i[7] += static_cast<std::int32_t>(e.delta);
            values[e.node][0].shape = t.shape;
            values[e.node][0].host = &t;
        }
        const auto wide = (channels + 3) / 4 * 4;
        for (const auto m : members)
            values[m][0].shape[3] = wide;
        result.values += members.size();
        result.notes.push_back(std::to_string(channels) + " -> " + std::to_string(wide) + " channels (zeros added): "
            + std::to_string(members.size()) + " value(s), from '" + nodes[k].name + "'");
    }
    return result;
}

} // namespace studio::vk
