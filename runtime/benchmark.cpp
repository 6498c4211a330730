// Benchmark driver and its report.
#include "runtime/benchmark.h"

#include "runtime/inputs.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

namespace studio::rt {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

} // namespace

BenchmarkResult benchmark(const core::Model& graph, const BenchmarkOptions& o)
{
    if (o.timedRuns < 1)
        fail("benchmark", "needs at least one timed run, got " + std::to_string(o.timedRuns));
    if (o.warmupRuns < 0)
        fail("benchmark", "warm-up runs cannot be negative, got " + std::to_string(o.warmupRuns));
    if (o.profileRuns < 0)
        fail("benchmark", "profile runs cannot be negative, got " + std::to_string(o.profileRuns));
    if (o.dim < 1)
        fail("benchmark", "the free dimension must be at least 1, got " + std::to_string(o.dim));

    BenchmarkResult r;
    r.what = graph.sourcePath;
    r.warmupRuns = o.warmupRuns;
    const int total = 2 + o.warmupRuns + o.timedRuns + o.profileRuns;
    int done = 0;
    auto report = [&](BenchmarkPhase phase, int index, int count, double ms) {
        ++done;
        if (o.progress)
            o.progress(BenchmarkEvent{phase, index, count, ms, done, total});
        o.cancel.check();
    };

    o.cancel.check();
    const auto inputs = makeInputs(graph, o.seed, o.dim, o.compile.maxMemoryBytes);
    auto& registry = BackendRegistry::instance();
    const Backend& backend = registry.get(o.backend.empty() ? registry.defaultName() : o.backend);
    CompileOptions compileOptions = o.compile;
    for (const auto& [name, t] : inputs)
        if (!compileOptions.inputShapes.count(name))
            compileOptions.inputShapes[name] = t.shape;
    if (!compileOptions.cancel)
        compileOptions.cancel = o.cancel;
    auto t0 = Clock::now();
    const auto session = backend.compile(graph, compileOptions);
    r.loadMs = msSince(t0);
    r.backend = session->info().backend;
    r.device = session->info().device;
    r.cpuDevice = session->info().cpuDevice;
    report(BenchmarkPhase::Load, 0, 1, r.loadMs);

    t0 = Clock::now();
    (void)session->run(inputs);
    r.firstRunMs = msSince(t0);
    report(BenchmarkPhase::First, 0, 1, r.firstRunMs);
    for (int i = 0; i < o.warmupRuns; ++i) {
        t0 = Clock::now();
        (void)session->run(inputs);
        r.warmupMs.push_back(msSince(t0));
        report(BenchmarkPhase::Warmup, i, o.warmupRuns, r.warmupMs.back());
    }
    for (int i = 0; i < o.timedRuns; ++i) {
        t0 = Clock::now();
        (void)session->run(inputs);
        r.samplesMs.push_back(msSince(t0));
        report(BenchmarkPhase::Timed, i, o.timedRuns, r.samplesMs.back());
    }
    r.summary = core::summarize(r.samplesMs);

    // Profiled runs come after the timed ones so that their bookkeeping never shows in the statistics.
    RunOptions profiled;
    profiled.profile = true;
    for (int i = 0; i < o.profileRuns; ++i) {
        t0 = Clock::now();
        const auto run = session->run(inputs, profiled);
        if (r.profile.empty())
            for (const auto& t : run.profile)
                r.profile.push_back(OpTime{t.node, t.op, 0.0});
        for (std::size_t k = 0; k < run.profile.size() && k < r.profile.size(); ++k)
            r.profile[k].meanMs += run.profile[k].ms / o.profileRuns;
        report(BenchmarkPhase::Profile, i, o.profileRuns, msSince(t0));
    }
    if (o.profileRuns > 0)
        r.profileClock = session->info().clock;
    return r;
}

std::vector<std::pair<std::string, double>> opTotals(const std::vector<OpTime>& profile)
{
    std::map<std::string, double> byOp;
    for (const auto& t : profile)
        byOp[t.op] += t.meanMs;
    std::vector<std::pair<std::string, double>> out(byOp.begin(), byOp.end());
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
}

std::string toText(const BenchmarkResult& r)
{
    char buf[1024];
    const auto& s = r.summary;
    std::string text = "benchmark: " + r.what + "\n  backend: " + r.backend + " on " + r.device
        + (r.cpuDevice ? " (a CPU device)" : "") + "\n  timing: " + r.timing + "\n";
    if (r.importMs) {
        std::snprintf(buf, sizeof buf, "  import (read + lower, not part of load): %.3f ms\n", *r.importMs);
        text += buf;
    }
    std::snprintf(buf, sizeof buf,
        "  load (compile on the backend): %.3f ms\n  first run: %.3f ms (not in the statistics)\n"
        "  warm-up runs discarded: %d\n  timed runs: %zu\n"
        "  mean %.3f  median %.3f  p90 %.3f  p99 %.3f  min %.3f  max %.3f  stddev %.3f  (ms)\n",
        r.loadMs, r.firstRunMs, r.warmupRuns, s.count, s.mean, s.median, s.p90, s.p99, s.min, s.max, s.stddev);
    text += buf;
    if (!r.profile.empty()) {
        text += "  per-op profile (" + r.profileClock + "), top ops:\n";
        int shown = 0;
        for (const auto& [op, ms] : opTotals(r.profile)) {
            if (shown++ == 10)
                break;
            std::snprintf(buf, sizeof buf, "    %-28s %9.3f ms\n", op.c_str(), ms);
            text += buf;
        }
    }
    return text;
}

nlohmann::ordered_json toJson(const BenchmarkResult& r)
{
    nlohmann::ordered_json j;
    j["what"] = r.what;
    j["backend"] = r.backend;
    j["device"] = r.device;
    j["cpuDevice"] = r.cpuDevice;
    j["timing"] = r.timing;
    if (r.importMs)
        j["importMs"] = *r.importMs;
    j["loadMs"] = r.loadMs;
    j["firstRunMs"] = r.firstRunMs;
    j["warmupRuns"] = r.warmupRuns;
    j["warmupMs"] = r.warmupMs;
    j["samplesMs"] = r.samplesMs;
    const auto& s = r.summary;
    j["summary"] = {{"count", s.count}, {"mean", s.mean}, {"median", s.median}, {"p90", s.p90}, {"p99", s.p99},
        {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}};
    if (!r.profile.empty()) {
        j["profileClock"] = r.profileClock;
        auto& p = j["profile"] = nlohmann::ordered_json::array();
        for (const auto& t : r.profile)
            p.push_back({{"node", t.node}, {"op", t.op}, {"meanMs", t.meanMs}});
    }
    return j;
}

} // namespace studio::rt
