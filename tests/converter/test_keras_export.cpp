// Layers model -> Keras .h5 (--output_format=keras): every Keras model in ../shared/models goes
// .h5 -> layers-model -> .h5 -> layers-model with identical model.json and shards; our .h5 has the
// structure and values of the Keras-written original (h5py) and real Keras 3 loads it and
// predicts what it predicts from the original; quantized weights come out as decode()'s float32
// values; bad outputs and models give clear errors and leave nothing behind.
#include "converter/convert.h"
#include "converter/exporters/keras_h5_export.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "core/tfjs/decode.h"
#include "core/tfjs/json_limits.h"

#include <QProcess>
#include <QtTest>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace studio;
using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

// Weights-only files (model.save_weights): no model_config, so the layers model they convert to
// has a null topology, which is no model to write back to Keras. Checked to be weights-only.
const std::map<std::string, std::string> kWeightsOnly{
    {"tensorspace-mnist-lenet-multiformat/keras_2.2.2_weights_only/weights.h5", "weights-only (save_weights): no model_config"},
    {"keras-weights-only-nested-vae-mlp/vae_mlp_mnist.h5", "weights-only (save_weights): no model_config"},
    {"keras-weights-only-kotlindl-lstm-and-toyresnet/toyresnet/weights.h5", "weights-only (save_weights): no model_config"},
    {"keras-weights-only-kotlindl-lstm-and-toyresnet/lstm/weights.h5", "weights-only (save_weights): no model_config"},
};

std::vector<std::string> kerasFiles()
{
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(kModels)) {
        const auto ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".h5" || ext == ".hdf5"))
            out.push_back(fs::relative(e.path(), kModels).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

conv::ConvertResult convert(const fs::path& in, const fs::path& out, const std::string& outFormat, const std::string& inFormat = {})
{
    conv::ConvertOptions o;
    o.inputPath = in.string();
    o.outputPath = out.string();
    o.outputFormat = outFormat;
    o.inputFormat = inFormat;
    return conv::convert(o);
}

Json readJson(const fs::path& p)
{
    std::ifstream in(p);
    return core::parseJsonLimited(in, p.string());
}

std::string readBytes(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(fs::file_size(p)), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return bytes;
}

// Everything in `dir`, for "nothing left behind".
std::set<std::string> listing(const fs::path& dir)
{
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        names.insert(e.path().filename().string());
    return names;
}

fs::path venvPython() { return fs::path(STUDIO_SOURCE_DIR) / ".venv-keras/bin/python"; }

} // namespace

