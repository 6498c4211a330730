// Benchmark driver and its report.
#include "runtime/benchmark.h"

#include "core/error.h"

#include <chrono>
#include <cstdio>

namespace studio::rt {

namespace {
template <typename F>
double timeMs(F&& f)
{
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

BenchmarkResult runBenchmark(const std::string& what, const std::function<void()>& prepare,
    const std::function<void()>& run, const BenchmarkOptions& o)
{
    if (o.timedRuns < 1)
        fail("benchmark", "needs at least one timed run, got " + std::to_string(o.timedRuns));
    if (o.warmupRuns < 0)
        fail("benchmark", "warm-up runs cannot be negative, got " + std::to_string(o.warmupRuns));
    BenchmarkResult r;
    r.what = what;
    r.warmupRuns = o.warmupRuns;
    const int total = 1 + o.warmupRuns + o.timedRuns;
    int done = 0;
    auto step = [&] {
        if (o.cancelled && o.cancelled())
            fail("benchmark", "cancelled");
        if (o.progress)
            o.progress(++done, total);
    };
    r.loadMs = prepare ? timeMs(prepare) : 0.0;
    r.firstRunMs = timeMs(run);
    step();
    for (int i = 0; i < o.warmupRuns; ++i) {
        run();
        step();
    }
    for (int i = 0; i < o.timedRuns; ++i) {
        r.samplesMs.push_back(timeMs(run));
        step();
    }
    r.summary = core::summarize(r.samplesMs);
    return r;
}

std::string toText(const BenchmarkResult& r)
{
    char buf[512];
    const auto& s = r.summary;
    std::snprintf(buf, sizeof buf,
        "benchmark: %s\n  timing: %s\n  load: %.3f ms\n  first run: %.3f ms (not in the statistics)\n"
        "  warm-up runs discarded: %d\n  timed runs: %zu\n"
        "  mean %.3f  median %.3f  p90 %.3f  p99 %.3f  min %.3f  max %.3f  stddev %.3f  (ms)\n",
        r.what.c_str(), r.timing.c_str(), r.loadMs, r.firstRunMs, r.warmupRuns, s.count, s.mean, s.median, s.p90, s.p99,
        s.min, s.max, s.stddev);
    return buf;
}

nlohmann::ordered_json toJson(const BenchmarkResult& r)
{
    nlohmann::ordered_json j;
    j["what"] = r.what;
    j["timing"] = r.timing;
    j["loadMs"] = r.loadMs;
    j["firstRunMs"] = r.firstRunMs;
    j["warmupRuns"] = r.warmupRuns;
    j["samplesMs"] = r.samplesMs;
    const auto& s = r.summary;
    j["summary"] = {{"count", s.count}, {"mean", s.mean}, {"median", s.median}, {"p90", s.p90}, {"p99", s.p99},
        {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}};
    return j;
}

} // namespace studio::rt
