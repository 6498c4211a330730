// The benchmark driver and the backend registry: load, the first run apart, warm-ups discarded,
// N timed runs summarised, profiles, cancellation, unknown backends.
#include "core/error.h"
#include "runtime/backend.h"
#include "runtime/benchmark.h"
#include "runtime/inputs.h"
#include "core/tfjs/keras_topology.h"

#include <QtTest>

#include <thread>

using namespace studio;

namespace {

// A backend whose runs sleep: the first one long, as a shader compile would make it.
struct Counters {
    int compiled = 0;
    int runs = 0;
    int profiled = 0;
};

class SleepySession final : public rt::Session {
public:
    explicit SleepySession(Counters& c) : m_c(c)
    {
        m_info.backend = "sleepy";
        m_info.device = "test";
        m_info.clock = "fake";
        m_info.deviceMemoryBytes = 4096;
        m_info.placement = {{"a", "sleepy"}, {"b", "cpu"}, {"c", "sleepy"}};
    }
    const rt::SessionInfo& info() const override { return m_info; }
    rt::RunResult run(const std::map<std::string, rt::Tensor>& inputs, const rt::RunOptions& o) override
    {
        if (!inputs.count("x"))
            fail("sleepy", "input x missing");
        std::this_thread::sleep_for(std::chrono::milliseconds(m_c.runs++ == 0 ? 30 : 1));
        rt::RunResult r;
        if (o.profile) {
            ++m_c.profiled;
            r.profile = {{"a", "Conv2D", 2.0}, {"b", "Relu", 1.0}, {"c", "Conv2D", 4.0}};
        }
        r.outputs.emplace_back(rt::Tensor::floats({1}));
        return r;
    }

private:
    Counters& m_c;
    rt::SessionInfo m_info;
};

class SleepyBackend final : public rt::Backend {
public:
    explicit SleepyBackend(Counters& c) : m_c(c) {}
    rt::BackendInfo info() const override { return {"sleepy", "test backend", true, {}}; }
    std::unique_ptr<rt::Session> compile(const core::Model&, const rt::CompileOptions&) const override
    {
        ++m_c.compiled;
        return std::make_unique<SleepySession>(m_c);
    }

private:
    Counters& m_c;
};

core::Model oneInputModel()
{
    core::Model m;
    m.sourcePath = "toy";
    core::TensorSpec in;
    in.key = in.name = "x:0";
    in.tfDtype = 1;
    in.shape = core::Shape{{1, 4}, false};
    m.inputs.push_back(in);
    return m;
}

} // namespace

