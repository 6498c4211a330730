// tfjs-studio-cli end to end: version, inspect, convert, predict, bench, and every bad input
// giving a clear error, a non-zero exit and no output folder.
#include "core/version.h"
#include "proto/graph.pb.h"
#include "proto/saved_model.pb.h"
#include "runtime/npy.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

struct Run {
    int code = -1;
    QString out, err;
};

Run cli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
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

// A copy of a model folder the test may damage.
fs::path copyModel(const fs::path& model, const std::string& name)
{
    const fs::path dir = scratch(name);
    fs::copy(model, dir, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(dir))
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    return dir;
}

void flipByte(const fs::path& file, std::streamoff at)
{
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(at);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    f.seekp(at);
    f.write(&c, 1);
}

// A frozen GraphDef: Placeholder x (float), then each {name, op, inputs} with T = float.
fs::path frozenGraph(const std::string& name, const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>& nodes)
{
    tensorflow::GraphDef g;
    auto* x = g.add_node();
    x->set_name("x");
    x->set_op("Placeholder");
    (*x->mutable_attr())["dtype"].set_type(tensorflow::DT_FLOAT);
    for (const auto& [n, op, inputs] : nodes) {
        auto* node = g.add_node();
        node->set_name(n);
        node->set_op(op);
        for (const auto& i : inputs)
            node->add_input(i);
        (*node->mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
    }
    const fs::path p = scratch(name + ".pb");
    std::ofstream out(p, std::ios::binary);
    g.SerializeToOstream(&out);
    return p;
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

    // --report: the JSON report of a conversion, checked against what the files on disk say.
    void reportJson()
    {
        const fs::path out = scratch("reported");
        const fs::path report = scratch("report.json");
        const auto r = cli({"convert", "--report", q(report), "--weight_shard_size_bytes", "100000",
            q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json"), q(out)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        std::ifstream in(report);
        const auto j = nlohmann::json::parse(in);
        QCOMPARE(j["ok"].get<bool>(), true);
        QCOMPARE(j["input"]["format"].get<std::string>(), std::string("tfjs_graph_model"));
        QCOMPARE(j["output"]["format"].get<std::string>(), std::string("tfjs_graph_model"));
        // Every file the report lists exists with the size it says, and every file written is listed.
        std::size_t onDisk = 0;
        for (const auto& e : fs::directory_iterator(out))
            onDisk += e.is_regular_file() ? 1u : 0u;
        QCOMPARE(j["files"].size(), onDisk);
        std::uint64_t shardBytes = 0;
        for (const auto& f : j["files"]) {
            const fs::path path = f["path"].get<std::string>();
            QVERIFY2(fs::exists(path), path.c_str());
            QCOMPARE(f["bytes"].get<std::uint64_t>(), fs::file_size(path));
            if (path.extension() == ".bin")
                shardBytes += fs::file_size(path);
        }
        QCOMPARE(j["weightBytes"].get<std::uint64_t>(), shardBytes);
        QCOMPARE(j["files"].size(), std::size_t(1 + 5)); // model.json + ceil(402048 / 100000) shards
        // The op check counted the model's nodes (model.json's own node list).
        std::ifstream mj(out / "model.json");
        const auto model = nlohmann::json::parse(mj);
        QCOMPARE(j["opCheck"]["after"]["checkedNodes"].get<std::size_t>(), model["modelTopology"]["node"].size());
        QCOMPARE(j["opCheck"]["after"]["ok"].get<bool>(), true);

        // A failed conversion writes a report that says why, and exits non-zero with no output.
        const fs::path out2 = scratch("not-written");
        const fs::path report2 = scratch("failed.json");
        const auto bad = cli({"convert", "--report", q(report2), q(kModels / "no-such-model.json"), q(out2)});
        QVERIFY(bad.code > 0);
        QVERIFY(!fs::exists(out2));
        std::ifstream in2(report2);
        const auto f = nlohmann::json::parse(in2);
        QCOMPARE(f["ok"].get<bool>(), false);
        QVERIFY(f["error"].get<std::string>().find("no-such-model.json") != std::string::npos);
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
        // Whichever backend is the default names the op it cannot run.
        QVERIFY2(bad.err.contains("SentencepieceOp") && bad.err.contains("implement"), qPrintable(bad.err));
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
        // A SavedModel's tags and signature are checked before anything is written.
        expectFailure(kModels / "pair-savedmodel-tf23-korean-spacing-graph/saved_model", {"--saved_model_tags=gpu"},
            {"saved_model", "gpu"});
        expectFailure(kModels / "pair-savedmodel-tf23-korean-spacing-graph/saved_model", {"--signature_name=nope"},
            {"nope", "serving_default"});
        expectFailure(kModels / "pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5",
            {"--output_format=keras"}, {"Unsupported input_format - output_format pair: keras - keras"});
        // Frozen graphs convert now (tests/converter/test_passes.cpp); an output that is no node says so.
        expectFailure(kModels / "frozen-graphdef-tf1-tf2onnx-rnn-and-mlp/fc-layers/frozen.pb",
            {"--output_node_names=no_such_node"}, {"frozen.pb", "no_such_node", "not a node of the graph"});
        expectFailure(kModels / "frozen-graphdef-tf1-tf2onnx-rnn-and-mlp/fc-layers/frozen.pb", {},
            {"--output_node_names flag is required"});
        expectFailure(kModels / "does-not-exist.json", {}, {"does-not-exist.json"});
    }

    // Damaged SavedModels through the CLI (tests/converter/test_saved_model.cpp and
    // test_tensor_bundle.cpp check the same readers' messages in process): exit 1, the file and
    // the problem named, nothing written.
    void badSavedModelTruncated()
    {
        const auto dir = copyModel(kModels / "savedmodel-tf2-tfjs-node-test-fixtures/times_three_float", "sm-truncated");
        fs::resize_file(dir / "saved_model.pb", fs::file_size(dir / "saved_model.pb") / 2 + 1);
        expectFailure(dir, {}, {"saved_model.pb", "truncated"});
    }
    void badCheckpointChecksum()
    {
        const auto dir = copyModel(kModels / "savedmodel-tf2-tfjs-node-test-fixtures/times_three_float", "sm-crc");
        flipByte(dir / "variables/variables.index", 3); // inside the first block
        expectFailure(dir, {}, {"variables.index", "checksum mismatch"});
    }
    // Damaged variable bytes are found while they are copied into the shards (one pass over the
    // data): the convert still fails and publishes nothing.
    void badCheckpointDataChecksum()
    {
        const auto dir = copyModel(kModels / "savedmodel-tf1-serving-half-plus-two/saved_model_half_plus_two_cpu/00000123", "sm-data");
        const auto data = dir / "variables/variables.data-00000-of-00001";
        for (std::streamoff i = 0; i < static_cast<std::streamoff>(fs::file_size(data)); ++i)
            flipByte(data, i);
        expectFailure(dir, {}, {"variables.data-00000-of-00001", "checksum mismatch"});
    }
    void badCheckpointMagic()
    {
        const auto dir = copyModel(kModels / "savedmodel-tf2-tfjs-node-test-fixtures/times_three_float", "sm-magic");
        const auto index = dir / "variables/variables.index";
        flipByte(index, static_cast<std::streamoff>(fs::file_size(index)) - 1); // the footer's last magic byte
        expectFailure(dir, {}, {"variables.index", "bad magic"});
    }
    void badCheckpointMissingShard()
    {
        const auto dir = copyModel(kModels / "savedmodel-tf1-serving-half-plus-two/saved_model_half_plus_two_cpu/00000123", "sm-shard");
        fs::remove(dir / "variables/variables.data-00000-of-00001");
        expectFailure(dir, {}, {"variables.data-00000-of-00001", "data shard missing"});
    }
    void badUnknownTagAndSignature()
    {
        // The TF1 serving model's tag set is {serve}; module_with_multiple_signatures has two
        // signatures, both listed when the one asked for is missing.
        expectFailure(kModels / "savedmodel-tf1-serving-half-plus-two/saved_model_half_plus_two_cpu/00000123",
            {"--saved_model_tags=train"}, {"saved_model.pb", "{train}", "{serve}"});
        expectFailure(kModels / "savedmodel-tf2-tfjs-node-test-fixtures/module_with_multiple_signatures",
            {"--signature_name=nope"}, {"saved_model.pb", "\"nope\"", "serving_default", "timestwo"});
    }
    void badFunctionCallsItself()
    {
        // times_three_float's model function made to call itself: refused, no hang, no stack overflow.
        const auto dir = copyModel(kModels / "savedmodel-tf2-tfjs-node-test-fixtures/times_three_float", "sm-recursive");
        tensorflow::SavedModel sm;
        {
            std::ifstream in(dir / "saved_model.pb", std::ios::binary);
            QVERIFY(sm.ParseFromIstream(&in));
        }
        int changed = 0;
        for (auto& f : *sm.mutable_meta_graphs(0)->mutable_graph_def()->mutable_library()->mutable_function()) {
            if (f.signature().name().find("__call__") == std::string::npos || f.signature().input_arg_size() == 0)
                continue;
            auto* n = f.add_node_def();
            n->set_name("again");
            n->set_op("StatefulPartitionedCall");
            for (const auto& a : f.signature().input_arg())
                n->add_input(a.name());
            (*n->mutable_attr())["f"].mutable_func()->set_name(f.signature().name());
            ++changed;
        }
        QVERIFY(changed > 0);
        {
            std::ofstream out(dir / "saved_model.pb", std::ios::binary | std::ios::trunc);
            QVERIFY(sm.SerializeToOstream(&out));
        }
        expectFailure(dir, {}, {"saved_model.pb", "calls itself"});
    }
    void badCycleOutsideControlFlow()
    {
        // a = Add(x, b), b = Relu(a): a cycle with no Enter/Merge/NextIteration, which no
        // executor can order. TensorFlow refuses to import such a graph; so do we.
        const auto pb = frozenGraph("cycle", {{"a", "Add", {"x", "b"}}, {"b", "Relu", {"a"}}, {"out", "Identity", {"b"}}});
        expectFailure(pb, {"--output_node_names=out"}, {"cycle.pb", "cycle"});
    }
    void badOpUnknownToTfjs()
    {
        const auto pb = frozenGraph("unknown-op", {{"weird1", "FooBarOp", {"x"}}, {"weird2", "FooBarOp", {"weird1"}},
                                                      {"out", "Relu", {"weird2"}}});
        // The op check names the op, how many nodes use it and which.
        expectFailure(pb, {"--output_node_names=out"}, {"unknown-op.pb", "Unsupported Ops in the model: FooBarOp", "2 nodes: weird1, weird2"});
        // --skip_op_check converts anyway, with a warning, and the op is in the output.
        const fs::path out = scratch("unknown-op-skipped");
        const auto r = cli({"convert", "--skip_op_check", "--output_node_names=out", q(pb), q(out)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("FooBarOp") && r.err.contains("--skip_op_check"), qPrintable(r.err));
        std::ifstream in(out / "model.json");
        const auto j = nlohmann::json::parse(in);
        int foo = 0;
        for (const auto& n : j["modelTopology"]["node"])
            foo += n["op"] == "FooBarOp";
        QCOMPARE(foo, 2);
    }
    // predict: generated inputs written with the outputs; the same input given back as a .npy
    // gives the same outputs; the folder is replaced whole, and a folder with other files refused.
    void predictWritesInputsAndOutputs()
    {
        const auto model = q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        const fs::path out = scratch("predict-out");
        auto r = cli({"predict", model, "--backend", "reference", "--seed", "7", "--output-dir", q(out)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("backend: reference") && r.out.contains("generated (seed 7)"), qPrintable(r.out));
        std::ifstream in(out / "predict.json");
        const auto j = nlohmann::json::parse(in);
        QCOMPARE(j["backend"].get<std::string>(), std::string("reference"));
        QCOMPARE(j["inputs"].size(), std::size_t(1));
        QCOMPARE(j["inputs"][0]["name"].get<std::string>(), std::string("input"));
        QCOMPARE(j["inputs"][0]["file"].get<std::string>(), std::string("input.input.npy"));
        const auto x = studio::rt::readNpy(out / "input.input.npy");
        QCOMPARE(x.tensor.shape, (std::vector<std::int64_t>{1, 128, 128, 3}));
        QVERIFY(j["outputs"].size() >= 1);
        std::vector<std::vector<float>> first;
        for (const auto& o : j["outputs"]) {
            const auto file = o["file"].get<std::string>();
            // Named after the tensor, nothing but a plain file name.
            QVERIFY2(file.find('/') == std::string::npos && file.find(':') == std::string::npos && file[0] != '.', file.c_str());
            const auto y = studio::rt::readNpy(out / file);
            QCOMPARE(y.tensor.shape, o["shape"].get<std::vector<std::int64_t>>());
            first.push_back(y.tensor.f);
        }
        // The generated input given back: same outputs, bit for bit; no input file this time.
        const fs::path given = scratch("given-input.npy");
        fs::copy_file(out / "input.input.npy", given);
        r = cli({"predict", model, "--backend", "reference", "--input", "input=" + q(given), "--output-dir", q(out)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(!fs::exists(out / "input.input.npy"));
        std::ifstream in2(out / "predict.json");
        const auto j2 = nlohmann::json::parse(in2);
        for (std::size_t k = 0; k < j2["outputs"].size(); ++k)
            QCOMPARE(studio::rt::readNpy(out / j2["outputs"][k]["file"].get<std::string>()).tensor.f, first[k]);
        // A folder holding something else is not ours to replace.
        std::ofstream(out / "notes.txt") << "mine";
        r = cli({"predict", model, "--backend", "reference", "--output-dir", q(out)});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("notes.txt"), qPrintable(r.err));
        QVERIFY(fs::exists(out / "notes.txt"));
    }

    // Tensor names with ':' and '/' become plain, distinct file names.
    void predictFileNames()
    {
        const fs::path out = scratch("predict-names");
        const auto r = cli({"predict", q(kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json"), "--backend", "reference",
            "--output-dir", q(out)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        std::ifstream in(out / "predict.json");
        const auto j = nlohmann::json::parse(in);
        std::set<std::string> files;
        for (const auto* list : {&j["inputs"], &j["outputs"]})
            for (const auto& t : *list) {
                const auto file = t["file"].get<std::string>();
                QVERIFY2(file.find_first_of("/:\\\\") == std::string::npos, file.c_str());
                QVERIFY2(files.insert(file).second, file.c_str());
                QVERIFY2(fs::exists(out / file), file.c_str());
            }
    }

    // Every bad input of predict: a message naming the input, file, op or model, exit 1, no
    // output folder.
    void predictBadInputs()
    {
        const auto model = q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        const fs::path out = scratch("predict-bad-out");
        auto expectPredictFailure = [&](const QStringList& args, const QStringList& mention) {
            const auto r = cli(QStringList{"predict"} + args + QStringList{"--output-dir", q(out)});
            QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
            for (const auto& m : mention)
                QVERIFY2(r.err.contains(m), qPrintable("stderr lacks '" + m + "': " + r.err));
            QVERIFY2(!fs::exists(out), "an output folder was left behind");
        };
        // Wrong shape, wrong dtype, unknown input, the same input twice.
        const fs::path small = scratch("small.npy");
        studio::rt::writeNpy(small, studio::rt::Tensor::floats({1, 64, 64, 3}), studio::rt::NpyType::Float32);
        expectPredictFailure({model, "--input", "input=" + q(small)}, {"input 'input'", "small.npy", "shape [1,64,64,3]", "[1,128,128,3]"});
        const fs::path ints = scratch("ints.npy");
        studio::rt::writeNpy(ints, studio::rt::Tensor::ints({1, 128, 128, 3}, std::vector<std::int32_t>(128 * 128 * 3, 1)),
            studio::rt::NpyType::Int32);
        expectPredictFailure({model, "--input", "input=" + q(ints)}, {"input 'input'", "ints.npy", "holds int32", "float32"});
        expectPredictFailure({model, "--input", "nope=" + q(small)}, {"no input 'nope'", "'input'"});
        const fs::path good = scratch("good.npy");
        studio::rt::writeNpy(good, studio::rt::Tensor::floats({1, 128, 128, 3}), studio::rt::NpyType::Float32);
        expectPredictFailure({model, "--input", "input=" + q(good), "--input", "input:0=" + q(good)}, {"given twice"});
        // A truncated .npy and one of a dtype we do not read.
        const fs::path cut = scratch("cut.npy");
        fs::copy_file(good, cut);
        fs::resize_file(cut, fs::file_size(good) - 100);
        expectPredictFailure({model, "--input", "input=" + q(cut)}, {"cut.npy", "truncated"});
        expectPredictFailure({model, "--input", "input=" + q(fs::path(STUDIO_SOURCE_DIR) / "tests/data/npy/f2_2.npy")},
            {"f2_2.npy", "unsupported dtype '<f2'"});
        expectPredictFailure({model, "--input", "input=" + q(scratch("absent.npy"))}, {"absent.npy"});
        // A missing model, an op no backend has.
        expectPredictFailure({q(kModels / "no-such-model.json")}, {"no-such-model.json"});
        const auto dir = fixture("predict-unknown-op");
        editManifest(dir, [](auto& doc) { doc["modelTopology"]["node"][2]["op"] = "SentencepieceOp"; });
        expectPredictFailure({q(dir), "--backend", "reference"}, {"SentencepieceOp"});
        expectPredictFailure({q(dir), "--backend", "vulkan"}, {"SentencepieceOp"});
        // Usage errors exit 2.
        QCOMPARE(cli({"predict", model}).code, 2);
        QCOMPARE(cli({"predict", model, "--output-dir", q(out), "--seed", "x"}).code, 1);
        QVERIFY(!fs::exists(out));
    }

    // No Vulkan loader driver at all: --backend vulkan says so (naming the backend and the
    // device), exit 1, no crash; the default backend falls back to the reference executor.
    void noVulkanDevice()
    {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("VK_ICD_FILENAMES", "/nonexistent.json");
        env.insert("VK_DRIVER_FILES", "/nonexistent.json");
        const auto model = q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        const fs::path out = scratch("predict-no-vulkan");
        for (const auto& args : {QStringList{"predict", model, "--backend", "vulkan", "--output-dir", q(out)},
                 QStringList{"bench", model, "--backend", "vulkan", "--runs", "1", "--warmup", "0"}}) {
            const auto r = cli(args, env);
            QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
            QVERIFY2(r.err.contains("backend 'vulkan'") && r.err.contains("not available") && r.err.contains("Vulkan"),
                qPrintable(r.err));
        }
        QVERIFY(!fs::exists(out));
        const auto r = cli({"bench", model, "--runs", "1", "--warmup", "0"}, env);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("backend: reference"), qPrintable(r.out));
    }

    // bench --min-seconds, --json FILE, --csv FILE, --profile: the per-node and per-op profile
    // with the FLOPs of each convolution as counted by hand from the model's shapes.
    void benchFilesAndProfile()
    {
        const auto model = q(kModels / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        const fs::path json = scratch("bench.json"), csv = scratch("bench.csv");
        const auto r = cli({"bench", model, "--backend", "reference", "--warmup", "0", "--runs", "2", "--min-seconds", "0.3",
            "--profile", "--json", q(json), "--csv", q(csv)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // The text report still goes to stdout, with the per-op table.
        QVERIFY2(r.out.contains("device: ") && r.out.contains("per-op profile") && r.out.contains("GFLOP/s"), qPrintable(r.out));
        std::ifstream in(json);
        const auto j = nlohmann::json::parse(in);
        QVERIFY(j["samplesMs"].size() >= 2);
        QVERIFY(j["timedSeconds"].get<double>() >= 0.3);
        QCOMPARE(j["minSeconds"].get<double>(), 0.3);
        // conv2d: 1x128x128x3 -> 1x64x64x24 (stride 2) with a 5x5x3 filter: 2*64*64*24*5*5*3.
        // depthwise_conv2d: 64x64x24 with a 3x3 filter: 2*64*64*24*3*3.
        double conv = 0, depthwise = 0;
        for (const auto& n : j["profile"]) {
            if (n["node"] == "StatefulPartitionedCall/functional_1/conv2d/Relu")
                conv = n.value("flops", 0.0);
            if (n["node"] == "StatefulPartitionedCall/functional_1/depthwise_conv2d/depthwise")
                depthwise = n.value("flops", 0.0);
        }
        QCOMPARE(conv, 14745600.0);
        QCOMPARE(depthwise, 1769472.0);
        bool fusedConv = false;
        for (const auto& o : j["profileByOp"])
            if (o["op"] == "_FusedConv2D") {
                fusedConv = true;
                QVERIFY(o["flops"].get<double>() >= conv);
                QVERIFY(o["gflopsPerSecond"].get<double>() > 0);
            }
        QVERIFY(fusedConv);
        std::ifstream c(csv);
        std::string header, line;
        std::getline(c, header);
        QCOMPARE(header, std::string("section,name,op,ms,flops,gflop_per_s"));
        int timed = 0, ops = 0;
        while (std::getline(c, line)) {
            timed += line.rfind("run,timed-", 0) == 0;
            ops += line.rfind("op,", 0) == 0;
        }
        QCOMPARE(timed, static_cast<int>(j["samplesMs"].size()));
        QCOMPARE(ops, static_cast<int>(j["profileByOp"].size()));
        // --json alone is still JSON on stdout, for existing callers.
        const auto plain = cli({"bench", model, "--backend", "reference", "--warmup", "0", "--runs", "1", "--json"});
        QVERIFY2(plain.code == 0, qPrintable(plain.err));
        QCOMPARE(nlohmann::json::parse(plain.out.toStdString())["summary"]["count"].get<int>(), 1);
        QCOMPARE(cli({"bench", model, "--min-seconds", "-1"}).code, 1);
        QCOMPARE(cli({"bench", model, "--runs", "1", "--json", q(scratch("no-such-dir") / "x.json")}).code, 1);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
