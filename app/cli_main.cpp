// tfjs-studio-cli: everything the studio does, for scripts and CI.
#include "app/pipeline.h"
#include "converter/convert.h"
#include "converter/report.h"
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "converter/op_check.h"
#include "core/error.h"
#include "core/io/memory_budget.h"
#include "core/version.h"
#include "runtime/benchmark.h"
#include "runtime/backend.h"
#include "runtime/constant_eval.h"
#include "runtime/vulkan/devices.h"

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage = R"(usage: tfjs-studio-cli <command> [options]

commands:
  convert [flags] INPUT OUTPUT_DIR   convert / re-quantize / re-shard (tensorflowjs_converter flags;
                                     see 'convert --help')
  inspect MODEL [--json] [--weight_shard_size_bytes N]
                                     format, inputs, outputs, op or layer histogram, op check,
                                     weights, shards as stored and the shard plan for N
  check MODEL                        op check: exit 1 naming the ops TensorFlow.js cannot run
  bench MODEL [--backend NAME] [--device N] [--warmup N] [--runs N] [--profile N]
        [--dim N] [--json]           inference benchmark: import and load (compile on the backend)
                                     timed apart, first run apart, warm-ups discarded, N timed runs,
                                     optional per-op profile over N more runs
  backends                           the execution backends, which is the default
  devices                            the Vulkan devices (name, type, driver, API, memory, subgroup,
                                     fp16/int8) and the default choice; bench --device N picks one
  pipeline [MODEL] [--out DIR]       inspect + convert + benchmark, printed as one report
                                     (default MODEL: the bundled sample)
  formats                            the input formats this build reads and the conversion routes

options:
  --max-memory SIZE  the memory budget of a model (convert, inspect, check, bench, pipeline):
                     declared sizes (weights, constants, inputs, intermediate tensors) over it
                     are refused before anything is allocated. SIZE in bytes or with K, M, G, T
                     (binary units: 512M, 4G). Default: half of the physical memory
  --version          print the version
  --help             print this help
)";

// Options every model command takes.
struct Common {
    std::uint64_t maxMemory = 0; // --max-memory; 0: core::defaultMemoryBudget()
    studio::conv::ImportOptions import() const
    {
        studio::conv::ImportOptions o;
        o.maxMemoryBytes = maxMemory;
        return o;
    }
};

// Takes --max-memory SIZE / --max-memory=SIZE out of args.
Common extractCommon(std::vector<std::string>& args)
{
    Common c;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string value;
        if (args[i] == "--max-memory") {
            if (i + 1 >= args.size())
                throw studio::Error("--max-memory needs a size (for example 4G or 512M)");
            value = args[i + 1];
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
        } else if (args[i].rfind("--max-memory=", 0) == 0) {
            value = args[i].substr(13);
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            continue;
        }
        const auto bytes = studio::core::parseByteSize(value);
        if (!bytes)
            throw studio::Error("--max-memory: '" + value + "' is not a size (bytes, or a number with K, M, G or T: 512M, 4G)");
        c.maxMemory = *bytes;
        --i;
    }
    return c;
}

int cmdInspect(const std::vector<std::string>& args, const Common& common)
{
    std::string path;
    bool json = false;
    std::uint64_t shardSize = 4194304;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a == "--json")
            json = true;
        else if (a.rfind("--weight_shard_size_bytes", 0) == 0) {
            // Same spelling and checks as convert's flag.
            std::vector<std::string> flag{a.find('=') != std::string::npos ? a : a + "=" + (i + 1 < args.size() ? args[++i] : ""), "i", "o"};
            try {
                shardSize = studio::conv::parseConvertArgs(flag).shardSize;
            } catch (const studio::Error& e) {
                std::string m = e.what();
                if (m.rfind("convert: ", 0) == 0)
                    m = "inspect: " + m.substr(9);
                throw studio::Error(m);
            }
        }
        else if (a == "--help" || a == "-h") {
            std::cout << "usage: tfjs-studio-cli inspect MODEL [--json] [--weight_shard_size_bytes N]\n";
            return 0;
        } else if (a.rfind("--", 0) == 0) {
            std::cerr << "error: inspect: unrecognized argument: " << a << "\n";
            return 2;
        } else if (path.empty())
            path = a;
        else {
            std::cerr << "error: inspect: unexpected argument: " << a << "\n";
            return 2;
        }
    }
    if (path.empty()) {
        std::cerr << "error: inspect: missing MODEL argument\n";
        return 2;
    }
    const auto report = studio::conv::inspect(studio::conv::importModel(path, common.import()), shardSize);
    if (json)
        std::cout << studio::conv::toJson(report).dump(2) << "\n";
    else
        std::cout << studio::conv::toText(report);
    return 0;
}

