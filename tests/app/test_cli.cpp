// tfjs-studio-cli end to end: version, inspect, convert, and every bad input giving a clear
// error, a non-zero exit and no output folder.
#include "core/version.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

struct Run {
    int code = -1;
    QString out, err;
};

Run cli(const QStringList& args)
{
    QProcess p;
    p.start(STUDIO_CLI, args);
    p.waitForFinished(120000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError())};
}

QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-cli-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p.parent_path());
    return p;
}

fs::path fixture(const std::string& name)
{
    const fs::path dir = scratch(name);
    fs::create_directories(dir);
    for (const char* f : {"model.json", "weights.bin"}) {
        fs::copy_file(kModels / "golden-tfjs-e2e-load-predict/graph_model" / f, dir / f);
        fs::permissions(dir / f, fs::perms::owner_write, fs::perm_options::add);
    }
    return dir;
}

void editManifest(const fs::path& dir, const std::function<void(nlohmann::json&)>& edit)
{
    nlohmann::json j;
    {
        std::ifstream in(dir / "model.json");
        j = nlohmann::json::parse(in);
    }
    edit(j);
    std::ofstream(dir / "model.json", std::ios::trunc) << j.dump();
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

    // Runs convert on a broken input and checks the promises made for bad input.
    void expectFailure(const fs::path& input, const QStringList& extra, const QStringList& mustMention)
    {
        const fs::path out = scratch("out-of-failed-run");
        const auto r = cli(QStringList{"convert"} + extra + QStringList{q(input), q(out)});
        QVERIFY2(r.code != 0, qPrintable("exit code 0 for a bad input; stderr: " + r.err));
        QVERIFY2(r.code > 0, "crashed instead of failing cleanly");
        for (const auto& m : mustMention)
            QVERIFY2(r.err.contains(m), qPrintable("stderr lacks '" + m + "': " + r.err));
        QVERIFY2(!fs::exists(out), "an output folder was left behind");
    }

private slots:
    void cleanupTestCase()
    {
        std::error_code ec;
        fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-cli-test-" + std::to_string(::getpid())), ec);
    }

    void versionMatches()
    {
        const auto r = cli({"--version"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QString("tfjs-studio-cli " STUDIO_VERSION));
        QCOMPARE(cli({"--help"}).code, 0);
    }

    void inspectJson()
    {
        const auto r = cli({"inspect", q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json"), "--json"});
        QCOMPARE(r.code, 0);
        const auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j["kind"].get<std::string>(), std::string("graph-model"));
        QCOMPARE(j["nodeCount"].get<int>(), 165);
        QCOMPARE(j["weightCount"].get<int>(), 73);
        QCOMPARE(j["ops"]["_FusedConv2D"].get<int>(), 21);
        QCOMPARE(j["inputs"][0]["shape"], nlohmann::json({1, 128, 128, 3}));
        QCOMPARE(j["shards"][0][0]["bytes"].get<int>(), 402048);
        QCOMPARE(j["opCheck"].get<std::string>(), std::string("all 165 nodes use ops TensorFlow.js supports"));
        const auto planned = cli({"inspect", q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json"),
            "--json", "--weight_shard_size_bytes", "1000"});
        const auto p = nlohmann::json::parse(planned.out.toStdString());
        QCOMPARE(p["shardPlan"]["groups"][0]["files"].size(), std::size_t(403)); // ceil(402048 / 1000)
        QCOMPARE(p["shardPlan"]["groups"][0]["files"][402].get<std::string>(), std::string("group1-shard403of403.bin"));
    }

    void convertQuantizedAndSharded()
    {
        const fs::path out = scratch("converted");
        const auto r = cli({"convert", "--quantize_uint8=*", "--weight_shard_size_bytes", "65536",
            q(kModels / "tfjs-layers-mobilenetv2-float32-seeded/model.json"), q(out)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(fs::exists(out / "model.json"));
        // 3.5M parameters at 1 byte each, in 64 KiB shards.
        const auto r2 = cli({"inspect", q(out), "--json"});
        const auto j = nlohmann::json::parse(r2.out.toStdString());
        QCOMPARE(j["kind"].get<std::string>(), std::string("layers-model"));
        const auto shards = j["shards"][0].size();
        QVERIFY(shards > 40);
        QCOMPARE(j["shards"][0][0]["file"].get<std::string>(), "group1-shard1of" + std::to_string(shards) + ".bin");
    }

    void checkNamesUnsupportedOps()
    {
        const auto dir = fixture("check");
        QCOMPARE(cli({"check", q(dir)}).code, 0);
        editManifest(dir, [](auto& j) { j["modelTopology"]["node"][1]["op"] = "SentencepieceOp"; });
        const auto r = cli({"check", q(dir / "model.json")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("Unsupported Ops in the model: SentencepieceOp"), qPrintable(r.err));
    }

    void benchReportsFirstRunApart()
    {
        const auto r = cli({"bench", q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json"), "--warmup", "1",
            "--runs", "4", "--json"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j["samplesMs"].size(), std::size_t(4));
        QCOMPARE(j["warmupRuns"].get<int>(), 1);
        QVERIFY(j["firstRunMs"].get<double>() > 0);
        QVERIFY(j["summary"]["min"].get<double>() <= j["summary"]["median"].get<double>());
        const auto dir = fixture("bench-unknown-op");
        editManifest(dir, [](auto& doc) { doc["modelTopology"]["node"][2]["op"] = "SentencepieceOp"; });
        const auto bad = cli({"bench", q(dir)});
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains("does not implement: SentencepieceOp"), qPrintable(bad.err));
        QCOMPARE(cli({"bench", "x.json", "--runs", "lots"}).code, 1);
    }

    void badInvalidJson()
    {
        const auto dir = fixture("json");
        std::ofstream(dir / "model.json", std::ios::trunc) << "{\"format\": ";
        expectFailure(dir / "model.json", {}, {"model.json", "invalid JSON"});
    }
    void badMissingShard()
    {
        const auto dir = fixture("missing");
        fs::remove(dir / "weights.bin");
        expectFailure(dir / "model.json", {}, {"weights.bin", "no such file"});
    }
    void badShortShard()
    {
        const auto dir = fixture("short");
        fs::resize_file(dir / "weights.bin", 7);
        expectFailure(dir / "model.json", {}, {"weights.bin", "7 bytes"});
    }
    void badManifestLargerThanShards()
    {
        const auto dir = fixture("larger");
        editManifest(dir, [](auto& j) { j["weightsManifest"][0]["weights"][0]["shape"] = {2, 4}; });
        expectFailure(dir / "model.json", {}, {"weights.bin", "need 32"});
    }
    void badUnknownDtype()
    {
        const auto dir = fixture("dtype");
        editManifest(dir, [](auto& j) { j["weightsManifest"][0]["weights"][0]["dtype"] = "qint7"; });
        expectFailure(dir / "model.json", {}, {"model.json", "unknown dtype 'qint7'"});
    }
    void badWeightTwice()
    {
        const auto dir = fixture("twice");
        editManifest(dir, [](auto& j) {
            j["weightsManifest"][0]["weights"].push_back(j["weightsManifest"][0]["weights"][0]);
        });
        expectFailure(dir / "model.json", {}, {"model.json", "listed twice"});
    }
    // --max-memory: every model command takes it; declared sizes over it are refused, exit 1.
    void maxMemoryBudget()
    {
        expectFailure(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5", {"--max-memory", "4K"},
            {"tiny_mnist.h5", "memory budget of 4096 bytes", "--max-memory"});
        auto r = cli({"convert", "--max-memory=1Q", "a", "b"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("'1Q' is not a size"), qPrintable(r.err));
        r = cli({"bench", q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json"), "--max-memory", "100K", "--runs", "1", "--warmup", "0"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("input 'input:0'") && r.err.contains("100.00 KiB (the memory budget, --max-memory)"), qPrintable(r.err));
        r = cli({"inspect", "--max-memory=64M", q(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }
    void badShardSize()
    {
        const auto dir = fixture("shardsize");
        expectFailure(dir / "model.json", {"--weight_shard_size_bytes=0"}, {"positive integer, but got 0"});
        expectFailure(dir / "model.json", {"--weight_shard_size_bytes=-1"}, {"positive integer, but got -1"});
    }
    void badFlagAndFormat()
    {
        const auto dir = fixture("flags");
        expectFailure(dir / "model.json", {"--no_such_flag"}, {"unrecognized argument"});
        expectFailure(dir / "model.json", {"--quantize_uint8=*", "--quantize_uint16=*"}, {"Two quantization values"});
        expectFailure(kModels / "pair-savedmodel-tf23-korean-spacing-graph/saved_model", {},
            {"saved_model", "tf_saved_model", "not supported by this build yet"});
        expectFailure(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5",
            {"--output_format=keras"}, {"Unsupported input_format - output_format pair: keras - keras"});
        expectFailure(kModels / "frozen-graphdef-tf1-tf2onnx-rnn-and-mlp/fc-layers/frozen.pb",
            {"--output_node_names=output"}, {"frozen.pb", "optimization passes"});
        expectFailure(kModels / "frozen-graphdef-tf1-tf2onnx-rnn-and-mlp/fc-layers/frozen.pb", {},
            {"--output_node_names flag is required"});
        expectFailure(kModels / "does-not-exist.json", {}, {"does-not-exist.json"});
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
