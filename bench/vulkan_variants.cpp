// Benchmark (not a test) for tuning Vulkan kernels: one model compiled several times on the
// vulkan backend, each time with an environment variable set to another value (kernel choices
// that ops.cpp reads while it plans, such as STUDIO_VK_GENERIC_CONV), then run in interleaved
// rounds in one process so that machine noise hits every variant alike. Prints each variant's
// median (and per-op-type device times with --profile) and its ratio to the first.
// Usage: bench_vulkan_variants MODEL VAR VALUE [VALUE...] [--runs N] [--rounds R] [--profile]
//   VALUE "-" leaves VAR unset. A value given more than once gets a session each time: two
//   sessions of the same plan can differ by 10 % or more on lavapipe (where their buffers and
//   code land), so when values repeat (0 1 0 1 0 1) the runs are also pooled per value, and the
//   spread between one value's sessions is printed as the noise floor a difference must beat.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "core/stats/stats.h"
#include "runtime/backend.h"
#include "runtime/benchmark.h"
#include "runtime/constant_eval.h"
#include "runtime/inputs.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using namespace studio;

namespace {

double median(const std::vector<double>& v) { return v.empty() ? 0.0 : core::percentile(v, 50); }

} // namespace

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_vulkan_variants MODEL VAR VALUE [VALUE...] [--runs N] [--rounds R] [--profile]\n");
        return 2;
    }
    const std::string var = argv[2];
    std::vector<std::string> values;
    int runs = 10, rounds = 8;
    bool profile = false;
    for (int a = 3; a < argc; ++a) {
        const std::string s = argv[a];
        if (s == "--profile")
            profile = true;
        else if ((s == "--runs" || s == "--rounds") && a + 1 < argc)
            (s == "--runs" ? runs : rounds) = std::stoi(argv[++a]);
        else
            values.push_back(s);
    }
    try {
        // As `tfjs-studio-cli bench` prepares a model: the runtime graph, unknown dimensions 1.
        const auto model = conv::graphForRuntime(conv::importModel(argv[1]), rt::referenceConstantEvaluator());
        const auto inputs = rt::makeInputs(model);
        rt::CompileOptions compile;
        for (const auto& [name, t] : inputs)
            compile.inputShapes[name] = t.shape;
        std::vector<std::unique_ptr<rt::Session>> sessions;
        for (const auto& v : values) {
            if (v == "-")
                ::unsetenv(var.c_str());
            else
                ::setenv(var.c_str(), v.c_str(), 1);
            sessions.push_back(rt::compile(model, "vulkan", compile));
            for (int w = 0; w < 3; ++w)
                (void)sessions.back()->run(inputs);
        }
        std::vector<std::vector<double>> ms(values.size());
        std::vector<std::map<std::string, std::vector<double>>> ops(values.size()), nodes(values.size());
        rt::RunOptions timed;
        timed.profile = profile;
        for (int r = 0; r < rounds; ++r)
            for (std::size_t i = 0; i < sessions.size(); ++i)
                for (int k = 0; k < runs; ++k) {
                    const auto t0 = std::chrono::steady_clock::now();
                    const auto result = sessions[i]->run(inputs, timed);
                    ms[i].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
                    std::map<std::string, double> perOp;
                    for (const auto& t : result.profile) {
                        perOp[t.op] += t.ms;
                        nodes[i][t.node].push_back(t.ms);
                    }
                    for (const auto& [op, v] : perOp)
                        ops[i][op].push_back(v);
                }
        std::printf("%s on %s, %d rounds x %d runs each, interleaved\n", argv[1], sessions[0]->info().device.c_str(), rounds, runs);
        const double base = median(ms[0]);
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::printf("  %s=%-10s median %8.3f ms  min %8.3f ms  ratio to the first %.3f\n", var.c_str(), values[i].c_str(),
                median(ms[i]), *std::min_element(ms[i].begin(), ms[i].end()), median(ms[i]) / base);
            for (const auto& [op, v] : ops[i])
                std::printf("      %-28s %8.3f ms (median)\n", op.c_str(), median(v));
        }
        // Values given more than once: their sessions' runs pooled, and how far apart those sessions were.
        std::vector<std::string> distinct;
        for (const auto& v : values)
            if (std::find(distinct.begin(), distinct.end(), v) == distinct.end())
                distinct.push_back(v);
        if (distinct.size() < values.size()) {
            std::printf("  pooled by value (sessions of one value: slowest session median / fastest):\n");
            double pooledBase = 0;
            for (const auto& v : distinct) {
                std::vector<double> pooled, sessionMedians;
                for (std::size_t i = 0; i < values.size(); ++i)
                    if (values[i] == v) {
                        pooled.insert(pooled.end(), ms[i].begin(), ms[i].end());
                        sessionMedians.push_back(median(ms[i]));
                    }
                const auto [lo, hi] = std::minmax_element(sessionMedians.begin(), sessionMedians.end());
                if (pooledBase == 0)
                    pooledBase = median(pooled);
                std::printf("  %s=%-10s median %8.3f ms  ratio to the first %.3f  %zu session(s), spread %.3f\n", var.c_str(),
                    v.c_str(), median(pooled), median(pooled) / pooledBase, sessionMedians.size(), *hi / *lo);
            }
        }
        // With --profile: the slowest nodes of the first variant, each variant's median beside.
        if (profile && !nodes[0].empty()) {
            std::vector<std::pair<double, std::string>> slowest;
            for (const auto& [node, v] : nodes[0])
                slowest.emplace_back(median(v), node);
            std::sort(slowest.rbegin(), slowest.rend());
            slowest.resize(std::min<std::size_t>(slowest.size(), 20));
            std::printf("  slowest nodes (median ms per variant, in the order above):\n");
            for (const auto& [ms0, node] : slowest) {
                std::printf("   ");
                for (std::size_t i = 0; i < values.size(); ++i)
                    std::printf(" %7.3f", median(nodes[i][node]));
                std::printf("  %s\n", node.c_str());
            }
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_vulkan_variants: %s\n", e.what());
        return 1;
    }
    return 0;
}
