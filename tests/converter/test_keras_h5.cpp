// Keras HDF5 -> TF.js layers model against the reference converter's real output for the
// same files: identical shards, identical model.json (but convertedBy), identical manifests.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"

#include <hdf5.h>

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace studio;
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

std::string readAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-keras-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p.parent_path());
    return p;
}

conv::ConvertResult convert(const fs::path& in, const fs::path& out, std::vector<std::string> flags = {})
{
    flags.push_back(in.string());
    flags.push_back(out.string());
    return conv::convert(conv::parseConvertArgs(flags));
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

} // namespace

class TestKerasH5 : public QObject {
    Q_OBJECT
private slots:
    void cleanupTestCase()
    {
        std::error_code ec;
        fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-keras-test-" + std::to_string(::getpid())), ec);
    }

    // tf.keras 2.2.4-tf .h5 and tensorflowjs_converter 1.4.0's output of it.
    void byteIdenticalToReferenceConverter()
    {
        const fs::path pair = kModels / "pair-tfkeras224-mnist-bn-layers-and-graph";
        const fs::path out = scratch("tiny_mnist");
        const auto r = convert(pair / "keras/tiny_mnist.h5", out);
        QCOMPARE(QString::fromStdString(r.inputFormat), QString("keras")); // detected
        QVERIFY(readAll(out / "group1-shard1of1.bin") == readAll(pair / "tfjs_layers_model/group1-shard1of1.bin"));
        const std::string theirs = readAll(pair / "tfjs_layers_model/model.json");
        std::string ours = readAll(out / "model.json");
        const std::string ourTag = "\"convertedBy\": \"tfjs-studio v";
        const auto at = ours.find(ourTag);
        QVERIFY(at != std::string::npos);
        ours.replace(at, ours.find('"', at + ourTag.size()) + 1 - at, "\"convertedBy\": \"TensorFlow.js Converter v1.4.0\"");
        QCOMPARE(QString::fromStdString(ours), QString::fromStdString(theirs));
    }

    // A custom layer class passes through; no weights gives an empty group and no shard.
    void customLayerEmptyManifest()
    {
        const fs::path dir = kModels / "keras-custom-layer-hyperscale-layers";
        const fs::path out = scratch("hyper");
        convert(dir / "keras/hyper.h5", out);
        const auto theirs = nlohmann::json::parse(readAll(dir / "tfjs_layers_model/model.json"));
        auto ours = nlohmann::json::parse(readAll(out / "model.json"));
        ours["convertedBy"] = theirs["convertedBy"];
        QVERIFY(ours == theirs);
        QCOMPARE(std::distance(fs::directory_iterator(out), fs::directory_iterator()), std::ptrdiff_t(1));
    }

    // Keras 2.1.6 full model, tf.keras 2.1.6-tf full model and a Keras 2.2.2 weights-only file:
    // the converter's shards (checked upstream to hold the same weights) and manifests.
    void tensorspaceVariants_data()
    {
        QTest::addColumn<QString>("h5");
        QTest::addColumn<QString>("reference");
        const fs::path t = kModels / "tensorspace-mnist-lenet-multiformat";
        QTest::newRow("keras 2.1.6") << QString::fromStdString((t / "keras_2.1.6_full/mnist.h5").string())
                                     << QString::fromStdString((t / "converted_layers_model_from_weights_only").string());
        QTest::newRow("tf.keras 2.1.6-tf") << QString::fromStdString((t / "tfkeras_2.1.6-tf_full/tf_keras_model.h5").string())
                                           << QString::fromStdString((t / "converted_layers_model_multi_output").string());
        QTest::newRow("weights only") << QString::fromStdString((t / "keras_2.2.2_weights_only/weights.h5").string())
                                      << QString::fromStdString((t / "converted_layers_model_from_weights_only").string());
    }

    void tensorspaceVariants()
    {
        QFETCH(QString, h5);
        QFETCH(QString, reference);
        const fs::path ref = reference.toStdString();
        const fs::path out = scratch("tensorspace");
        convert(h5.toStdString(), out);
        QVERIFY(readAll(out / "group1-shard1of1.bin") == readAll(ref / "group1-shard1of1"));
        const auto theirs = nlohmann::json::parse(readAll(ref / "model.json"))["weightsManifest"][0]["weights"];
        const auto ours = nlohmann::json::parse(readAll(out / "model.json"))["weightsManifest"][0]["weights"];
        QVERIFY2(ours == theirs, (ours.dump() + "\n" + theirs.dump()).c_str());
    }

    void splitWeightsByLayer()
    {
        const fs::path out = scratch("split");
        convert(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5", out, {"--split_weights_by_layer"});
        const auto doc = nlohmann::json::parse(readAll(out / "model.json"));
        // conv2d x3, batch_normalization x3, dense: seven layers with weights.
        QCOMPARE(doc["weightsManifest"].size(), std::size_t(7));
        QCOMPARE(doc["weightsManifest"][3]["paths"][0].get<std::string>(), std::string("group4-shard1of1.bin"));
        QCOMPARE(doc["weightsManifest"][0]["weights"].size(), std::size_t(4)); // BN: gamma, beta, mean, variance
        QVERIFY(fs::exists(out / "group7-shard1of1.bin"));
    }

    void everyCorpusH5Reads()
    {
        int files = 0;
        for (const auto& e : fs::recursive_directory_iterator(kModels)) {
            const auto ext = e.path().extension();
            if (ext != ".h5" && ext != ".hdf5")
                continue;
            const auto model = conv::importModel(e.path());
            QVERIFY2(model.weightCount() > 0 || e.path().filename() == "hyper.h5", e.path().c_str());
            ++files;
        }
        QVERIFY(files >= 8);
    }

    // --- bad input ---

    void notHdf5()
    {
        const fs::path p = scratch("text.h5");
        std::ofstream(p) << "{\"not\": \"hdf5\"}";
        const auto e = errorOf([&] { conv::importModel(p, "keras"); });
        QVERIFY2(e.contains("text.h5") && e.contains("not an HDF5 file"), qPrintable(e));
    }

    void truncated()
    {
        const auto bytes = readAll(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5");
        const fs::path p = scratch("cut.h5");
        std::ofstream(p, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        const fs::path out = scratch("cut-out");
        const auto e = errorOf([&] { convert(p, out); });
        QVERIFY2(e.contains("cut.h5"), qPrintable(e));
        QVERIFY(!fs::exists(out));
    }

    void missingWeightDataset()
    {
        const fs::path p = scratch("missing.h5");
        fs::copy_file(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5", p);
        fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
        const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        QVERIFY(f >= 0);
        QVERIFY(H5Ldelete(f, "/model_weights/dense/dense/kernel:0", H5P_DEFAULT) >= 0);
        H5Fclose(f);
        const auto e = errorOf([&] { conv::importModel(p); });
        QVERIFY2(e.contains("missing.h5") && e.contains("layer 'dense'") && e.contains("dense/kernel:0"), qPrintable(e));
    }

    void unsupportedPair()
    {
        const fs::path out = scratch("graph-out");
        const auto e = errorOf([&] {
            convert(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5", out,
                {"--output_format=tfjs_graph_model"});
        });
        QVERIFY2(e.contains("keras - tfjs_graph_model"), qPrintable(e));
        QVERIFY(!fs::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestKerasH5)
#include "test_keras_h5.moc"
