// The one benchmark driver for the CLI, the headless pipeline and the studio: compile on a
// backend (timed as "load"), the first run reported apart, warm-ups discarded, N timed runs
// summarised, and optionally a per-node profile from the backend's own clock, aggregated per op
// type with the floating-point work of the convolutions and matrix products (GFLOP/s).
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
#include <map>
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
    // Keep making timed runs until both timedRuns runs and this many seconds of them are done.
    double minSeconds = 0;
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
    double flops = 0; // floating-point operations of one run of the node; 0: not counted (see nodeFlops)
};

// A profile summed by op type.
struct OpTypeTime {
    std::string op;
    double ms = 0;    // sum of the node means
    int nodes = 0;
    double flops = 0; // sum over the nodes that have a count
    double gflopsPerSecond() const { return ms > 0 && flops > 0 ? flops / ms / 1e6 : 0; }
};

struct BenchmarkResult {
    std::string what;       // the model's path
    std::string backend;    // "reference"
    std::string device;     // the session's device, "CPU" named as such
    bool cpuDevice = true;
    std::string timing = "wall clock (steady_clock) around each run, inputs in and outputs back to the host included";
    std::optional<double> importMs; // reading + lowering, when the caller measured it
    std::uint64_t deviceMemoryBytes = 0; // what the session holds on the device; 0: unknown or none
    // Node -> where it ran ("vulkan", "cpu"), when the backend splits a graph between devices.
    std::vector<std::pair<std::string, std::string>> placement;
    std::vector<std::string> planNotes; // SessionInfo::planNotes
    double loadMs = 0;      // compile on the backend
    double firstRunMs = 0;  // reported apart, never averaged
    int warmupRuns = 0;
    std::vector<double> warmupMs;
    std::vector<double> samplesMs;
    double minSeconds = 0;  // the --min-seconds asked for
    double timedSeconds = 0; // wall time of all timed runs together
    core::Summary summary;
    std::string profileClock;       // the backend's clock for the per-node times
    std::vector<OpTime> profile;    // per node, mean over profileRuns, in execution order
};

// Benchmarks a graph model. Throws studio::Error (bad options, a node the backend cannot run)
// or studio::Cancelled.
BenchmarkResult benchmark(const core::Model& graph, const BenchmarkOptions& options);

// Per-op totals of a profile (sum of node means by op), largest first.
std::vector<std::pair<std::string, double>> opTotals(const std::vector<OpTime>& profile);
// The same with node counts and FLOPs, largest time first.
std::vector<OpTypeTime> opTypeTotals(const std::vector<OpTime>& profile);

// Floating-point operations (a multiply-add counts 2) of one run of each Conv2D, _FusedConv2D,
// DepthwiseConv2dNative, FusedDepthwiseConv2dNative, MatMul, _FusedMatMul and BatchMatMul(V2/V3)
// node, by node name, from the statically inferred shapes (placeholders by name). Bias and
// activation work is not counted; nodes whose shapes are not known statically are left out.
std::map<std::string, double> nodeFlops(const core::Model& graph,
    const std::map<std::string, std::vector<std::int64_t>>& inputShapes);

// "120 on vulkan, 3 on cpu (on cpu: nms, ...)" for a session's placement: counts in first-seen
// order, then the first few nodes that ran on the CPU.
std::string placementText(const std::vector<std::pair<std::string, std::string>>& placement);

std::string toText(const BenchmarkResult& result);
nlohmann::ordered_json toJson(const BenchmarkResult& result);
// One table for spreadsheets: section,name,op,ms,flops,gflop_per_s with the sections "run"
// (first, warmup-K, timed-K), "summary" (mean, median, ...), "node" and "op" (the profile).
std::string toCsv(const BenchmarkResult& result);

} // namespace studio::rt
