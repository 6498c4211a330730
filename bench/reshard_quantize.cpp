// Benchmark (not a test): re-shard + uint8-quantize a generated float32 model and report
// time as a ratio to `cp -r` of the same folder, measured side by side in this run, and
// peak RSS as a ratio to the weight bytes. Targets: <= 2x cp, peak RSS <= 1.25x weights.
// usage: bench_reshard_quantize [MiB=256] [rounds=3]
#include "core/tfjs/artifacts.h"
#include "core/tfjs/json_writer.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace studio::core;

namespace {

constexpr std::uint64_t kWeightBytes = 4u << 20; // 4 MiB per weight, like a large conv kernel

// Writes a graph model of `mib` MiB of float32 weights straight to disk (streaming, so the
// generator itself stays small).
void generate(const fs::path& dir, std::uint64_t mib)
{
    fs::create_directories(dir);
    const std::uint64_t total = mib << 20;
    const std::uint64_t count = total / kWeightBytes;
    nlohmann::ordered_json nodes = nlohmann::ordered_json::array(), weights = nlohmann::ordered_json::array();
    nlohmann::ordered_json paths = nlohmann::ordered_json::array();
    const std::uint64_t shards = shardCount(total, kDefaultShardBytes);
    for (std::uint64_t k = 1; k <= shards; ++k)
        paths.push_back(shardFileName(1, k, shards));
    std::uint32_t state = 12345;
    std::vector<float> buf(kWeightBytes / 4);
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::string name = "layer_" + std::to_string(i) + "/kernel";
        nodes.push_back({{"name", name}, {"op", "Const"}});
        weights.push_back({{"name", name}, {"shape", {kWeightBytes / 4 / 256, 256}}, {"dtype", "float32"}});
        for (auto& v : buf) {
            state = state * 1664525u + 1013904223u;
            v = static_cast<float>(static_cast<double>(state >> 8) / 16777216.0 * 2.0 - 1.0) * 0.1f;
        }
        // kWeightBytes == kDefaultShardBytes: one weight per shard file.
        std::ofstream out(dir / paths[i].get<std::string>(), std::ios::binary);
        out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(kWeightBytes));
    }
    nlohmann::ordered_json doc;
    doc["format"] = "graph-model";
    doc["generatedBy"] = "bench";
    doc["convertedBy"] = nullptr;
    doc["modelTopology"] = {{"node", nodes}, {"versions", {{"producer", 1}}}};
    doc["weightsManifest"] = nlohmann::ordered_json::array({{{"paths", paths}, {"weights", weights}}});
    std::ofstream(dir / "model.json") << dumpPythonJson(doc);
}

struct ChildResult {
    double seconds = 0;
    long maxRssKiB = 0;
};

// Runs f in a child process: its time and its own peak RSS, apart from this process's memory.
template <typename F>
ChildResult inChild(F f)
{
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        int code = 0;
        try {
            f();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            code = 1;
        }
        std::_Exit(code);
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "child failed\n");
        std::exit(1);
    }
    return {s, usage.ru_maxrss};
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    const std::uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
    const fs::path root = fs::temp_directory_path() / ("tfjs-studio-bench-" + std::to_string(getpid()));
    const fs::path src = root / "src";
    std::printf("generating a %llu MiB float32 graph model in %s ...\n", static_cast<unsigned long long>(mib), src.c_str());
    generate(src, mib);
    const double weightBytes = static_cast<double>(mib << 20);

    std::vector<double> cpTimes, ourTimes;
    long peakKiB = 0;
    for (int r = 0; r < rounds; ++r) {
        // Alternate the two so that noise on this shared machine hits both alike.
        fs::remove_all(root / "cp");
        const std::string cmd = "cp -r '" + src.string() + "' '" + (root / "cp").string() + "'";
        cpTimes.push_back(inChild([&] {
            if (std::system(cmd.c_str()) != 0)
                throw std::runtime_error("cp failed");
        }).seconds);
        const auto ours = inChild([&] {
            const Model m = readTfjsModel(src / "model.json");
            WriteOptions o;
            o.shardSize = 1 << 20; // re-shard to 1 MiB
            o.quantization.add(DType::UInt8, {});
            writeTfjsModel(m, root / "out", o);
        });
        ourTimes.push_back(ours.seconds);
        peakKiB = std::max(peakKiB, ours.maxRssKiB);
    }
    const double cpS = median(cpTimes), ourS = median(ourTimes);
    const double rssRatio = static_cast<double>(peakKiB) * 1024.0 / weightBytes;
    std::printf("weights:              %.0f MiB float32, %d rounds (medians)\n", weightBytes / (1 << 20), rounds);
    std::printf("cp -r:                %.3f s\n", cpS);
    std::printf("re-shard + uint8:     %.3f s\n", ourS);
    std::printf("time ratio to cp -r:  %.2fx   (target <= 2.00x) %s\n", ourS / cpS, ourS / cpS <= 2.0 ? "ok" : "MISSED");
    std::printf("peak RSS:             %.1f MiB\n", static_cast<double>(peakKiB) / 1024.0);
    std::printf("peak RSS / weights:   %.3fx  (target <= 1.25x) %s\n", rssRatio, rssRatio <= 1.25 ? "ok" : "MISSED");
    std::error_code ec;
    fs::remove_all(root, ec);
    return 0;
}
