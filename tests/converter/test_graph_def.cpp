// GraphDef protobuf import: the pre-1.0 TF.js layout gives the same graph and weights as the
// 1.0 model.json of the same model; frozen graphs' Const values become weights, with TF's
// splat rule and the converter's dtype narrowing.
#include "converter/importers/graph_def.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "core/tfjs/graph_json.h"
#include "proto/graph.pb.h"

#include <QtTest>

#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

using namespace studio;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-graphdef-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p.parent_path());
    return p;
}

// Attributes as JSON, with tensors reduced to dtype and shape (values live in weights).
nlohmann::json attrsOf(const core::Node& n)
{
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, value] : n.attrs) {
        auto a = value;
        if (a.kind == core::AttrValue::Kind::Tensor)
            a.tensor.extra = nlohmann::ordered_json::object();
        j[key] = nlohmann::json::parse(core::attrToJson(a).dump());
    }
    return j;
}

template <typename T>
std::vector<T> values(const core::Weight& w)
{
    const auto bytes = w.storedBytes();
    std::vector<T> v(bytes.size() / sizeof(T));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
}

// A frozen graph with one Const, written to the scratch folder.
fs::path oneConst(const std::string& file, const std::function<void(tensorflow::TensorProto&)>& fill)
{
    tensorflow::GraphDef g;
    auto* n = g.add_node();
    n->set_name("c");
    n->set_op("Const");
    fill(*(*n->mutable_attr())["value"].mutable_tensor());
    const fs::path p = scratch(file);
    std::ofstream out(p, std::ios::binary);
    g.SerializeToOstream(&out);
    return p;
}

