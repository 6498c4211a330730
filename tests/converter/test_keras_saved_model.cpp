// tf.keras SavedModels (--input_format=keras_saved_model) as layers models, checked against the
// HDF5 file Keras itself wrote for the same model: the reference converter converts a Keras
// SavedModel by loading it and saving exactly such an HDF5 file (CONVERTER.md 1.4 #4), so the
// two must give the same topology and the same weights, byte for byte. The models come from
// tests/tfconv/make_models.py (fixture tfconv_models); converter.tfconv_compare also compares
// the conversion with the reference converter's own output and runs it in TF.js.
#include "converter/importers/importer.h"
#include "core/error.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace studio;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = STUDIO_TFCONV_MODELS;

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-keras-sm-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

core::Model load(const fs::path& path, conv::Format format)
{
    conv::ImportOptions o;
    o.format = format;
    o.savedModelTags = "serve";
    return conv::importModel(path, o);
}

std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

class TestKerasSavedModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!fs::exists(kFixtures / "cases.json"))
            QFAIL(("no fixtures in " + kFixtures.string() + ": run ctest -R converter.tfconv_models first").c_str());
    }

    void sameAsKerasOwnHdf5_data()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("keras_dense") << "keras_dense";
        QTest::newRow("keras_conv") << "keras_conv";
    }

    void sameAsKerasOwnHdf5()
    {
        QFETCH(QString, model);
        const std::string name = model.toStdString();
        const core::Model sm = load(kFixtures / (name + "_savedmodel") / "saved_model", conv::Format::KerasSavedModel);
        const core::Model h5 = load(kFixtures / (name + "_h5") / "model.h5", conv::Format::Keras);
        QCOMPARE(sm.kind, core::ModelKind::LayersModel);
        QCOMPARE(sm.meta.modelTopology.dump(), h5.meta.modelTopology.dump());
        QCOMPARE(sm.meta.generatedBy, h5.meta.generatedBy);
        QCOMPARE(sm.layers.size(), h5.layers.size());
        std::vector<const core::Weight*> a, b;
        for (const auto& g : sm.weightGroups)
            for (const auto& w : g.weights)
                a.push_back(&w);
        for (const auto& g : h5.weightGroups)
            for (const auto& w : g.weights)
                b.push_back(&w);
        QCOMPARE(a.size(), b.size());
        QVERIFY(!a.empty());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i]->name, b[i]->name);
            QCOMPARE(a[i]->shape, b[i]->shape);
            QVERIFY2(a[i]->storedBytes() == b[i]->storedBytes(), a[i]->name.c_str());
        }
    }

    void withoutKerasMetadataIsAnError()
    {
        // A SavedModel tf.keras did not write: a clear error that names the missing file.
        const fs::path dir = scratch("plain") / "saved_model";
        fs::copy(kFixtures / "tf2_matmul_relu" / "saved_model", dir, fs::copy_options::recursive);
        const auto e = errorOf([&] { load(dir, conv::Format::KerasSavedModel); });
        QVERIFY2(e.find("no keras_metadata.pb: not a tf.keras SavedModel") != std::string::npos, e.c_str());
    }

    void damagedKerasMetadataIsAnError()
    {
        const fs::path dir = scratch("damaged") / "saved_model";
        fs::copy(kFixtures / "keras_dense_savedmodel" / "saved_model", dir, fs::copy_options::recursive);
        {
            std::ofstream out(dir / "keras_metadata.pb", std::ios::binary | std::ios::trunc);
            out << "\x0a\xff\xff\xff\x0f not a protobuf";
        }
        const auto e = errorOf([&] { load(dir, conv::Format::KerasSavedModel); });
        QVERIFY2(e.starts_with("keras_metadata.pb: "), e.c_str());
    }

    void cleanupTestCase()
    {
        fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-keras-sm-test-" + std::to_string(::getpid())));
    }
};

QTEST_GUILESS_MAIN(TestKerasSavedModel)
#include "test_keras_saved_model.moc"
