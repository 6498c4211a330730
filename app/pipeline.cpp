// Headless pipeline: what the studio does for a model, printed as a report.
#include "app/pipeline.h"

#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "core/error.h"
#include "runtime/benchmark.h"
#include "runtime/backend.h"
#include "runtime/constant_eval.h"

#include <chrono>

#include <unistd.h>

namespace studio::app {

namespace fs = std::filesystem;

fs::path bundledSampleModel()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    const fs::path candidates[] = {
        exe.parent_path() / "../share/tfjs-studio/samples/blazeface/model.json",
        exe.parent_path() / "../../resources/samples/blazeface/model.json",
        fs::path(STUDIO_SOURCE_DIR) / "resources/samples/blazeface/model.json",
    };
    for (const auto& c : candidates)
        if (fs::exists(c, ec))
            return fs::weakly_canonical(c, ec);
    return candidates[2];
}

int runPipeline(const fs::path& modelPath, const fs::path& outDir, std::ostream& out, std::ostream& err,
    std::uint64_t maxMemoryBytes)
{
    try {
        out << "== inspect ==\n";
        conv::ImportOptions io;
        io.maxMemoryBytes = maxMemoryBytes;
        const core::Model model = conv::importModel(modelPath, io);
        out << conv::toText(conv::inspect(model));

        out << "\n== convert (uint8 quantization, default 4 MiB shards) ==\n";
        conv::ConvertOptions options;
        options.inputPath = modelPath.string();
        options.outputPath = outDir.string();
        options.maxMemoryBytes = maxMemoryBytes;
        options.quantization.add(core::DType::UInt8, {});
        conv::ConvertHooks hooks;
        hooks.evaluate = rt::referenceConstantEvaluator(); // constant folding's kernels
        const auto result = conv::convert(options, hooks);
        std::uint64_t sourceBytes = 0;
        for (const auto& g : model.weightGroups)
            for (const auto& w : g.weights)
                sourceBytes += w.byteLength;
        out << "wrote " << result.written.modelJson.string() << " and " << result.written.shardFiles.size()
            << " shard file(s); " << result.written.quantizedWeights << " weights quantized\n";
        out << "weight bytes: " << sourceBytes << " -> " << result.written.weightBytes << " ("
            << (sourceBytes ? 100 * result.written.weightBytes / sourceBytes : 0) << "%)\n";
        const auto converted = conv::importModel(result.written.modelJson, io);
        out << "re-read: " << converted.weightCount() << " weights, format " << converted.meta.format << "\n";

        rt::BenchmarkOptions bo;
        bo.warmupRuns = 3;
        bo.timedRuns = 20;
        bo.profileRuns = 3;
        bo.compile.maxMemoryBytes = maxMemoryBytes;
        const auto& registry = rt::BackendRegistry::instance();
        out << "\n== benchmark: inference on the '" << registry.defaultName() << "' backend ==\n";
        const auto t0 = std::chrono::steady_clock::now();
        const core::Model graph = conv::graphForRuntime(converted, rt::referenceConstantEvaluator());
        const double importMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        auto bench = rt::benchmark(graph, bo);
        bench.importMs = importMs;
        out << rt::toText(bench);
        return 0;
    } catch (const Error& e) {
        err << "error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        err << "error: " << e.what() << "\n";
        return 1;
    }
}

} // namespace studio::app
