// Benchmark statistics against values computed by hand (numpy's linear percentile).
#include "core/stats/stats.h"

#include <QtTest>

using namespace studio::core;

class TestStats : public QObject {
    Q_OBJECT
private slots:
    void summary()
    {
        const std::vector<double> s{5, 1, 4, 2, 3, 10, 6, 9, 7, 8};
        const auto r = summarize(s);
        QCOMPARE(r.count, std::size_t(10));
        QCOMPARE(r.mean, 5.5);
        QCOMPARE(r.median, 5.5);
        QCOMPARE(r.min, 1.0);
        QCOMPARE(r.max, 10.0);
        QCOMPARE(r.p90, 9.1);   // numpy.percentile(range(1, 11), 90)
        QCOMPARE(r.p99, 9.91);
        QVERIFY(std::abs(r.stddev - 3.0276503540974917) < 1e-12); // sample stddev
    }
    void singleAndEmpty()
    {
        QCOMPARE(summarize({}).count, std::size_t(0));
        const auto one = summarize({2.5});
        QCOMPARE(one.p99, 2.5);
        QCOMPARE(one.stddev, 0.0);
    }
};

QTEST_APPLESS_MAIN(TestStats)
#include "test_stats.moc"
