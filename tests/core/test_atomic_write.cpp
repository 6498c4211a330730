// Crash safety of the output replacement: writers killed at each step of the swap and at random
// times leave the previous model or the new one, never a mix, and the next write cleans up.
#include "core/error.h"
#include "core/io/atomic_dir.h"
#include "core/tfjs/artifacts.h"

#include <QtTest>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace studio::core;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

// Every file of a folder, by name, with its bytes (empty when the folder does not exist).
using Snapshot = std::map<std::string, std::string>;

Snapshot snapshot(const fs::path& dir)
{
    Snapshot out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return out;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        out[e.path().filename().string()] = ss.str();
    }
    return out;
}

void writeText(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary | std::ios::trunc) << s; }

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const studio::Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

fs::path scratchRoot() { return fs::temp_directory_path() / ("tfjs-studio-atomic-" + std::to_string(::getpid())); }

// A fresh folder for one test; the output goes in it, so that its other entries are leftovers.
fs::path scratch(const std::string& name)
{
    const fs::path p = scratchRoot() / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

// The golden graph model plus `megabytes` of extra weights filled from `seed`: versions of a
// model that differ in every shard.
Model modelVersion(int megabytes, unsigned seed)
{
    Model m = readTfjsModel(kModels / "golden-tfjs-e2e-load-predict/graph_model/model.json");
    m.sourcePath.clear();
    std::mt19937 rng(seed);
    for (int i = 0; i < megabytes; ++i) {
        std::vector<std::uint8_t> bytes(1 << 20);
        for (auto& b : bytes)
            b = static_cast<std::uint8_t>(rng());
        Weight w;
        w.name = "extra_" + std::to_string(i);
        w.dtype = DType::Float32;
        w.shape = {1 << 18};
        w.byteLength = bytes.size();
        w.source = std::make_shared<MemorySource>(std::move(bytes));
        m.weightGroups[0].weights.push_back(std::move(w));
    }
    return m;
}

WriteOptions smallShards()
{
    WriteOptions o;
    o.shardSize = 1 << 19; // many shard files: many moments to be killed in
    return o;
}

// Forks a writer of `m` to `out`; with `crashAt` it kills itself at that step, with
// `killAfter` the parent kills it then. Returns the wait status.
int runWriter(const Model& m, const fs::path& out, const char* crashAt, std::chrono::microseconds killAfter)
{
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (crashAt)
            ::setenv("STUDIO_TEST_CRASH_AT", crashAt, 1);
        try {
            writeTfjsModel(m, out, smallShards());
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(0);
    }
    if (killAfter.count() >= 0) {
        std::this_thread::sleep_for(killAfter);
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

// The names in `dir` other than `keep`.
std::set<std::string> othersIn(const fs::path& dir, const std::string& keep)
{
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename() != keep)
            out.insert(e.path().filename().string());
    return out;
}

// A PID that no process has now: a child that has exited and been reaped.
pid_t deadPid()
{
    const pid_t pid = ::fork();
    if (pid == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return pid;
}

QString names(const std::set<std::string>& s)
{
    QStringList l;
    for (const auto& n : s)
        l << QString::fromStdString(n);
    return l.join(", ");
}

} // namespace

class TestAtomicWrite : public QObject {
    Q_OBJECT
private slots:
    void cleanupTestCase()
    {
        std::error_code ec;
        fs::remove_all(scratchRoot(), ec);
    }

    // Killed at each named step of the write and the swap: the target is the whole previous
    // model before the swap and the whole new one after it; the next write removes the rest.
    void killedAtEachStep_data()
    {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("swapped");
        QTest::newRow("staging-created") << "staging-created" << false;
        QTest::newRow("shards-written") << "shards-written" << false;
        QTest::newRow("model-json-written") << "model-json-written" << false;
        QTest::newRow("before-swap") << "before-swap" << false;
        QTest::newRow("after-swap") << "after-swap" << true;
        QTest::newRow("removing-previous") << "removing-previous" << true;
        QTest::newRow("before-sync-parent") << "before-sync-parent" << true;
    }

    void killedAtEachStep()
    {
        QFETCH(QString, step);
        QFETCH(bool, swapped);
        const Model v1 = modelVersion(1, 1), v2 = modelVersion(2, 2);
        const fs::path ref = scratch("step-ref");
        writeTfjsModel(v2, ref / "out", smallShards());
        const Snapshot expectedNew = snapshot(ref / "out");
        const fs::path dir = scratch("step-" + step.toStdString());
        const fs::path out = dir / "out";
        writeTfjsModel(v1, out, smallShards());
        const Snapshot previous = snapshot(out);
        QVERIFY(previous != expectedNew && previous.size() > 3);

        const std::string stepName = step.toStdString();
        const int status = runWriter(v2, out, stepName.c_str(), std::chrono::microseconds(-1));
        QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the writer did not reach the step");
        const Snapshot now = snapshot(out);
        QVERIFY2(now == (swapped ? expectedNew : previous), "the target is not the expected complete version");
        QVERIFY2(!othersIn(dir, "out").empty() || stepName == "before-sync-parent", "the kill left nothing to clean");

        // The next write removes what the killed writer left.
        writeTfjsModel(v1, out, smallShards());
        QCOMPARE(snapshot(out), previous);
        QVERIFY2(othersIn(dir, "out").empty(), qPrintable("left behind: " + names(othersIn(dir, "out"))));
    }

    // SIGKILL at random moments of a large write (fixed seed): the target is always one
    // complete version.
    void killedAtRandomTimes()
    {
        const Model v1 = modelVersion(2, 11), v2 = modelVersion(24, 12);
        const fs::path ref = scratch("random-ref");
        const auto start = std::chrono::steady_clock::now();
        writeTfjsModel(v2, ref / "out", smallShards());
        const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
        const Snapshot expectedNew = snapshot(ref / "out");
        const fs::path dir = scratch("random");
        const fs::path out = dir / "out";
        std::mt19937 rng(20260501);
        int sawPrevious = 0, sawNew = 0;
        for (int i = 0; i < 12; ++i) {
            writeTfjsModel(v1, out, smallShards());
            const Snapshot previous = snapshot(out);
            QVERIFY(othersIn(dir, "out").empty());
            // Up to 1.5x the in-process time: the child also pays for the fork.
            const auto at = std::chrono::microseconds(rng() % static_cast<unsigned>(took.count() * 3 / 2 + 1));
            runWriter(v2, out, nullptr, at);
            const Snapshot now = snapshot(out);
            if (now == previous)
                ++sawPrevious;
            else if (now == expectedNew)
                ++sawNew;
            else
                QFAIL(qPrintable(QString("kill after %1 us left a mix (%2 files)").arg(at.count()).arg(now.size())));
        }
        qInfo("random kills: %d left the previous model, %d the new one (write takes %lld us)", sawPrevious, sawNew,
            static_cast<long long>(took.count()));
        writeTfjsModel(v1, out, smallShards());
        QVERIFY2(othersIn(dir, "out").empty(), qPrintable("left behind: " + names(othersIn(dir, "out"))));
    }

    // Only leftovers that are surely ours go: our name pattern, a writer that is gone, and
    // nothing but model files inside.
    void leftoverRuleIsConservative()
    {
        const Model v1 = modelVersion(0, 1);
        const fs::path dir = scratch("leftovers");
        const fs::path out = dir / "out";
        const std::string dead = std::to_string(deadPid()), alive = std::to_string(::getpid());
        auto make = [&](const std::string& name, std::initializer_list<const char*> files) {
            fs::create_directories(dir / name);
            for (const char* f : files)
                writeText(dir / name / f, "x");
        };
        make(".out.tmp-" + dead + "-aB3dE9", {"model.json", "group1-shard1of2.bin"}); // killed writer: goes
        make(".out.old-" + dead + "-Zz0000", {"group1-shard2of2.bin"});               // killed fallback: goes
        make(".out.tmp-" + dead + "-Qq1111", {"model.json", "notes.txt"});           // someone's notes: stays
        make(".out.tmp-" + alive + "-Ww2222", {"model.json"});                       // a live writer: stays
        make(".out.tmp-Ee3333", {"model.json"});                                     // no PID: stays
        make(".other.tmp-" + dead + "-Rr4444", {"model.json"});                      // another target: stays
        writeTfjsModel(v1, out, {});
        const std::set<std::string> expected{".out.tmp-" + dead + "-Qq1111", ".out.tmp-" + alive + "-Ww2222",
            ".out.tmp-Ee3333", ".other.tmp-" + dead + "-Rr4444"};
        QCOMPARE(names(othersIn(dir, "out")), names(expected));
    }

    // Killed between the two renames of the fallback swap (no RENAME_EXCHANGE): the target is
    // missing and the previous model is whole in ".old-<pid>-"; the next write puts it back
    // first, so even a cancelled write leaves it in place.
    void interruptedFallbackSwapRestored()
    {
        const Model v1 = modelVersion(1, 1);
        const fs::path dir = scratch("fallback");
        const fs::path out = dir / "out";
        writeTfjsModel(v1, out, {});
        const Snapshot previous = snapshot(out);
        fs::rename(out, dir / (".out.old-" + std::to_string(deadPid()) + "-Yy5555"));
        WriteOptions cancel;
        cancel.cancelled = [] { return true; };
        QVERIFY_THROWS_EXCEPTION(studio::Cancelled, writeTfjsModel(v1, out, cancel));
        QVERIFY(snapshot(out) == previous);
        QVERIFY2(othersIn(dir, "out").empty(), qPrintable("left behind: " + names(othersIn(dir, "out"))));
    }

    // Replacing an existing folder: only model.json and the shards its manifest lists are
    // ours; anything else, or a model.json that is not a TF.js one, refuses the write.
    void onlyThePreviousModelIsReplaced()
    {
        const Model v1 = modelVersion(0, 1);
        const fs::path dir = scratch("owned");
        const fs::path out = dir / "out";
        fs::create_directories(out);
        writeText(out / "model.json", R"({"format": "graph-model", "weightsManifest": [{"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"], "weights": []}]})");
        writeText(out / "group1-shard1of2.bin", "old");
        writeText(out / "group1-shard2of2.bin", "old");
        writeTfjsModel(v1, out, {});
        QVERIFY(!fs::exists(out / "group1-shard2of2.bin"));
        QVERIFY(fs::exists(out / "group1-shard1of1.bin"));

        // A user's backup.bin beside the model is not a shard of it.
        writeText(out / "backup.bin", "precious");
        const Snapshot before = snapshot(out);
        QString e = errorOf([&] { writeTfjsModel(v1, out, {}); });
        QVERIFY2(e.contains("backup.bin") && e.contains("empty or new folder"), qPrintable(e));
        QVERIFY(snapshot(out) == before);
        QVERIFY(othersIn(dir, "out").empty());
        fs::remove(out / "backup.bin");

        // A model.json that is not a TF.js model.json: the folder is not ours.
        for (const char* text : {R"({"name": "my-package", "version": "1.0.0"})", "not json", R"([1, 2])",
                 R"({"weightsManifest": [{"paths": [7]}]})"}) {
            writeText(out / "model.json", text);
            const Snapshot mine = snapshot(out);
            e = errorOf([&] { writeTfjsModel(v1, out, {}); });
            QVERIFY2(e.contains("model.json") && e.contains("not a TF.js model.json"), qPrintable(e));
            QVERIFY(snapshot(out) == mine);
        }

        // Shards without a model.json are nobody's model.
        fs::remove(out / "model.json");
        e = errorOf([&] { writeTfjsModel(v1, out, {}); });
        QVERIFY2(e.contains("group1-shard1of1.bin"), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestAtomicWrite)
#include "test_atomic_write.moc"
