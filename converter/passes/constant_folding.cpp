// Grappler's constant folding (CONVERTER.md §3.4): a node whose data inputs are all constants is
// computed once and replaced by a Const of the same name (why reference weights carry names like
// ".../MatMul/ReadVariableOp"); Shape / Size / Rank of statically known shapes become Consts.
// The arithmetic itself is the evaluator's (PassContext::evaluate, the reference executor's
// kernels): the converter does not carry kernels of its own.
#include "converter/passes/constant_folding.h"

#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"
#include "core/io/memory_budget.h"
#include "core/ops/shape_inference.h"

#include <cstring>
#include <unordered_set>

namespace studio::conv {

namespace {

// Never folded: values that differ per run (random, stateful, resources), control flow, and
// nodes that only exist for their side effects.
bool neverFolded(const std::string& op)
{
    static const std::unordered_set<std::string> kOps{"Const", "Placeholder", "PlaceholderWithDefault", "NoOp", "Assert",
        "Print", "PrintV2", "Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond", "RefSwitch", "RefEnter",
        "RefMerge", "ControlTrigger", "RandomUniform", "RandomUniformInt", "RandomStandardNormal", "TruncatedNormal",
        "Multinomial", "RandomShuffle", "RandomGamma", "RandomPoisson", "RandomPoissonV2", "StatelessRandomUniform",
        "VariableV2", "Variable", "VarHandleOp", "ReadVariableOp", "Assign", "AssignAdd", "AssignSub",
        "AssignVariableOp", "HashTable", "HashTableV2", "MutableHashTable", "MutableHashTableV2",
        "LookupTableFind", "LookupTableFindV2", "LookupTableImportV2", "InitializeTable", "InitializeTableV2",
        "PartitionedCall", "StatefulPartitionedCall", "If", "StatelessIf", "While", "StatelessWhile", "_Arg", "_Retval"};
    return kOps.count(op) > 0 || op.rfind("Random", 0) == 0 || op.rfind("Stateful", 0) == 0;
}

// The TensorFlow dtype a folded Const declares: the node's own type attribute when it agrees
// with what was computed (an int64 Shape stays DT_INT64, as TF writes it), else the plain one.
int constDtype(const core::Node& node, core::DType computed)
{
    auto isFloat = [](int t) { return t == 1 || t == 2 || t == 19 || t == 14; };
    auto isInt = [](int t) { return t == 3 || t == 9 || t == 4 || t == 5 || t == 6 || t == 17; };
    if (computed == core::DType::Bool)
        return 10;
    for (const auto* name : {"out_type", "DstT", "T", "dtype", "Tidx", "Tout"})
        if (const auto* a = core::findAttr(node.attrs, name); a && a->kind == core::AttrValue::Kind::Type) {
            if (computed == core::DType::Float32 && isFloat(a->type))
                return a->type;
            if (computed == core::DType::Int32 && isInt(a->type))
                return a->type;
        }
    return core::tfDataTypeOf(computed);
}

std::uint64_t valueBytes(core::DType dtype, std::int64_t elements)
{
    return static_cast<std::uint64_t>(elements) * (dtype == core::DType::Bool ? 1u : 4u);
}

class ConstantFolding final : public Pass {
public:
    std::string name() const override { return "constfold"; }
    void run(core::Model& model, PassContext& context) const override
    {
        auto note = [&](const std::string& text) {
            if (context.report && context.report->notes.size() < 50)
                context.report->notes.push_back(text);
        };
        const auto fetch = edit::fetchNodes(model);
        const std::uint64_t budget = core::memoryBudgetOr(context.maxMemoryBytes);

        // Types once: folding replaces values by equal values, so shapes and dtypes stay valid.
        const auto inferred = core::inferShapes(model);
        std::unordered_map<std::string, std::vector<core::TensorType>> types;
        for (std::size_t k = 0; k < model.graph.nodes.size(); ++k)
            types[model.graph.nodes[k].name] = inferred.outputs[k];

        std::unordered_set<std::string> refused; // tried and failed: not tried again
        std::set<std::string> feeders;            // Consts read by folded nodes (maybe dead now)
        std::size_t folded = 0;
        bool evaluatorMissingNoted = false;
        for (bool changed = true; changed;) {
            changed = false;
            context.cancel.check();
            auto byName = edit::indexByName(model.graph);
            for (std::size_t k = 0; k < model.graph.nodes.size(); ++k) {
                auto& n = model.graph.nodes[k];
                if (neverFolded(n.op) || fetch.count(n.name) || refused.count(n.name))
                    continue;
                const auto& out = types[n.name];
                // Shapes known statically fold without evaluating anything.
                if ((n.op == "Shape" || n.op == "Size" || n.op == "Rank") && materializeShape(model, n, out, types)) {
                    ++folded;
                    changed = true;
                    continue;
                }
                const auto data = edit::dataInputs(n);
                if (data.empty())
                    continue;
                bool allConst = true;
                std::uint64_t inputBytes = 0;
                for (const auto& in : data) {
                    const auto it = byName.find(core::inputNodeName(in));
                    const auto* w = it == byName.end() ? nullptr : edit::findWeight(model, model.graph.nodes[it->second].name);
                    if (!w || model.graph.nodes[it->second].op != "Const") {
                        allConst = false;
                        break;
                    }
                    inputBytes += w->byteLength;
                }
                if (!allConst)
                    continue;
                if (!context.evaluate) {
                    if (!evaluatorMissingNoted)
                        note("no constant evaluator was given (the caller passes one: runtime/constant_eval.h): "
                             "nothing folded, e.g. " + n.name + " (" + n.op + ")");
                    evaluatorMissingNoted = true;
                    refused.insert(n.name);
                    continue;
                }
                // Forwarding a constant computes nothing: the new Const shares the input's stored
                // bytes (a frozen variable read is an Identity of a checkpoint tensor; copying
                // those would hold every weight of the model in memory once more).
                if ((n.op == "Identity" || n.op == "Snapshot" || n.op == "StopGradient" || n.op == "PreventGradient")
                    && data.size() == 1) {
                    const auto& srcNode = model.graph.nodes[byName.at(core::inputNodeName(data[0]))];
                    const auto* src = edit::findWeight(model, srcNode.name);
                    if (src && core::parseInput(data[0]).output == 0) {
                        core::Weight w = *src;
                        w.name = n.name;
                        int dt = core::tfDataTypeOf(w.dtype);
                        if (const auto* a = core::findAttr(srcNode.attrs, "dtype"); a && a->kind == core::AttrValue::Kind::Type)
                            dt = a->type;
                        std::vector<std::string> controls;
                        for (const auto& in : n.inputs)
                            if (core::Node::isControlInput(in))
                                controls.push_back(in);
                        feeders.insert(srcNode.name);
                        auto c = edit::makeConstNode(n.name, dt, w.shape);
                        c.device = n.device;
                        c.inputs = controls;
                        c.extra = n.extra;
                        n = std::move(c);
                        edit::putWeight(model, std::move(w));
                        ++folded;
                        changed = true;
                        continue;
                    }
                }
                // What every output would hold, refused when unknown or too large.
                std::string why;
                std::uint64_t outBytes = 0;
                if (out.empty())
                    why = "its outputs are not known statically";
                for (const auto& t : out) {
                    const auto count = t.shape.elementCount();
                    if (!t.dtype || !count) {
                        why = "an output shape or dtype is not known statically";
                        break;
                    }
                    if (*t.dtype != core::DType::Float32 && *t.dtype != core::DType::Int32 && *t.dtype != core::DType::Bool) {
                        why = "dtype " + std::string(core::dtypeName(*t.dtype)) + " is not folded";
                        break;
                    }
                    outBytes += valueBytes(*t.dtype, *count);
                }
                if (why.empty() && outBytes > std::max<std::uint64_t>(inputBytes, kMaxFoldedConstantBytes))
                    why = "the result (" + std::to_string(outBytes) + " bytes) would be much larger than its inputs";
                if (why.empty() && outBytes > budget)
                    why = "the result (" + std::to_string(outBytes) + " bytes) is over the memory budget of "
                        + core::byteSizeText(budget);
                if (!why.empty()) {
                    note(n.name + " (" + n.op + "): not folded: " + why);
                    refused.insert(n.name);
                    continue;
                }
                // Which outputs anybody reads (all of them for a single-output node).
                std::vector<int> slots;
                if (out.size() == 1)
                    slots.push_back(0);
                else
                    slots = readSlots(model.graph, n.name, out.size());
                core::Model sub;
                sub.kind = core::ModelKind::GraphModel;
                sub.sourcePath = model.sourcePath;
                auto& subGroup = sub.weightGroups.emplace_back();
                std::set<std::string> added;
                for (const auto& in : data) {
                    const auto src = core::inputNodeName(in);
                    if (!added.insert(src).second)
                        continue;
                    auto c = model.graph.nodes[byName.at(src)];
                    c.inputs.clear();
                    sub.graph.nodes.push_back(std::move(c));
                    subGroup.weights.push_back(*edit::findWeight(model, src));
                }
                auto copy = n;
                copy.inputs = data;
                sub.graph.nodes.push_back(copy);
                std::vector<std::string> requested;
                for (const int s : slots) {
                    requested.push_back(n.name + ":" + std::to_string(s));
                    core::TensorSpec spec;
                    spec.name = requested.back();
                    spec.key = spec.name;
                    sub.outputs.push_back(spec);
                }
                std::vector<core::Weight> values;
                try {
                    values = context.evaluate(sub, requested);
                } catch (const Error& e) {
                    note(n.name + " (" + n.op + "): not folded: " + e.what());
                    refused.insert(n.name);
                    continue;
                }
                if (values.size() != requested.size()) {
                    note(n.name + " (" + n.op + "): not folded: the evaluator returned " + std::to_string(values.size())
                        + " values for " + std::to_string(requested.size()) + " outputs");
                    refused.insert(n.name);
                    continue;
                }
                for (const auto& in : data)
                    feeders.insert(core::inputNodeName(in));
                std::vector<std::string> controls;
                for (const auto& in : n.inputs)
                    if (core::Node::isControlInput(in))
                        controls.push_back(in);
                if (out.size() == 1) {
                    auto w = toWeight(std::move(values[0]), n.name, *out[0].dtype);
                    const int dt = constDtype(n, *out[0].dtype);
                    auto c = edit::makeConstNode(n.name, dt, w.shape);
                    c.device = n.device;
                    c.inputs = controls;
                    c.extra = n.extra;
                    n = std::move(c);
                    edit::putWeight(model, std::move(w));
                } else {
                    // Several outputs: TF's names, "ConstantFolding/<node>-<k>", one per read output.
                    const auto original = n;
                    std::vector<core::Node> made;
                    for (std::size_t s = 0; s < slots.size(); ++s) {
                        const auto name = "ConstantFolding/" + original.name + "-" + std::to_string(slots[s]);
                        const auto dtype = *out[static_cast<std::size_t>(slots[s])].dtype;
                        auto w = toWeight(std::move(values[s]), name, dtype);
                        auto c = edit::makeConstNode(name, constDtype(original, dtype), w.shape);
                        c.device = original.device;
                        c.inputs = controls;
                        made.push_back(std::move(c));
                        edit::putWeight(model, std::move(w));
                        edit::redirect(model.graph, original.name + ":" + std::to_string(slots[s]), name);
                    }
                    model.graph.nodes.erase(model.graph.nodes.begin() + static_cast<std::ptrdiff_t>(k));
                    model.graph.nodes.insert(model.graph.nodes.begin() + static_cast<std::ptrdiff_t>(k), made.begin(), made.end());
                    for (std::size_t s = 0; s < slots.size(); ++s)
                        types[made[s].name] = {out[static_cast<std::size_t>(slots[s])]};
                    byName = edit::indexByName(model.graph);
                    k += made.size() - 1;
                }
                ++folded;
                changed = true;
            }
        }
        // Consts that only fed folded nodes are dead now.
        const auto readers = edit::readersOf(model.graph);
        std::set<std::string> dead;
        for (const auto& name : feeders)
            if (!fetch.count(name) && !readers.dataCount(name) && !readers.controlCount(name))
                dead.insert(name);
        edit::removeNodes(model, dead);
        if (folded && context.report)
            context.report->notes.push_back(std::to_string(folded) + " node(s) folded into constants");
    }

private:
    // The output slots of `name` that some node reads, in order.
    static std::vector<int> readSlots(const core::Graph& graph, const std::string& name, std::size_t outputs)
    {
        std::vector<bool> read(outputs, false);
        for (const auto& n : graph.nodes)
            for (const auto& in : n.inputs) {
                if (core::Node::isControlInput(in) || core::inputNodeName(in) != name)
                    continue;
                const auto p = core::parseInput(in);
                if (p.output >= 0 && static_cast<std::size_t>(p.output) < outputs)
                    read[static_cast<std::size_t>(p.output)] = true;
            }
        std::vector<int> out;
        for (std::size_t s = 0; s < outputs; ++s)
            if (read[s])
                out.push_back(static_cast<int>(s));
        return out;
    }

