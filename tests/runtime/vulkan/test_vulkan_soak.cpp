// 1,000 inferences in a row of a real model on the vulkan backend with flat resident memory:
// RSS (/proc/self/statm) after a warm-up of 50 runs and after the last run may differ by at
// most 4 MiB, so a leak of 4.4 KB or more per run fails (BlazeFace's output alone is 57 KB). The
// margin is for lavapipe: its worker threads touch a little more of their stacks and arenas now
// and then, in steps, until they have touched what they use. Sampled every 50 runs: +0.3 MiB at
// run 300 and +1.0 MiB at run 600, 1.2 to 2.4 MiB in all after 1,000 runs, and the same 2.3 MiB
// after 3,000 runs as after 1,000. Fails (never skips) without a Vulkan device, and on any validation-layer message
// (ctest runs it with STUDIO_VULKAN_VALIDATION=1).
// Usage: runtime.vulkan_soak [MODEL.json] [RUNS]   (default: the BlazeFace graph, 1000 runs)
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "runtime/backend.h"
#include "runtime/inputs.h"
#include "runtime/vulkan/vk.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

using namespace studio;

namespace {

constexpr int kWarmupRuns = 50;
constexpr long kToleranceBytes = 4L * 1024 * 1024;

// Resident set size in bytes: the second field of /proc/self/statm, in pages.
long residentBytes()
{
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = -1;
    statm >> size >> resident;
    if (!statm || resident < 0)
        throw Error("/proc/self/statm: cannot read the resident set size");
    return resident * ::sysconf(_SC_PAGESIZE);
}

double mib(long bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

} // namespace

int main(int argc, char** argv)
{
    const std::string path = argc > 1 ? argv[1] : std::string(STUDIO_MODELS_DIR) + "/tfjs-graph-blazeface-front-float32/blazeface-front.json";
    const int runs = argc > 2 ? std::stoi(argv[2]) : 1000;
    bool vulkan = false;
    std::string why;
    for (const auto& b : rt::BackendRegistry::instance().list())
        if (b.name == "vulkan") {
            vulkan = b.available;
            why = b.unavailableReason;
        }
    if (!vulkan) {
        std::printf("FAIL: no Vulkan device (setup installs mesa-vulkan-drivers): %s\n", why.c_str());
        return 1;
    }
    try {
        const auto model = conv::graphForRuntime(conv::importModel(path));
        const auto inputs = rt::makeInputs(model, 1234, 1);
        rt::CompileOptions options;
        for (const auto& [name, t] : inputs)
            options.inputShapes[name] = t.shape;
        auto session = rt::compile(model, "vulkan", options);
        std::printf("%s on %s\n", path.c_str(), session->info().device.c_str());
        const auto t0 = std::chrono::steady_clock::now();
        // Outputs are read back every time, as a caller would: downloads must not leak either.
        float checksum = 0;
        long afterWarmup = 0;
        for (int i = 0; i < runs; ++i) {
            const auto r = session->run(inputs);
            const auto out = r.outputs.at(0).toHost();
            if (!out.f.empty())
                checksum += out.f[0];
            if (i + 1 == kWarmupRuns)
                afterWarmup = residentBytes();
        }
        const long atEnd = residentBytes();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const long growth = atEnd - afterWarmup;
        std::printf("%d runs in %.1f s (%.2f ms each; first output checksum %g)\n", runs, seconds, 1000 * seconds / runs,
            static_cast<double>(checksum));
        std::printf("RSS after %d warm-up runs: %.2f MiB; after %d runs: %.2f MiB; growth %+.3f MiB (tolerance %.1f MiB)\n",
            kWarmupRuns, mib(afterWarmup), runs, mib(atEnd), mib(growth), mib(kToleranceBytes));
        if (runs <= kWarmupRuns) {
            std::printf("FAIL: %d runs is not more than the %d warm-up runs\n", runs, kWarmupRuns);
            return 1;
        }
        if (growth > kToleranceBytes) {
            std::printf("FAIL: resident memory grew by %.3f MiB over %d runs\n", mib(growth), runs - kWarmupRuns);
            return 1;
        }
        if (const auto messages = vk::Instance::validationMessages()) {
            std::printf("FAIL: %llu Vulkan validation message(s)\n", static_cast<unsigned long long>(messages));
            return 1;
        }
        std::printf("ok\n");
        return 0;
    } catch (const Error& e) {
        std::printf("FAIL %s: %s\n", path.c_str(), e.what());
        return 1;
    }
}
