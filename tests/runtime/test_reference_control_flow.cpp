// The reference executor's dataflow interpreter on small hand-built TF1 graphs whose results are
// worked out by hand (a counter loop, a loop that writes a TensorList, a Switch/Merge cond), its
// errors for malformed and endless graphs, and the kernels the detection models need
// (NonMaxSuppression, TopKV2, Where, Select, Range, Fill, Slice) on hand-checked cases.
#include "core/error.h"
#include "core/io/byte_source.h"
#include "runtime/backend.h"
#include "runtime/reference/kernels.h"
#include "runtime/reference/tensor_list.h"

#include <QtTest>

#include <chrono>
#include <cstring>

using namespace studio;

namespace {

// A graph model assembled node by node; Consts get their weights in the manifest.
class Graph {
public:
    Graph()
    {
        m_model.kind = core::ModelKind::GraphModel;
        m_model.sourcePath = "control_flow.json";
        m_model.weightGroups.emplace_back();
    }

    std::string placeholder(const std::string& name, int tfType)
    {
        return add(name, "Placeholder", {}, {{"dtype", core::AttrValue::ofType(tfType)}});
    }
    std::string intConst(const std::string& name, std::vector<std::int64_t> shape, std::vector<std::int32_t> values,
        std::vector<std::string> control = {})
    {
        return constant(name, core::DType::Int32, 3, std::move(shape), values.data(), values.size() * 4, std::move(control));
    }
    std::string floatConst(const std::string& name, std::vector<std::int64_t> shape, std::vector<float> values,
        std::vector<std::string> control = {})
    {
        return constant(name, core::DType::Float32, 1, std::move(shape), values.data(), values.size() * 4, std::move(control));
    }
    std::string add(const std::string& name, const std::string& op, std::vector<std::string> inputs, core::AttrMap attrs = {})
    {
        core::Node n;
        n.name = name;
        n.op = op;
        n.inputs = std::move(inputs);
        n.attrs = std::move(attrs);
        m_model.graph.nodes.push_back(std::move(n));
        return name;
    }
    std::string enter(const std::string& name, const std::string& input, const std::string& frame, bool isConstant = false)
    {
        return add(name, "Enter", {input},
            {{"frame_name", core::AttrValue::ofString(frame)}, {"is_constant", core::AttrValue::ofBool(isConstant)}});
    }
    void outputs(const std::vector<std::string>& names)
    {
        m_model.outputs.clear();
        for (const auto& n : names)
            m_model.outputs.push_back({n, n, std::nullopt, std::nullopt});
    }
    const core::Model& model() const { return m_model; }
    core::Model& model() { return m_model; }

    std::vector<rt::Tensor> run(const std::map<std::string, rt::Tensor>& inputs, rt::RunResult* full = nullptr) const
    {
        auto session = rt::compile(m_model, "reference");
        rt::RunOptions options;
        options.profile = full != nullptr;
        auto result = session->run(inputs, options);
        std::vector<rt::Tensor> out;
        for (const auto& v : result.outputs)
            out.push_back(v.toHost());
        if (full)
            *full = std::move(result);
        return out;
    }

private:
    std::string constant(const std::string& name, core::DType dtype, int tfType, std::vector<std::int64_t> shape,
        const void* data, std::size_t bytes, std::vector<std::string> control)
    {
        core::Weight w;
        w.name = name;
        w.dtype = dtype;
        w.shape = shape;
        std::vector<std::uint8_t> raw(bytes);
        if (bytes)
            std::memcpy(raw.data(), data, bytes);
        w.source = std::make_shared<core::MemorySource>(std::move(raw));
        w.byteLength = bytes;
        m_model.weightGroups.front().weights.push_back(w);
        std::vector<std::string> inputs;
        for (const auto& c : control)
            inputs.push_back("^" + c);
        return add(name, "Const", std::move(inputs), {{"dtype", core::AttrValue::ofType(tfType)}});
    }

