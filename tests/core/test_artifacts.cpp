// TF.js artifacts against the real models of ../shared/models: read then write gives the same
// bytes and JSON; quantization matches the reference converter's own output; bad input is named.
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "core/tfjs/graph_json.h"
#include "core/tfjs/json_writer.h"

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

    void existingOutputReplacedWhole()
    {
        const Model m = readTfjsModel(kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json");
        const fs::path out = scratch("replace");
        fs::create_directories(out);
        writeText(out / "group1-shard1of2.bin", "stale");
        writeText(out / "model.json", "{}");
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
};

QTEST_GUILESS_MAIN(TestArtifacts)
#include "test_artifacts.moc"
