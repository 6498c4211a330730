// The converter's fold_batch_norms (CONVERTER.md §3.3.1): a batch norm whose input is a
// convolution with a constant filter is folded into the filter and a BiasAdd. The arithmetic
// follows the reference's numpy dtypes, so the new weights are the reference's bytes: the
// variance plus epsilon in float32, its square root and the scale in float64, each new filter
// element float32(w * scale) and the offset float32(beta - mean * scale).
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

#include <cmath>

namespace studio::conv {

namespace {

struct Match {
    std::string bn, conv, add, filter;
    std::string gamma, beta, mean, var;
    std::string addConst; // the constant of the Add / BiasAdd between conv and BN, if any
    double epsilon = 0;
    bool useGamma = true;
};

class FoldBatchNorms final : public Pass {
public:
    std::string name() const override { return "fold_batch_norms"; }
    void run(core::Model& model, PassContext& context) const override
    {
        std::set<std::string> seen;
        for (const auto& n : model.graph.nodes)
            if (!seen.insert(n.name).second)
                fail(model.sourcePath, "Duplicate node names detected for " + n.name);

        std::vector<Match> matches;
        for (const auto& n : model.graph.nodes) {
            const bool fused = n.op == "FusedBatchNorm" || n.op == "FusedBatchNormV3";
            const bool global = n.op == "BatchNormWithGlobalNormalization";
            if (!fused && !global)
                continue;
            auto why = match(model, n, fused, matches);
            if (!why.empty() && context.report)
                context.report->notes.push_back(n.name + " (" + n.op + ") not folded: " + why);
        }
        for (const auto& m : matches) {
            context.cancel.check();
            fold(model, m);
            if (context.report)
                context.report->fused.push_back(m.conv + (m.add.empty() ? "" : " + " + m.add) + " + " + m.bn);
        }
    }

private:
    static std::string match(const core::Model& model, const core::Node& bn, bool fused, std::vector<Match>& out)
    {
        const auto data = edit::dataInputs(bn);
        if (data.size() != 5)
            return "expected 5 inputs";
        Match m;
        m.bn = bn.name;
        for (const auto& prior : out)
            if (prior.conv == core::inputNodeName(data[0]))
                return "its convolution is folded already";
        const auto* x = model.graph.find(core::inputNodeName(data[0]));
        if (!x)
            return "input missing";
        const core::Node* conv = x;
        if (x->op == "BiasAdd" || x->op == "Add" || x->op == "AddV2") {
            const auto addIn = edit::dataInputs(*x);
            if (addIn.size() != 2)
                return "the Add before it does not have 2 inputs";
            conv = nullptr;
            for (int k = 0; k < 2 && !conv; ++k) {
                const auto* a = model.graph.find(core::inputNodeName(addIn[static_cast<std::size_t>(k)]));
                const auto* b = model.graph.find(core::inputNodeName(addIn[static_cast<std::size_t>(1 - k)]));
                if (a && (a->op == "Conv2D" || a->op == "DepthwiseConv2dNative") && edit::isConst(model, b)) {
                    conv = a;
                    m.addConst = b->name;
                }
                if (x->op == "BiasAdd")
                    break; // the conv is the BiasAdd's value input
            }
            if (!conv)
                return "the Add before it does not add a constant to a convolution";
            m.add = x->name;
        }
        if (conv->op != "Conv2D" && conv->op != "DepthwiseConv2dNative")
            return "its input is not a Conv2D or DepthwiseConv2dNative";
        m.conv = conv->name;
        const auto convIn = edit::dataInputs(*conv);
        if (convIn.size() != 2 || !edit::isConst(model, model.graph.find(core::inputNodeName(convIn[1]))))
            return "the convolution's filter is not a constant";
        m.filter = core::inputNodeName(convIn[1]);
        if (fused) {
            m.gamma = core::inputNodeName(data[1]);
            m.beta = core::inputNodeName(data[2]);
            m.mean = core::inputNodeName(data[3]);
            m.var = core::inputNodeName(data[4]);
        } else {
            m.mean = core::inputNodeName(data[1]);
            m.var = core::inputNodeName(data[2]);
            m.beta = core::inputNodeName(data[3]);
            m.gamma = core::inputNodeName(data[4]);
        }
        const auto* epsAttr = core::findAttr(bn.attrs, fused ? "epsilon" : "variance_epsilon");
        m.epsilon = epsAttr ? epsAttr->f : (fused ? 0.0001 : 0.0); // TF's default for FusedBatchNorm
        if (!fused) {
            const auto* s = core::findAttr(bn.attrs, "scale_after_normalization");
            m.useGamma = s && s->b;
        }
        const auto* filter = edit::findWeight(model, m.filter);
        if (filter->shape.size() != 4)
            return "the filter is not 4-D";
        const auto channels = conv->op == "Conv2D" ? filter->shape[3] : filter->shape[2] * filter->shape[3];
        for (const auto* name : {&m.mean, &m.var, &m.beta, &m.gamma}) {
            const auto* w = edit::isConst(model, model.graph.find(*name)) ? edit::findWeight(model, *name) : nullptr;
            if (!w || w->shape != std::vector<std::int64_t>{channels} || w->dtype != core::DType::Float32)
                return "'" + *name + "' is not a float constant of shape [" + std::to_string(channels) + "]";
        }
        if (!m.addConst.empty()) {
            const auto* w = edit::findWeight(model, m.addConst);
            if (w->dtype != core::DType::Float32 || (w->elementCount() != channels && w->elementCount() != 1))
                return "the added constant does not have one value per channel";
        }
        out.push_back(m);
        return {};
    }

