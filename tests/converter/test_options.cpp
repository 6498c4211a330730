// convert's flag parsing: tensorflowjs_converter names, defaults and error wording.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "converter/options.h"
#include "core/error.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <unistd.h>

using namespace studio;
namespace fs = std::filesystem;

namespace {
QString errorOf(const std::vector<std::string>& args)
{
    try {
        conv::parseConvertArgs(args);
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

const fs::path kModels = STUDIO_MODELS_DIR;

QString failureOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-options-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p.parent_path());
    return p;
}

std::string readAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeText(const fs::path& p, const std::string& s)
{
    std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

// A writable copy of a model folder of the corpus.
fs::path copyModel(const std::string& name, const fs::path& from)
{
    const fs::path dir = scratch(name);
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(from)) {
        fs::copy_file(e.path(), dir / e.path().filename());
        fs::permissions(dir / e.path().filename(), fs::perms::owner_write, fs::perm_options::add);
    }
    return dir;
}

// Nothing of a failed conversion to `out`: neither the output nor a temporary folder beside it.
bool leftNothing(const fs::path& out)
{
    if (fs::exists(out))
        return false;
    for (const auto& entry : fs::directory_iterator(out.parent_path()))
        if (entry.path().filename().string().find(".tmp-") != std::string::npos)
            return false;
    return true;
}
} // namespace

