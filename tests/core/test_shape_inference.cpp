// Static shape inference against real TensorFlow.js: the shape and dtype of every node's output,
// as TF.js (cpu) computed them for the harness's inputs (tests/parity/dump_shapes.js, dumps given
// after "--cases MODEL=DUMP ..."), must be what inferShapes says for the same input shapes. Plus
// the schemas' own contract: clean errors naming the node, int-value folding, one schema per
// op the reference executor runs.
#include "core/error.h"
#include "core/io/byte_source.h"
#include "core/ops/op_schema.h"
#include "core/ops/shape_inference.h"
#include "core/tfjs/model_json_reader.h"
#include "runtime/reference/kernels.h"

#include "tests/support/cases_main.h"

#include <QtTest>

#include <cstring>
#include <filesystem>
#include <random>
#include <set>

using namespace studio;

namespace {
std::vector<std::pair<std::string, std::string>> g_cases;

core::AttrValue intList(std::vector<std::int64_t> v)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.i = std::move(v);
    return a;
}

core::AttrValue stringList(std::vector<std::string> v)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.s = std::move(v);
    return a;
}

std::string typeText(const core::TensorType& t)
{
    return t.shape.toString() + " " + (t.dtype ? std::string(core::dtypeName(*t.dtype)) : "?");
}

// A small graph built node by node; Consts are backed by int32 / float32 weights as in a model.json.
class GraphBuilder {
public:
    GraphBuilder() { m_model.weightGroups.emplace_back(); }

    std::string placeholder(const std::string& name, std::vector<std::int64_t> dims, int tfDtype = 1)
    {
        core::Node n;
        n.name = name;
        n.op = "Placeholder";
        n.attrs = {{"dtype", core::AttrValue::ofType(tfDtype)}, {"shape", core::AttrValue::ofShape(core::Shape{dims, false})}};
        m_model.graph.nodes.push_back(n);
        return name;
    }

    std::string ints(const std::string& name, std::vector<std::int64_t> dims, const std::vector<std::int32_t>& values)
    {
        return weight(name, core::DType::Int32, std::move(dims), values.data(), values.size() * 4);
    }
    std::string floats(const std::string& name, std::vector<std::int64_t> dims)
    {
        std::int64_t n = 1;
        for (auto d : dims)
            n *= d;
        const std::vector<float> zeros(static_cast<std::size_t>(n), 0.0f);
        return weight(name, core::DType::Float32, std::move(dims), zeros.data(), zeros.size() * 4);
    }

    std::string op(const std::string& name, const std::string& op, std::vector<std::string> inputs, core::AttrMap attrs = {})
    {
        core::Node n;
        n.name = name;
        n.op = op;
        n.inputs = std::move(inputs);
        n.attrs = std::move(attrs);
        m_model.graph.nodes.push_back(n);
        return name;
    }

    core::Model& model() { return m_model; }

    // The inferred type of "node[:k]" (strict mode).
    core::TensorType type(const std::string& tensor, const core::InferOptions& options = {})
    {
        auto strict = options;
        strict.strict = true;
        const auto result = core::inferShapes(m_model, strict);
        const core::GraphIndex index(m_model.graph);
        const auto* t = result.find(m_model.graph, index, tensor);
        if (!t)
            throw std::runtime_error("no type for " + tensor);
        return *t;
    }

private:
    std::string weight(const std::string& name, core::DType dtype, std::vector<std::int64_t> dims, const void* data, std::size_t bytes)
    {
        core::Weight w;
        w.name = name;
        w.dtype = dtype;
        w.shape = std::move(dims);
        std::vector<std::uint8_t> raw(bytes);
        std::memcpy(raw.data(), data, bytes);
        w.byteLength = bytes;
        w.source = std::make_shared<core::MemorySource>(std::move(raw));
        core::Node n;
        n.name = name;
        n.op = "Const";
        n.attrs = {{"dtype", core::AttrValue::ofType(core::tfDataTypeOf(dtype))}};
        m_model.graph.nodes.push_back(n);
        m_model.weightGroups[0].weights.push_back(std::move(w));
        return name;
    }

    core::Model m_model;
};

