// Benchmark driver and its report.
#include "runtime/benchmark.h"

#include "core/ops/shape_inference.h"
#include "runtime/inputs.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace studio::rt {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// More seconds than a benchmark may be asked to keep running for: a day.
constexpr double kMaxMinSeconds = 86400;

// Known dimensions of a statically inferred tensor type; empty when any is unknown.
std::vector<std::int64_t> knownDims(const core::TensorType* t)
{
    if (!t || t->shape.unknownRank)
        return {};
    for (const auto d : t->shape.dims)
        if (d < 0)
            return {};
    return t->shape.dims;
}

double product(const std::vector<std::int64_t>& dims)
{
    double n = 1;
    for (const auto d : dims)
        n *= static_cast<double>(d);
    return n;
}

bool attrTrue(const core::Node& n, const char* name)
{
    const auto* a = core::findAttr(n.attrs, name);
    return a && a->kind == core::AttrValue::Kind::Bool && a->b;
}

// "1.2 MiB" style, for the device memory line.
std::string mib(std::uint64_t bytes)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
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
    if (!(o.minSeconds >= 0 && o.minSeconds <= kMaxMinSeconds))
        fail("benchmark", "minimum seconds must be from 0 to " + std::to_string(static_cast<int>(kMaxMinSeconds)) + ", got "
                + std::to_string(o.minSeconds));

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
    r.deviceMemoryBytes = session->info().deviceMemoryBytes;
    r.placement = session->info().placement;
    r.planNotes = session->info().planNotes;
    r.minSeconds = o.minSeconds;
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
    const auto timedStart = Clock::now();
    for (int i = 0; i < o.timedRuns || msSince(timedStart) < o.minSeconds * 1000.0; ++i) {
        t0 = Clock::now();
        (void)session->run(inputs);
        r.samplesMs.push_back(msSince(t0));
        report(BenchmarkPhase::Timed, i, std::max(o.timedRuns, i + 1), r.samplesMs.back());
    }
    r.timedSeconds = msSince(timedStart) / 1000.0;
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
    if (o.profileRuns > 0) {
        r.profileClock = session->info().clock;
        const auto flops = nodeFlops(graph, compileOptions.inputShapes);
        for (auto& t : r.profile)
            if (const auto it = flops.find(t.node); it != flops.end())
                t.flops = it->second;
    }
    return r;
}

std::map<std::string, double> nodeFlops(const core::Model& graph,
    const std::map<std::string, std::vector<std::int64_t>>& inputShapes)
{
    core::InferOptions io;
    for (const auto& [name, dims] : inputShapes)
        io.inputShapes[name] = core::Shape{dims, false};
    core::InferResult inferred;
    try {
        inferred = core::inferShapes(graph, io);
    } catch (const Error&) {
        return {}; // a graph the inference refuses: no counts, the timings stand on their own
    }
    const core::GraphIndex index(graph.graph);
    std::map<std::string, double> out;
    for (std::size_t k = 0; k < graph.graph.nodes.size() && k < inferred.outputs.size(); ++k) {
        const auto& n = graph.graph.nodes[k];
        if (inferred.outputs[k].empty())
            continue;
        const auto result = knownDims(&inferred.outputs[k][0]);
        auto input = [&](std::size_t i) {
            return i < n.inputs.size() && !core::Node::isControlInput(n.inputs[i])
                ? knownDims(inferred.find(graph.graph, index, n.inputs[i]))
                : std::vector<std::int64_t>{};
        };
        if (result.empty()) // unknown (the ops counted here never give scalars)
            continue;
        const double outputs = product(result);
        double flops = 0;
        if (n.op == "Conv2D" || n.op == "_FusedConv2D") {
            // filter [kh, kw, in / groups, out]: every output element sums kh * kw * in products.
            const auto f = input(1);
            if (f.size() == 4)
                flops = 2 * outputs * static_cast<double>(f[0] * f[1] * f[2]);
        } else if (n.op == "DepthwiseConv2dNative" || n.op == "FusedDepthwiseConv2dNative") {
            const auto f = input(1); // [kh, kw, in, multiplier]
            if (f.size() == 4)
                flops = 2 * outputs * static_cast<double>(f[0] * f[1]);
        } else if (n.op == "MatMul" || n.op == "_FusedMatMul") {
            const auto a = input(0);
            if (a.size() == 2)
                flops = 2 * outputs * static_cast<double>(attrTrue(n, "transpose_a") ? a[0] : a[1]);
        } else if (n.op == "BatchMatMul" || n.op == "BatchMatMulV2" || n.op == "BatchMatMulV3") {
            const auto a = input(0);
            if (a.size() >= 2)
                flops = 2 * outputs * static_cast<double>(attrTrue(n, "adj_x") ? a[a.size() - 2] : a[a.size() - 1]);
        }
        if (flops > 0)
            out[n.name] = flops;
    }
    return out;
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

std::vector<OpTypeTime> opTypeTotals(const std::vector<OpTime>& profile)
{
    std::map<std::string, OpTypeTime> byOp;
    for (const auto& t : profile) {
        auto& o = byOp[t.op];
        o.op = t.op;
        o.ms += t.meanMs;
        o.flops += t.flops;
        ++o.nodes;
    }
    std::vector<OpTypeTime> out;
    for (auto& [op, o] : byOp)
        out.push_back(std::move(o));
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
    return out;
}

std::string placementText(const std::vector<std::pair<std::string, std::string>>& placement)
{
    std::vector<std::pair<std::string, int>> counts;
    std::string cpuNodes;
    int listed = 0;
    for (const auto& [node, where] : placement) {
        auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == where; });
        if (it == counts.end())
            counts.emplace_back(where, 1);
        else
            ++it->second;
        if (where == "cpu" && listed++ < 8)
            cpuNodes += (cpuNodes.empty() ? "" : ", ") + node;
    }
    std::string text;
    for (const auto& [where, n] : counts)
        text += (text.empty() ? "" : ", ") + std::to_string(n) + " on " + where;
    if (!cpuNodes.empty())
        text += " (on cpu: " + cpuNodes + (listed > 8 ? ", ..." : "") + ")";
    return text;
}