QString errorOf(const fs::path& p)
{
    try {
        conv::readFrozenGraphDef(p);
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

class TestGraphDef : public QObject {
    Q_OBJECT
private slots:
    void cleanupTestCase()
    {
        std::error_code ec;
        fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-graphdef-test-" + std::to_string(::getpid())), ec);
    }

    void pre1LayoutMatchesModelJson()
    {
        const fs::path dir = kModels / "tfjs-graph-early-v1-style-transfer-separable";
        QVERIFY(conv::isTfjsPre1Layout(dir / "tensorflowjs_model.pb"));
        QVERIFY(!conv::isTfjsPre1Layout(dir)); // the folder's model.json wins
        const auto old = conv::importModel(dir / "tensorflowjs_model.pb");
        const auto current = core::readTfjsModel(dir / "model.json");
        QCOMPARE(old.graph.nodes.size(), current.graph.nodes.size());
        for (std::size_t i = 0; i < old.graph.nodes.size(); ++i) {
            const auto& a = old.graph.nodes[i];
            const auto& b = current.graph.nodes[i];
            QCOMPARE(QString::fromStdString(a.name), QString::fromStdString(b.name));
            QCOMPARE(QString::fromStdString(a.op), QString::fromStdString(b.op));
            QCOMPARE(a.inputs, b.inputs);
            if (attrsOf(a) != attrsOf(b))
                QFAIL(qPrintable(QString::fromStdString(a.name + ": " + attrsOf(a).dump() + " vs " + attrsOf(b).dump())));
        }
        QCOMPARE(old.weightCount(), current.weightCount());
        QCOMPARE(old.inputs.size(), std::size_t(2));
        QCOMPARE(old.outputs.size(), std::size_t(1));
    }

    void frozenGraphsImport_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("nodes");
        const fs::path f = kModels / "frozen-graphdef-tf1-tf2onnx-rnn-and-mlp";
        QTest::newRow("lstm") << QString::fromStdString((f / "lstm/frozen.pb").string()) << 529;
        QTest::newRow("gru") << QString::fromStdString((f / "gru/frozen.pb").string()) << 548;
        QTest::newRow("tensorspace") << QString::fromStdString(
            (kModels / "tensorspace-mnist-lenet-multiformat/frozen_graphdef_tf1/frozen_model.pb").string()) << 46;
    }

    void frozenGraphsImport()
    {
        QFETCH(QString, path);
        QFETCH(int, nodes);
        const auto m = conv::importModel(path.toStdString());
        QCOMPARE(QString::fromStdString(m.meta.format), QString("tf_frozen_model"));
        QCOMPARE(static_cast<int>(m.graph.nodes.size()), nodes);
        std::size_t consts = 0;
        for (const auto& n : m.graph.nodes) {
            if (n.op != "Const")
                continue;
            ++consts;
            const auto* value = core::findAttr(n.attrs, "value");
            QVERIFY(value && value->kind == core::AttrValue::Kind::Tensor);
            QVERIFY2(value->tensor.extra.empty(), n.name.c_str()); // values moved out, dtype + shape kept
        }
        QCOMPARE(m.weightCount(), consts);
        for (const auto& w : m.weightGroups[0].weights)
            if (w.dtype != core::DType::String)
                QCOMPARE(w.byteLength, static_cast<std::uint64_t>(w.elementCount()) * core::elementSize(w.dtype));
    }

    void constValueEncodings()
    {
        tensorflow::GraphDef g;
        auto addConst = [&g](const std::string& name, tensorflow::DataType dtype, std::vector<std::int64_t> shape) {
            auto* n = g.add_node();
            n->set_name(name);
            n->set_op("Const");
            auto& t = *(*n->mutable_attr())["value"].mutable_tensor();
            t.set_dtype(dtype);
            for (auto d : shape)
                t.mutable_tensor_shape()->add_dim()->set_size(d);
            (*n->mutable_attr())["dtype"].set_type(dtype);
            return &t;
        };
        addConst("splat", tensorflow::DT_FLOAT, {2, 3})->add_float_val(2.5f);
        auto* i64 = addConst("i64", tensorflow::DT_INT64, {3});
        for (std::int64_t v : {std::int64_t{1}, std::int64_t{-2}, (std::int64_t{1} << 33) + 7})
            i64->add_int64_val(v);
        const double d[2] = {0.1, -3.0};
        addConst("f64", tensorflow::DT_DOUBLE, {2})->set_tensor_content(std::string(reinterpret_cast<const char*>(d), 16));
        addConst("half", tensorflow::DT_HALF, {2})->add_half_val(0x3C00); // splat 1.0
        auto* b = addConst("b", tensorflow::DT_BOOL, {2});
        b->add_bool_val(true);
        b->add_bool_val(false);
        auto* s = addConst("s", tensorflow::DT_STRING, {2});
        s->add_string_val("ab");
        s->add_string_val("");
        auto* u8 = addConst("u8", tensorflow::DT_UINT8, {2});
        u8->set_tensor_content(std::string("\xff\x01", 2));
        const fs::path p = scratch("consts.pb");
        {
            std::ofstream out(p, std::ios::binary);
            QVERIFY(g.SerializeToOstream(&out));
        }
        const auto m = conv::readFrozenGraphDef(p);
        const auto& w = m.weightGroups[0].weights;
        QCOMPARE(w.size(), std::size_t(7));
        QCOMPARE(values<float>(w[0]), std::vector<float>(6, 2.5f));
        QCOMPARE(w[1].dtype, core::DType::Int32);
        QCOMPARE(values<std::int32_t>(w[1]), (std::vector<std::int32_t>{1, -2, 7})); // narrowed, no overflow check
        QCOMPARE(values<float>(w[2]), (std::vector<float>{0.1f, -3.0f}));
        QCOMPARE(values<float>(w[3]), (std::vector<float>{1.0f, 1.0f}));
        QCOMPARE(w[4].storedBytes(), (std::vector<std::uint8_t>{1, 0}));
        QCOMPARE(w[5].byteLength, std::uint64_t(4 + 2 + 4));
        QCOMPARE(w[6].dtype, core::DType::Int32);
        QCOMPARE(values<std::int32_t>(w[6]), (std::vector<std::int32_t>{255, 1}));
    }

    // scomplex_val holds (re, im) pairs; an odd count used to be read past its end.
    void oddComplexValues()
    {
        const auto p = oneConst("complex.pb", [](tensorflow::TensorProto& t) {
            t.set_dtype(tensorflow::DT_COMPLEX64);
            t.mutable_tensor_shape()->add_dim()->set_size(2);
            for (float v : {1.0f, 2.0f, 3.0f})
                t.add_scomplex_val(v);
        });
        const auto e = errorOf(p);
        QVERIFY2(e.contains("complex.pb") && e.contains("node 'c'") && e.contains("scomplex_val holds 3 floats"),
            qPrintable(e));
        // Pairs still splat: one (re, im) fills the tensor.
        const auto ok = oneConst("complex-ok.pb", [](tensorflow::TensorProto& t) {
            t.set_dtype(tensorflow::DT_COMPLEX64);
            t.mutable_tensor_shape()->add_dim()->set_size(2);
            t.add_scomplex_val(1.0f);
            t.add_scomplex_val(-2.0f);
        });
        const auto m = conv::readFrozenGraphDef(ok);
        QCOMPARE(values<float>(m.weightGroups[0].weights[0]), (std::vector<float>{1, -2, 1, -2}));
    }

    // A few bytes of shape can declare 2^40 elements: refused before allocating, naming the node,
    // the declared shape and the size; an overflowing product likewise.
    void hugeDeclaredShapes()
    {
        const auto big = oneConst("huge.pb", [](tensorflow::TensorProto& t) {
            t.set_dtype(tensorflow::DT_FLOAT);
            t.mutable_tensor_shape()->add_dim()->set_size(std::int64_t{1} << 20);
            t.mutable_tensor_shape()->add_dim()->set_size(std::int64_t{1} << 20);
            t.add_float_val(0.0f);
        });
        auto e = errorOf(big);
        QVERIFY2(e.contains("huge.pb") && e.contains("node 'c'") && e.contains("[1048576,1048576]")
                && e.contains("4398046511104 bytes"), qPrintable(e));
        const auto overflow = oneConst("overflow.pb", [](tensorflow::TensorProto& t) {
            t.set_dtype(tensorflow::DT_INT32);
            for (int k = 0; k < 3; ++k)
                t.mutable_tensor_shape()->add_dim()->set_size(std::int64_t{1} << 30);
            t.add_int_val(1);
        });
        e = errorOf(overflow);
        QVERIFY2(e.contains("node 'c'") && e.contains("[1073741824,1073741824,1073741824]") && e.contains("64 bits"),
            qPrintable(e));
        // Strings count their bytes: a long string repeated by splat is refused the same way.
        const auto strings = oneConst("strings.pb", [](tensorflow::TensorProto& t) {
            t.set_dtype(tensorflow::DT_STRING);
            t.mutable_tensor_shape()->add_dim()->set_size(std::int64_t{1} << 24);
            t.add_string_val(std::string(1000, 'x'));
        });
        e = errorOf(strings);
        QVERIFY2(e.contains("node 'c'") && e.contains("[16777216]") && e.contains("16844324864 bytes"), qPrintable(e));
    }

    // --max-memory: a splat constant of 2^28 floats (1 GiB) in a 20-byte message is within what
    // one tensor may be, but not within a 64 MiB budget; refused before the allocation.
    void memoryBudgetForConstants()
    {
        const auto splat = oneConst("splat.pb", [](tensorflow::TensorProto& t) {
            t.set_dtype(tensorflow::DT_FLOAT);
            t.mutable_tensor_shape()->add_dim()->set_size(std::int64_t{1} << 28);
            t.add_float_val(1.0f);
        });
        QVERIFY(fs::file_size(splat) < 64);
        try {
            conv::readFrozenGraphDef(splat, std::uint64_t{64} << 20);
            QFAIL("a constant over the memory budget was accepted");
        } catch (const Error& e) {
            const QString m = QString::fromUtf8(e.what());
            QVERIFY2(m.contains("splat.pb") && m.contains("node 'c'") && m.contains("[268435456]")
                    && m.contains("1073741824 bytes") && m.contains("--max-memory"), e.what());
        }
        // Through the importer interface, as the CLI passes it.
        conv::ImportOptions o;
        o.maxMemoryBytes = std::uint64_t{64} << 20;
        try {
            conv::importModel(splat, o);
            QFAIL("importModel ignored the memory budget");
        } catch (const Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("--max-memory"), e.what());
        }
    }

    void badProtobuf()
    {
        const fs::path p = scratch("broken.pb");
        std::ofstream(p, std::ios::binary) << std::string("\x0a\xff\xff\xff\x0f garbage", 14);
        try {
            conv::readFrozenGraphDef(p);
            QFAIL("a broken protobuf was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("broken.pb") && QString(e.what()).contains("not a GraphDef"), e.what());
        }
        // A truncated real graph.
        std::ifstream in(kModels / "frozen-graphdef-tf1-tf2onnx-rnn-and-mlp/fc-layers/frozen.pb", std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const fs::path cut = scratch("cut.pb");
        std::ofstream(cut, std::ios::binary) << ss.str().substr(0, ss.str().size() / 3);
        try {
            conv::readFrozenGraphDef(cut);
            QFAIL("a truncated protobuf was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("cut.pb"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestGraphDef)
#include "test_graph_def.moc"