class TestKerasExport : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    fs::path tmp() const { return m_tmp.path().toStdString(); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(fs::exists(kModels), kModels.c_str());
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("file");
        const auto files = kerasFiles();
        QVERIFY(files.size() >= 9);
        for (const auto& f : files)
            QTest::newRow(f.c_str()) << QString::fromStdString(f);
    }

    // .h5 -> layers -> .h5 -> layers: identical model.json (but generatedBy / convertedBy) and
    // shards; then our .h5 against the Keras-written original with h5py and Keras 3.
    void roundTrip()
    {
        QFETCH(QString, file);
        const std::string rel = file.toStdString();
        const fs::path source = kModels / rel;
        const fs::path work = tmp() / fs::path(rel).stem();
        const fs::path first = work / "first", h5 = work / "back.h5", second = work / "second";
        const auto r1 = convert(source, first, "tfjs_layers_model");
        const Json j1 = readJson(first / "model.json");
        if (const auto it = kWeightsOnly.find(rel); it != kWeightsOnly.end()) {
            QVERIFY2(j1["modelTopology"].is_null(), "listed as weights-only but has a topology");
            try {
                convert(first / "model.json", h5, "keras");
                QFAIL("a weights-only layers model was written as a Keras model");
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains("topology"), e.what());
            }
            QVERIFY(!fs::exists(h5));
            qInfo("%s: excluded: %s (refused with a clear error, checked)", rel.c_str(), it->second.c_str());
            return;
        }
        QVERIFY2(!j1["modelTopology"].is_null(), "a full model converted to a null topology");
        const auto r2 = convert(first / "model.json", h5, "keras");
        QCOMPARE(r2.outputFormat, conv::Format::Keras);
        QVERIFY(fs::is_regular_file(h5));
        // Nothing but the file itself beside it (no temporary file left).
        QCOMPARE(listing(work), (std::set<std::string>{"back.h5", "first"}));
        convert(h5, second, "tfjs_layers_model");

        Json j2 = readJson(second / "model.json");
        Json a = j1, b = j2;
        for (auto* j : {&a, &b}) {
            j->erase("generatedBy");
            j->erase("convertedBy");
        }
        QVERIFY2(a == b, qPrintable(QString::fromStdString(rel + ": model.json differs after the round trip")));
        QCOMPARE(j2["generatedBy"], j1["generatedBy"]); // "keras v<keras_version>": the version was kept
        std::size_t shards = 0;
        for (const auto& g : j1["weightsManifest"])
            for (const auto& p : g["paths"]) {
                const auto name = p.get<std::string>();
                QVERIFY2(readBytes(first / name) == readBytes(second / name), qPrintable(QString::fromStdString(rel + ": " + name + " differs")));
                ++shards;
            }
        QCOMPARE(listing(second), listing(first));
        qInfo("%s: model.json and %zu shard(s) identical after .h5 -> layers -> .h5 -> layers", rel.c_str(), shards);

        // The original, written by real Keras, is the oracle for our file's structure.
        QVERIFY2(fs::exists(venvPython()), "the Keras venv (.venv-keras, made by scripts/setup.sh) is missing");
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("KERAS_BACKEND", "numpy");
        env.insert("PYTHONDONTWRITEBYTECODE", "1");
        p.setProcessEnvironment(env);
        p.start(QString::fromStdString(venvPython().string()),
            {QString(STUDIO_SOURCE_DIR) + "/tests/keras3/check_h5_export.py", QString::fromStdString(source.string()),
                QString::fromStdString(h5.string())});
        QVERIFY(p.waitForFinished(300000));
        const QByteArray out = p.readAllStandardOutput();
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromStdString(rel) + ": " + out + err.right(2000)));
        const auto result = Json::parse(out.toStdString());
        QCOMPARE(result["structure"].get<std::string>(), std::string("ok"));
        qInfo("%s: h5py structure and values equal to the original's; Keras 3: %s", rel.c_str(),
            result["keras"].get<std::string>().c_str());
    }

    // Keras 3 loads at least the tf.keras 2.2.4 MNIST file and the Keras 2.0.5 mini-Xception, so the
    // prediction comparison above is not vacuous.
    void kerasPredictsFromOurFiles()
    {
        for (const std::string rel : {"pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5",
                 "pair-keras205-gender-minixception-graph/keras/gender_mini_XCEPTION.21-0.95.hdf5"}) {
            const fs::path work = tmp() / ("keras-" + fs::path(rel).stem().string());
            convert(kModels / rel, work / "layers", "tfjs_layers_model");
            convert(work / "layers/model.json", work / "m.h5", "keras");
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("KERAS_BACKEND", "numpy");
            p.setProcessEnvironment(env);
            p.start(QString::fromStdString(venvPython().string()),
                {QString(STUDIO_SOURCE_DIR) + "/tests/keras3/check_h5_export.py", QString::fromStdString((kModels / rel).string()),
                    QString::fromStdString((work / "m.h5").string())});
            QVERIFY(p.waitForFinished(300000));
            const QByteArray out = p.readAllStandardOutput();
            QVERIFY2(p.exitCode() == 0, out + p.readAllStandardError().right(2000));
            const auto result = Json::parse(out.toStdString());
            QVERIFY2(result["keras"] == "ok", qPrintable(QString::fromStdString(rel + ": " + result["keras"].dump())));
        }
    }

    // A uint8 layers model: the .h5 holds float32 values equal to decode() of each stored weight.
    void quantizedWeightsDequantized()
    {
        const fs::path source = kModels / "tfjs-layers-mobilenetv2-uint8-nsfwjs/model.json";
        const fs::path h5 = tmp() / "nsfw/model.h5";
        const auto r = convert(source, h5, "keras");
        bool warned = false;
        for (const auto& w : r.warnings)
            warned = warned || w.find("dequantized") != std::string::npos;
        QVERIFY(warned);
        const auto original = conv::importModel(source);
        const auto back = conv::importModel(h5);
        std::map<std::string, const core::Weight*> byName;
        for (const auto& g : back.weightGroups)
            for (const auto& w : g.weights)
                byName[w.name] = &w;
        std::size_t quantized = 0, compared = 0;
        for (const auto& g : original.weightGroups)
            for (const auto& w : g.weights) {
                const auto it = byName.find(w.name);
                QVERIFY2(it != byName.end(), w.name.c_str());
                const core::Weight& b = *it->second;
                QCOMPARE(b.dtype, core::DType::Float32);
                QVERIFY(!b.quantization);
                QCOMPARE(b.shape, w.shape);
                const auto want = core::decodeFloat32(w);
                const auto got = b.storedBytes();
                QCOMPARE(got.size(), want.size() * 4);
                QVERIFY2(std::memcmp(got.data(), want.data(), got.size()) == 0, w.name.c_str());
                if (w.quantization)
                    ++quantized;
                ++compared;
            }
        QVERIFY(quantized > 50);
        QCOMPARE(byName.size(), compared);
        qInfo("nsfwjs MobileNetV2: %zu weights (%zu uint8) written as float32 equal to decode()", compared, quantized);
    }

    // A folder as the output is refused; nothing is written into it.
    void folderOutputRefused()
    {
        const fs::path dir = tmp() / "a-folder";
        fs::create_directories(dir);
        try {
            convert(kModels / "tfjs-layers-mobilenetv2-uint8-nsfwjs/model.json", dir, "keras");
            QFAIL("wrote a Keras file over a folder");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("folder"), e.what());
        }
        QVERIFY(listing(dir).empty());
    }

    // A graph model has no Keras topology: refused by the route, nothing written.
    void graphModelRefused()
    {
        const fs::path out = tmp() / "graph/out.h5";
        try {
            convert(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/tfjs_graph_model/model.json", out, "keras", "tfjs_graph_model");
            QFAIL("a graph model was written as Keras");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("Unsupported input_format - output_format pair"), e.what());
        }
        QVERIFY(!fs::exists(out));
    }

    // A weight that no layer owns, and an error inside the writer child (a layer name libhdf5
    // cannot make a group of): clear errors, no file and no temporary file; an existing file at
    // the target is left as it was.
    void badModelsLeaveNothing()
    {
        auto model = conv::importModel(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/tfjs_layers_model/model.json");
        const fs::path dir = tmp() / "bad";
        fs::create_directories(dir);
        const fs::path out = dir / "model.h5";
        {
            std::ofstream keep(out);
            keep << "previous";
        }
        auto orphan = model;
        orphan.weightGroups[0].weights[0].name = "no_such_layer/kernel";
        try {
            conv::writeKerasH5(orphan, out);
            QFAIL("an orphan weight was written");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("'no_such_layer/kernel' belongs to no layer"), e.what());
        }
        QCOMPARE(listing(dir), std::set<std::string>{"model.h5"});
        QCOMPARE(readBytes(out), std::string("previous"));

        // "zzz/x" as a layer name: the child's H5Gcreate fails (there is no group "zzz").
        auto slashed = model;
        auto& topology = slashed.meta.modelTopology;
        auto& cfg = topology.contains("model_config") ? topology["model_config"]["config"] : topology["config"];
        auto& layers = cfg.is_array() ? cfg : cfg["layers"];
        bool renamed = false;
        for (auto& l : layers)
            if (!renamed && l["config"]["name"] == "max_pooling2d") { // a layer without weights
                l["config"]["name"] = "zzz/x";
                renamed = true;
            }
        QVERIFY(renamed);
        slashed.layers.clear(); // write the edited topology as it is
        try {
            conv::writeKerasH5(slashed, out);
            QFAIL("a layer name with a slash was written");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("model.h5") && QString(e.what()).contains("zzz/x"), e.what());
        }
        QCOMPARE(listing(dir), std::set<std::string>{"model.h5"});
        QCOMPARE(readBytes(out), std::string("previous"));

        // And a good write replaces the previous file whole.
        conv::writeKerasH5(model, out);
        QCOMPARE(listing(dir), std::set<std::string>{"model.h5"});
        QCOMPARE(readBytes(out).substr(0, 8), std::string("\x89HDF\r\n\x1a\n", 8));
    }
};

QTEST_GUILESS_MAIN(TestKerasExport)
#include "test_keras_export.moc"