std::string toText(const BenchmarkResult& r)
{
    char buf[1024];
    const auto& s = r.summary;
    std::string text = "benchmark: " + r.what + "\n  backend: " + r.backend + " on " + r.device
        + (r.cpuDevice ? " (a CPU device)" : "") + "\n  device: " + r.device
        + (r.cpuDevice ? " (runs on the CPU, not a GPU)" : "") + "\n";
    if (r.deviceMemoryBytes)
        text += "  device memory held by the session: " + mib(r.deviceMemoryBytes) + " (" + std::to_string(r.deviceMemoryBytes)
            + " bytes)\n";
    if (!r.placement.empty())
        text += "  nodes: " + placementText(r.placement) + "\n";
    for (const auto& note : r.planNotes)
        text += "  planned: " + note + "\n";
    text += "  timing: " + r.timing + "\n";
    if (r.importMs) {
        std::snprintf(buf, sizeof buf, "  import (read + lower, not part of load): %.3f ms\n", *r.importMs);
        text += buf;
    }
    std::snprintf(buf, sizeof buf,
        "  load (compile on the backend): %.3f ms\n  first run: %.3f ms (not in the statistics)\n"
        "  warm-up runs discarded: %d\n  timed runs: %zu",
        r.loadMs, r.firstRunMs, r.warmupRuns, s.count);
    text += buf;
    if (r.minSeconds > 0) {
        std::snprintf(buf, sizeof buf, " in %.2f s (at least %.2f s asked for)", r.timedSeconds, r.minSeconds);
        text += buf;
    }
    std::snprintf(buf, sizeof buf,
        "\n  mean %.3f  median %.3f  p90 %.3f  p99 %.3f  min %.3f  max %.3f  stddev %.3f  (ms)\n",
        s.mean, s.median, s.p90, s.p99, s.min, s.max, s.stddev);
    text += buf;
    if (!r.profile.empty()) {
        double totalMs = 0;
        for (const auto& t : r.profile)
            totalMs += t.meanMs;
        text += "  per-op profile (" + r.profileClock + "), top ops:\n";
        int shown = 0;
        for (const auto& o : opTypeTotals(r.profile)) {
            if (shown++ == 10)
                break;
            std::snprintf(buf, sizeof buf, "    %-28s %9.3f ms %5.1f%% %4d node%s", o.op.c_str(), o.ms,
                totalMs > 0 ? 100.0 * o.ms / totalMs : 0.0, o.nodes, o.nodes == 1 ? " " : "s");
            text += buf;
            if (o.flops > 0) {
                std::snprintf(buf, sizeof buf, " %9.4f GFLOP %8.2f GFLOP/s", o.flops / 1e9, o.gflopsPerSecond());
                text += buf;
            }
            text += "\n";
        }
        std::vector<const OpTime*> slowest;
        for (const auto& t : r.profile)
            slowest.push_back(&t);
        std::stable_sort(slowest.begin(), slowest.end(), [](const auto* a, const auto* b) { return a->meanMs > b->meanMs; });
        text += "  per-node profile, slowest nodes:\n";
        for (std::size_t k = 0; k < slowest.size() && k < 10; ++k) {
            const auto& t = *slowest[k];
            std::snprintf(buf, sizeof buf, "    %9.3f ms  %-24s ", t.meanMs, t.op.c_str());
            text += buf;
            if (t.flops > 0 && t.meanMs > 0)
                std::snprintf(buf, sizeof buf, "%8.2f GFLOP/s  ", t.flops / t.meanMs / 1e6);
            else
                std::snprintf(buf, sizeof buf, "%17s", "");
            text += buf + t.node;
            text += "\n";
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
    if (r.deviceMemoryBytes)
        j["deviceMemoryBytes"] = r.deviceMemoryBytes;
    if (!r.planNotes.empty())
        j["planNotes"] = r.planNotes;
    if (!r.placement.empty()) {
        auto& p = j["placement"] = nlohmann::ordered_json::object();
        for (const auto& [node, where] : r.placement)
            p[where] = p.value(where, 0) + 1;
        auto& cpu = j["cpuNodes"] = nlohmann::ordered_json::array();
        for (const auto& [node, where] : r.placement)
            if (where == "cpu")
                cpu.push_back(node);
    }
    j["timing"] = r.timing;
    if (r.importMs)
        j["importMs"] = *r.importMs;
    j["loadMs"] = r.loadMs;
    j["firstRunMs"] = r.firstRunMs;
    j["warmupRuns"] = r.warmupRuns;
    j["warmupMs"] = r.warmupMs;
    if (r.minSeconds > 0)
        j["minSeconds"] = r.minSeconds;
    j["timedSeconds"] = r.timedSeconds;
    j["samplesMs"] = r.samplesMs;
    const auto& s = r.summary;
    j["summary"] = {{"count", s.count}, {"mean", s.mean}, {"median", s.median}, {"p90", s.p90}, {"p99", s.p99},
        {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}};
    if (!r.profile.empty()) {
        j["profileClock"] = r.profileClock;
        auto& p = j["profile"] = nlohmann::ordered_json::array();
        for (const auto& t : r.profile) {
            nlohmann::ordered_json node = {{"node", t.node}, {"op", t.op}, {"meanMs", t.meanMs}};
            if (t.flops > 0)
                node["flops"] = t.flops;
            p.push_back(std::move(node));
        }
        auto& byOp = j["profileByOp"] = nlohmann::ordered_json::array();
        for (const auto& o : opTypeTotals(r.profile)) {
            nlohmann::ordered_json op = {{"op", o.op}, {"ms", o.ms}, {"nodes", o.nodes}};
            if (o.flops > 0) {
                op["flops"] = o.flops;
                op["gflopsPerSecond"] = o.gflopsPerSecond();
            }
            byOp.push_back(std::move(op));
        }
    }
    return j;
}

namespace {

// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string q = "\"";
    for (const char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string number(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

} // namespace

std::string toCsv(const BenchmarkResult& r)
{
    std::string out = "section,name,op,ms,flops,gflop_per_s\n";
    auto row = [&](const char* section, const std::string& name, const std::string& op, double ms, double flops) {
        out += std::string(section) + "," + csvField(name) + "," + csvField(op) + "," + number(ms) + ","
            + (flops > 0 ? number(flops) : "") + "," + (flops > 0 && ms > 0 ? number(flops / ms / 1e6) : "") + "\n";
    };
    row("run", "load", "", r.loadMs, 0);
    row("run", "first", "", r.firstRunMs, 0);
    for (std::size_t k = 0; k < r.warmupMs.size(); ++k)
        row("run", "warmup-" + std::to_string(k + 1), "", r.warmupMs[k], 0);
    for (std::size_t k = 0; k < r.samplesMs.size(); ++k)
        row("run", "timed-" + std::to_string(k + 1), "", r.samplesMs[k], 0);
    const auto& s = r.summary;
    for (const auto& [name, v] : {std::pair<const char*, double>{"mean", s.mean}, {"median", s.median}, {"p90", s.p90},
             {"p99", s.p99}, {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}})
        row("summary", name, "", v, 0);
    for (const auto& t : r.profile)
        row("node", t.node, t.op, t.meanMs, t.flops);
    for (const auto& o : opTypeTotals(r.profile))
        row("op", o.op, o.op, o.ms, o.flops);
    return out;
}

} // namespace studio::rt