class TestOptions : public QObject {
    Q_OBJECT
private slots:
    void defaults()
    {
        const auto o = conv::parseConvertArgs({"in/model.json", "out"});
        QCOMPARE(o.shardSize, std::uint64_t(4194304));
        QVERIFY(o.quantization.empty());
        QVERIFY(o.stripDebugOps);
        QCOMPARE(QString::fromStdString(o.inputPath), QString("in/model.json"));
    }
    void bothValueStyles()
    {
        const auto a = conv::parseConvertArgs({"--weight_shard_size_bytes=1000", "--input_format", "tfjs_graph_model", "i", "o"});
        QCOMPARE(a.shardSize, std::uint64_t(1000));
        QCOMPARE(QString::fromStdString(a.inputFormat), QString("tfjs_graph_model"));
    }
    void quantizationFlags()
    {
        const auto o = conv::parseConvertArgs({"--quantize_uint8=*/kernel,conv*", "--quantize_float16", "i", "o"});
        QCOMPARE(o.quantization.choose("dense/kernel"), std::optional<core::DType>(core::DType::UInt8));
        QCOMPARE(o.quantization.choose("dense/bias"), std::optional<core::DType>(core::DType::Float16));
        const auto legacy = conv::parseConvertArgs({"--quantization_bytes", "2", "i", "o"});
        QCOMPARE(legacy.quantization.choose("x"), std::optional<core::DType>(core::DType::UInt16));
        QCOMPARE(legacy.warnings.size(), std::size_t(1));
    }
    void quantizePatternsAsSeparateWord()
    {
        const auto a = conv::parseConvertArgs({"--quantize_uint8", "conv*,dense*", "in", "out"});
        QCOMPARE(a.quantization.choose("conv1/kernel"), std::optional<core::DType>(core::DType::UInt8));
        QCOMPARE(a.quantization.choose("bn/gamma"), std::optional<core::DType>());
        QCOMPARE(QString::fromStdString(a.inputPath), QString("in"));
        // With only the two paths after it, the flag means every weight.
        const auto b = conv::parseConvertArgs({"--quantize_uint16", "in", "out"});
        QCOMPARE(b.quantization.choose("bn/gamma"), std::optional<core::DType>(core::DType::UInt16));
        QCOMPARE(QString::fromStdString(b.outputPath), QString("out"));
        const auto c = conv::parseConvertArgs({"--quantize_float16", "*/kernel", "--weight_shard_size_bytes", "9", "in", "out"});
        QCOMPARE(c.quantization.choose("x/kernel"), std::optional<core::DType>(core::DType::Float16));
        QCOMPARE(c.shardSize, std::uint64_t(9));
    }
    void pythonBoolQuirk()
    {
        // The reference's argparse type=bool reads "False" as True; we take the word's meaning
        // and warn about the difference. Only the empty value means false in both.
        const auto o = conv::parseConvertArgs({"--strip_debug_ops=False", "i", "o"});
        QVERIFY(!o.stripDebugOps);
        QVERIFY(o.warnings.size() == 1 && o.warnings[0].find("argparse type=bool") != std::string::npos);
        QVERIFY(!conv::parseConvertArgs({"--strip_debug_ops=", "i", "o"}).stripDebugOps);
    }
    // "--strip_debug_ops False IN OUT" used to take "False" as the input path.
    void boolFlagsTakeAnOptionalWord()
    {
        const auto a = conv::parseConvertArgs({"--strip_debug_ops", "False", "IN", "OUT"});
        QVERIFY(!a.stripDebugOps && a.stripDebugOpsGiven);
        QCOMPARE(QString::fromStdString(a.inputPath), QString("IN"));
        QCOMPARE(QString::fromStdString(a.outputPath), QString("OUT"));
        const auto b = conv::parseConvertArgs({"--skip_op_check", "IN", "OUT"}); // alone: true
        QVERIFY(b.skipOpCheck && b.skipOpCheckGiven);
        QCOMPARE(QString::fromStdString(b.inputPath), QString("IN"));
        const auto c = conv::parseConvertArgs({"--skip_op_check", "true", "--experiments", "0", "--control_flow_v2",
            "YES", "--use_structured_outputs_names=n", "--split_weights_by_layer", "1", "IN", "OUT"});
        QVERIFY(c.skipOpCheck && !c.experiments && c.controlFlowV2 && !c.useStructuredOutputsNames && c.splitWeightsByLayer);
        QVERIFY(c.experimentsGiven && c.useStructuredOutputsNamesGiven && c.splitWeightsByLayerGiven);
        QCOMPARE(QString::fromStdString(c.inputPath), QString("IN"));
        // A boolean word is the input path when the two paths would not follow otherwise.
        const auto d = conv::parseConvertArgs({"--experiments", "1", "OUT"});
        QVERIFY(d.experiments);
        QCOMPARE(QString::fromStdString(d.inputPath), QString("1"));
        const auto e = conv::parseConvertArgs({"--strip_debug_ops", "model.h5", "OUT"}); // not a boolean word
        QVERIFY(e.stripDebugOps);
        QCOMPARE(QString::fromStdString(e.inputPath), QString("model.h5"));
        QVERIFY(!conv::parseConvertArgs({"i", "o"}).stripDebugOpsGiven);
        QVERIFY(errorOf({"--split_weights_by_layer=maybe", "i", "o"}).contains("invalid boolean value: 'maybe'"));
    }
    void flagsTheRouteIgnores()
    {
        const auto o = conv::parseConvertArgs({"--saved_model_tags=serve,gpu", "--skip_op_check", "--strip_debug_ops=false",
            "--experiments", "--use_structured_outputs_names", "--split_weights_by_layer", "i", "o"});
        auto problems = [&](const std::string& in, const std::string& out) {
            QStringList list;
            for (const auto& p : conv::unsupportedOptionProblems(o, in, out))
                list << QString::fromStdString(p);
            return list.join("\n");
        };
        // Keras HDF5 -> layers model reads none of them but --split_weights_by_layer.
        const auto layers = problems("keras", "tfjs_layers_model");
        QCOMPARE(layers.count('\n') + 1, 5);
        for (const char* flag : {"--saved_model_tags", "--skip_op_check", "--strip_debug_ops", "--experiments",
                 "--use_structured_outputs_names"})
            QVERIFY2(layers.contains(flag), qPrintable(layers));
        QVERIFY2(layers.contains("the input format is keras"), qPrintable(layers));
        // A SavedModel to graph model honours all but --split_weights_by_layer.
        QCOMPARE(problems("tf_saved_model", "tfjs_graph_model"),
            QString("--split_weights_by_layer applies only to keras / keras_saved_model input converted to "
                    "tfjs_layers_model; the route is tf_saved_model -> tfjs_graph_model"));
        // A TF.js graph model is op-checked but not re-optimised.
        const auto graph = problems("tfjs_graph_model", "tfjs_graph_model");
        QVERIFY2(!graph.contains("--skip_op_check") && !graph.contains("--strip_debug_ops"), qPrintable(graph));
        QVERIFY2(graph.contains("--experiments") && graph.contains("--use_structured_outputs_names")
                && graph.contains("--saved_model_tags"), qPrintable(graph));
        // Flags left at their defaults are never reported.
        QVERIFY(conv::unsupportedOptionProblems(conv::parseConvertArgs({"i", "o"}), "keras", "tfjs_layers_model").empty());
    }
    void supportedConversionsAreCurrent()
    {
        const auto text = QString::fromStdString(conv::supportedConversionsText());
        QVERIFY2(text.contains("keras -> tfjs_layers_model") && text.contains("tfjs_layers_model -> tfjs_layers_model")
                && text.contains("tfjs_graph_model -> tfjs_graph_model"), qPrintable(text));
        QVERIFY2(text.contains("not yet") && text.contains("tf_saved_model") && text.contains("tf_frozen_model")
                && text.contains("tf_hub") && text.contains("keras_keras"), qPrintable(text));
        QVERIFY(QString::fromStdString(conv::convertUsage()).contains("This build converts keras -> tfjs_layers_model"));
    }
    void errors()
    {
        QVERIFY(errorOf({"--weight_shard_size_bytes=0", "i", "o"}).contains("positive integer, but got 0"));
        QVERIFY(errorOf({"--weight_shard_size_bytes=-5", "i", "o"}).contains("positive integer, but got -5"));
        QVERIFY(errorOf({"--weight_shard_size_bytes=abc", "i", "o"}).contains("invalid int value"));
        QVERIFY(errorOf({"--quantization_bytes=1", "--quantize_uint8", "i", "o"}).contains("cannot be used with the new"));
        QVERIFY(errorOf({"--quantize_uint8", "--quantize_uint16", "i", "o"}).contains("More than one quantization fallthrough"));
        QVERIFY(errorOf({"--input_format=onnx", "i", "o"}).contains("invalid choice: 'onnx'"));
        QVERIFY(errorOf({"--bogus", "i", "o"}).contains("unrecognized argument: --bogus"));
        QVERIFY(errorOf({}).contains("Missing input_path"));
        QVERIFY(errorOf({"i"}).contains("Missing output_path"));
    }

