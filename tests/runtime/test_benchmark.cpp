// The benchmark driver: the first run apart, warm-ups discarded, N timed runs summarised.
#include "core/error.h"
#include "runtime/benchmark.h"

#include <QtTest>

#include <thread>

using namespace studio;

class TestBenchmark : public QObject {
    Q_OBJECT
private slots:
    void runCountsAndFirstRunApart()
    {
        int prepared = 0, runs = 0;
        rt::BenchmarkOptions o;
        o.warmupRuns = 3;
        o.timedRuns = 7;
        const auto r = rt::runBenchmark(
            "sleepy", [&] { ++prepared; },
            [&] {
                // The first run is slow on purpose, as a shader compile would be.
                std::this_thread::sleep_for(std::chrono::milliseconds(runs++ == 0 ? 30 : 1));
            },
            o);
        QCOMPARE(prepared, 1);
        QCOMPARE(runs, 1 + 3 + 7);
        QCOMPARE(r.samplesMs.size(), std::size_t(7));
        QCOMPARE(r.summary.count, std::size_t(7));
        QVERIFY(r.firstRunMs >= 30.0);
        QVERIFY(r.summary.max < r.firstRunMs); // the slow first run is not among the samples
        QCOMPARE(r.summary.mean, core::summarize(r.samplesMs).mean);
        const auto j = rt::toJson(r);
        QCOMPARE(j["samplesMs"].size(), std::size_t(7));
        QVERIFY(QString::fromStdString(rt::toText(r)).contains("first run"));
    }
    void badOptionsAndCancel()
    {
        rt::BenchmarkOptions o;
        o.timedRuns = 0;
        QVERIFY_THROWS_EXCEPTION(Error, rt::runBenchmark("x", nullptr, [] {}, o));
        o.timedRuns = 100;
        int runs = 0;
        o.cancelled = [&] { return runs >= 5; };
        QVERIFY_THROWS_EXCEPTION(Error, rt::runBenchmark("x", nullptr, [&] { ++runs; }, o));
        QCOMPARE(runs, 5);
    }
};

QTEST_APPLESS_MAIN(TestBenchmark)
#include "test_benchmark.moc"