    core::Model m_model;
};

rt::Tensor scalar(std::int32_t v)
{
    return rt::Tensor::ints({}, {v});
}

// while (i < n) { s += i; i += 1; } from i = s = 0: s = n (n - 1) / 2, i = n.
Graph counterLoop()
{
    Graph g;
    g.placeholder("n", 3);
    g.intConst("zero", {}, {0});
    g.intConst("one", {}, {1});
    g.enter("enter_i", "zero", "counter");
    g.enter("enter_s", "zero", "counter");
    g.enter("enter_n", "n", "counter", true);
    g.enter("enter_one", "one", "counter", true);
    g.add("merge_i", "Merge", {"enter_i", "next_i"});
    g.add("merge_s", "Merge", {"enter_s", "next_s"});
    g.add("less", "Less", {"merge_i", "enter_n"});
    g.add("cond", "LoopCond", {"less"});
    g.add("switch_i", "Switch", {"merge_i", "cond"});
    g.add("switch_s", "Switch", {"merge_s", "cond"});
    g.add("exit_i", "Exit", {"switch_i"});
    g.add("exit_s", "Exit", {"switch_s"});
    g.add("body_i", "Identity", {"switch_i:1"});
    g.add("body_s", "Identity", {"switch_s:1"});
    g.add("sum", "AddV2", {"body_s", "body_i"});
    g.add("step", "AddV2", {"body_i", "enter_one"});
    g.add("next_i", "NextIteration", {"step"});
    g.add("next_s", "NextIteration", {"sum"});
    g.outputs({"exit_s", "exit_i"});
    return g;
}

// A loop writing squares[i] = x[i] * x[i] into a reserved TensorList, stacked after the loop.
// Element shapes are given as -1 (unknown rank), so the stack learns them from the items.
Graph listLoop()
{
    Graph g;
    g.placeholder("x", 1);
    g.intConst("unknown_shape", {}, {-1});
    g.intConst("count", {}, {4});
    g.intConst("zero", {}, {0});
    g.intConst("one", {}, {1});
    g.add("xs", "TensorListFromTensor", {"x", "unknown_shape"}, {{"element_dtype", core::AttrValue::ofType(1)}});
    g.add("reserved", "TensorListReserve", {"unknown_shape", "count"}, {{"element_dtype", core::AttrValue::ofType(1)}});
    g.enter("enter_i", "zero", "squares");
    g.enter("enter_list", "reserved", "squares");
    g.enter("enter_xs", "xs", "squares", true);
    g.enter("enter_count", "count", "squares", true);
    g.add("merge_i", "Merge", {"enter_i", "next_i"});
    g.add("merge_list", "Merge", {"enter_list", "next_list"});
    g.add("less", "Less", {"merge_i", "enter_count"});
    g.add("cond", "LoopCond", {"less"});
    g.add("switch_i", "Switch", {"merge_i", "cond"});
    g.add("switch_list", "Switch", {"merge_list", "cond"});
    g.add("exit_list", "Exit", {"switch_list"});
    g.add("body_i", "Identity", {"switch_i:1"});
    // Body constants hang on the loop by a control edge, as TensorFlow builds them.
    g.intConst("body_one", {}, {1}, {"body_i"});
    g.intConst("body_shape", {}, {-1}, {"body_i"});
    g.add("item", "TensorListGetItem", {"enter_xs", "body_i", "body_shape"}, {{"element_dtype", core::AttrValue::ofType(1)}});
    g.add("square", "Mul", {"item", "item"});
    g.add("written", "TensorListSetItem", {"switch_list:1", "body_i", "square"}, {{"element_dtype", core::AttrValue::ofType(1)}});
    g.add("step", "AddV2", {"body_i", "body_one"});
    g.add("next_i", "NextIteration", {"step"});
    g.add("next_list", "NextIteration", {"written"});
    g.add("stacked", "TensorListStack", {"exit_list", "unknown_shape"},
        {{"element_dtype", core::AttrValue::ofType(1)}, {"num_elements", core::AttrValue::ofInt(4)}});
    g.add("length", "TensorListLength", {"exit_list"});
    g.outputs({"stacked", "length"});
    return g;
}

// p ? x * 2 : x + 10 with Switch and Merge; the branch constants hang on the branch pivots, and
// a second Merge of the two constants alone must still pick the taken branch's.
Graph cond()
{
    Graph g;
    g.placeholder("x", 1);
    g.placeholder("p", 10);
    g.add("switch", "Switch", {"x", "p"});
    g.add("pivot_f", "Identity", {"switch:0"});
    g.add("pivot_t", "Identity", {"switch:1"});
    g.floatConst("two", {}, {2.0f}, {"pivot_t"});
    g.floatConst("ten", {}, {10.0f}, {"pivot_f"});
    g.add("times", "Mul", {"pivot_t", "two"});
    g.add("plus", "AddV2", {"pivot_f", "ten"});
    g.add("merge", "Merge", {"plus", "times"});
    g.add("which", "Merge", {"ten", "two"});
    g.outputs({"merge:0", "merge:1", "which"});
    return g;
}

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

core::Node kernelNode(const std::string& op, core::AttrMap attrs = {})
{
    core::Node n;
    n.name = "k/" + op;
    n.op = op;
    n.attrs = std::move(attrs);
    return n;
}

// Five boxes: b3 repeats b0; b1 is b0 moved right by 0.1 (IoU 0.9 / 1.1 = 0.818 with b0 and b3);
// b2 is apart from both; b4 overlaps b2 by half a box (IoU 0.5 / 1.5 = 1/3).
const rt::Tensor kBoxes = rt::Tensor::floats({5, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 2, 1, 3, 0, 0, 1, 1, 0, 2.5f, 1, 3.5f});
const rt::Tensor kScores = rt::Tensor::floats({5}, {0.9f, 0.95f, 0.5f, 0.9f, 0.6f});

std::vector<rt::Tensor> nms(const std::string& op, std::int32_t maxOutputs, float iou, float scoreThreshold, float sigma,
    bool pad = false)
{
    const auto m = scalar(maxOutputs);
    const auto t = rt::Tensor::floats({}, {iou});
    const auto s = rt::Tensor::floats({}, {scoreThreshold});
    const auto g = rt::Tensor::floats({}, {sigma});
    const auto node = kernelNode(op, {{"pad_to_max_output_size", core::AttrValue::ofBool(pad)}});
    const std::vector<const rt::Tensor*> in{&kBoxes, &kScores, &m, &t, &s, &g};
    return rt::ref::multiKernels().at(op)(node, in);
}

bool near(const std::vector<float>& got, const std::vector<float>& want, float tolerance = 1e-6f)
{
    if (got.size() != want.size())
        return false;
    for (std::size_t i = 0; i < got.size(); ++i)
        if (std::abs(got[i] - want[i]) > tolerance)
            return false;
    return true;
}

QString text(const rt::Tensor& t)
{
    QStringList values;
    for (auto v : t.f)
        values << QString::number(static_cast<double>(v), 'g', 8);
    for (auto v : t.i)
        values << QString::number(v);
    return QString::fromStdString(t.shapeText()) + " {" + values.join(", ") + "}";
}

} // namespace

