// Keras HDF5 -> TF.js layers model against the reference converter's real output for the
// same files: identical shards, identical model.json (but convertedBy), identical manifests.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "converter/importers/keras_h5.h"
#include "converter/importers/keras_h5_contents.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "tests/support/damaged_files.h"

#include <hdf5.h>

#include <QtTest>

#include <algorithm>
#include <cstring>
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

// A fixed-length string array attribute, as h5py writes numpy "S" arrays.
void writeStrings(hid_t object, const char* name, const std::vector<std::string>& values)
{
    std::size_t width = 1;
    for (const auto& v : values)
        width = std::max(width, v.size());
    std::string packed;
    for (const auto& v : values)
        packed += v + std::string(width - v.size(), '\0');
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, width);
    const hsize_t n = values.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, type, packed.data());
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
}

// A weights-only Keras file (layer_names) whose one weight, /big/kernel:0, is declared with the
// given shape and never written: HDF5 allocates nothing, so the file stays a few KB.
void writeUnwrittenWeight(const fs::path& p, std::vector<hsize_t> dims, bool compressed)
{
    const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    writeStrings(f, "layer_names", {"big"});
    const hid_t g = H5Gcreate2(f, "big", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    writeStrings(g, "weight_names", {"kernel:0"});
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
    if (compressed) {
        std::vector<hsize_t> chunk(dims.size(), 1000);
        H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
        H5Pset_deflate(dcpl, 6);
    }
    const hid_t ds = H5Dcreate2(g, "kernel:0", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Gclose(g);
    H5Fclose(f);
}

// A Keras file whose root model_config attribute is `config`. The newest file format keeps
// attributes over 64 KiB (a deeply nested config is larger) in dense storage.
void writeModelConfig(const fs::path& p, const std::string& config)
{
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    writeStrings(f, "model_config", {config});
    writeStrings(f, "keras_version", {"2.2.4"});
    H5Gclose(H5Gcreate2(f, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)); // no layer has weights
    H5Fclose(f);
    H5Pclose(fapl);
}

// A Keras 2 .h5 of a Sequential with the one layer `layer` (its config JSON), whose weights
// model_weights/<name>/<name>/<weight> are zeros of the given shapes: crafted shape defects.
void writeOneLayerModel(const fs::path& p, const Json& layer,
    const std::vector<std::pair<std::string, std::vector<hsize_t>>>& weights)
{
    const std::string name = layer["config"]["name"].get<std::string>();
    const Json config = {{"class_name", "Sequential"}, {"config", {{"name", "s"}, {"layers", Json::array({layer})}}}};
    const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    writeStrings(f, "model_config", {config.dump()});
    writeStrings(f, "keras_version", {"2.2.4"});
    writeStrings(f, "backend", {"tensorflow"});
    const hid_t mw = H5Gcreate2(f, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    writeStrings(mw, "layer_names", {name});
    const hid_t g = H5Gcreate2(mw, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<std::string> names;
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    for (const auto& [weight, dims] : weights) {
        names.push_back(name + "/" + weight);
        hsize_t n = 1;
        for (auto d : dims)
            n *= d;
        const std::vector<float> zeros(n, 0.0f);
        const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
        const hid_t ds = H5Dcreate2(g, names.back().c_str(), H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
        H5Dclose(ds);
        H5Sclose(space);
    }
    writeStrings(g, "weight_names", names);
    H5Pclose(lcpl);
    H5Gclose(g);
    H5Gclose(mw);
    H5Fclose(f);
}

// The Sequential of one Dense(3) on 4 inputs with kernel values 0.25 * i - 1 and bias 0.5 * i,
// stored as `layout` says: how Keras versions, h5py options and other tools may write a weight.
// "contiguous" (h5py's default), "userblock" (512 bytes of user data before HDF5's own),
// "float64", "big-endian", "chunked", "deflate".
void writeDenseLayout(const fs::path& p, const std::string& layout)
{
    const Json layer = {{"class_name", "Dense"}, {"config", {{"name", "dense"}, {"units", 3}, {"batch_input_shape", {nullptr, 4}}}}};
    const Json config = {{"class_name", "Sequential"}, {"config", {{"name", "s"}, {"layers", Json::array({layer})}}}};
    const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (layout == "userblock")
        H5Pset_userblock(fcpl, 512);
    const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    writeStrings(f, "model_config", {config.dump()});
    writeStrings(f, "keras_version", {"2.2.4"});
    writeStrings(f, "backend", {"tensorflow"});
    const hid_t mw = H5Gcreate2(f, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    writeStrings(mw, "layer_names", {"dense"});
    const hid_t g = H5Gcreate2(mw, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t inner = H5Gcreate2(g, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t fileType = layout == "float64" ? H5T_IEEE_F64LE : layout == "big-endian" ? H5T_IEEE_F32BE : H5T_IEEE_F32LE;
    for (const auto& [name, dims] : std::vector<std::pair<std::string, std::vector<hsize_t>>>{{"kernel:0", {4, 3}}, {"bias:0", {3}}}) {
        const hsize_t n = dims.size() == 2 ? dims[0] * dims[1] : dims[0];
        std::vector<double> values(n);
        for (hsize_t i = 0; i < n; ++i)
            values[i] = name == "bias:0" ? 0.5 * static_cast<double>(i) : 0.25 * static_cast<double>(i) - 1.0;
        const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (layout == "chunked" || layout == "deflate") {
            const std::vector<hsize_t> chunk(dims.size(), 2);
            H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
            if (layout == "deflate")
                H5Pset_deflate(dcpl, 6);
        }
        const hid_t ds = H5Dcreate2(inner, name.c_str(), fileType, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
        H5Dclose(ds);
        H5Pclose(dcpl);
        H5Sclose(space);
    }
    writeStrings(g, "weight_names", {"dense/kernel:0", "dense/bias:0"});
    H5Gclose(inner);
    H5Gclose(g);
    H5Gclose(mw);
    H5Fclose(f);
}

Json denseLayer(int units) { return {{"class_name", "Dense"}, {"config", {{"name", "dense"}, {"units", units}, {"batch_input_shape", {nullptr, 4}}}}}; }

Json convLayer(int filters, int kh, int kw)
{
    return {{"class_name", "Conv2D"},
        {"config", {{"name", "conv"}, {"filters", filters}, {"kernel_size", {kh, kw}}, {"batch_input_shape", {nullptr, 5, 5, 1}}}}};
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
        QCOMPARE(r.inputFormat, conv::Format::Keras); // detected
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
        const auto e = errorOf([&] { conv::importModel(p, conv::Format::Keras); });
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

    // A tiny file can declare a (100000, 100000) float dataset it never wrote: refused before
    // the 40 GB allocation, naming the file and the dataset.
    void unwrittenHugeDataset()
    {
        const fs::path p = scratch("unwritten.h5");
        writeUnwrittenWeight(p, {100000, 100000}, false);
        QVERIFY(fs::file_size(p) < 100000);
        auto e = errorOf([&] { conv::readKerasH5(p); });
        QVERIFY2(e.contains("unwritten.h5") && e.contains("'/big/kernel:0'") && e.contains("[100000,100000]")
                && e.contains("40000000000 bytes") && e.contains("never written"), qPrintable(e));
        // Compressed data may be larger than the file, so there the memory limit speaks.
        if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
            const fs::path z = scratch("unwritten-deflate.h5");
            writeUnwrittenWeight(z, {100000, 100000}, true);
            e = errorOf([&] { conv::readKerasH5(z); });
            QVERIFY2(e.contains("unwritten-deflate.h5") && e.contains("'/big/kernel:0'") && e.contains("over the limit"),
                qPrintable(e));
        }
        // Small enough to be real: an unwritten weight reads as HDF5's fill value (zeros), as h5py does.
        const fs::path small = scratch("unwritten-small.h5");
        writeUnwrittenWeight(small, {2, 3}, false);
        const auto m = conv::readKerasH5(small);
        QCOMPARE(m.weightGroups[0].weights[0].byteLength, std::uint64_t(24));
    }

    // A group hard-linked to its parent: the walk used to recurse forever (1.7 GB after 60 s).
    // Now the cycle is named, and so is an absurdly deep (acyclic) nesting.
    void groupCycleRefused()
    {
        const fs::path p = scratch("cycle.h5");
        writeOneLayerModel(p, denseLayer(2), {{"kernel:0", {4, 2}}});
        const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        QVERIFY(f >= 0);
        // model_weights/a/b -> model_weights/a: a group with no weight_names, so it is searched.
        const hid_t a = H5Gcreate2(f, "/model_weights/a", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        QVERIFY(H5Lcreate_hard(a, ".", a, "b", H5P_DEFAULT, H5P_DEFAULT) >= 0);
        H5Gclose(a);
        H5Fclose(f);
        const auto e = errorOf([&] { conv::readKerasH5(p); });
        QVERIFY2(e.contains("cycle.h5") && e.contains("'/model_weights/a/b'") && e.contains("cycle"), qPrintable(e));

        const fs::path deep = scratch("deep-groups.h5");
        writeOneLayerModel(deep, denseLayer(2), {{"kernel:0", {4, 2}}});
        const hid_t d = H5Fopen(deep.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        std::string path = "/model_weights";
        for (int i = 0; i < 80; ++i) {
            path += "/g";
            H5Gclose(H5Gcreate2(d, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        }
        H5Fclose(d);
        const auto e2 = errorOf([&] { conv::readKerasH5(deep); });
        QVERIFY2(e2.contains("deep-groups.h5") && e2.contains("nested more than 64 groups"), qPrintable(e2));
    }

    // libhdf5 crashes on some damaged files; it runs in a child process, so the crash becomes an
    // error naming the file and this process carries on (and can read the next file).
    void readerCrashIsAnError()
    {
        const fs::path crasher = test::writeHdf5Crasher(scratch("crash"), kModels);
        QVERIFY2(!crasher.empty(), "hyper.h5 in ../shared/models is missing or changed");
        const auto e = errorOf([&] { conv::importModel(crasher); });
        // A release build sees the signal; a sanitizer build's reader reports the memory error first.
        QVERIFY2(e.contains("crashes-libhdf5.h5") && e.contains("HDF5 library crashed")
                && (e.contains("signal") || e.contains("AddressSanitizer: memcpy-param-overlap"))
                && e.contains("the file is damaged"), qPrintable(e));
        // This process carries on, and reads the next file.
        const auto m = conv::importModel(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5");
        QVERIFY(!m.weightGroups.at(0).weights.empty());
    }

    // libhdf5 spins forever in H5HG_read on this file (found by the fuzzer): the reader's CPU
    // limit stops it and the error says so. (The default limit is 120 s; the test uses 2.)
    void readerSpinIsStopped()
    {
        const fs::path spins = fs::path(STUDIO_SOURCE_DIR) / "tests/fuzz/regressions/fuzz_keras_h5/spins-libhdf5-H5HG_read.h5";
        QVERIFY(fs::exists(spins));
        conv::ImportOptions o;
        o.readerCpuSeconds = 2;
        const auto e = errorOf([&] { conv::importModel(spins, o); });
        QVERIFY2(e.contains("spins-libhdf5-H5HG_read.h5") && e.contains("more than 2 s of CPU time")
                && e.contains("stopped"), qPrintable(e));
    }

    // --max-memory: the weights' bytes are checked against the budget while they arrive.
    void memoryBudget()
    {
        const fs::path model = kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5";
        conv::ImportOptions small;
        small.maxMemoryBytes = 4096;
        const auto e = errorOf([&] { conv::importModel(model, small); });
        QVERIFY2(e.contains("tiny_mnist.h5") && e.contains("memory budget of 4096 bytes") && e.contains("--max-memory"),
            qPrintable(e));
        conv::ImportOptions enough;
        enough.maxMemoryBytes = 64 << 20;
        QVERIFY(!conv::importModel(model, enough).weightGroups.at(0).weights.empty());
    }

    // The parent checks the reader's reply like a file: sizes against the bytes behind them.
    void replyValidated()
    {
        auto stream = [](const std::string& header, std::size_t payload) {
            std::vector<std::uint8_t> s(conv::kH5StreamMagic, conv::kH5StreamMagic + sizeof conv::kH5StreamMagic - 1);
            for (int i = 0; i < 8; ++i)
                s.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(header.size()) >> (8 * i)));
            s.insert(s.end(), header.begin(), header.end());
            s.resize(s.size() + payload, 0);
            return s;
        };
        const std::string w = R"({"weights":[{"layer":"d","name":"d/kernel:0","path":"/d","dims":[1048576,1048576],"kind":"float","size":4,"bytes":4398046511104}]})";
        auto e = errorOf([&] { conv::decodeH5Stream(stream(w, 16), "x.h5"); });
        QVERIFY2(e.contains("x.h5") && e.contains("runs past the end"), qPrintable(e));
        const std::string lie = R"({"weights":[{"layer":"d","name":"d/kernel:0","path":"/d","dims":[2,2],"kind":"float","size":4,"bytes":8}]})";
        e = errorOf([&] { conv::decodeH5Stream(stream(lie, 8), "x.h5"); });
        QVERIFY2(e.contains("8 bytes for shape [2,2]"), qPrintable(e));
        const std::string ok = R"({"weights":[{"layer":"d","name":"d/kernel:0","path":"/d","dims":[2,2],"kind":"float","size":4,"bytes":16}]})";
        QCOMPARE(conv::decodeH5Stream(stream(ok, 16), "x.h5").weights.size(), std::size_t(1));
        e = errorOf([&] { conv::decodeH5Stream(stream(ok, 20), "x.h5"); });
        QVERIFY2(e.contains("4 bytes after the last weight"), qPrintable(e));
        e = errorOf([&] { conv::decodeH5Stream({1, 2, 3}, "x.h5"); });
        QVERIFY2(e.contains("x.h5") && e.contains("no header"), qPrintable(e));
        // Weights said to lie in the file: only inside it, and only while it is the file the
        // reader read.
        const fs::path file = scratch("offsets.h5");
        std::ofstream(file, std::ios::binary) << std::string(100, 'x');
        const std::string inside = R"({"file_bytes":100,"weights":[{"layer":"d","name":"d/kernel:0","path":"/d","dims":[2,2],"kind":"float","size":4,"bytes":16,"file_offset":84}]})";
        const auto decoded = conv::decodeH5Stream(stream(inside, 0), "x.h5", &file);
        QCOMPARE(decoded.weights.at(0).offset, std::uint64_t(84));
        QCOMPARE(decoded.weights.at(0).source->size(), std::uint64_t(100));
        const std::string past = R"({"file_bytes":100,"weights":[{"layer":"d","name":"d/kernel:0","path":"/d","dims":[2,2],"kind":"float","size":4,"bytes":16,"file_offset":85}]})";
        e = errorOf([&] { conv::decodeH5Stream(stream(past, 0), "x.h5", &file); });
        QVERIFY2(e.contains("x.h5") && e.contains("past the end of the file"), qPrintable(e));
        const std::string wrapping = R"({"file_bytes":100,"weights":[{"layer":"d","name":"d/kernel:0","path":"/d","dims":[2,2],"kind":"float","size":4,"bytes":16,"file_offset":18446744073709551610}]})";
        e = errorOf([&] { conv::decodeH5Stream(stream(wrapping, 0), "x.h5", &file); });
        QVERIFY2(e.contains("past the end of the file"), qPrintable(e));
        const std::string resized = R"({"file_bytes":99,"weights":[{"layer":"d","name":"d/kernel:0","path":"/d","dims":[2,2],"kind":"float","size":4,"bytes":16,"file_offset":0}]})";
        e = errorOf([&] { conv::decodeH5Stream(stream(resized, 0), "x.h5", &file); });
        QVERIFY2(e.contains("x.h5") && e.contains("changed while it was being read"), qPrintable(e));
        e = errorOf([&] { conv::decodeH5Stream(stream(inside, 0), "x.h5"); });
        QVERIFY2(e.contains("not open here"), qPrintable(e));
    }

    // However a weight is stored, the shards hold the same float32 values. Contiguous
    // little-endian datasets stay in the file (the reader reports where; the parent copies them
    // from there, not through the pipe); the others come through the reader's stream.
    void storageLayouts_data()
    {
        QTest::addColumn<QString>("layout");
        QTest::addColumn<bool>("inFile");
        for (const auto& [layout, inFile] : std::vector<std::pair<const char*, bool>>{{"contiguous", true}, {"userblock", true},
                 {"float64", true}, {"big-endian", false}, {"chunked", false}, {"deflate", false}})
            QTest::newRow(layout) << QString(layout) << inFile;
    }

    void storageLayouts()
    {
        QFETCH(QString, layout);
        QFETCH(bool, inFile);
        const fs::path h5 = scratch("layout-" + layout.toStdString() + ".h5");
        writeDenseLayout(h5, layout.toStdString());
        const auto contents = conv::decodeH5Stream(conv::runH5Reader(h5, {}, h5.filename().string(), {}), h5.filename().string(), &h5);
        QCOMPARE(contents.weights.size(), std::size_t(2));
        for (const auto& w : contents.weights)
            QCOMPARE(w.fileOffset.has_value(), inFile);
        const fs::path out = scratch("layout-" + layout.toStdString());
        convert(h5, out);
        std::vector<float> expected;
        for (int i = 0; i < 12; ++i)
            expected.push_back(0.25f * static_cast<float>(i) - 1.0f);
        for (int i = 0; i < 3; ++i)
            expected.push_back(0.5f * static_cast<float>(i));
        const std::string shard = readAll(out / "group1-shard1of1.bin");
        QCOMPARE(shard.size(), expected.size() * 4);
        QVERIFY(std::memcmp(shard.data(), expected.data(), shard.size()) == 0);
        // Without the file the parent cannot take the reader's word for where the bytes are.
        if (inFile) {
            const auto e = errorOf([&] { conv::decodeH5Stream(conv::runH5Reader(h5, {}, "m.h5", {}), "m.h5"); });
            QVERIFY2(e.contains("m.h5") && e.contains("not open here"), qPrintable(e));
        }
    }

    void unsupportedPair()
    {
        const fs::path out = scratch("keras-out");
        const auto e = errorOf([&] {
            convert(kModels / "tfjs-layers-mobilenetv2-float32-seeded/model.json", out, {"--output_format=keras_keras"});
        });
        // A route the reference converter has and this build does not yet: said as such.
        QVERIFY2(e.contains("tfjs_layers_model -> keras_keras is not in this build yet"), qPrintable(e));
        QVERIFY(!fs::exists(out));
    }

    // A model_config nested 100,000 or 200,000 levels deep: refused while parsing, naming the
    // file, the attribute and the limit, before any recursive walk (class renames, the layer
    // view) could overflow the stack. The same config at a sane depth reads.
    void deepModelConfigRefused_data()
    {
        QTest::addColumn<int>("levels");
        QTest::newRow("100000 in a layer config") << 100000;
        QTest::newRow("200000 in a layer config") << 200000;
        QTest::newRow("8, for contrast") << 8;
    }

    void deepModelConfigRefused()
    {
        QFETCH(int, levels);
        const auto n = static_cast<std::size_t>(levels);
        const std::string config = R"({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", )"
                                   R"("config": {"name": "d", "units": 1, "deep": )"
            + std::string(n, '[') + std::string(n, ']') + "}}]}}";
        const fs::path p = scratch("deep-" + std::to_string(levels) + ".h5");
        writeModelConfig(p, config);
        const QString e = errorOf([&] { conv::importModel(p); });
        if (levels < 500) {
            // The shallow config passes the depth limit; the file then fails only for what it
            // lacks (this fixture may have no weights), never for its nesting.
            QVERIFY2(!e.contains("levels"), qPrintable(e));
            return;
        }
        QVERIFY2(e.startsWith(QString::fromStdString(p.filename().string()) + ": attribute 'model_config': JSON nests")
                && e.contains("more than 512 levels"), qPrintable(e));
        const fs::path out = scratch("deep-out");
        QVERIFY(!errorOf([&] { convert(p, out); }).isEmpty());
        QVERIFY(!fs::exists(out));
    }
    // A kernel stored swapped or transposed against its layer's config is refused at read,
    // naming the file and the layer (the executors size their loops from the config).
    void kernelShapeAgainstConfig()
    {
        const fs::path dir = scratch("kernel-shapes");
        fs::create_directories(dir);
        const fs::path ok = dir / "ok.h5", dense = dir / "dense.h5", conv = dir / "conv.h5";
        writeOneLayerModel(ok, denseLayer(3), {{"kernel:0", {4, 3}}, {"bias:0", {3}}});
        QVERIFY2(errorOf([&] { conv::readKerasH5(ok); }).isEmpty(), qPrintable(errorOf([&] { conv::readKerasH5(ok); })));
        writeOneLayerModel(dense, denseLayer(3), {{"kernel:0", {3, 4}}, {"bias:0", {3}}});
        QString e = errorOf([&] { conv::readKerasH5(dense); });
        QVERIFY2(e.contains("dense.h5") && e.contains("layer 'dense'") && e.contains("[3, 4]") && e.contains("units 3"),
            qPrintable(e));
        writeOneLayerModel(ok, convLayer(2, 3, 3), {{"kernel:0", {3, 3, 1, 2}}, {"bias:0", {2}}});
        QVERIFY(errorOf([&] { conv::readKerasH5(ok); }).isEmpty());
        writeOneLayerModel(conv, convLayer(2, 3, 3), {{"kernel:0", {2, 1, 3, 3}}, {"bias:0", {2}}});
        e = errorOf([&] { conv::readKerasH5(conv); });
        QVERIFY2(e.contains("conv.h5") && e.contains("layer 'conv'") && e.contains("[2, 1, 3, 3]") && e.contains("filters 2"),
            qPrintable(e));
    }

    // units: -5 (or zero filters) is refused at read, naming the layer.
    void nonPositiveUnitsRefused()
    {
        const fs::path dir = scratch("units");
        fs::create_directories(dir);
        const fs::path p = dir / "units.h5";
        writeOneLayerModel(p, denseLayer(-5), {{"kernel:0", {4, 5}}, {"bias:0", {5}}});
        QString e = errorOf([&] { conv::readKerasH5(p); });
        QVERIFY2(e.contains("units.h5") && e.contains("layer 'dense'") && e.contains("units must be a positive integer, got -5"),
            qPrintable(e));
        writeOneLayerModel(p, convLayer(0, 3, 3), {{"kernel:0", {3, 3, 1, 1}}, {"bias:0", {1}}});
        e = errorOf([&] { conv::readKerasH5(p); });
        QVERIFY2(e.contains("layer 'conv'") && e.contains("filters must be a positive integer, got 0"), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestKerasH5)
#include "test_keras_h5.moc"
