// The one benchmark driver for the CLI, the headless pipeline and the studio: compile on a
// backend (timed as "load"), the first run reported apart, warm-ups discarded, N timed runs
// summarised, and optionally a per-node profile from the backend's own clock.
//
// What "load" includes: compiling the in-memory graph model on the backend (weights decoded or
// uploaded, shapes inferred, work planned, kernels or pipelines created). It does not include
// reading the model files or lowering a layers model: callers that do those time them apart
// (BenchmarkResult::importMs).
#pragma once

#include "core/error.h"
#include "core/ir/model.h"
#include "core/stats/stats.h"
#include "runtime/backend.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::rt {

enum class BenchmarkPhase { Load, First, Warmup, Timed, Profile };

struct BenchmarkEvent {
    BenchmarkPhase phase = BenchmarkPhase::Load;
    int index = 0;  // 0-based within the phase
    int count = 0;  // runs in the phase
    double ms = 0;  // the run's (or the load's) time
    int done = 0;   // steps done of total, for a progress bar
    int total = 0;
};

struct BenchmarkOptions {
    std::string backend; // registry name; empty: the registry's default
    CompileOptions compile;
    int warmupRuns = 3;
    int timedRuns = 20;
    int profileRuns = 0; // extra runs after the timed ones with per-node timings
    std::uint32_t seed = 1234;
    std::int64_t dim = 1; // free dimensions of inputs (batch is 1)
    CancelToken cancel;
    // Called on the benchmarking thread after the load and after every run.
    std::function<void(const BenchmarkEvent&)> progress;
};

struct OpTime {
    std::string node;
    std::string op;
    double meanMs = 0;
};

struct BenchmarkResult {
    std::string what;       // the model's path
    std::string backend;    // "reference"
    std::string device;     // the session's device, "CPU" named as such
    bool cpuDevice = true;
    std::string timing = "wall clock (steady_clock) around each run, inputs in and outputs back to the host included";
    std::optional<double> importMs; // reading + lowering, when the caller measured it
    double loadMs = 0;      // compile on the backend
    double firstRunMs = 0;  // reported apart, never averaged
    int warmupRuns = 0;
    std::vector<double> warmupMs;
    std::vector<double> samplesMs;
    core::Summary summary;
    std::string profileClock;       // the backend's clock for the per-node times
    std::vector<OpTime> profile;    // per node, mean over profileRuns, in execution order
};

// Benchmarks a graph model. Throws studio::Error (bad options, a node the backend cannot run)
// or studio::Cancelled.
BenchmarkResult benchmark(const core::Model& graph, const BenchmarkOptions& options);

// Per-op totals of a profile (sum of node means by op), largest first.
std::vector<std::pair<std::string, double>> opTotals(const std::vector<OpTime>& profile);

std::string toText(const BenchmarkResult& result);
nlohmann::ordered_json toJson(const BenchmarkResult& result);

} // namespace studio::rt