class TestReferenceControlFlow : public QObject {
    Q_OBJECT
private slots:
    void counterLoopSumsI()
    {
        const auto g = counterLoop();
        for (const auto& [n, sum] : std::vector<std::pair<int, int>>{{5, 10}, {0, 0}, {1, 0}, {1000, 499500}}) {
            const auto out = g.run({{"n", scalar(n)}});
            QCOMPARE(out.size(), std::size_t(2));
            QCOMPARE(out[0].i, std::vector<std::int32_t>{sum});
            QCOMPARE(out[1].i, std::vector<std::int32_t>{n});
            QCOMPARE(out[0].shape, std::vector<std::int64_t>{});
        }
        // The profile has one entry per execution: the body's two AddV2 run once per iteration.
        rt::RunResult full;
        (void)g.run({{"n", scalar(7)}}, &full);
        std::size_t adds = 0;
        for (const auto& t : full.profile)
            adds += t.op == "AddV2";
        QCOMPARE(adds, std::size_t(14));
    }

    void loopWritesTensorList()
    {
        const auto out = listLoop().run({{"x", rt::Tensor::floats({4}, {1, -2, 3, 0.5f})}});
        QCOMPARE(out.size(), std::size_t(2));
        QCOMPARE(out[0].shape, (std::vector<std::int64_t>{4}));
        QCOMPARE(out[0].f, (std::vector<float>{1, 4, 9, 0.25f}));
        QCOMPARE(out[1].i, std::vector<std::int32_t>{4});
        // Rows of a matrix are items too: each row squared element-wise.
        const auto rows = listLoop().run({{"x", rt::Tensor::floats({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8})}});
        QCOMPARE(rows[0].shape, (std::vector<std::int64_t>{4, 2}));
        QCOMPARE(rows[0].f, (std::vector<float>{1, 4, 9, 16, 25, 36, 49, 64}));
        // Fewer rows than the loop writes: reading item 3 of a 3-item list is an error naming the node.
        const auto error = errorOf([&] { (void)listLoop().run({{"x", rt::Tensor::floats({3}, {1, 2, 3})}}); });
        QVERIFY2(error.contains("'item'") && error.contains("index 3 is outside the list of 3 items"), qPrintable(error));
    }

