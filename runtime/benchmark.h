// The benchmark driver: times a run function with the first run reported apart,
// warm-up runs discarded, then N timed runs summarised. Executors plug in a run function.
#pragma once

#include "core/stats/stats.h"

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::rt {

struct BenchmarkOptions {
    int warmupRuns = 3;
    int timedRuns = 20;
    std::function<bool()> cancelled;
    std::function<void(int done, int total)> progress;
};

struct BenchmarkResult {
    std::string what;
    std::string timing = "wall clock around each run (steady_clock)";
    double loadMs = 0;      // preparation before the first run
    double firstRunMs = 0;  // reported apart, never averaged
    int warmupRuns = 0;
    std::vector<double> samplesMs;
    core::Summary summary;
};

// prepare() runs once and is timed as load; run() is the measured unit of work.
BenchmarkResult runBenchmark(const std::string& what, const std::function<void()>& prepare,
    const std::function<void()>& run, const BenchmarkOptions& options);

std::string toText(const BenchmarkResult& result);
nlohmann::ordered_json toJson(const BenchmarkResult& result);

} // namespace studio::rt