int cmdConvert(const std::vector<std::string>& args, const Common& common)
{
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            std::cout << studio::conv::convertUsage();
            return 0;
        }
    auto options = studio::conv::parseConvertArgs(args);
    options.maxMemoryBytes = common.maxMemory;
    for (const auto& w : options.warnings)
        std::cerr << "warning: " << w << "\n";
    studio::conv::ConvertResult r;
    try {
        studio::conv::ConvertHooks hooks;
        hooks.evaluate = studio::rt::referenceConstantEvaluator(); // constant folding's kernels
        r = studio::conv::convert(options, hooks);
    } catch (const studio::Error& e) {
        // The report of a failed conversion says why, for CI logs; the error itself still exits non-zero.
        if (!options.reportPath.empty())
            studio::conv::writeReportFile(options.reportPath, studio::conv::failedConversionReportJson(options, e.what()));
        throw;
    }
    for (const auto& w : r.warnings)
        std::cerr << "warning: " << w << "\n";
    for (const auto& p : r.passes)
        if (p.changed() || options.verbose) {
            std::cerr << "pass " << p.summary() << "\n";
            if (options.verbose) {
                for (const auto& f : p.fused)
                    std::cerr << "  fused " << f << "\n";
                for (const auto& n : p.notes)
                    std::cerr << "  note: " << n << "\n";
            }
        }
    if (options.verbose && r.opCheckBefore)
        std::cerr << "op check before optimization: " << studio::conv::describe(*r.opCheckBefore) << "\n";
    if (options.verbose && r.opCheck)
        std::cerr << "op check after optimization: " << studio::conv::describe(*r.opCheck) << "\n";
    if (!options.reportPath.empty())
        studio::conv::writeReportFile(options.reportPath, studio::conv::conversionReportJson(r, options));
    std::cout << studio::conv::formatName(r.inputFormat) << " -> " << studio::conv::formatName(r.outputFormat) << ": wrote " << r.written.modelJson.string() << " + "
              << r.written.shardFiles.size() << " shard(s), " << r.written.weightBytes << " weight bytes";
    if (r.written.quantizedWeights)
        std::cout << ", " << r.written.quantizedWeights << " weights quantized (" << options.quantization.describe() << ")";
    std::cout << "\n";
    return 0;
}

int cmdCheck(const std::vector<std::string>& args, const Common& common)
{
    if (args.size() != 1 || args[0].rfind("--", 0) == 0) {
        std::cerr << "usage: tfjs-studio-cli check MODEL\n";
        return 2;
    }
    const auto model = studio::conv::importModel(args[0], common.import());
    if (model.kind != studio::core::ModelKind::GraphModel) {
        std::cout << args[0] << ": " << studio::core::modelKindName(model.kind)
                  << "; the op check applies to graph models\n";
        return 0;
    }
    const auto report = studio::conv::checkOps(model);
    for (const auto& m : report.malformed)
        std::cerr << "warning: " << args[0] << ": " << m << "\n";
    if (report.ok()) {
        std::cout << args[0] << ": " << studio::conv::describe(report) << "\n";
        return 0;
    }
    std::cerr << "error: " << args[0] << ": " << studio::conv::describe(report) << "\n";
    return 1;
}

int cmdBench(const std::vector<std::string>& args, const Common& common)
{
    constexpr const char* usage = "usage: tfjs-studio-cli bench MODEL [--backend NAME] [--device N] [--warmup N] [--runs N] "
                                  "[--profile N] [--dim N] [--json]\n";
    std::string path;
    studio::rt::BenchmarkOptions options;
    bool json = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&](const char* flag) -> std::string {
            if (i + 1 >= args.size())
                throw studio::Error(std::string("bench: ") + flag + " needs a value");
            return args[++i];
        };
        auto number = [&](const char* flag) {
            const std::string v = value(flag);
            std::size_t used = 0;
            long n = -1;
            try {
                n = std::stol(v, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != v.size() || n < 0 || n > 1000000)
                throw studio::Error(std::string("bench: ") + flag + ": not a number from 0 to 1000000: '" + v + "'");
            return n;
        };
        if (a == "--warmup")
            options.warmupRuns = static_cast<int>(number("--warmup"));
        else if (a == "--runs")
            options.timedRuns = static_cast<int>(number("--runs"));
        else if (a == "--profile")
            options.profileRuns = static_cast<int>(number("--profile"));
        else if (a == "--dim")
            options.dim = number("--dim");
        else if (a == "--backend")
            options.backend = value("--backend");
        else if (a == "--device")
            options.compile.device = static_cast<int>(number("--device"));
        else if (a == "--json")
            json = true;
        else if (a == "--help" || a == "-h") {
            std::cout << usage;
            return 0;
        } else if (a.rfind("--", 0) == 0 || !path.empty()) {
            std::cerr << usage;
            return 2;
        } else
            path = a;
    }
    if (path.empty()) {
        std::cerr << usage;
        return 2;
    }
    // Reading and lowering are timed apart from the backend's load (runtime/benchmark.h).
    const auto t0 = std::chrono::steady_clock::now();
    options.compile.maxMemoryBytes = common.maxMemory;
    const auto model = studio::conv::graphForRuntime(studio::conv::importModel(path, common.import()));
    const double importMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    auto result = studio::rt::benchmark(model, options);
    result.importMs = importMs;
    if (json)
        std::cout << studio::rt::toJson(result).dump(2) << "\n";
    else
        std::cout << studio::rt::toText(result);
    return 0;
}