    void switchMergeCond()
    {
        const auto g = cond();
        const auto x = rt::Tensor::floats({2}, {1.5f, -3});
        const auto yes = g.run({{"x", x}, {"p", scalar(1)}});
        QCOMPARE(yes[0].f, (std::vector<float>{3, -6}));
        QCOMPARE(yes[1].i, std::vector<std::int32_t>{1});
        QCOMPARE(yes[2].f, std::vector<float>{2});
        const auto no = g.run({{"x", x}, {"p", scalar(0)}});
        QCOMPARE(no[0].f, (std::vector<float>{11.5f, 7}));
        QCOMPARE(no[1].i, std::vector<std::int32_t>{0});
        QCOMPARE(no[2].f, std::vector<float>{10});
    }

    void deadOutputIsAnError()
    {
        auto g = cond();
        g.outputs({"times"});
        const auto error = errorOf([&] { (void)g.run({{"x", rt::Tensor::floats({1}, {1})}, {"p", scalar(0)}}); });
        QVERIFY2(error.contains("'times'") && error.contains("dead"), qPrintable(error));
    }

    void endlessLoopStopsNamingItsFrame()
    {
        // LoopCond on a constant true: the loop never ends; the budget stops it.
        Graph g;
        g.placeholder("x", 1);
        g.intConst("always", {}, {1});
        g.add("always_bool", "Cast", {"always"}, {{"DstT", core::AttrValue::ofType(10)}});
        g.enter("enter_x", "x", "forever");
        g.enter("enter_p", "always_bool", "forever", true);
        g.add("merge", "Merge", {"enter_x", "next"});
        g.add("cond", "LoopCond", {"enter_p"});
        g.add("switch", "Switch", {"merge", "cond"});
        g.add("exit", "Exit", {"switch"});
        g.add("body", "Relu", {"switch:1"});
        g.add("next", "NextIteration", {"body"});
        g.outputs({"exit"});
        const auto t0 = std::chrono::steady_clock::now();
        const auto error = errorOf([&] { (void)g.run({{"x", rt::Tensor::floats({1}, {1})}}); });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        QVERIFY2(error.contains("loop frame 'forever'") && error.contains("1000000 node executions"), qPrintable(error));
        qInfo("stopped after %.2f s: %s", seconds, qPrintable(error));
    }