// Runs inference in strict mode; empty when it throws a studio::Error naming `node` in its text and
// location and containing `fragment`, else what went wrong.
QString nodeErrorProblem(GraphBuilder& builder, const QString& node, const QString& fragment)
{
    try {
        core::inferShapes(builder.model(), {{}, true});
        return "no error for node '" + node + "'";
    } catch (const Error& e) {
        const QString what = e.what();
        if (!what.contains("node '" + node + "'") || !what.contains(fragment))
            return "unexpected message: " + what;
        if (QString::fromStdString(e.where().node) != node)
            return "the location names '" + QString::fromStdString(e.where().node) + "': " + what;
    }
    return {};
}

#define EXPECT_NODE_ERROR(builder, node, fragment)                                                                     \
    do {                                                                                                               \
        const auto problem_ = nodeErrorProblem(builder, node, fragment);                                               \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_));                                                            \
    } while (false)

} // namespace

class TestShapeInference : public QObject {
    Q_OBJECT
private slots:
    void matchesTfjs_data() { studio::test::addCaseRows(g_cases); }

    // Every node TF.js could fetch: same shape, same dtype. The inputs are the harness's concrete
    // shapes (its --dim for unknown dimensions), read back from the dump.
    void matchesTfjs()
    {
        QFETCH(QString, model);
        QFETCH(QString, dump);
        const auto expected = studio::test::loadDump(dump);
        const auto m = core::readTfjsModel(model.toStdString());
        core::InferOptions options;
        options.strict = true;
        for (const auto& in : expected["inputs"])
            options.inputShapes[in["name"].get<std::string>()] = core::Shape{in["shape"].get<std::vector<std::int64_t>>(), false};
        const auto result = core::inferShapes(m, options);
        QVERIFY2(result.problems.empty(), result.problems.empty() ? "" : result.problems.front().c_str());
        // Without the feeds, unknown dimensions stay unknown but nothing is inconsistent.
        core::inferShapes(m, {{}, true});
        const core::GraphIndex index(m.graph);
        QStringList mismatches;
        std::size_t compared = 0;
        for (const auto& [name, outs] : expected["nodes"].items()) {
            const auto k = index.find(name);
            QVERIFY2(k, qPrintable("TF.js ran node '" + QString::fromStdString(name) + "', which our model lacks"));
            const auto& node = m.graph.nodes[*k];
            for (std::size_t o = 0; o < outs.size(); ++o) {
                const auto& want = outs[o];
                const auto wantText = core::Shape{want["shape"].get<std::vector<std::int64_t>>(), false}.toString() + " "
                    + want["dtype"].get<std::string>();
                const auto& got = result.outputs[*k];
                const auto gotText = o < got.size() ? typeText(got[o]) : std::string("<no output>");
                ++compared;
                if (gotText != wantText)
                    mismatches << QString::fromStdString("node '" + name + "' (" + node.op + ") output " + std::to_string(o)
                        + ": inferred " + gotText + ", TF.js " + wantText);
            }
        }
        std::set<std::string> covered;
        for (const auto& [name, outs] : expected["nodes"].items())
            covered.insert(name);
        for (const auto& [name, why] : expected["skipped"].items()) {
            qInfo("TF.js could not fetch '%s': %s", name.c_str(), why.get<std::string>().c_str());
            covered.insert(std::string(core::parseInput(name).node));
        }
        qInfo("%s: %zu node outputs compared with TF.js, %lld differ", qPrintable(model), compared,
            static_cast<long long>(mismatches.size()));
        QVERIFY2(covered.size() == m.graph.nodes.size(), "the dump does not cover every node");
        QVERIFY2(mismatches.empty(), qPrintable(mismatches.mid(0, 20).join("\n")));
    }

