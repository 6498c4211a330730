// Benchmark (not a test): a graph model on the vulkan backend and on the reference executor,
// measured side by side in one process, rounds interleaved so machine noise hits both; prints
// both medians and their ratio, plus where the nodes ran.
// Usage: bench_vulkan_vs_reference MODEL [--runs N] [--rounds R] [--device N]
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "runtime/benchmark.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

using namespace studio;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_vulkan_vs_reference MODEL [--runs N] [--rounds R] [--device N]\n");
        return 2;
    }
    int runs = 30, rounds = 3;
    std::optional<int> device;
    for (int a = 2; a + 1 < argc; a += 2) {
        const std::string flag = argv[a];
        const int v = std::stoi(argv[a + 1]);
        if (flag == "--runs")
            runs = v;
        else if (flag == "--rounds")
            rounds = v;
        else if (flag == "--device")
            device = v;
    }
    try {
        const auto model = conv::graphForRuntime(conv::importModel(argv[1]));
        std::vector<double> vk, ref;
        std::string vkDevice, vkFirst;
        for (int r = 0; r < rounds; ++r)
            for (const std::string backend : {"vulkan", "reference"}) {
                rt::BenchmarkOptions o;
                o.backend = backend;
                o.compile.device = device;
                o.warmupRuns = 3;
                o.timedRuns = runs;
                const auto result = rt::benchmark(model, o);
                auto& samples = backend == "vulkan" ? vk : ref;
                samples.insert(samples.end(), result.samplesMs.begin(), result.samplesMs.end());
                if (backend == "vulkan") {
                    vkDevice = result.device;
                    vkFirst = std::to_string(result.firstRunMs) + " ms first run, " + std::to_string(result.loadMs) + " ms load";
                }
            }
        const double mv = median(vk), mr = median(ref);
        std::printf("model: %s\nvulkan on %s (%s)\n", argv[1], vkDevice.c_str(), vkFirst.c_str());
        std::printf("median of %zu runs each, %d interleaved rounds: vulkan %.3f ms, reference %.3f ms\n", vk.size(), rounds, mv, mr);
        std::printf("ratio of the medians vulkan / reference: %.3f (vulkan %.2fx %s)\n", mv / mr, mv < mr ? mr / mv : mv / mr,
            mv < mr ? "faster" : "slower");
    } catch (const Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