    void malformedGraphsNameTheNode()
    {
        {
            Graph g;
            g.placeholder("x", 1);
            g.add("lost", "Exit", {"x"});
            g.outputs({"lost"});
            const auto error = errorOf([&] { (void)rt::compile(g.model(), "reference"); });
            QVERIFY2(error.contains("'lost'") && error.contains("not inside a loop frame"), qPrintable(error));
        }
        {
            Graph g;
            g.placeholder("x", 1);
            g.add("y", "Relu", {"x"});
            g.add("again", "NextIteration", {"y"});
            g.add("z", "Identity", {"again"});
            g.outputs({"z"});
            const auto error = errorOf([&] { (void)rt::compile(g.model(), "reference"); });
            QVERIFY2(error.contains("'again'") && error.contains("not inside a loop frame"), qPrintable(error));
        }
        {
            // The body reads a value of the root frame directly instead of through an Enter.
            auto g = counterLoop();
            g.add("outside", "Identity", {"n"});
            for (auto& n : g.model().graph.nodes)
                if (n.name == "sum")
                    n.inputs = {"body_s", "outside"};
            const auto error = errorOf([&] { (void)rt::compile(g.model(), "reference"); });
            QVERIFY2(error.contains("'sum'") && error.contains("reads 'outside'") && error.contains("loop frame 'counter'"),
                qPrintable(error));
        }
        {
            // A cycle without an Enter into it can never start.
            Graph g;
            g.placeholder("x", 1);
            g.add("a", "Merge", {"b"});
            g.add("b", "NextIteration", {"a"});
            g.add("y", "AddV2", {"x", "x"});
            g.add("z", "Identity", {"a"});
            g.outputs({"y", "z"});
            const auto error = errorOf([&] { (void)rt::compile(g.model(), "reference"); });
            QVERIFY2(error.contains("cannot be reached"), qPrintable(error));
        }
        {
            // A TensorList where a tensor belongs.
            auto g = listLoop();
            g.add("bad", "Relu", {"exit_list"});
            g.outputs({"bad"});
            const auto error = errorOf([&] { (void)g.run({{"x", rt::Tensor::floats({4}, {1, 2, 3, 4})}}); });
            QVERIFY2(error.contains("'bad'") && error.contains("TensorList"), qPrintable(error));
        }
    }

    // Graphs without control flow keep the plain path: same numbers, no dataflow note.
    void plainGraphsKeepThePlainPath()
    {
        Graph g;
        g.placeholder("x", 1);
        g.add("y", "Relu", {"x"});
        g.outputs({"y"});
        const auto session = rt::compile(g.model(), "reference");
        QVERIFY(session->info().device.find("dataflow") == std::string::npos);
        QVERIFY(rt::compile(counterLoop().model(), "reference")->info().device.find("dataflow") != std::string::npos);
    }

    // TensorFlow's list rules: unwritten items read as zeros when the element shape is known;
    // resize_if_index_out_of_bounds grows the list; a wrong item shape is refused.
    void tensorListKernels()
    {
        const auto& lists = rt::ref::listKernels();
        const auto value = [](rt::Tensor t) {
            rt::ref::FlowValue v;
            v.tensor = std::make_shared<const rt::Tensor>(std::move(t));
            return v;
        };
        const auto intType = core::AttrValue::ofType(3);
        const auto shape = value(rt::Tensor::ints({1}, {2})), two = value(scalar(2)), index = value(scalar(3));
        const auto reserved = lists.at("TensorListReserve")(kernelNode("TensorListReserve", {{"element_dtype", intType}}), {&shape, &two});
        const auto item = value(rt::Tensor::ints({2}, {5, 6}));
        const auto grown = lists.at("TensorListSetItem")(
            kernelNode("TensorListSetItem", {{"element_dtype", intType}, {"resize_if_index_out_of_bounds", core::AttrValue::ofBool(true)}}),
            {&reserved[0], &index, &item});
        const auto stacked = lists.at("TensorListStack")(kernelNode("TensorListStack", {{"element_dtype", intType}}), {&grown[0], &shape});
        QCOMPARE(stacked[0].tensor->shape, (std::vector<std::int64_t>{4, 2}));
        QCOMPARE(stacked[0].tensor->i, (std::vector<std::int32_t>{0, 0, 0, 0, 0, 0, 5, 6}));
        const auto wrong = value(rt::Tensor::ints({3}, {1, 2, 3}));
        const auto one = value(scalar(1));
        const auto error = errorOf([&] {
            (void)lists.at("TensorListSetItem")(kernelNode("TensorListSetItem", {{"element_dtype", intType}}), {&reserved[0], &one, &wrong});
        });
        QVERIFY2(error.contains("TensorListSetItem") && error.contains("[3]") && error.contains("[2]"), qPrintable(error));
    }