    // Lenient inference over every graph model of the corpus (control flow, ops without schemas
    // included): it reports problems, it does not throw.
    void lenientOverCorpus()
    {
        std::size_t models = 0;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(STUDIO_MODELS_DIR)) {
            if (entry.path().extension() != ".json")
                continue;
            core::Model m;
            try {
                m = core::readTfjsModel(entry.path());
            } catch (const Error&) {
                continue; // not a model.json, or one made broken on purpose
            }
            if (m.kind != core::ModelKind::GraphModel)
                continue;
            ++models;
            const auto result = core::inferShapes(m);
            QCOMPARE(result.outputs.size(), m.graph.nodes.size());
            qInfo("%s: %zu nodes, %zu problems%s%s", entry.path().c_str(), m.graph.nodes.size(), result.problems.size(),
                result.problems.empty() ? "" : ", first: ", result.problems.empty() ? "" : result.problems.front().c_str());
        }
        QVERIFY(models >= 5);
    }

    // The reference executor's ops must all be described, so the executor can size its buffers
    // from inferShapes alone.
    void schemaForEveryKernel()
    {
        QStringList missing;
        for (const auto& op : rt::ref::kernelOps())
            if (!core::findSchema(op))
                missing << QString::fromStdString(op);
        for (const auto* op : {"Const", "Placeholder", "Identity", "NoOp"})
            if (!core::findSchema(op))
                missing << op;
        QVERIFY2(missing.isEmpty(), qPrintable("no schema for: " + missing.join(", ")));
        const auto all = core::allSchemas();
        QVERIFY(std::is_sorted(all.begin(), all.end(), [](const auto* a, const auto* b) { return a->op < b->op; }));
        qInfo("%zu schemas", all.size());
    }

    void matMulInnerDimensionNamesTheNode()
    {
        GraphBuilder g;
        const auto a = g.placeholder("a", {2, 3});
        const auto b = g.floats("b", {4, 5});
        g.op("mm", "MatMul", {a, b});
        EXPECT_NODE_ERROR(g, "mm", "inner dimensions differ");
        // transpose_b makes it fit: [2,3] x [5,3]^T.
        GraphBuilder ok;
        ok.op("mm", "MatMul", {ok.placeholder("a", {2, 3}), ok.floats("b", {5, 3})}, {{"transpose_b", core::AttrValue::ofBool(true)}});
        QCOMPARE(typeText(ok.type("mm")), std::string("[2,5] float32"));
    }

    // One bad input per family of the reference executor's ops; each error names the node.
    void badInputsNameTheNode()
    {
        using core::AttrValue;
        const auto same = AttrValue::ofString("SAME");
        const auto valid = AttrValue::ofString("VALID");
        struct Case {
            const char* what;
            std::function<void(GraphBuilder&)> build;
            const char* fragment;
        };
        const std::vector<Case> cases{
            {"Conv2D channels", [&](GraphBuilder& g) {
                 g.op("bad", "Conv2D", {g.placeholder("x", {1, 8, 8, 3}), g.floats("w", {3, 3, 4, 8})},
                     {{"strides", intList({1, 1, 1, 1})}, {"padding", same}});
             }, "input channels"},
            {"Conv2D window too big", [&](GraphBuilder& g) {
                 g.op("bad", "Conv2D", {g.placeholder("x", {1, 2, 2, 3}), g.floats("w", {3, 3, 3, 8})},
                     {{"strides", intList({1, 1, 1, 1})}, {"padding", valid}});
             }, "does not fit"},
            {"_FusedConv2D bias", [&](GraphBuilder& g) {
                 g.op("bad", "_FusedConv2D", {g.placeholder("x", {1, 8, 8, 3}), g.floats("w", {3, 3, 3, 8}), g.floats("b", {4})},
                     {{"strides", intList({1, 1, 1, 1})}, {"padding", same}, {"fused_ops", stringList({"BiasAdd", "Relu"})},
                         {"num_args", AttrValue::ofInt(1)}});
             }, "bias"},
            {"depthwise rank", [&](GraphBuilder& g) {
                 g.op("bad", "DepthwiseConv2dNative", {g.placeholder("x", {8, 8, 3}), g.floats("w", {3, 3, 3, 1})},
                     {{"strides", intList({1, 1, 1, 1})}, {"padding", same}});
             }, "4-D"},
            {"Conv2DBackpropInput geometry", [&](GraphBuilder& g) {
                 g.op("bad", "Conv2DBackpropInput", {g.ints("sizes", {4}, {1, 8, 8, 3}), g.floats("w", {3, 3, 3, 4}),
                     g.placeholder("dy", {1, 5, 5, 4})}, {{"strides", intList({1, 2, 2, 1})}, {"padding", same}});
             }, "out_backprop"},
            {"MaxPool over channels", [&](GraphBuilder& g) {
                 g.op("bad", "MaxPool", {g.placeholder("x", {1, 8, 8, 3})},
                     {{"ksize", intList({1, 2, 2, 2})}, {"strides", intList({1, 2, 2, 1})}, {"padding", valid}});
             }, "ksize"},
            {"Add broadcast", [&](GraphBuilder& g) {
                 g.op("bad", "Add", {g.placeholder("x", {2, 3}), g.floats("y", {4})});
             }, "do not broadcast"},
            {"Mul dtypes", [&](GraphBuilder& g) {
                 g.op("bad", "Mul", {g.placeholder("x", {2, 3}), g.ints("y", {3}, {1, 2, 3})});
             }, "different dtypes"},
            {"AddN shapes", [&](GraphBuilder& g) {
                 g.op("bad", "AddN", {g.placeholder("x", {2, 3}), g.floats("y", {3})});
             }, "does not match"},
            {"BiasAdd channels", [&](GraphBuilder& g) {
                 g.op("bad", "BiasAdd", {g.placeholder("x", {2, 3}), g.floats("b", {4})});
             }, "bias"},
            {"FusedBatchNorm scale", [&](GraphBuilder& g) {
                 g.op("bad", "FusedBatchNormV3", {g.placeholder("x", {1, 4, 4, 3}), g.floats("s", {4}), g.floats("o", {3}),
                     g.floats("m", {3}), g.floats("v", {3})}, {{"is_training", AttrValue::ofBool(false)}});
             }, "scale"},
            {"Softmax scalar", [&](GraphBuilder& g) { g.op("bad", "Softmax", {g.placeholder("x", {})}); }, "dimension"},
            {"Reshape count", [&](GraphBuilder& g) {
                 g.op("bad", "Reshape", {g.placeholder("x", {2, 3}), g.ints("s", {2}, {4, 2})});
             }, "cannot reshape"},
            {"Reshape two -1", [&](GraphBuilder& g) {
                 g.op("bad", "Reshape", {g.placeholder("x", {2, 3}), g.ints("s", {2}, {-1, -1})});
             }, "more than one -1"},
            {"Pad rank", [&](GraphBuilder& g) {
                 g.op("bad", "Pad", {g.placeholder("x", {2, 3}), g.ints("p", {3, 2}, {0, 0, 1, 1, 0, 0})});
             }, "paddings"},
            {"ExpandDims axis", [&](GraphBuilder& g) {
                 g.op("bad", "ExpandDims", {g.placeholder("x", {2, 3}), g.ints("d", {}, {4})});
             }, "out of range"},
            {"Squeeze non-1", [&](GraphBuilder& g) {
                 g.op("bad", "Squeeze", {g.placeholder("x", {2, 3})}, {{"squeeze_dims", intList({1})}});
             }, "not 1"},
            {"Pack shapes", [&](GraphBuilder& g) {
                 g.op("bad", "Pack", {g.placeholder("x", {2, 3}), g.floats("y", {3, 2})});
             }, "different shapes"},
            {"ConcatV2 outside axis", [&](GraphBuilder& g) {
                 g.op("bad", "ConcatV2", {g.placeholder("x", {2, 3}), g.floats("y", {3, 3}), g.ints("axis", {}, {1})});
             }, "does not match"},
            {"Transpose perm", [&](GraphBuilder& g) {
                 g.op("bad", "Transpose", {g.placeholder("x", {2, 3}), g.ints("p", {2}, {1, 1})});
             }, "not a permutation"},
            {"GatherV2 index", [&](GraphBuilder& g) {
                 g.op("bad", "GatherV2", {g.placeholder("x", {2, 3}), g.ints("i", {1}, {5}), g.ints("axis", {}, {1})});
             }, "outside"},
            {"StridedSlice index", [&](GraphBuilder& g) {
                 g.op("bad", "StridedSlice", {g.placeholder("x", {4}), g.ints("b", {1}, {4}), g.ints("e", {1}, {5}),
                     g.ints("s", {1}, {1})}, {{"shrink_axis_mask", AttrValue::ofInt(1)}});
             }, "out of range"},
            {"Mean axis", [&](GraphBuilder& g) {
                 g.op("bad", "Mean", {g.placeholder("x", {2, 3}), g.ints("a", {1}, {2})});
             }, "out of range"},
            {"Prod axis", [&](GraphBuilder& g) {
                 g.op("bad", "Prod", {g.placeholder("x", {2, 3}), g.ints("a", {1}, {-3})});
             }, "out of range"},
            {"ResizeBilinear size", [&](GraphBuilder& g) {
                 g.op("bad", "ResizeBilinear", {g.placeholder("x", {1, 4, 4, 3}), g.ints("s", {3}, {8, 8, 8})});
             }, "size"},
            {"ResizeNearestNeighbor flags", [&](GraphBuilder& g) {
                 g.op("bad", "ResizeNearestNeighbor", {g.placeholder("x", {1, 4, 4, 3}), g.ints("s", {2}, {8, 8})},
                     {{"align_corners", AttrValue::ofBool(true)}, {"half_pixel_centers", AttrValue::ofBool(true)}});
             }, "cannot both"},
            {"Split parts", [&](GraphBuilder& g) {
                 g.op("bad", "Split", {g.ints("axis", {}, {1}), g.placeholder("x", {2, 3})}, {{"num_split", AttrValue::ofInt(2)}});
             }, "equal parts"},
            {"SplitV sizes", [&](GraphBuilder& g) {
                 g.op("bad", "SplitV", {g.placeholder("x", {2, 3}), g.ints("s", {2}, {1, 1}), g.ints("axis", {}, {1})},
                     {{"num_split", AttrValue::ofInt(2)}});
             }, "do not fit"},
            {"Unpack num", [&](GraphBuilder& g) {
                 g.op("bad", "Unpack", {g.placeholder("x", {2, 3})}, {{"num", AttrValue::ofInt(3)}});
             }, "num"},
            {"Identity without input", [&](GraphBuilder& g) { g.op("bad", "Identity", {}); }, "inputs"},
            {"attribute of the wrong kind", [&](GraphBuilder& g) {
                 g.op("bad", "MatMul", {g.placeholder("a", {2, 3}), g.floats("b", {3, 5})}, {{"transpose_a", AttrValue::ofInt(1)}});
             }, "transpose_a"},
            {"missing required attribute", [&](GraphBuilder& g) {
                 g.op("bad", "Conv2D", {g.placeholder("x", {1, 8, 8, 3}), g.floats("w", {3, 3, 3, 8})}, {{"padding", same}});
             }, "strides"},
        };
        for (const auto& c : cases) {
            GraphBuilder g;
            c.build(g);
            qInfo("%s", c.what);
            EXPECT_NODE_ERROR(g, "bad", c.fragment);
        }
    }

    // Every schema, fed assorted (often nonsensical) inputs, either infers or throws studio::Error
    // naming the node: never another exception, never a crash.
    void everySchemaFailsCleanly()
    {
        std::vector<core::TensorType> pool;
        pool.push_back(core::TensorType{});
        pool.push_back(core::TensorType::of(core::DType::Float32, {}));
        pool.push_back(core::TensorType::of(core::DType::Float32, {2, 3}));
        pool.push_back(core::TensorType::of(core::DType::Float32, {1, 5, 5, 3}));
        pool.push_back(core::TensorType::of(core::DType::Float32, {-1, -1, -1, 3}));
        pool.push_back(core::TensorType::of(core::DType::Float32, {0, 3}));
        pool.push_back(core::TensorType::of(core::DType::Float32, {3, 3, 3, 2}));
        for (const auto& [dims, values] : std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>>{
                 {{}, {1}}, {{}, {-7}}, {{1}, {0}}, {{2}, {3, 3}}, {{4}, {1, 2, 2, 1}}, {{4}, {-1, 5, 99, -3}},
                 {{2, 2}, {1, 1, 0, 0}}, {{3}, {core::kUnknownValue, 2, 1}}, {{4, 2}, {0, 0, 1, 1, 1, 1, 0, 0}}}) {
            auto t = core::TensorType::of(core::DType::Int32, dims);
            t.intValues = values;
            pool.push_back(t);
        }
        const std::vector<core::AttrMap> attrSets{
            {},
            {{"strides", intList({1, 2, 2, 1})}, {"padding", core::AttrValue::ofString("SAME")}, {"ksize", intList({1, 2, 2, 1})},
                {"num_split", core::AttrValue::ofInt(3)}, {"num", core::AttrValue::ofInt(2)}, {"axis", core::AttrValue::ofInt(-1)}},
            {{"strides", intList({1, 0, 1})}, {"padding", core::AttrValue::ofString("EXPLICIT")}, {"ksize", intList({2})},
                {"explicit_paddings", intList({1})}, {"shrink_axis_mask", core::AttrValue::ofInt(-1)},
                {"new_axis_mask", core::AttrValue::ofInt(5)}, {"ellipsis_mask", core::AttrValue::ofInt(3)},
                {"squeeze_dims", intList({7})}, {"num_split", core::AttrValue::ofInt(0)}, {"num", core::AttrValue::ofInt(-2)},
                {"data_format", core::AttrValue::ofString("NCHW")}, {"fused_ops", stringList({"BiasAdd"})},
                {"num_args", core::AttrValue::ofInt(3)}, {"batch_dims", core::AttrValue::ofInt(5)}},
        };
        std::mt19937 rng(1234);
        std::size_t calls = 0, errors = 0;
        for (const auto* schema : core::allSchemas()) {
            for (int trial = 0; trial < 400; ++trial) {
                core::Node node;
                node.name = "fuzz/" + std::string(schema->op);
                node.op = std::string(schema->op);
                node.attrs = attrSets[rng() % attrSets.size()];
                const int maxIn = schema->maxInputs < 0 ? schema->minInputs + 3 : schema->maxInputs;
                const int count = schema->minInputs + static_cast<int>(rng() % static_cast<unsigned>(maxIn - schema->minInputs + 1));
                std::vector<const core::TensorType*> inputs;
                for (int k = 0; k < count; ++k)
                    inputs.push_back(&pool[rng() % pool.size()]);
                const core::InferContext ctx(node, inputs);
                ++calls;
                try {
                    const auto out = schema->infer(ctx);
                    for (const auto& t : out)
                        for (const auto d : t.shape.dims)
                            QVERIFY2(d >= -1, qPrintable(QString::fromStdString(node.op + " gave " + t.shape.toString())));
                } catch (const Error& e) {
                    ++errors;
                    if (e.where().node != node.name)
                        QFAIL(qPrintable(QString::fromStdString(node.op + ": error without the node: " + e.what())));
                } catch (const std::exception& e) {
                    QFAIL(qPrintable(QString::fromStdString(node.op + ": not a studio::Error: " + e.what())));
                }
            }
        }
        qInfo("%zu schema calls, %zu clean errors", calls, errors);
    }

    // Flatten as Keras exports it: Shape -> StridedSlice (batch) -> Pack(batch, -1) -> Reshape.
    void intValuesGiveStaticReshape()
    {
        GraphBuilder g;
        const auto x = g.placeholder("x", {-1, 4, 4, 8});
        const auto shape = g.op("shape", "Shape", {x}, {{"out_type", core::AttrValue::ofType(3)}});
        const auto batch = g.op("batch", "StridedSlice", {shape, g.ints("b", {1}, {0}), g.ints("e", {1}, {1}), g.ints("s", {1}, {1})},
            {{"shrink_axis_mask", core::AttrValue::ofInt(1)}});
        // The flattened size the long way round: Prod of shape[1:], through Cast, Mul and Sub.
        const auto rest = g.op("rest", "StridedSlice", {shape, g.ints("b1", {1}, {1}), g.ints("e1", {1}, {0}), g.ints("s1", {1}, {1})},
            {{"end_mask", core::AttrValue::ofInt(1)}});
        const auto prod = g.op("prod", "Prod", {rest, g.ints("axis0", {1}, {0})});
        const auto cast = g.op("cast", "Cast", {prod}, {{"DstT", core::AttrValue::ofType(9)}}); // int64
        const auto twice = g.op("twice", "Mul", {cast, g.ints("two", {}, {2})});
        const auto size = g.op("size", "Sub", {twice, cast});
        const auto pack = g.op("pack", "Pack", {batch, size});
        g.op("flat", "Reshape", {x, pack});
        QCOMPARE(typeText(g.type("shape")), std::string("[4] int32"));
        QCOMPARE(*g.type("shape").intValues, (std::vector<std::int64_t>{core::kUnknownValue, 4, 4, 8}));
        QCOMPARE(*g.type("size").intValues, (std::vector<std::int64_t>{128}));
        QCOMPARE(typeText(g.type("flat")), std::string("[?,128] float32"));
        // With the batch fed, every value is known and so is the whole shape.
        core::InferOptions options;
        options.inputShapes["x"] = core::Shape{{3, 4, 4, 8}, false};
        QCOMPARE(*g.type("pack", options).intValues, (std::vector<std::int64_t>{3, 128}));
        QCOMPARE(typeText(g.type("flat", options)), std::string("[3,128] float32"));

        // Gather, Concat, ExpandDims, Squeeze, Identity and Add on values: [2*4, 8] from [?,4,4,8].
        const auto hw = g.op("hw", "GatherV2", {shape, g.ints("idx", {2}, {1, 3}), g.ints("gaxis", {}, {0})});
        const auto id = g.op("id", "Identity", {hw});
        const auto plus = g.op("plus", "Add", {id, g.ints("zero", {2}, {0, 0})});
        const auto row = g.op("row", "ExpandDims", {plus, g.ints("dim0", {}, {0})});
        const auto back = g.op("back", "Squeeze", {row}, {{"squeeze_dims", intList({0})}});
        const auto target = g.op("target", "ConcatV2", {g.ints("minus1", {1}, {-1}), back, g.ints("caxis", {}, {0})});
        g.op("r2", "Reshape", {x, target});
        QCOMPARE(*g.type("target").intValues, (std::vector<std::int64_t>{-1, 4, 8}));
        QCOMPARE(typeText(g.type("r2")), std::string("[?,4,8] float32"));
        QCOMPARE(typeText(g.type("r2", options)), std::string("[12,4,8] float32"));
    }

    void placeholdersAndStrictness()
    {
        GraphBuilder g;
        const auto x = g.placeholder("x", {-1, 8});
        g.op("y", "Erfinv", {x});
        g.op("z", "Relu", {"y"});
        // Lenient: the unknown op's output is unknown, everything else is still inferred.
        const auto lenient = core::inferShapes(g.model());
        QCOMPARE(lenient.problems.size(), std::size_t{1});
        QVERIFY2(QString::fromStdString(lenient.problems[0]).contains("node 'y' (Erfinv)"), lenient.problems[0].c_str());
        QCOMPARE(typeText(lenient.outputs[0][0]), std::string("[?,8] float32"));
        QVERIFY(lenient.outputs[2][0].shape.unknownRank);
        EXPECT_NODE_ERROR(g, "y", "no schema");

        // A feed must fit the declared shape.
        GraphBuilder h;
        h.op("r", "Relu", {h.placeholder("x", {-1, 8})});
        core::InferOptions options;
        options.inputShapes["x:0"] = core::Shape{{2, 8}, false};
        QCOMPARE(typeText(h.type("r", options)), std::string("[2,8] float32"));
        options.inputShapes["x:0"] = core::Shape{{2, 9}, false};
        try {
            h.type("r", options);
            QFAIL("a [2,9] feed for a [?,8] placeholder was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("node 'x' (Placeholder)"), e.what());
        }
    }

    void multiOutputOps()
    {
        GraphBuilder g;
        const auto x = g.placeholder("x", {1, 4, 4, 3});
        g.op("bn", "FusedBatchNormV3", {x, g.floats("s", {3}), g.floats("o", {3}), g.floats("m", {3}), g.floats("v", {3})},
            {{"is_training", core::AttrValue::ofBool(false)}});
        g.op("parts", "Unpack", {x}, {{"num", core::AttrValue::ofInt(4)}, {"axis", core::AttrValue::ofInt(1)}});
        g.op("halves", "SplitV", {x, g.ints("sizes", {2}, {1, -1}), g.ints("axis", {}, {-1})}, {{"num_split", core::AttrValue::ofInt(2)}});
        g.op("use", "AddV2", {"parts:3", "halves:0"});
        const auto result = core::inferShapes(g.model(), {{}, true});
        QCOMPARE(result.outputs[5].size(), std::size_t{6});
        QCOMPARE(typeText(g.type("bn:2")), std::string("[3] float32"));
        QCOMPARE(typeText(g.type("parts:3")), std::string("[1,4,3] float32"));
        QCOMPARE(typeText(g.type("halves:1")), std::string("[1,4,4,2] float32"));
        QCOMPARE(typeText(g.type("use")), std::string("[1,4,4,3] float32"));
        g.op("beyond", "Relu", {"parts:4"});
        EXPECT_NODE_ERROR(g, "beyond", "reads output 4");
    }
};

int main(int argc, char** argv)
{
    TestShapeInference test;
    return studio::test::runWithCases(test, argc, argv, g_cases);
}

#include "test_shape_inference.moc"
