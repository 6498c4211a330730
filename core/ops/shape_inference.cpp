// Static dtype and shape inference over a graph model: nodes in dependency order, each through
// its op schema; Const nodes typed from their weights, placeholders from the options or the graph.
#include "core/ops/shape_inference.h"

#include "core/error.h"
#include "core/ops/schemas/common.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace studio::core {

namespace {

std::string bare(const std::string& name)
{
    return name.size() > 2 && name.ends_with(":0") ? name.substr(0, name.size() - 2) : name;
}

// A Const's type from the weight that backs it; small unquantized int32 weights carry their
// values (read from the stored bytes, which for int32 are the values themselves).
TensorType weightType(const Weight& w)
{
    TensorType t = TensorType::of(schema::tfjsDType(w.dtype), w.shape);
    const auto n = w.elementCount();
    if (w.dtype == DType::Int32 && !w.quantization && n <= kMaxFoldedElements && w.byteLength == static_cast<std::uint64_t>(n) * 4) {
        const auto bytes = w.storedBytes();
        std::vector<std::int32_t> values(static_cast<std::size_t>(n));
        std::memcpy(values.data(), bytes.data(), values.size() * 4);
        t.intValues = std::vector<std::int64_t>(values.begin(), values.end());
    }
    return t;
}

class Inference {
public:
    Inference(const Model& model, const InferOptions& options) : m_model(model), m_options(options), m_index(model.graph)
    {
        for (const auto& g : model.weightGroups)
            for (const auto& w : g.weights)
                m_weights.emplace(w.name, &w);
        for (const auto& spec : model.inputs)
            m_specs.emplace(bare(spec.name), &spec);
        m_result.outputs.resize(model.graph.nodes.size());
    }

    InferResult run()
    {
        const auto& nodes = m_model.graph.nodes;
        std::vector<bool> dangling(nodes.size(), false);
        for (const auto& [k, text] : m_index.dangling()) {
            dangling[k] = true;
            problem(nodes[k], "input '" + text + "' names no node");
        }
        for (const auto k : order()) {
            const auto& node = nodes[k];
            const auto* schema = findSchema(node.op);
            if (!schema) {
                problem(node, "no schema for op " + node.op);
                m_result.outputs[k] = {TensorType{}};
                continue;
            }
            if (dangling[k]) {
                // Input positions cannot be trusted once one of them is missing.
                m_result.outputs[k] = std::vector<TensorType>(static_cast<std::size_t>(std::max(0, schema->outputCount(node))));
                continue;
            }
            try {
                m_result.outputs[k] = infer(k, *schema);
            } catch (const Error& e) {
                if (m_options.strict)
                    rethrowWithFile(e);
                m_result.problems.emplace_back(e.what());
                m_result.inconsistencies.emplace_back(e.what());
                m_result.outputs[k] = std::vector<TensorType>(static_cast<std::size_t>(std::max(0, schema->outputCount(node))));
            }
        }
        return std::move(m_result);
    }

private:
    [[noreturn]] void rethrowWithFile(const Error& e) const
    {
        if (m_model.sourcePath.empty() || !e.where().file.empty())
            throw e;
        Location where = e.where();
        where.file = m_model.sourcePath;
        throw Error(m_model.sourcePath + ": " + e.what(), where);
    }

    void problem(const Node& node, const std::string& what)
    {
        Location where;
        where.node = node.name;
        const Error e("node '" + node.name + "' (" + node.op + "): " + what, where);
        if (m_options.strict)
            rethrowWithFile(e);
        m_result.problems.emplace_back(e.what());
    }

    // Dependency order. Strict: a cycle is an error naming a node. Lenient: the nodes of a cycle
    // (TF1 control flow loops) are taken in node order with their unknown inputs, so that
    // everything outside the loop is still inferred.
    std::vector<std::size_t> order()
    {
        if (m_options.strict)
            return m_index.topologicalOrder(m_model.sourcePath);
        const auto n = m_index.size();
        std::vector<std::size_t> pending(n, 0);
        for (std::size_t k = 0; k < n; ++k) {
            std::vector<std::size_t> producers;
            for (const auto& in : m_index.inputs(k))
                producers.push_back(in.node);
            std::sort(producers.begin(), producers.end());
            pending[k] = static_cast<std::size_t>(std::unique(producers.begin(), producers.end()) - producers.begin());
        }
        std::vector<std::size_t> out, ready;
        std::vector<bool> taken(n, false);
        for (std::size_t k = n; k-- > 0;)
            if (pending[k] == 0)
                ready.push_back(k);
        std::size_t scan = 0;
        while (out.size() < n) {
            if (ready.empty()) {
                while (taken[scan])
                    ++scan;
                problem(m_model.graph.nodes[scan], "is in a cycle; its inputs are taken as unknown");
                ready.push_back(scan);
                pending[scan] = 0;
            }
            const auto k = ready.back();
            ready.pop_back();
            if (taken[k])
                continue;
            taken[k] = true;
            out.push_back(k);
            for (const auto c : m_index.consumers(k))
                if (!taken[c] && pending[c] > 0 && --pending[c] == 0)
                    ready.push_back(c);
        }
        return out;
    }