    void nonMaxSuppression()
    {
        // IoU 0.5: b1 (0.95) wins; b0 and b3 (0.9) overlap it by 0.818 and go; b4 (0.6) and b2 (0.5)
        // overlap only each other, by 1/3.
        auto r = nms("NonMaxSuppressionV5", 5, 0.5f, 0.0f, 0.0f);
        QCOMPARE(r.size(), std::size_t(3));
        QCOMPARE(r[0].i, (std::vector<std::int32_t>{1, 4, 2}));
        QCOMPARE(r[1].f, (std::vector<float>{0.95f, 0.6f, 0.5f}));
        QCOMPARE(r[2].i, std::vector<std::int32_t>{3});
        QCOMPARE(r[2].shape, std::vector<std::int64_t>{});
        // IoU 0.9: b0 stays; b3 ties b0's score and loses the tie by index, then overlaps b0 fully.
        QCOMPARE(nms("NonMaxSuppressionV3", 5, 0.9f, 0.0f, 0.0f)[0].i, (std::vector<std::int32_t>{1, 0, 4, 2}));
        // Only scores strictly above score_threshold; at most max_output_size boxes.
        QCOMPARE(nms("NonMaxSuppressionV3", 5, 0.5f, 0.5f, 0.0f)[0].i, (std::vector<std::int32_t>{1, 4}));
        QCOMPARE(nms("NonMaxSuppressionV2", 2, 0.5f, 0.0f, 0.0f)[0].i, (std::vector<std::int32_t>{1, 4}));
        // Padded to max_output_size with zeros, the valid count apart.
        auto padded = nms("NonMaxSuppressionV4", 5, 0.5f, 0.0f, 0.0f, true);
        QCOMPARE(padded[0].i, (std::vector<std::int32_t>{1, 4, 2, 0, 0}));
        QCOMPARE(padded[1].i, std::vector<std::int32_t>{3});
        // Soft-NMS, sigma 0.5 (weight exp(-iou^2)), IoU threshold 1: b0 decays to
        // 0.9 exp(-0.8182^2) = 0.46080 against b1; b2 to 0.5 exp(-1/9) = 0.44742 against b4; b3
        // decays like b0 but then meets b0 itself (IoU 1) and goes.
        auto soft = nms("NonMaxSuppressionV5", 5, 1.0f, 0.0f, 0.5f);
        QCOMPARE(soft[0].i, (std::vector<std::int32_t>{1, 4, 0, 2}));
        QVERIFY2(near(soft[1].f, {0.95f, 0.6f, 0.46080423f, 0.44741966f}, 1e-6f), qPrintable(text(soft[1])));
        const auto error = errorOf([] { (void)nms("NonMaxSuppressionV3", 5, 1.5f, 0.0f, 0.0f); });
        QVERIFY2(error.contains("iou_threshold"), qPrintable(error));
    }