    // The evaluator's value under the Const's name, as the dtype the graph says (the executor
    // computes bools as int32 0/1).
    static core::Weight toWeight(core::Weight w, const std::string& name, core::DType dtype)
    {
        w.name = name;
        if (dtype == core::DType::Bool && w.dtype == core::DType::Int32) {
            const auto bytes = w.storedBytes();
            std::vector<std::uint8_t> b(bytes.size() / 4);
            for (std::size_t k = 0; k < b.size(); ++k) {
                std::int32_t v = 0;
                std::memcpy(&v, bytes.data() + 4 * k, 4);
                b[k] = v != 0;
            }
            return edit::makeWeight(name, core::DType::Bool, w.shape, std::move(b));
        }
        return w;
    }

    // Shape / Size / Rank whose input shape is fully known: an int Const, no evaluation needed.
    static bool materializeShape(core::Model& model, core::Node& n, const std::vector<core::TensorType>& out,
        const std::unordered_map<std::string, std::vector<core::TensorType>>& types)
    {
        const auto data = edit::dataInputs(n);
        if (data.size() != 1 || out.size() != 1)
            return false;
        const auto p = core::parseInput(data[0]);
        const auto it = types.find(std::string(p.node));
        if (it == types.end() || p.output < 0 || static_cast<std::size_t>(p.output) >= it->second.size())
            return false;
        const auto& shape = it->second[static_cast<std::size_t>(p.output)].shape;
        if (!shape.elementCount())
            return false;
        std::vector<std::int32_t> values;
        std::vector<std::int64_t> dims;
        if (n.op == "Shape") {
            for (const auto d : shape.dims)
                values.push_back(static_cast<std::int32_t>(d));
            dims = {static_cast<std::int64_t>(values.size())};
        } else if (n.op == "Size") {
            values.push_back(static_cast<std::int32_t>(*shape.elementCount()));
        } else {
            values.push_back(static_cast<std::int32_t>(shape.dims.size()));
        }
        std::vector<std::uint8_t> bytes(values.size() * 4);
        if (!values.empty())
            std::memcpy(bytes.data(), values.data(), bytes.size());
        auto c = edit::makeConstNode(n.name, constDtype(n, core::DType::Int32), dims);
        c.device = n.device;
        // The shape does not depend on the value: the data edge becomes a control edge, as TF does.
        c.inputs = {"^" + std::string(p.node)};
        for (const auto& in : n.inputs)
            if (core::Node::isControlInput(in))
                c.inputs.push_back(in);
        edit::tidyInputs(c);
        c.extra = n.extra;
        const std::string name = n.name;
        n = std::move(c);
        edit::putWeight(model, edit::makeWeight(name, core::DType::Int32, dims, std::move(bytes)));
        return true;
    }
};

} // namespace

std::unique_ptr<Pass> makeConstantFoldingPass()
{
    return std::make_unique<ConstantFolding>();
}

} // namespace studio::conv