    std::vector<TensorType> infer(std::size_t k, const OpSchema& schema)
    {
        const auto& node = m_model.graph.nodes[k];
        std::vector<const TensorType*> inputs;
        for (const auto& in : m_index.inputs(k)) {
            if (in.control)
                continue;
            const auto& produced = m_result.outputs[in.node];
            if (in.output < 0 || static_cast<std::size_t>(in.output) >= produced.size()) {
                // Lenient mode reaches the nodes of a cycle before their producers: unknown, quietly.
                if (!produced.empty() || m_options.strict)
                    problem(node, "reads output " + std::to_string(in.output) + " of '" + std::string(m_index.name(in.node))
                            + "', which has " + std::to_string(produced.size()));
                inputs.push_back(&m_unknown);
                continue;
            }
            inputs.push_back(&produced[static_cast<std::size_t>(in.output)]);
        }
        InferContext ctx(node, inputs);
        const auto count = static_cast<int>(inputs.size());
        if (count < schema.minInputs || (schema.maxInputs >= 0 && count > schema.maxInputs))
            ctx.fail("has " + std::to_string(count) + " inputs, expected "
                + (schema.maxInputs == schema.minInputs ? std::to_string(schema.minInputs)
                        : schema.maxInputs < 0      ? "at least " + std::to_string(schema.minInputs)
                                                    : std::to_string(schema.minInputs) + " to " + std::to_string(schema.maxInputs)));
        for (const auto& attr : schema.attrs)
            if (attr.required && !ctx.has(std::string(attr.name)))
                ctx.fail("attribute '" + std::string(attr.name) + "' is missing");

        std::vector<TensorType> out;
        if (node.op == "Const") {
            if (const auto it = m_weights.find(node.name); it != m_weights.end())
                out = {weightType(*it->second)};
            else
                out = schema.infer(ctx);
        } else if (node.op == "Placeholder") {
            out = {placeholder(ctx, schema.infer(ctx).front())};
        } else {
            out = schema.infer(ctx);
        }
        const auto expected = schema.outputCount(node);
        if (static_cast<int>(out.size()) != expected)
            ctx.fail("its schema gave " + std::to_string(out.size()) + " outputs, expected " + std::to_string(expected));
        return out;
    }

    // A feed's shape from the options must fit the placeholder (TF.js rejects one that does not);
    // otherwise the declared shape stands. The model's input specs only fill in a placeholder
    // that declares no shape at all: a signature's sizes are an example, not a promise.
    TensorType placeholder(const InferContext& ctx, TensorType declared)
    {
        const auto& name = ctx.node().name;
        const auto spec = m_specs.find(name);
        if (!declared.dtype && spec != m_specs.end() && spec->second->tfDtype)
            if (const auto d = dtypeFromTf(*spec->second->tfDtype))
                declared.dtype = schema::tfjsDType(*d);
        auto given = m_options.inputShapes.find(name);
        if (given == m_options.inputShapes.end())
            given = m_options.inputShapes.find(name + ":0");
        if (given != m_options.inputShapes.end()) {
            const auto& want = given->second;
            const auto& have = declared.shape;
            bool fits = want.unknownRank || have.unknownRank || want.dims.size() == have.dims.size();
            for (std::size_t d = 0; fits && !want.unknownRank && !have.unknownRank && d < have.dims.size(); ++d)
                fits = have.dims[d] < 0 || want.dims[d] < 0 || have.dims[d] == want.dims[d];
            if (!fits)
                ctx.fail("the input shape " + want.toString() + " does not fit the declared " + have.toString());
            if (!want.unknownRank)
                declared.shape = want;
            return declared;
        }
        if (declared.shape.unknownRank && spec != m_specs.end() && spec->second->shape)
            declared.shape = *spec->second->shape;
        return declared;
    }

    const Model& m_model;
    const InferOptions& m_options;
    GraphIndex m_index;
    std::unordered_map<std::string_view, const Weight*> m_weights;
    std::unordered_map<std::string, const TensorSpec*> m_specs;
    InferResult m_result;
    const TensorType m_unknown;
};

} // namespace

const TensorType* InferResult::find(const Graph& /*graph*/, const GraphIndex& index, const std::string& tensor) const
{
    const auto p = parseInput(tensor);
    const auto k = index.find(p.node);
    if (!k || *k >= outputs.size() || p.control || p.output < 0 || static_cast<std::size_t>(p.output) >= outputs[*k].size())
        return nullptr;
    return &outputs[*k][static_cast<std::size_t>(p.output)];
}

InferResult inferShapes(const Model& model, const InferOptions& options)
{
    return Inference(model, options).run();
}

} // namespace studio::core
