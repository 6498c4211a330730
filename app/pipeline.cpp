// Headless pipeline: what the studio does for a model, printed as a report.
#include "app/pipeline.h"

#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "core/error.h"
#include "runtime/benchmark.h"

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

int runPipeline(const fs::path& modelPath, const fs::path& outDir, std::ostream& out, std::ostream& err)
{
    try {
        out << "== inspect ==\n";
        const core::Model model = conv::importModel(modelPath);
        out << conv::toText(conv::inspect(model));

        out << "\n== convert (uint8 quantization, default 4 MiB shards) ==\n";
        conv::ConvertOptions options;
        options.inputPath = modelPath.string();
        options.outputPath = outDir.string();
        options.quantization.add(core::DType::UInt8, {});
        const auto result = conv::convert(options);
        std::uint64_t sourceBytes = 0;
        for (const auto& g : model.weightGroups)
            for (const auto& w : g.weights)
                sourceBytes += w.byteLength;
        out << "wrote " << result.written.modelJson.string() << " and " << result.written.shardFiles.size()
            << " shard file(s); " << result.written.quantizedWeights << " weights quantized\n";
        out << "weight bytes: " << sourceBytes << " -> " << result.written.weightBytes << " ("
            << (sourceBytes ? 100 * result.written.weightBytes / sourceBytes : 0) << "%)\n";
        const auto converted = conv::importModel(result.written.modelJson);
        out << "re-read: " << converted.weightCount() << " weights, format " << converted.meta.format << "\n";

        out << "\n== benchmark ==\n";
        out << "note: inference benchmarks need the Vulkan runtime, which is not in this build yet;\n"
               "      this times the conversion itself: load = reading the model, run = quantize + write.\n";
        const fs::path scratch = outDir.parent_path() / (outDir.filename().string() + "-bench");
        rt::BenchmarkOptions bo;
        bo.warmupRuns = 2;
        bo.timedRuns = 10;
        conv::ConvertOptions benchOptions = options;
        benchOptions.outputPath = scratch.string();
        core::Model loaded;
        const auto bench = rt::runBenchmark(
            "convert " + modelPath.string() + " to uint8", [&] { loaded = conv::importModel(modelPath); },
            [&] { conv::writeModel(loaded, benchOptions); }, bo);
        std::error_code ec;
        fs::remove_all(scratch, ec);
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