    void topK()
    {
        const auto x = rt::Tensor::floats({2, 4}, {1, 3, 3, 2, 5, 4, 6, 0});
        const auto k = scalar(2);
        const auto r = rt::ref::topK(kernelNode("TopKV2"), {&x, &k});
        QCOMPARE(r[0].shape, (std::vector<std::int64_t>{2, 2}));
        QCOMPARE(r[0].f, (std::vector<float>{3, 3, 6, 5}));
        QCOMPARE(r[1].i, (std::vector<std::int32_t>{1, 2, 2, 0})); // the tie of 3s: lower index first
        const auto five = scalar(5);
        const auto error = errorOf([&] { (void)rt::ref::topK(kernelNode("TopKV2"), {&x, &five}); });
        QVERIFY2(error.contains("k = 5"), qPrintable(error));
    }

    void whereSelectAndFriends()
    {
        const auto c = rt::Tensor::ints({3, 2}, {1, 0, 0, 1, 1, 1});
        const auto w = rt::ref::where(kernelNode("Where"), {&c});
        QCOMPARE(w.shape, (std::vector<std::int64_t>{4, 2}));
        QCOMPARE(w.i, (std::vector<std::int32_t>{0, 0, 1, 1, 2, 0, 2, 1}));
        const auto none = rt::Tensor::ints({2}, {0, 0});
        QCOMPARE(rt::ref::where(kernelNode("Where"), {&none}).shape, (std::vector<std::int64_t>{0, 1}));

        // Select with a vector condition picks rows; SelectV2 broadcasts.
        const auto rows = rt::Tensor::ints({2}, {0, 1});
        const auto a = rt::Tensor::floats({2, 2}, {1, 2, 3, 4});
        const auto b = rt::Tensor::floats({2, 2}, {-1, -2, -3, -4});
        QCOMPARE(rt::ref::select(kernelNode("Select"), {&rows, &a, &b}).f, (std::vector<float>{-1, -2, 3, 4}));
        QCOMPARE(rt::ref::selectV2(kernelNode("SelectV2"), {&rows, &a, &b}).f, (std::vector<float>{-1, 2, -3, 4}));
        const auto lt = rt::ref::less(kernelNode("Less"), {&a, &b});
        QCOMPARE(lt.i, (std::vector<std::int32_t>{0, 0, 0, 0}));
        const auto ge = rt::ref::greaterEqual(kernelNode("GreaterEqual"), {&a, &a});
        QCOMPARE(ge.i, (std::vector<std::int32_t>{1, 1, 1, 1}));
        const auto both = rt::ref::logicalAnd(kernelNode("LogicalAnd"), {&c, &rows});
        QCOMPARE(both.i, (std::vector<std::int32_t>{0, 0, 0, 1, 0, 1}));

        const auto start = scalar(1), limit = scalar(8), delta = scalar(3);
        QCOMPARE(rt::ref::range(kernelNode("Range"), {&start, &limit, &delta}).i, (std::vector<std::int32_t>{1, 4, 7}));
        const auto f0 = rt::Tensor::floats({}, {0}), f1 = rt::Tensor::floats({}, {1}), fd = rt::Tensor::floats({}, {0.25f});
        QCOMPARE(rt::ref::range(kernelNode("Range"), {&f0, &f1, &fd}).f, (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));

        const auto dims = rt::Tensor::ints({2}, {2, 3});
        const auto seven = rt::Tensor::floats({}, {7});
        const auto filled = rt::ref::fill(kernelNode("Fill"), {&dims, &seven});
        QCOMPARE(filled.shape, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(filled.f, std::vector<float>(6, 7.0f));

        const auto x = rt::Tensor::floats({3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
        const auto begin = rt::Tensor::ints({2}, {1, 1}), size = rt::Tensor::ints({2}, {-1, 1});
        const auto s = rt::ref::slice(kernelNode("Slice"), {&x, &begin, &size});
        QCOMPARE(s.shape, (std::vector<std::int64_t>{2, 1}));
        QCOMPARE(s.f, (std::vector<float>{4, 7}));
    }
};

QTEST_GUILESS_MAIN(TestReferenceControlFlow)
#include "test_reference_control_flow.moc"