int cmdBackends()
{
    const auto& registry = studio::rt::BackendRegistry::instance();
    for (const auto& b : registry.list())
        std::cout << b.name << "\t" << (b.available ? "available" : "unavailable: " + b.unavailableReason) << "\t"
                  << b.description << (b.name == registry.defaultName() ? "\t(default)" : "") << "\n";
    return 0;
}

int cmdDevices()
{
    const auto list = studio::rt::listVulkanDevices();
    if (list.devices.empty()) {
        std::cout << "no Vulkan device" << (list.error.empty() ? "" : ": " + list.error) << "\n";
        return 0;
    }
    for (const auto& d : list.devices) {
        std::cout << d.index << ": " << d.name << (list.defaultDevice == d.index ? "  (default)" : "") << "\n"
                  << "   type: " << d.type << (d.cpu ? " (runs on the CPU, not a GPU)" : "") << "\n"
                  << "   driver: " << d.driver << "\n"
                  << "   Vulkan API: " << d.apiVersion << (d.usable ? "" : " (unusable: needs 1.1 and a compute queue)") << "\n"
                  << "   device-local memory: " << d.memoryBytes / (1024 * 1024) << " MiB\n"
                  << "   subgroup size: " << d.subgroupSize << "\n"
                  << "   fp16 arithmetic: " << (d.fp16 ? "yes" : "no") << ", int8 arithmetic: " << (d.int8 ? "yes" : "no") << "\n";
    }
    if (list.validation)
        std::cout << "validation layer: on\n";
    return 0;
}

int cmdPipeline(const std::vector<std::string>& args, const Common& common)
{
    std::filesystem::path model, out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--out" && i + 1 < args.size())
            out = args[++i];
        else if (args[i].rfind("--", 0) == 0) {
            std::cerr << "error: pipeline: unrecognized argument: " << args[i] << "\n";
            return 2;
        } else
            model = args[i];
    }
    if (model.empty())
        model = studio::app::bundledSampleModel();
    if (out.empty())
        out = std::filesystem::temp_directory_path() / "tfjs-studio-pipeline" / "model";
    return studio::app::runPipeline(model, out, std::cout, std::cerr, common.maxMemory);
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << kUsage;
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version" || args[0] == "-v") {
        std::cout << "tfjs-studio-cli " << STUDIO_VERSION << "\n";
        return 0;
    }
    const std::string cmd = args[0];
    args.erase(args.begin());
    try {
        const bool modelCommand = cmd == "convert" || cmd == "inspect" || cmd == "bench" || cmd == "check" || cmd == "pipeline";
        Common common;
        if (modelCommand) {
            try {
                common = extractCommon(args);
            } catch (const studio::Error& e) {
                std::cerr << "error: " << cmd << ": " << e.what() << "\n";
                return 2;
            }
        }
        if (cmd == "convert")
            return cmdConvert(args, common);
        if (cmd == "inspect")
            return cmdInspect(args, common);
        if (cmd == "bench")
            return cmdBench(args, common);
        if (cmd == "check")
            return cmdCheck(args, common);
        if (cmd == "pipeline")
            return cmdPipeline(args, common);
        if (cmd == "backends")
            return cmdBackends();
        if (cmd == "devices")
            return cmdDevices();
        if (cmd == "formats") {
            for (const auto& i : studio::conv::importers())
                std::cout << i->formatName() << "\t" << i->description() << "\t"
                          << (i->implemented() ? "supported" : "not yet") << "\n";
            std::cout << "\nconversion routes (input -> output):\n";
            for (const auto& r : studio::conv::routes())
                std::cout << "  " << studio::conv::formatName(r.input) << " -> " << studio::conv::formatName(r.output) << "\t"
                          << (r.status == studio::conv::RouteStatus::Available ? "available" : "not yet") << "\t" << r.note
                          << "\n";
            return 0;
        }
        std::cerr << "error: unknown command '" << cmd << "'\n" << kUsage;
        return 2;
    } catch (const studio::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    } catch (const studio::Cancelled&) {
        std::cerr << "cancelled\n";
        return 130;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