    // --- untrusted model files through the whole conversion ---

    void cleanupTestCase()
    {
        std::error_code ec;
        fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-options-test-" + std::to_string(::getpid())), ec);
    }

    // A model.json that starts with a UTF-8 byte order mark: inspect could read it, but convert
    // could not tell its format. Now it is detected, imported and converted like any other.
    void byteOrderMarkModelJson_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("graph model") << "graph_model";
        QTest::newRow("layers model") << "layers_model";
    }

    void byteOrderMarkModelJson()
    {
        QFETCH(QString, kind);
        const bool graph = kind == "graph_model";
        const fs::path dir = copyModel("bom-" + kind.toStdString(), kModels / "golden-tfjs-e2e-load-predict" / kind.toStdString());
        writeText(dir / "model.json", "\xEF\xBB\xBF" + readAll(dir / "model.json"));
        const auto format = graph ? conv::Format::TfjsGraphModel : conv::Format::TfjsLayersModel;
        QCOMPARE(conv::detectInputFormat(dir), format);
        QCOMPARE(conv::detectInputFormat(dir / "model.json"), format);
        const auto model = conv::importModel(dir);
        QCOMPARE(model.kind, graph ? core::ModelKind::GraphModel : core::ModelKind::LayersModel);
        QCOMPARE(conv::importModel(dir / "model.json", format).weightCount(), model.weightCount());

        const fs::path out = scratch("bom-out-" + kind.toStdString());
        const auto r = conv::convert(conv::parseConvertArgs({dir.string(), out.string()}));
        QCOMPARE(r.inputFormat, format);
        QCOMPARE(core::readTfjsModel(out).weightCount(), model.weightCount());
    }

    // A shard path that leaves the model's folder fails the conversion with the manifest entry
    // named, and leaves nothing behind: the outside file is never copied into an output.
    void shardOutsideFolderConvertLeavesNothing_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("dot-dot") << "dotdot";
        QTest::newRow("symlink") << "symlink";
    }

    void shardOutsideFolderConvertLeavesNothing()
    {
        QFETCH(QString, kind);
        const fs::path dir = copyModel("escape-" + kind.toStdString(), kModels / "golden-tfjs-e2e-load-predict/graph_model");
        const fs::path secret = dir.parent_path() / ("secret-" + kind.toStdString() + ".bin");
        writeText(secret, "SECRET-16-BYTES!"); // the size the manifest asks for
        std::string text = readAll(dir / "model.json");
        if (kind == "dotdot") {
            const std::string from = "\"paths\": [\"weights.bin\"]";
            QVERIFY(text.find(from) != std::string::npos);
            text.replace(text.find(from), from.size(), "\"paths\": [\"../" + secret.filename().string() + "\"]");
            writeText(dir / "model.json", text);
        } else {
            fs::remove(dir / "weights.bin");
            fs::create_symlink(secret, dir / "weights.bin");
        }
        const fs::path out = scratch("escape-out-" + kind.toStdString());
        const QString e = failureOf([&] { conv::convert(conv::parseConvertArgs({dir.string(), out.string()})); });
        QVERIFY2(e.contains("model.json: weightsManifest[0].paths[0]: shard path")
                && e.contains("leads outside the model's folder") && !e.contains("SECRET"), qPrintable(e));
        QVERIFY(leftNothing(out));
    }

    // A --metadata file nested 200,000 levels deep is refused as unreadable JSON, not a crash.
    void deepMetadataFileRefused()
    {
        const fs::path deep = scratch("deep-metadata.json");
        writeText(deep, std::string(200000, '[') + std::string(200000, ']'));
        const fs::path out = scratch("deep-metadata-out");
        const QString e = failureOf([&] {
            conv::convert(conv::parseConvertArgs({"--metadata=deep:" + deep.string(),
                (kModels / "golden-tfjs-e2e-load-predict/graph_model").string(), out.string()}));
        });
        QVERIFY2(e.contains("deep-metadata.json") && e.contains("Loading metadata error"), qPrintable(e));
        QVERIFY(leftNothing(out));
    }

    // inspect adds byte counts with a check: weights from any importer whose sizes wrap the
    // total are refused, naming the weight, instead of being reported as a tiny model.
    void inspectTotalsDoNotWrap()
    {
        core::Model m;
        m.sourcePath = "huge.json";
        m.kind = core::ModelKind::WeightsOnly;
        auto& group = m.weightGroups.emplace_back();
        for (int k = 0; k < 2; ++k) {
            core::Weight w;
            w.name = "w" + std::to_string(k);
            w.byteLength = std::uint64_t{1} << 63; // as a damaged source could declare
            group.weights.push_back(w);
        }
        const QString e = failureOf([&] { conv::inspect(m); });
        QVERIFY2(e.startsWith("huge.json: weight 'w1'") && e.contains("more than 2^64 bytes"), qPrintable(e));
    }
};

QTEST_APPLESS_MAIN(TestOptions)
#include "test_options.moc"
