// TF.js artifacts against the real models of ../shared/models: read then write gives the same
// bytes and JSON; quantization matches the reference converter's own output; bad input is named.
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "core/tfjs/decode.h"
#include "core/tfjs/graph_json.h"
#include "core/tfjs/json_limits.h"
#include "core/tfjs/json_writer.h"
#include "core/tfjs/keras_topology.h"
#include "core/tfjs/shard_writer.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <random>
#include <set>
#include <sstream>

using namespace studio::core;
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

Json loadJson(const fs::path& p)
{
    std::ifstream in(p);
    return Json::parse(in);
}

std::string readAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string groupBytes(const fs::path& dir, const Json& group)
{
    std::string all;
    for (const auto& p : group["paths"])
        all += readAll(dir / p.get<std::string>());
    return all;
}

// Every model.json in the corpus that has a topology and a manifest.
std::vector<fs::path> corpusModels()
{
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(kModels)) {
        if (e.path().extension() != ".json" || e.path().string().find("golden-kerasjs") != std::string::npos)
            continue;
        try {
            const auto j = loadJson(e.path());
            if (j.is_object() && j.contains("weightsManifest") && j.contains("modelTopology") && !j["modelTopology"].is_null())
                out.push_back(e.path());
        } catch (const std::exception&) {
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

fs::path scratch(const QString& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-test-" + std::to_string(::getpid())) / name.toStdString();
    fs::remove_all(p);
    fs::create_directories(p.parent_path());
    return p;
}

// A copy of the tiny golden graph model, to corrupt.
fs::path copyFixture(const QString& name)
{
    const fs::path dir = scratch(name);
    fs::create_directories(dir);
    for (const char* f : {"model.json", "weights.bin"})
        fs::copy_file(kModels / "golden-tfjs-e2e-load-predict/graph_model" / f, dir / f);
    fs::permissions(dir / "model.json", fs::perms::owner_write, fs::perm_options::add);
    fs::permissions(dir / "weights.bin", fs::perms::owner_write, fs::perm_options::add);
    return dir;
}

void writeText(const fs::path& p, const std::string& s)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << s;
}

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const studio::Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

// A 16-byte file in a folder beside `dir`: were a shard path able to reach it, its size would
// satisfy the fixture's manifest and the model would read.
fs::path outsideSecret(const fs::path& dir)
{
    const fs::path outside = dir.parent_path() / (dir.filename().string() + "-outside");
    fs::create_directories(outside);
    writeText(outside / "secret.bin", "SECRET-16-BYTES!");
    return outside / "secret.bin";
}

// `levels` arrays inside each other.
std::string nestedArrays(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

// The fixture's model.json with `deep` put in place of the string "@DEEP@" the caller set in it.
void writeWithDeepValue(const fs::path& modelJson, const Json& doc, const std::string& deep)
{
    std::string text = doc.dump();
    const auto at = text.find("\"@DEEP@\"");
    QVERIFY(at != std::string::npos);
    text.replace(at, 8, deep);
    writeText(modelJson, text);
}

// A small functional layers model (input -> Conv2D 3x3x1x2 -> Flatten -> Dense 8x3) in `dir`,
// its model.json changed by `mutate` first: the base reads, each mutation is one defect.
fs::path craftedLayersModel(const QString& name, const std::function<void(Json&)>& mutate)
{
    const fs::path dir = scratch(name);
    fs::create_directories(dir);
    auto inbound = [](const char* from) { return Json::parse(std::string(R"([[[")") + from + R"(", 0, 0, {}]]])"); };
    Json layers = Json::array();
    layers.push_back({{"class_name", "InputLayer"}, {"name", "input_1"}, {"inbound_nodes", Json::array()},
        {"config", {{"name", "input_1"}, {"batch_input_shape", {nullptr, 4, 4, 1}}, {"dtype", "float32"}}}});
    layers.push_back({{"class_name", "Conv2D"}, {"name", "conv"}, {"inbound_nodes", inbound("input_1")},
        {"config", {{"name", "conv"}, {"filters", 2}, {"kernel_size", {3, 3}}, {"strides", {1, 1}}, {"padding", "valid"}}}});
    layers.push_back({{"class_name", "Flatten"}, {"name", "flat"}, {"inbound_nodes", inbound("conv")},
        {"config", {{"name", "flat"}}}});
    layers.push_back({{"class_name", "Dense"}, {"name", "dense"}, {"inbound_nodes", inbound("flat")},
        {"config", {{"name", "dense"}, {"units", 3}, {"activation", "linear"}, {"use_bias", true}}}});
    Json doc = {{"format", "layers-model"}, {"generatedBy", "keras v2.2.4"}, {"convertedBy", nullptr},
        {"modelTopology", {{"keras_version", "2.2.4"}, {"backend", "tensorflow"},
            {"model_config", {{"class_name", "Model"}, {"config", {{"name", "m"}, {"layers", layers},
                {"input_layers", Json::parse(R"([["input_1", 0, 0]])")},
                {"output_layers", Json::parse(R"([["dense", 0, 0]])")}}}}}}}};
    Json weights = Json::array();
    auto weight = [&](const char* n, std::vector<int> shape) { weights.push_back({{"name", n}, {"shape", shape}, {"dtype", "float32"}}); };
    weight("conv/kernel", {3, 3, 1, 2});
    weight("conv/bias", {2});
    weight("dense/kernel", {8, 3});
    weight("dense/bias", {3});
    doc["weightsManifest"] = Json::array({{{"paths", {"weights.bin"}}, {"weights", weights}}});
    mutate(doc);
    writeText(dir / "model.json", doc.dump());
    writeText(dir / "weights.bin", std::string((18 + 2 + 24 + 3) * 4, '\0'));
    return dir;
}

// The error reading the crafted model with `mutate` applied (empty: it reads).
QString craftedError(const QString& name, const std::function<void(Json&)>& mutate)
{
    const fs::path dir = craftedLayersModel(name, mutate);
    return errorOf([&] { readTfjsModel(dir / "model.json"); });
}

// The crafted model's layer list.
Json& craftedLayers(Json& doc) { return doc["modelTopology"]["model_config"]["config"]["layers"]; }

} // namespace

class TestArtifacts : public QObject {
    Q_OBJECT
private slots:
    void cleanupTestCase()
    {
        std::error_code ec;
        fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-test-" + std::to_string(::getpid())), ec);
    }

    void initTestCase()
    {
        QVERIFY2(fs::exists(kModels), "../shared/models is missing");
        QVERIFY(corpusModels().size() >= 15);
    }

    void roundTripCorpus_data()
    {
        QTest::addColumn<QString>("path");
        for (const auto& p : corpusModels())
            QTest::newRow(fs::relative(p, kModels).string().c_str()) << QString::fromStdString(p.string());
    }

    // Same quantization and shard size in, same shard bytes and model.json out.
    void roundTripCorpus()
    {
        QFETCH(QString, path);
        const fs::path src = path.toStdString();
        const Json original = loadJson(src);
        const Model model = readTfjsModel(src);

        WriteOptions options;
        std::set<std::string> storages;
        for (const auto& g : original["weightsManifest"])
            for (const auto& w : g["weights"])
                if (w.contains("quantization"))
                    storages.insert(w["quantization"]["dtype"].get<std::string>());
        for (const auto& s : storages)
            options.quantization.add(*dtypeFromName(s), {});
        const auto& paths = original["weightsManifest"][0]["paths"];
        if (paths.size() > 1)
            options.shardSize = fs::file_size(src.parent_path() / paths[0].get<std::string>());

        const fs::path out = scratch("roundtrip");
        writeTfjsModel(model, out, options);
        Json written = loadJson(out / "model.json");
        QCOMPARE(written["weightsManifest"].size(), original["weightsManifest"].size());
        for (std::size_t g = 0; g < original["weightsManifest"].size(); ++g) {
            const auto a = groupBytes(src.parent_path(), original["weightsManifest"][g]);
            const auto b = groupBytes(out, written["weightsManifest"][g]);
            QCOMPARE(b.size(), a.size());
            QVERIFY2(a == b, "shard bytes differ");
            // Our shard names follow groupN-shardKofM.bin whatever the source called them.
            const auto& names = written["weightsManifest"][g]["paths"];
            for (std::size_t k = 0; k < names.size(); ++k)
                QCOMPARE(QString::fromStdString(names[k].get<std::string>()),
                    QString::fromStdString(shardFileName(g + 1, k + 1, names.size())));
        }
        Json expected = original;
        // The topology is written from the IR. Pre-1.0 layouts spell enums as numbers and bytes
        // as arrays; the IR keeps the values, and the writer spells them as today's converter does.
        if (!original.contains("format") && model.kind == ModelKind::GraphModel)
            expected["modelTopology"] = graphToJson(graphFromJson(original["modelTopology"], "model.json"));
        for (auto* j : {&expected, &written}) {
            j->erase("generatedBy");
            j->erase("convertedBy");
            for (auto& g : (*j)["weightsManifest"])
                g.erase("paths");
        }
        // Equal as JSON: key order does not matter, so compare as unordered objects.
        const auto a = nlohmann::json::parse(expected.dump()), b = nlohmann::json::parse(written.dump());
        if (a != b)
            QFAIL(("model.json differs: " + nlohmann::json::diff(a, b).dump().substr(0, 600)).c_str());
        fs::remove_all(out);
    }

    // model.json files written by the Python converter (json.dump defaults) come out byte for
    // byte the same, once convertedBy is put back to theirs.
    void pythonWrittenModelJsonByteIdentical_data()
    {
        QTest::addColumn<QString>("path");
        for (const auto& p : corpusModels()) {
            const auto text = readAll(p);
            if (text.rfind("{\"format\": ", 0) == 0 || text.rfind("{\"modelTopology\": ", 0) == 0)
                QTest::newRow(fs::relative(p, kModels).string().c_str()) << QString::fromStdString(p.string());
        }
    }

    void pythonWrittenModelJsonByteIdentical()
    {
        QFETCH(QString, path);
        const fs::path src = path.toStdString();
        std::string original = readAll(src);
        while (!original.empty() && (original.back() == '\n' || original.back() == '\r'))
            original.pop_back(); // some were saved with a final newline; json.dump writes none
        const Json doc = loadJson(src);
        const Model model = readTfjsModel(src);
        const auto groups = planWeights(model, {}, kDefaultShardBytes);
        std::vector<std::vector<std::optional<Quantization>>> quantizations;
        for (const auto& g : model.weightGroups) {
            auto& q = quantizations.emplace_back();
            for (const auto& w : g.weights)
                q.push_back(w.quantization);
        }
        Json ours = modelJsonDocument(model, groups, quantizations, doc.value("convertedBy", std::string()));
        if (!doc.contains("convertedBy"))
            ours.erase("convertedBy");
        if (!doc.contains("generatedBy"))
            ours.erase("generatedBy");
        for (std::size_t g = 0; g < groups.size(); ++g)
            ours["weightsManifest"][g]["paths"] = doc["weightsManifest"][g]["paths"];
        const std::string text = dumpPythonJson(ours);
        if (text != original) {
            std::size_t i = 0;
            while (i < text.size() && i < original.size() && text[i] == original[i])
                ++i;
            QFAIL(qPrintable(QString("first difference at byte %1:\n theirs: %2\n ours:   %3")
                                 .arg(i)
                                 .arg(QString::fromStdString(original.substr(i < 60 ? 0 : i - 60, 120)))
                                 .arg(QString::fromStdString(text.substr(i < 60 ? 0 : i - 60, 120)))));
        }
    }

    // The reference converter's own uint8/uint16/float16 output, reproduced from the float32 model.
    void quantizationOracle_data()
    {
        QTest::addColumn<QString>("float32");
        QTest::addColumn<QString>("quantized");
        QTest::addColumn<QString>("dtype");
        const fs::path b = kModels / "quantization-pair-bodypix-mobilenet050";
        QTest::newRow("bodypix uint8") << QString::fromStdString((b / "float32/model-stride16.json").string())
                                       << QString::fromStdString((b / "quantized/uint8/model-stride16.json").string()) << "uint8";
        QTest::newRow("bodypix uint16") << QString::fromStdString((b / "float32/model-stride16.json").string())
                                        << QString::fromStdString((b / "quantized/uint16/model-stride16.json").string()) << "uint16";
        const fs::path d = kModels / "quantization-pair-dbface-mb2-float16";
        QTest::newRow("dbface float16") << QString::fromStdString((d / "float32/dbface.json").string())
                                        << QString::fromStdString((d / "quantized/dbface.json").string()) << "float16";
    }

    void quantizationOracle()
    {
        QFETCH(QString, float32);
        QFETCH(QString, quantized);
        QFETCH(QString, dtype);
        const Model model = readTfjsModel(float32.toStdString());
        WriteOptions options;
        options.quantization.add(*dtypeFromName(dtype.toStdString()), {});
        const fs::path out = scratch("oracle");
        writeTfjsModel(model, out, options);
        const fs::path ref = quantized.toStdString();
        const Json refDoc = loadJson(ref);
        const Json ours = loadJson(out / "model.json");
        QVERIFY(groupBytes(ref.parent_path(), refDoc["weightsManifest"][0]) == groupBytes(out, ours["weightsManifest"][0]));
        const auto& rw = refDoc["weightsManifest"][0]["weights"];
        const auto& ow = ours["weightsManifest"][0]["weights"];
        QCOMPARE(ow.size(), rw.size());
        std::size_t quantizedCount = 0;
        for (std::size_t i = 0; i < rw.size(); ++i) {
            QCOMPARE(ow[i]["name"], rw[i]["name"]);
            if (!rw[i].contains("quantization"))
                continue;
            ++quantizedCount;
            const auto& rq = rw[i]["quantization"];
            const auto& oq = ow[i]["quantization"];
            QCOMPARE(oq["dtype"], rq["dtype"]);
            if (rq.contains("min")) {
                QCOMPARE(oq["min"].get<double>(), rq["min"].get<double>());
                QCOMPARE(oq["scale"].get<double>(), rq["scale"].get<double>());
            }
        }
        QVERIFY(quantizedCount > 50);
        fs::remove_all(out);
    }

    // For every quantized weight in the corpus, quantizing its dequantized values with its own
    // min/scale gives back exactly the stored bytes (float16: the stored halves).
    void dequantizeRequantizeBitExact()
    {
        std::size_t checked = 0;
        for (const auto& p : corpusModels()) {
            const Model model = readTfjsModel(p);
            for (const auto& g : model.weightGroups)
                for (const auto& w : g.weights) {
                    if (!w.quantization || w.dtype != DType::Float32)
                        continue;
                    const auto stored = w.storedBytes();
                    const auto values = decodeFloat32(w);
                    std::vector<std::uint8_t> again(stored.size());
                    if (w.quantization->dtype == DType::Float16)
                        quantizeFloat16(values.data(), values.size(), again.data());
                    else
                        quantizeAffineWith(values.data(), values.size(), w.quantization->dtype,
                            {*w.quantization->min, *w.quantization->scale}, again.data());
                    if (again != stored)
                        QFAIL(qPrintable(QString("%1: weight %2 does not re-quantize to its bytes")
                                             .arg(QString::fromStdString(p.string()), QString::fromStdString(w.name))));
                    ++checked;
                }
        }
        QVERIFY(checked > 500);
    }

    void shardingAcrossBoundaries()
    {
        const Model model = readTfjsModel(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        WriteOptions options;
        options.shardSize = 1000;
        const fs::path out = scratch("shards1000");
        const auto report = writeTfjsModel(model, out, options);
        QCOMPARE(report.shardFiles.size(), std::size_t(403)); // ceil(402048 / 1000)
        QCOMPARE(fs::file_size(out / "group1-shard1of403.bin"), std::uintmax_t(1000));
        QCOMPARE(fs::file_size(out / "group1-shard403of403.bin"), std::uintmax_t(48));
        const Model back = readTfjsModel(out);
        QCOMPARE(back.weightCount(), model.weightCount());
        for (std::size_t i = 0; i < model.weightGroups[0].weights.size(); ++i)
            QVERIFY(back.weightGroups[0].weights[i].storedBytes() == model.weightGroups[0].weights[i].storedBytes());
        options.shardSize = 1;
        QCOMPARE(shardCount(402048, 1), std::uint64_t(402048));
        QCOMPARE(shardCount(0, 4194304), std::uint64_t(0));
        fs::remove_all(out);
    }

    // Weights that lie in a file are appended to the shards inside the kernel where source and
    // shard sit at the same place within a page, and through a buffer otherwise; either way
    // the shards hold exactly the bytes asked for, cut where planned.
    void fileSourceCopiesExactly()
    {
        const fs::path dir = scratch("file-source");
        fs::create_directories(dir);
        std::vector<std::uint8_t> data(3 * 1048576 + 5);
        std::mt19937 rng(7);
        for (auto& b : data)
            b = static_cast<std::uint8_t>(rng());
        {
            std::ofstream(dir / "src.bin", std::ios::binary).write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        }
        const FileSource source(dir / "src.bin", "src.bin");
        QCOMPARE(source.size(), std::uint64_t(data.size()));
        // (offset, length): page-aligned, then unaligned, then the very end of the file.
        const std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces = {
            {0, 1048576}, {3 * 4096, 600000}, {2048, 1048579}, {data.size() - 10, 10}, {5, 0}};
        std::string expected;
        for (const auto& [off, len] : pieces)
            expected.append(reinterpret_cast<const char*>(data.data() + off), len);
        for (const std::uint64_t shardSize : {std::uint64_t{4096}, std::uint64_t{1000003}, std::uint64_t{8} << 20}) {
            const fs::path out = dir / ("out-" + std::to_string(shardSize));
            fs::create_directories(out);
            const auto n = shardCount(expected.size(), shardSize);
            std::vector<std::string> names;
            for (std::uint64_t i = 0; i < n; ++i)
                names.push_back("s" + std::to_string(i + 1));
            ShardWriter writer(out, names, shardSize);
            for (const auto& [off, len] : pieces)
                writer.copy(source, off, len);
            writer.finish();
            std::string got;
            for (std::uint64_t i = 0; i < n; ++i) {
                const auto part = readAll(out / names[i]);
                QCOMPARE(part.size(), std::size_t(std::min<std::uint64_t>(shardSize, expected.size() - i * shardSize)));
                got += part;
            }
            QVERIFY2(got == expected, qPrintable(QString("shard size %1").arg(shardSize)));
        }
        // The file shrinks after it was opened: an error naming it, never short shards.
        fs::resize_file(dir / "src.bin", 4096);
        const fs::path out = dir / "out-short";
        fs::create_directories(out);
        ShardWriter writer(out, {"s1"}, 8 << 20);
        const QString e = errorOf([&] { writer.copy(source, 0, 1048576); });
        QVERIFY2(e.contains("src.bin") && e.contains("short read"), qPrintable(e));
        fs::remove_all(dir);
    }

    void stringWeightsKeepLengthPrefixes()
    {
        const fs::path dir = scratch("strings");
        fs::create_directories(dir);
        // Two strings "ab" and "" then a float32 at an odd offset.
        std::string bin("\x02\x00\x00\x00" "ab" "\x00\x00\x00\x00", 10);
        const float f = 1.5f;
        bin.append(reinterpret_cast<const char*>(&f), 4);
        writeText(dir / "w.bin", bin);
        writeText(dir / "model.json", R"({"format": "graph-model", "modelTopology": {"node": [{"name": "s", "op": "Const"}, {"name": "f", "op": "Const"}]},
            "weightsManifest": [{"paths": ["w.bin"], "weights": [{"name": "s", "shape": [2], "dtype": "string"}, {"name": "f", "shape": [], "dtype": "float32"}]}]})");
        const Model m = readTfjsModel(dir / "model.json");
        QCOMPARE(m.weightGroups[0].weights[0].byteLength, std::uint64_t(10));
        QCOMPARE(decodeFloat32(m.weightGroups[0].weights[1])[0], 1.5f);
        WriteOptions o;
        o.quantization.add(DType::UInt8, {}); // strings are never quantized
        const fs::path out = scratch("strings-out");
        writeTfjsModel(m, out, o);
        const auto written = readAll(out / "group1-shard1of1.bin");
        QCOMPARE(written.size(), std::size_t(11));
        QVERIFY(written.substr(0, 10) == bin.substr(0, 10));
    }

    // Thousands of damaged model.json files: each is read or rejected with studio::Error, never
    // a crash or another exception type. Byte flips mostly break the JSON; the structural
    // mutations replace values with values of other types, deep in the document.
    void mutatedModelJsonNeverCrashes()
    {
        const fs::path dir = scratch("mutants");
        fs::create_directories(dir);
        const fs::path srcDir = kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/tfjs_graph_model";
        fs::copy_file(srcDir / "group1-shard1of1.bin", dir / "group1-shard1of1.bin");
        const std::string text = readAll(srcDir / "model.json");
        const Json doc = Json::parse(text);
        std::mt19937 rng(20261125);
        const Json replacements[] = {Json(), Json(-1), Json(1e300), Json("x"), Json::array(), Json::object(), Json(true),
            Json::array({-5, "a"}), Json(std::int64_t(1) << 62)};
        int rejected = 0, accepted = 0;
        for (int i = 0; i < 1500; ++i) {
            std::string mutant;
            if (i % 2 == 0) {
                mutant = text;
                for (int k = 0; k < 3; ++k)
                    mutant[rng() % mutant.size()] = static_cast<char>(rng() % 256);
            } else {
                Json j = doc;
                Json* cursor = &j;
                // Walk down a random path, then replace what is there.
                for (int depth = 0; depth < 12 && (cursor->is_object() || cursor->is_array()) && !cursor->empty(); ++depth) {
                    if (rng() % 4 == 0 && depth > 0)
                        break;
                    auto it = cursor->begin();
                    std::advance(it, static_cast<long>(rng() % cursor->size()));
                    cursor = &*it;
                }
                *cursor = replacements[rng() % std::size(replacements)];
                mutant = j.dump();
            }
            writeText(dir / "model.json", mutant);
            try {
                const Model m = readTfjsModel(dir / "model.json");
                for (const auto& g : m.weightGroups)
                    for (const auto& w : g.weights)
                        if (w.dtype == DType::Float32 && w.elementCount() < (1 << 20))
                            (void)decodeFloat32(w);
                ++accepted;
            } catch (const studio::Error& e) {
                QVERIFY2(QString(e.what()).size() > 10, e.what());
                ++rejected;
            }
        }
        qInfo("mutants: %d rejected with a message, %d still readable", rejected, accepted);
        QVERIFY(rejected > 500);
    }

    // The IR holds every graph completely: GraphDef JSON -> core::Graph -> JSON gives the same
    // document (what passes will rely on when they rewrite graphs).
    void graphIrRoundTrip()
    {
        int graphs = 0;
        for (const auto& p : corpusModels()) {
            const Json doc = loadJson(p);
            const Json& topology = doc["modelTopology"];
            if (!topology.is_object() || !topology.contains("node"))
                continue;
            const Graph g = graphFromJson(topology, p.filename().string());
            const Json written = graphToJson(g);
            // Pre-1.0 layouts spell enums as numbers and bytes as arrays; we write today's
            // spelling (names, base64), so for them check that the written form is stable.
            const bool old = !doc.contains("format");
            const auto a = nlohmann::json::parse(old ? written.dump() : topology.dump());
            const auto b = nlohmann::json::parse(
                old ? graphToJson(graphFromJson(written, p.filename().string())).dump() : written.dump());
            if (a != b)
                QFAIL(qPrintable(QString::fromStdString(p.string() + ": " + nlohmann::json::diff(a, b).dump().substr(0, 500))));
            ++graphs;
        }
        QVERIFY(graphs >= 10);
    }

    // The layer-level view of layers models: functional, Sequential, multi-output.
    void kerasLayerView()
    {
        const Model functional = readTfjsModel(kModels / "tfjs-layers-mobilenetv2-float32-seeded/model.json");
        QCOMPARE(functional.kind, ModelKind::LayersModel);
        QCOMPARE(functional.layers.size(), std::size_t(156));
        QCOMPARE(functional.inputs.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(functional.inputs[0].name), QString("input_1"));
        QCOMPARE(functional.inputs[0].shape->dims, (std::vector<std::int64_t>{-1, 224, 224, 3}));
        QCOMPARE(functional.outputs.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(functional.outputs[0].name), QString("predictions"));
        QVERIFY(!functional.outputs[0].shape); // needs shape inference, not guessed
        const auto add = std::find_if(functional.layers.begin(), functional.layers.end(),
            [](const Layer& l) { return l.name == "block_2_add"; });
        QVERIFY(add != functional.layers.end());
        QCOMPARE(add->inboundLayers, (std::vector<std::string>{"block_1_project_BN", "block_2_project_BN"}));

        const Model sequential = readTfjsModel(kModels / "golden-tfjs-e2e-load-predict/layers_model/model.json");
        QCOMPARE(sequential.inputs.size(), std::size_t(1));
        QCOMPARE(sequential.inputs[0].shape->dims, (std::vector<std::int64_t>{-1, 10}));
        QCOMPARE(sequential.layers[1].inboundLayers, (std::vector<std::string>{sequential.layers[0].name}));

        const Model multi = readTfjsModel(kModels / "tensorspace-mnist-lenet-multiformat/converted_layers_model_multi_output/model.json");
        QCOMPARE(multi.outputs.size(), std::size_t(7));
        QCOMPARE(QString::fromStdString(multi.outputs.back().name), QString("softmax"));
    }

    // An int32 weight stored as uint8 decodes like TF.js: Math.round(q * scale + min).
    void quantizedInt32DecodesLikeTfjs()
    {
        const fs::path dir = scratch("int32q");
        fs::create_directories(dir);
        writeText(dir / "w.bin", std::string("\x00\x01\x02\x03\x05", 5));
        writeText(dir / "model.json", R"({"format": "graph-model", "modelTopology": {"node": [{"name": "i", "op": "Const"}]},
            "weightsManifest": [{"paths": ["w.bin"], "weights": [{"name": "i", "shape": [5], "dtype": "int32",
            "quantization": {"dtype": "uint8", "min": -1.0, "scale": 0.5}}]}]})");
        const fs::path out = scratch("int32q-out");
        writeTfjsModel(readTfjsModel(dir / "model.json"), out, {});
        const auto bytes = readAll(out / "group1-shard1of1.bin");
        QCOMPARE(bytes.size(), std::size_t(20));
        std::int32_t v[5];
        std::memcpy(v, bytes.data(), 20);
        QCOMPARE(v[0], -1);
        QCOMPARE(v[1], 0); // Math.round(-0.5) is -0
        QCOMPARE(v[2], 0);
        QCOMPARE(v[3], 1); // Math.round(0.5) is 1: half up, not half to even
        QCOMPARE(v[4], 2);
        const Json j = loadJson(out / "model.json");
        QVERIFY(!j["weightsManifest"][0]["weights"][0].contains("quantization"));
    }

    // --- bad input: one test each, the message names the file and the problem ---

    void badInvalidJson()
    {
        const fs::path dir = copyFixture("bad-json");
        writeText(dir / "model.json", "{\"modelTopology\": {\"node\": [}");
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("model.json") && e.contains("invalid JSON at line 1"), qPrintable(e));
    }

    void badMissingShard()
    {
        const fs::path dir = copyFixture("bad-missing");
        fs::remove(dir / "weights.bin");
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("weights.bin") && e.contains("no such file"), qPrintable(e));
    }

    void badShortShard()
    {
        const fs::path dir = copyFixture("bad-short");
        fs::resize_file(dir / "weights.bin", 10);
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.startsWith("weights.bin: 10 bytes") && e.contains("expects 16"), qPrintable(e));
    }

    void badManifestLargerThanShards()
    {
        const fs::path dir = copyFixture("bad-larger");
        Json j = loadJson(dir / "model.json");
        j["weightsManifest"][0]["weights"].push_back({{"name", "extra"}, {"shape", {4}}, {"dtype", "float32"}});
        writeText(dir / "model.json", j.dump());
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("weights.bin") && e.contains("16 bytes") && e.contains("need 32"), qPrintable(e));
    }

    void badShardsLargerThanManifest()
    {
        const fs::path dir = copyFixture("bad-longer");
        std::ofstream(dir / "weights.bin", std::ios::app | std::ios::binary) << "xxxx";
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("weights.bin") && e.contains("4 bytes unaccounted"), qPrintable(e));
    }

    void badUnknownDtype()
    {
        const fs::path dir = copyFixture("bad-dtype");
        Json j = loadJson(dir / "model.json");
        j["weightsManifest"][0]["weights"][0]["dtype"] = "float64";
        writeText(dir / "model.json", j.dump());
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("model.json") && e.contains("unknown dtype 'float64'"), qPrintable(e));
    }

    void badWeightListedTwice()
    {
        const fs::path dir = copyFixture("bad-twice");
        Json j = loadJson(dir / "model.json");
        auto w = j["weightsManifest"][0]["weights"][0];
        j["weightsManifest"][0]["weights"].push_back(w);
        writeText(dir / "model.json", j.dump());
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("model.json") && e.contains("listed twice"), qPrintable(e));
    }

    void badShardSizeZero()
    {
        const Model m = readTfjsModel(copyFixture("bad-zero") / "model.json");
        WriteOptions o;
        o.shardSize = 0;
        const fs::path out = scratch("zero-out");
        const QString e = errorOf([&] { writeTfjsModel(m, out, o); });
        QVERIFY2(e.contains("positive integer"), qPrintable(e));
        QVERIFY(!fs::exists(out));
    }

    // A failure in the middle of writing leaves neither the output nor the temporary folder.
    void failedWriteLeavesNothing()
    {
        const fs::path dir = copyFixture("vanish");
        const Model m = readTfjsModel(dir / "model.json");
        fs::remove(dir / "weights.bin"); // the data disappears between reading and writing
        const fs::path out = scratch("vanish-out");
        const QString e = errorOf([&] { writeTfjsModel(m, out, {}); });
        QVERIFY2(e.contains("weights.bin"), qPrintable(e));
        QVERIFY(!fs::exists(out));
        for (const auto& entry : fs::directory_iterator(out.parent_path()))
            QVERIFY2(entry.path().filename().string().find(".tmp-") == std::string::npos, "temporary folder left behind");
    }

    // A cancel is studio::Cancelled, not an error, and leaves nothing behind: neither a new
    // output nor the temporary folder, and an existing output stays as it was.
    void cancelLeavesNothing()
    {
        const Model m = readTfjsModel(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        const fs::path out = scratch("cancel-out");
        WriteOptions o;
        int polls = 0;
        o.cancelled = [&] { return ++polls > 3; }; // after a few weights are in the shards
        QVERIFY_THROWS_EXCEPTION(studio::Cancelled, writeTfjsModel(m, out, o));
        QCOMPARE(polls, 4);
        QVERIFY(!fs::exists(out));
        for (const auto& entry : fs::directory_iterator(out.parent_path()))
            QVERIFY2(entry.path().filename().string().find(".tmp-") == std::string::npos, "temporary folder left behind");

        writeTfjsModel(m, out, {});
        const std::string before = readAll(out / "model.json");
        polls = 0;
        QVERIFY_THROWS_EXCEPTION(studio::Cancelled, writeTfjsModel(m, out, o));
        QCOMPARE(readAll(out / "model.json"), before);
        QVERIFY(fs::exists(out / "group1-shard1of1.bin"));
        for (const auto& entry : fs::directory_iterator(out.parent_path()))
            QVERIFY2(entry.path().filename().string().find(".tmp-") == std::string::npos, "temporary folder left behind");
    }

    // The output folder is an ordinary folder (mkdtemp makes it 0700; the writer opens it up).
    void outputFolderPermissions()
    {
        const Model m = readTfjsModel(kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json");
        const fs::path out = scratch("perms-out");
        writeTfjsModel(m, out, {});
        const auto perms = fs::status(out).permissions();
        QVERIFY((perms & fs::perms::others_read) != fs::perms::none || (perms & fs::perms::group_read) != fs::perms::none);
        // A trailing separator names the same folder, not an unnamed one inside it.
        const fs::path slash = scratch("slash-out");
        writeTfjsModel(m, fs::path(slash.string() + "/"), {});
        QVERIFY(fs::exists(slash / "model.json"));
    }

    // A layers model is written from model.layers: a changed layer config reaches model.json,
    // and nothing else in the document moves.
    void layersEditIsWritten()
    {
        const fs::path src = kModels / "golden-tfjs-e2e-load-predict/layers_model/model.json";
        Model m = readTfjsModel(src);
        QCOMPARE(m.layers.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(m.layers[1].name), QString("gru_GRU1"));
        m.layers[1].config["trainable"] = false;
        const fs::path out = scratch("layers-edit");
        writeTfjsModel(m, out, {});

        const Model back = readTfjsModel(out);
        QCOMPARE(back.layers[1].config["trainable"], Json(false));
        QCOMPARE(back.layers[0].config["trainable"], Json(true));
        Json a = loadJson(src), b = loadJson(out / "model.json");
        for (auto* j : {&a, &b}) {
            j->erase("convertedBy");
            for (auto& g : (*j)["weightsManifest"])
                g.erase("paths");
        }
        const auto diff = nlohmann::json::diff(nlohmann::json::parse(a.dump()), nlohmann::json::parse(b.dump()));
        QCOMPARE(diff.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(diff[0]["path"].get<std::string>()),
            QString("/modelTopology/config/layers/1/config/trainable"));

        // Adding or removing layers cannot be expressed in the source's topology: refused by name.
        Model removed = readTfjsModel(src);
        removed.layers.pop_back();
        const QString e = errorOf([&] { writeTfjsModel(removed, scratch("layers-removed"), {}); });
        QVERIFY2(e.contains("gru_GRU1") && e.contains("removing layers"), qPrintable(e));
        Model added = readTfjsModel(src);
        added.layers.push_back(added.layers.back());
        added.layers.back().name = added.layers.back().path = "extra";
        const QString e2 = errorOf([&] { writeTfjsModel(added, scratch("layers-added"), {}); });
        QVERIFY2(e2.contains("'extra'") && e2.contains("adding layers"), qPrintable(e2));
    }

    // Layers of nested models are matched by path ("outer/inner"), in Keras 2 functional and
    // Sequential-in-functional layouts.
    void nestedLayersEditIsWritten()
    {
        const fs::path dir = scratch("nested");
        fs::create_directories(dir);
        writeText(dir / "model.json", R"({"format": "layers-model", "modelTopology": {"class_name": "Model", "config": {"name": "outer",
            "layers": [{"name": "in", "class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 2]}, "inbound_nodes": []},
            {"name": "block", "class_name": "Sequential", "config": {"name": "block", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 3}}]},
             "inbound_nodes": [[["in", 0, 0, {}]]]}],
            "input_layers": [["in", 0, 0]], "output_layers": [["block", 1, 0]]}}, "weightsManifest": []})");
        Model m = readTfjsModel(dir / "model.json");
        QCOMPARE(m.layers.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(m.layers[2].path), QString("block/d"));
        m.layers[2].config["units"] = 5;
        m.layers[1].config["name"] = "block"; // the outer config is written first, then its layers
        const fs::path out = scratch("nested-out");
        writeTfjsModel(m, out, {});
        const Json j = loadJson(out / "model.json");
        QCOMPARE(j["modelTopology"]["config"]["layers"][1]["config"]["layers"][0]["config"]["units"], Json(5));
        QCOMPARE(readTfjsModel(out).layers[2].config["units"], Json(5));
    }

    // A graph model is written from model.graph: a removed node and a renamed one reach model.json.
    void graphEditIsWritten()
    {
        const fs::path src = kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json";
        Model m = readTfjsModel(src);
        QCOMPARE(m.graph.nodes.size(), std::size_t(3));
        // MatMul(Placeholder, w) -> renamed "product"; a dangling Identity added then removed.
        Node identity;
        identity.name = "unused";
        identity.op = "Identity";
        identity.inputs = {"MatMul"};
        m.graph.nodes.push_back(identity);
        m.graph.nodes[2].name = "product";
        const fs::path out = scratch("graph-edit");
        writeTfjsModel(m, out, {});
        Json j = loadJson(out / "model.json");
        QCOMPARE(j["modelTopology"]["node"].size(), std::size_t(4));
        QCOMPARE(j["modelTopology"]["node"][2]["name"], Json("product"));
        QCOMPARE(j["modelTopology"]["node"][3]["name"], Json("unused"));

        m.graph.nodes.pop_back();
        writeTfjsModel(m, out, {});
        j = loadJson(out / "model.json");
        QCOMPARE(j["modelTopology"]["node"].size(), std::size_t(3));
        QCOMPARE(j["modelTopology"]["node"][2]["name"], Json("product"));
        const Model back = readTfjsModel(out);
        QVERIFY(back.graph.find("product") && !back.graph.find("MatMul") && !back.graph.find("unused"));
    }

    void existingOutputReplacedWhole()
    {
        const Model m = readTfjsModel(kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json");
        const fs::path out = scratch("replace");
        fs::create_directories(out);
        writeText(out / "group1-shard1of2.bin", "stale");
        // The previous model's own manifest says which shards are its (test_atomic_write has the rest).
        writeText(out / "model.json", R"({"weightsManifest": [{"paths": ["group1-shard1of2.bin"], "weights": []}]})");
        writeTfjsModel(m, out, {});
        QVERIFY(!fs::exists(out / "group1-shard1of2.bin")); // no stale shard survives
        QVERIFY(fs::exists(out / "group1-shard1of1.bin"));
        QVERIFY(loadJson(out / "model.json").contains("weightsManifest"));
        // A folder with anything else in it is not ours to replace: refused, left as it was.
        writeText(out / "notes.txt", "mine");
        const QString refused = errorOf([&] { writeTfjsModel(m, out, {}); });
        QVERIFY2(refused.contains("notes.txt") && refused.contains("empty or new folder"), qPrintable(refused));
        QCOMPARE(QString::fromStdString(readAll(out / "notes.txt")), QString("mine"));
        QVERIFY(fs::exists(out / "group1-shard1of1.bin"));
        fs::remove(out / "notes.txt");
        // Writing into the source's own folder is refused: the source is never modified.
        const QString e = errorOf([&] { writeTfjsModel(readTfjsModel(out / "model.json"), out, {}); });
        QVERIFY2(e.contains("source model"), qPrintable(e));
    }

    // --- untrusted model files: shard paths, nesting, sizes, byte order marks ---

    // Every way out of the model's folder is refused, naming the manifest entry as written and
    // nothing about what it leads to (not its size, not its contents, not a link's target).
    void shardPathOutsideFolderRefused_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("dot-dot to a sibling folder") << "dotdot";
        QTest::newRow("dot-dot to /etc/passwd") << "passwd";
        QTest::newRow("dot-dot after a subfolder") << "subdotdot";
        QTest::newRow("absolute") << "absolute";
        QTest::newRow("symlinked shard") << "symlink";
        QTest::newRow("symlinked folder") << "symlinkdir";
    }

    void shardPathOutsideFolderRefused()
    {
        QFETCH(QString, kind);
        const fs::path dir = copyFixture("escape-" + kind);
        const fs::path secret = outsideSecret(dir);
        const std::string sibling = "../" + dir.filename().string() + "-outside/secret.bin";
        std::string written;
        if (kind == "dotdot") {
            written = sibling;
        } else if (kind == "passwd") {
            written = "../../../../../../../../../../etc/passwd";
        } else if (kind == "subdotdot") {
            fs::create_directory(dir / "sub");
            written = "sub/../" + sibling;
        } else if (kind == "absolute") {
            written = secret.string();
        } else if (kind == "symlink") {
            fs::remove(dir / "weights.bin");
            fs::create_symlink(secret, dir / "weights.bin");
            written = "weights.bin";
        } else {
            fs::create_directory_symlink(secret.parent_path(), dir / "data");
            written = "data/secret.bin";
        }
        Json j = loadJson(dir / "model.json");
        j["weightsManifest"][0]["paths"][0] = written;
        writeText(dir / "model.json", j.dump());

        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        const QString prefix = "model.json: weightsManifest[0].paths[0]: shard path '" + QString::fromStdString(written) + "'";
        QVERIFY2(e.startsWith(prefix), qPrintable(e));
        QVERIFY2(e.contains(kind == "absolute" ? "is absolute" : "leads outside the model's folder"), qPrintable(e));
        QVERIFY2(!e.contains("bytes") && !e.contains("SECRET") && !e.contains("root:"), qPrintable(e));
        if (kind == "symlink" || kind == "symlinkdir")
            QVERIFY2(!e.contains(QString::fromStdString(secret.parent_path().string())), qPrintable(e));
        try {
            readTfjsModel(dir / "model.json");
        } catch (const studio::Error& err) {
            QCOMPARE(QString::fromStdString(err.where().field), QString("weightsManifest[0].paths[0]"));
        }
    }

    // Symlinks that stay inside the folder, a model folder reached through a symlink, a path
    // with ".." that comes back, and a model.json named relative to the working folder all read.
    void shardPathInsideFolderAccepted()
    {
        const std::string original = readAll(kModels / "golden-tfjs-e2e-load-predict/graph_model/weights.bin");
        const fs::path dir = copyFixture("inside");
        fs::create_directory(dir / "data");
        fs::rename(dir / "weights.bin", dir / "data/real.bin");
        fs::create_symlink("data/real.bin", dir / "weights.bin");
        Model m = readTfjsModel(dir / "model.json");
        QVERIFY(m.weightGroups[0].weights[0].storedBytes() == std::vector<std::uint8_t>(original.begin(), original.end()));

        const fs::path link = scratch("inside-link");
        fs::create_directory_symlink(dir, link);
        m = readTfjsModel(link / "model.json");
        QCOMPARE(m.weightGroups[0].weights[0].byteLength, std::uint64_t(16));

        Json j = loadJson(dir / "model.json");
        j["weightsManifest"][0]["paths"][0] = "data/../data/./real.bin";
        writeText(dir / "model.json", j.dump());
        m = readTfjsModel(dir / "model.json");
        QCOMPARE(QString::fromStdString(m.weightGroups[0].paths[0]), QString("data/../data/./real.bin"));

        const fs::path cwd = fs::current_path();
        fs::current_path(dir);
        const QString e = errorOf([&] { m = readTfjsModel("model.json"); });
        fs::current_path(cwd);
        QVERIFY2(e.isEmpty(), qPrintable(e));
        QCOMPARE(m.weightGroups[0].weights[0].byteLength, std::uint64_t(16));
    }

    // Four float32 weights of 2^60 elements take 2^64 bytes: the total wrapped to the 16 bytes
    // of the real shard and the model read as a 16-byte one.
    void weightSizesThatWrapRefused()
    {
        const fs::path dir = copyFixture("wrap");
        Json j = loadJson(dir / "model.json");
        for (int k = 1; k <= 4; ++k)
            j["weightsManifest"][0]["weights"].push_back(
                {{"name", "huge" + std::to_string(k)}, {"shape", {1 << 20, 1 << 20, 1 << 20}}, {"dtype", "float32"}});
        writeText(dir / "model.json", j.dump());
        QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.startsWith("model.json: weight 'huge4'") && e.contains("more than 2^64 bytes"), qPrintable(e));

        // One shape past 2^60 elements is refused by itself; the product is checked, not wrapped.
        j = loadJson(kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json");
        j["weightsManifest"][0]["weights"].push_back(
            {{"name", "wide"}, {"shape", {std::int64_t{1} << 32, std::int64_t{1} << 32, 16}}, {"dtype", "float32"}});
        writeText(dir / "model.json", j.dump());
        e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.startsWith("model.json: weight 'wide'") && e.contains("more than 2^60 elements"), qPrintable(e));

        // A string weight declaring 2^40 elements over the 16 bytes there are: refused while walking
        // the bytes there are, before anything of its declared size exists.
        j = loadJson(kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json");
        j["weightsManifest"][0]["weights"][0] = {{"name", "w"}, {"shape", {std::int64_t{1} << 40}}, {"dtype", "string"}};
        writeText(dir / "model.json", j.dump());
        e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.startsWith("model.json: weight 'w'") && e.contains("runs past the end of the shards"), qPrintable(e));
    }

    // JSON nested 100,000 or 200,000 levels deep, where a model.json may hold free-form JSON:
    // a clear error naming the file and the limit, no stack overflow.
    void deepJsonRefused_data()
    {
        QTest::addColumn<QString>("where");
        QTest::addColumn<int>("levels");
        QTest::newRow("userDefinedMetadata, 100000") << "metadata" << 100000;
        QTest::newRow("node attribute, 200000") << "attr" << 200000;
        QTest::newRow("unknown top-level key, 200000") << "extra" << 200000;
    }

    void deepJsonRefused()
    {
        QFETCH(QString, where);
        QFETCH(int, levels);
        const fs::path dir = copyFixture("deep-" + where);
        Json j = loadJson(dir / "model.json");
        if (where == "metadata")
            j["userDefinedMetadata"]["deep"] = "@DEEP@";
        else if (where == "attr")
            j["modelTopology"]["node"][1]["attr"]["deep"] = "@DEEP@";
        else
            j["deep"] = "@DEEP@";
        writeWithDeepValue(dir / "model.json", j, nestedArrays(static_cast<std::size_t>(levels)));
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.startsWith("model.json: JSON nests arrays and objects more than 512 levels deep"), qPrintable(e));
    }

    // The limit is 512 levels counting the document itself: a model at the limit reads, writes
    // and reads back; one level more is refused.
    void jsonDepthLimitBoundary()
    {
        const fs::path dir = copyFixture("deep-boundary");
        Json j = loadJson(dir / "model.json");
        j["userDefinedMetadata"]["deep"] = "@DEEP@"; // the document, userDefinedMetadata, then the arrays
        writeWithDeepValue(dir / "model.json", j, nestedArrays(kMaxJsonDepth - 2));
        const Model m = readTfjsModel(dir / "model.json");
        const fs::path out = scratch("deep-boundary-out");
        writeTfjsModel(m, out, {});
        QCOMPARE(readTfjsModel(out / "model.json").meta.userDefinedMetadata, m.meta.userDefinedMetadata);

        writeWithDeepValue(dir / "model.json", j, nestedArrays(kMaxJsonDepth - 1));
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("more than 512 levels"), qPrintable(e));
    }

    // JSON built in memory never went through the parser's limit: the writer and the Keras walks
    // refuse it themselves, and destroying it does not recurse.
    void deepJsonInMemoryRefused()
    {
        Json deep = Json::array();
        Json* innermost = &deep;
        for (int i = 1; i < 200000; ++i) {
            innermost->push_back(Json::array());
            innermost = &innermost->back();
        }
        QVERIFY(errorOf([&] { dumpPythonJson(deep); }).contains("more than 512 levels"));
        QVERIFY(errorOf([&] { checkJsonValueDepth(deep, "x"); }).startsWith("x: JSON nests"));

        Json topology = {{"class_name", "Sequential"}, {"config", {{"name", "s"}, {"layers", Json::array()}}}};
        Json layer = {{"class_name", "Dense"}, {"config", {{"name", "d"}}}};
        layer["inbound_nodes"] = std::move(deep); // moved, not copied: a copy recurses
        topology["config"]["layers"].push_back(std::move(layer));
        QString e = errorOf([&] { studio::core::kerasLayerView(topology, "model.json: modelTopology"); });
        QVERIFY2(e.startsWith("model.json: modelTopology: JSON nests"), qPrintable(e));
        e = errorOf([&] { kerasTopologyWithLayers(topology, {}, "model.json"); });
        QVERIFY2(e.startsWith("model.json: modelTopology: JSON nests"), qPrintable(e));
    }

    // A byte order mark (Windows editors write one) is skipped.
    void byteOrderMarkAccepted()
    {
        const fs::path dir = copyFixture("bom");
        writeText(dir / "model.json", "\xEF\xBB\xBF" + readAll(dir / "model.json"));
        const Model m = readTfjsModel(dir / "model.json");
        QCOMPARE(m.kind, ModelKind::GraphModel);
        QCOMPARE(m.weightGroups[0].weights[0].byteLength, std::uint64_t(16));
        // Positions in errors count from after the mark.
        writeText(dir / "model.json", "\xEF\xBB\xBF{\n  \"format\": }");
        const QString e = errorOf([&] { readTfjsModel(dir / "model.json"); });
        QVERIFY2(e.contains("invalid JSON at line 2, column 13"), qPrintable(e));
    }

    // --- model.json values the writer and executors rely on, refused at read ---

    void craftedLayersModelReads()
    {
        const QString e = craftedError("crafted-ok", [](Json&) {});
        QVERIFY2(e.isEmpty(), qPrintable(e));
        QVERIFY(craftedError("crafted-no-format", [](Json& d) { d.erase("format"); }).isEmpty());
    }

    void badFormatValueRefused()
    {
        QString e = craftedError("format-number", [](Json& d) { d["format"] = 7; });
        QVERIFY2(e.startsWith("model.json: format:") && e.contains("got 7"), qPrintable(e));
        e = craftedError("format-word", [](Json& d) { d["format"] = "keras-model"; });
        QVERIFY2(e.startsWith("model.json: format:") && e.contains("unknown format 'keras-model'"), qPrintable(e));
        // An unknown word is refused even when the topology alone would say what the model is.
        e = craftedError("format-graph-word", [](Json& d) { d["format"] = "graph"; d["modelTopology"] = {{"node", Json::array()}}; });
        QVERIFY2(e.contains("unknown format 'graph'"), qPrintable(e));
    }

    void badLayerConfigStringRefused()
    {
        QString e = craftedError("config-string", [](Json& d) { craftedLayers(d)[3]["config"] = "dense"; });
        QVERIFY2(e.startsWith("model.json: layer 'dense': config must be a JSON object"), qPrintable(e));
        e = craftedError("model-config-string", [](Json& d) { d["modelTopology"]["model_config"]["config"] = "m"; });
        QVERIFY2(e.contains("Keras model config must be a JSON object"), qPrintable(e));
    }

    void badLayerWithoutClassNameRefused()
    {
        const QString e = craftedError("no-class-name", [](Json& d) { craftedLayers(d)[2].erase("class_name"); });
        QVERIFY2(e.startsWith("model.json: layer 'flat': layer has no class_name"), qPrintable(e));
    }

    void badInboundLayerRefused()
    {
        const QString e = craftedError("unknown-inbound",
            [](Json& d) { craftedLayers(d)[3]["inbound_nodes"] = Json::parse(R"([[["flatten_99", 0, 0, {}]]])"); });
        QVERIFY2(e.startsWith("model.json: layer 'dense': inbound layer 'flatten_99' does not exist"), qPrintable(e));
    }

    void badKernelShapeSwappedRefused()
    {
        QString e = craftedError("dense-swapped",
            [](Json& d) { d["weightsManifest"][0]["weights"][2]["shape"] = {3, 8}; });
        QVERIFY2(e.startsWith("model.json: layer 'dense': weight 'dense/kernel' has shape [3, 8]") && e.contains("units 3"),
            qPrintable(e));
        e = craftedError("conv-swapped", [](Json& d) { d["weightsManifest"][0]["weights"][0]["shape"] = {3, 3, 2, 1}; });
        QVERIFY2(e.startsWith("model.json: layer 'conv': weight 'conv/kernel' has shape [3, 3, 2, 1]"), qPrintable(e));
        e = craftedError("conv-kernel-size", [](Json& d) { craftedLayers(d)[1]["config"]["kernel_size"] = {2, 4}; });
        QVERIFY2(e.startsWith("model.json: layer 'conv': weight 'conv/kernel'") && e.contains("kernel_size [2, 4]"),
            qPrintable(e));
    }

    void badNonPositiveSizesRefused()
    {
        QString e = craftedError("units-negative", [](Json& d) { craftedLayers(d)[3]["config"]["units"] = -5; });
        QVERIFY2(e.startsWith("model.json: layer 'dense': units must be a positive integer, got -5"), qPrintable(e));
        e = craftedError("filters-zero", [](Json& d) { craftedLayers(d)[1]["config"]["filters"] = 0; });
        QVERIFY2(e.startsWith("model.json: layer 'conv': filters must be a positive integer, got 0"), qPrintable(e));
        e = craftedError("kernel-negative", [](Json& d) { craftedLayers(d)[1]["config"]["kernel_size"] = {3, -1}; });
        QVERIFY2(e.startsWith("model.json: layer 'conv': kernel_size must be positive integers"), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestArtifacts)
#include "test_artifacts.moc"