class TestBenchmark : public QObject {
    Q_OBJECT
private slots:
    void runCountsAndFirstRunApart()
    {
        Counters c;
        rt::BackendRegistry::instance().add(std::make_unique<SleepyBackend>(c));
        rt::BenchmarkOptions o;
        o.backend = "sleepy";
        o.warmupRuns = 3;
        o.timedRuns = 7;
        o.profileRuns = 2;
        std::vector<rt::BenchmarkPhase> phases;
        o.progress = [&](const rt::BenchmarkEvent& e) { phases.push_back(e.phase); QCOMPARE(e.total, 1 + 1 + 3 + 7 + 2); };
        const auto r = rt::benchmark(oneInputModel(), o);
        QCOMPARE(c.compiled, 1);
        QCOMPARE(c.runs, 1 + 3 + 7 + 2);
        QCOMPARE(c.profiled, 2);
        QCOMPARE(phases.size(), std::size_t(14));
        QCOMPARE(phases.front(), rt::BenchmarkPhase::Load);
        QCOMPARE(phases[1], rt::BenchmarkPhase::First);
        QCOMPARE(phases.back(), rt::BenchmarkPhase::Profile);
        QCOMPARE(r.warmupMs.size(), std::size_t(3));
        QCOMPARE(r.samplesMs.size(), std::size_t(7));
        QCOMPARE(r.summary.count, std::size_t(7));
        QVERIFY(r.firstRunMs >= 30.0);
        QVERIFY(r.summary.max < r.firstRunMs); // the slow first run is not among the samples
        QCOMPARE(r.summary.mean, core::summarize(r.samplesMs).mean);
        QCOMPARE(r.backend, std::string("sleepy"));
        QCOMPARE(r.profile.size(), std::size_t(3));
        QCOMPARE(r.profile[2].meanMs, 4.0);
        const auto totals = rt::opTotals(r.profile);
        QCOMPARE(totals.front().first, std::string("Conv2D"));
        QCOMPARE(totals.front().second, 6.0);
        const auto j = rt::toJson(r);
        QCOMPARE(j["samplesMs"].size(), std::size_t(7));
        QCOMPARE(j["profile"].size(), std::size_t(3));
        QVERIFY(QString::fromStdString(rt::toText(r)).contains("first run"));
    }
    // --min-seconds: timed runs go on until both the run count and the seconds are reached; the
    // profile is summed per op type; the session's device memory and placement are reported.
    void minSecondsAndOpTypes()
    {
        Counters c;
        rt::BackendRegistry::instance().add(std::make_unique<SleepyBackend>(c));
        rt::BenchmarkOptions o;
        o.backend = "sleepy";
        o.warmupRuns = 0;
        o.timedRuns = 2;
        o.minSeconds = 0.2;
        o.profileRuns = 1;
        const auto r = rt::benchmark(oneInputModel(), o);
        QVERIFY2(r.samplesMs.size() > 2, qPrintable(QString::number(r.samplesMs.size())));
        QVERIFY(r.timedSeconds >= 0.2);
        QCOMPARE(r.summary.count, r.samplesMs.size());
        QCOMPARE(c.runs, 1 + static_cast<int>(r.samplesMs.size()) + 1);
        const auto ops = rt::opTypeTotals(r.profile);
        QCOMPARE(ops.size(), std::size_t(2));
        QCOMPARE(ops[0].op, std::string("Conv2D"));
        QCOMPARE(ops[0].ms, 6.0);
        QCOMPARE(ops[0].nodes, 2);
        QCOMPARE(ops[1].nodes, 1);
        QCOMPARE(r.deviceMemoryBytes, std::uint64_t(4096));
        const auto text = QString::fromStdString(rt::toText(r));
        QVERIFY2(text.contains("(4096 bytes)") && text.contains("nodes: 2 on sleepy, 1 on cpu (on cpu: b)"), qPrintable(text));
        const auto j = rt::toJson(r);
        QCOMPARE(j["placement"]["cpu"].get<int>(), 1);
        QCOMPARE(j["profileByOp"].size(), std::size_t(2));
        QCOMPARE(j["minSeconds"].get<double>(), 0.2);
        o.minSeconds = -1;
        QVERIFY_THROWS_EXCEPTION(Error, rt::benchmark(oneInputModel(), o));
    }
    void badOptionsAndCancel()
    {
        Counters c;
        rt::BackendRegistry::instance().add(std::make_unique<SleepyBackend>(c));
        rt::BenchmarkOptions o;
        o.backend = "sleepy";
        o.timedRuns = 0;
        QVERIFY_THROWS_EXCEPTION(Error, rt::benchmark(oneInputModel(), o));
        o.timedRuns = 100;
        o.cancel = CancelToken::make();
        o.progress = [&](const rt::BenchmarkEvent& e) {
            if (e.done == 5)
                o.cancel.cancel();
        };
        bool cancelled = false;
        try {
            (void)rt::benchmark(oneInputModel(), o);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled); // a Cancelled, never an Error
        QCOMPARE(c.runs, 4); // load + first + 3 timed, then it stopped
    }
    void unknownBackendListsKnownOnes()
    {
        try {
            (void)rt::compile(oneInputModel(), "cuda");
            QFAIL("no error");
        } catch (const Error& e) {
            const QString m = QString::fromUtf8(e.what());
            QVERIFY2(m.contains("cuda") && m.contains("known backends") && m.contains("reference"), e.what());
        }
        bool hasReference = false;
        for (const auto& b : rt::BackendRegistry::instance().list())
            hasReference |= b.name == "reference" && b.available;
        QVERIFY(hasReference);
        // vulkan when a Vulkan device exists, else reference.
        bool vulkan = false;
        for (const auto& b : rt::BackendRegistry::instance().list())
            vulkan |= b.name == "vulkan" && b.available;
        QCOMPARE(rt::BackendRegistry::instance().defaultName(), std::string(vulkan ? "vulkan" : "reference"));
    }