    static void fold(core::Model& model, const Match& m)
    {
        const auto* conv = model.graph.find(m.conv);
        const bool depthwise = conv->op == "DepthwiseConv2dNative";
        auto filter = *edit::floatValues(model, m.filter);
        const auto filterShape = edit::findWeight(model, m.filter)->shape;
        auto mean = *edit::floatValues(model, m.mean);
        const auto var = *edit::floatValues(model, m.var);
        const auto beta = *edit::floatValues(model, m.beta);
        const auto gamma = *edit::floatValues(model, m.gamma);
        const std::size_t channels = mean.size();
        if (!m.addConst.empty()) {
            const auto bias = *edit::floatValues(model, m.addConst);
            for (std::size_t c = 0; c < channels; ++c)
                mean[c] = mean[c] - bias[bias.size() == 1 ? 0 : c]; // float32 - float32
        }
        const auto eps = static_cast<float>(m.epsilon);
        std::vector<double> scale(channels);
        std::vector<float> offset(channels);
        for (std::size_t c = 0; c < channels; ++c) {
            const float sum = var[c] + eps; // float32 array + Python float stays float32
            const double inv = 1.0 / std::sqrt(static_cast<double>(sum));
            scale[c] = m.useGamma ? inv * static_cast<double>(gamma[c]) : inv;
            offset[c] = static_cast<float>(static_cast<double>(-mean[c]) * scale[c] + static_cast<double>(beta[c]));
        }
        const auto multiplier = static_cast<std::size_t>(filterShape[3]);
        const auto inner = depthwise ? static_cast<std::size_t>(filterShape[2]) * multiplier : multiplier;
        for (std::size_t k = 0; k < filter.size(); ++k) {
            // Conv2D: W[h,w,i,o] *= scale[o]; depthwise: W[h,w,i,m] *= scale[i*M + m].
            const std::size_t c = depthwise ? k % inner : k % multiplier;
            filter[k] = static_cast<float>(static_cast<double>(filter[k]) * scale[c]);
        }

        // New nodes go to the end of the node list, in the reference's order.
        const auto* oldFilter = model.graph.find(m.filter);
        const auto* meanNode = model.graph.find(m.mean);
        const auto* bn = model.graph.find(m.bn);
        auto weightsNode = edit::makeConstNode(m.conv + "_weights", 1, filterShape);
        if (const auto* dt = core::findAttr(oldFilter->attrs, "dtype"))
            edit::setAttr(weightsNode, "dtype", *dt);
        auto convNode = *conv;
        convNode.inputs[1] = m.conv + "_weights";
        auto offsetNode = edit::makeConstNode(m.conv + "_bn_offset", 1, {static_cast<std::int64_t>(channels)});
        if (const auto* dt = core::findAttr(meanNode->attrs, "dtype"))
            edit::setAttr(offsetNode, "dtype", *dt);
        core::Node biasAdd;
        biasAdd.name = m.bn;
        biasAdd.op = "BiasAdd";
        biasAdd.device = bn->device;
        biasAdd.inputs = {m.conv, m.conv + "_bn_offset"};
        if (const auto* t = core::findAttr(conv->attrs, "T"))
            biasAdd.attrs.emplace_back("T", *t);
        if (const auto* f = core::findAttr(conv->attrs, "data_format"))
            biasAdd.attrs.emplace_back("data_format", *f);
        else
            biasAdd.attrs.emplace_back("data_format", core::AttrValue::ofString("NHWC"));

        // Removed: the BN, the old filter (unless something else reads it), the conv (re-added),
        // the Add between them; control inputs naming removed nodes go with them.
        std::set<std::string> removed{m.bn, m.conv};
        if (!m.add.empty())
            removed.insert(m.add);
        const auto readers = edit::readersOf(model.graph);
        if (readers.dataCount(m.filter) + readers.controlCount(m.filter) == 1)
            removed.insert(m.filter);
        edit::removeNodes(model, removed);
        std::erase_if(convNode.inputs, [&](const std::string& in) {
            return core::Node::isControlInput(in) && removed.count(in.substr(1));
        });
        model.graph.nodes.push_back(std::move(weightsNode));
        model.graph.nodes.push_back(std::move(convNode));
        model.graph.nodes.push_back(std::move(offsetNode));
        model.graph.nodes.push_back(std::move(biasAdd));
        edit::putWeight(model, edit::makeFloatWeight(m.conv + "_weights", filterShape, filter));
        edit::putWeight(model, edit::makeFloatWeight(m.conv + "_bn_offset", {static_cast<std::int64_t>(channels)}, offset));
    }
};

} // namespace

std::unique_ptr<Pass> makeFoldBatchNormsPass()
{
    return std::make_unique<FoldBatchNorms>();
}

} // namespace studio::conv