    // Input shapes come from the model file: a Placeholder (or a Keras batch_input_shape) of
    // 100000x100000 is refused before anything is allocated or compiled, naming the input and
    // its shape; a shape whose element count overflows 64 bits is refused the same way.
    void hugeInputShapesRefused()
    {
        auto withInput = [](const std::string& name, std::vector<std::int64_t> dims) {
            core::Model m = oneInputModel();
            m.inputs[0].key = m.inputs[0].name = name;
            m.inputs[0].shape = core::Shape{std::move(dims), false};
            return m;
        };
        auto errorOf = [](const std::function<void()>& f) {
            try {
                f();
            } catch (const Error& e) {
                return QString::fromUtf8(e.what());
            }
            return QString();
        };
        QString e = errorOf([&] { rt::makeInputs(withInput("images", {100000, 100000})); });
        QVERIFY2(e.startsWith("input 'images': shape [100000,100000] has 10000000000 elements")
                && e.contains("1.00 GiB"), qPrintable(e));
        // --max-memory sets the limit instead.
        e = errorOf([&] { rt::makeInputs(withInput("small", {2, 3}), 1234, 1, 16); });
        QVERIFY2(e.contains("input 'small'") && e.contains("16 B (the memory budget, --max-memory)"), qPrintable(e));
        const std::int64_t big = std::int64_t{1} << 40;
        e = errorOf([&] { rt::makeInputs(withInput("x", {big, big, big})); });
        QVERIFY2(e.contains("[1099511627776,1099511627776,1099511627776] has more than 2^64 elements"), qPrintable(e));
        // Free dimensions count as the --dim they become.
        e = errorOf([&] { rt::makeInputs(withInput("x", {-1, -1, -1}), 1234, 100000); });
        QVERIFY2(e.contains("shape [1,100000,100000]"), qPrintable(e));
        // Together: two inputs of 600 MiB each pass one by one but not both.
        core::Model two = withInput("a", {1, 150 << 20});
        two.inputs.push_back(two.inputs[0]);
        two.inputs[1].key = two.inputs[1].name = "b";
        e = errorOf([&] { rt::makeInputs(two); });
        QVERIFY2(e.startsWith("input 'b'") && e.contains("with the inputs before it"), qPrintable(e));
        QCOMPARE(rt::makeInputs(withInput("small", {2, 3}))["small"].f.size(), std::size_t(6));

        // Through the benchmark: refused before the backend compiles or runs anything.
        Counters c;
        rt::BackendRegistry::instance().add(std::make_unique<SleepyBackend>(c));
        rt::BenchmarkOptions o;
        o.backend = "sleepy";
        e = errorOf([&] { rt::benchmark(withInput("images", {100000, 100000}), o); });
        QVERIFY2(e.contains("input 'images'") && e.contains("[100000,100000]"), qPrintable(e));
        QCOMPARE(c.compiled, 0);
        QCOMPARE(c.runs, 0);

        // A Keras layers model's batch_input_shape becomes the input's shape.
        const nlohmann::ordered_json topology = {{"class_name", "Sequential"},
            {"config", {{"name", "s"}, {"layers", {{{"class_name", "Dense"},
                {"config", {{"name", "dense"}, {"units", 1}, {"batch_input_shape", {nullptr, 100000, 100000}}}}}}}}}};
        core::Model layers;
        layers.inputs = core::kerasLayerView(topology, "model.json: modelTopology").inputs;
        QCOMPARE(layers.inputs.size(), std::size_t(1));
        e = errorOf([&] { rt::makeInputs(layers); });
        QVERIFY2(e.startsWith("input 'dense': shape [1,100000,100000]"), qPrintable(e));
    }
};

QTEST_APPLESS_MAIN(TestBenchmark)
#include "test_benchmark.moc"
