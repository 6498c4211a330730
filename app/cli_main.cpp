// tfjs-studio-cli: everything the studio does, for scripts and CI.
#include "app/pipeline.h"
#include "converter/convert.h"
#include "converter/report.h"
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "converter/op_check.h"
#include "core/error.h"
#include "core/io/atomic_dir.h"
#include "core/io/memory_budget.h"
#include "core/ops/shape_inference.h"
#include "core/version.h"
#include "runtime/benchmark.h"
#include "runtime/backend.h"
#include "runtime/constant_eval.h"
#include "runtime/inputs.h"
#include "runtime/npy.h"
#include "runtime/vulkan/devices.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
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
  predict MODEL --output-dir DIR [--backend NAME] [--device N] [--input NAME=FILE.npy]...
        [--seed S] [--dim N]         one inference: inputs from .npy files, the others generated
                                     (seed S, default 1234; free dimensions N, default 1) and
                                     written too; every output written as a .npy (see 'predict --help')
  bench MODEL [--backend NAME] [--device N] [--warmup N] [--runs N] [--min-seconds S]
        [--profile [N]] [--dim N] [--json [FILE]] [--csv FILE]
                                     inference benchmark: import and load (compile on the backend)
                                     timed apart, first run apart, warm-ups discarded, N timed runs
                                     (and at least S seconds of them), optional per-node and per-op
                                     profile over N more runs with GFLOP/s of convolutions and
                                     matrix products; the device and its memory. --json alone prints
                                     JSON instead of text; --json FILE / --csv FILE write files
  backends                           the execution backends, which is the default
  devices                            the Vulkan devices (name, type, driver, API, memory, subgroup,
                                     fp16/int8) and the default choice; bench --device N picks one
  pipeline [MODEL] [--out DIR]       inspect + convert + benchmark, printed as one report
                                     (default MODEL: the bundled sample)
  formats                            the input formats this build reads and the conversion routes

options:
  --max-memory SIZE  the memory budget of a model (convert, inspect, check, predict, bench, pipeline):
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
    if (options.verbose) {
        char times[160];
        std::snprintf(times, sizeof times, "time: read %.1f ms, optimize %.1f ms, write %.1f ms", r.readSeconds * 1e3,
            r.optimizeSeconds * 1e3, r.writeSeconds * 1e3);
        std::cerr << times << "\n";
    }
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

// Writes a report file; `what` names the flag in errors.
void writeReport(const std::string& path, const std::string& text, const char* what)
{
    if (path == "-") {
        std::cout << text;
        return;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw studio::Error(std::string("bench: ") + what + ": cannot create '" + path + "'");
    out << text;
    out.close();
    if (!out)
        throw studio::Error(std::string("bench: ") + what + ": write to '" + path + "' failed");
}

// A whole number from 0 to 1000000 for `flag`.
long wholeNumber(const std::string& command, const char* flag, const std::string& v)
{
    std::size_t used = 0;
    long n = -1;
    try {
        n = std::stol(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || n < 0 || n > 1000000)
        throw studio::Error(command + ": " + flag + ": not a number from 0 to 1000000: '" + v + "'");
    return n;
}

int cmdBench(const std::vector<std::string>& args, const Common& common)
{
    constexpr const char* usage = "usage: tfjs-studio-cli bench MODEL [--backend NAME] [--device N] [--warmup N] [--runs N] "
                                  "[--min-seconds S] [--profile [N]] [--dim N] [--json [FILE]] [--csv FILE]\n"
                                  "  --json alone prints the report as JSON on stdout; --json FILE (after MODEL) or\n"
                                  "  --json=FILE writes it to FILE and prints the text report; --csv FILE writes one CSV\n"
                                  "  table (section,name,op,ms,flops,gflop_per_s). --profile without N is one profiled run.\n";
    std::string path;
    studio::rt::BenchmarkOptions options;
    bool jsonToStdout = false;
    std::string jsonFile, csvFile;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&](const char* flag) -> std::string {
            if (i + 1 >= args.size())
                throw studio::Error(std::string("bench: ") + flag + " needs a value");
            return args[++i];
        };
        auto number = [&](const char* flag) { return wholeNumber("bench", flag, value(flag)); };
        // The next argument when it is not a flag (and MODEL is already known, so that
        // "bench --json model.json" stays the model).
        auto optionalValue = [&]() -> std::optional<std::string> {
            if (i + 1 < args.size() && !path.empty() && (args[i + 1] == "-" || args[i + 1].rfind("-", 0) != 0))
                return args[++i];
            return std::nullopt;
        };
        if (a == "--warmup")
            options.warmupRuns = static_cast<int>(number("--warmup"));
        else if (a == "--runs")
            options.timedRuns = static_cast<int>(number("--runs"));
        else if (a == "--min-seconds") {
            const std::string v = value("--min-seconds");
            std::size_t used = 0;
            double seconds = -1;
            try {
                seconds = std::stod(v, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != v.size() || !(seconds >= 0 && seconds <= 86400))
                throw studio::Error("bench: --min-seconds: not a number of seconds from 0 to 86400: '" + v + "'");
            options.minSeconds = seconds;
        } else if (a == "--profile") {
            // "--profile N" or a bare "--profile" (one profiled run).
            if (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1].find_first_not_of("0123456789") == std::string::npos)
                options.profileRuns = static_cast<int>(number("--profile"));
            else
                options.profileRuns = 1;
        } else if (a == "--dim")
            options.dim = number("--dim");
        else if (a == "--backend")
            options.backend = value("--backend");
        else if (a == "--device")
            options.compile.device = static_cast<int>(number("--device"));
        else if (a == "--json") {
            if (const auto file = optionalValue())
                jsonFile = *file;
            else
                jsonToStdout = true;
        } else if (a.rfind("--json=", 0) == 0)
            jsonFile = a.substr(7);
        else if (a == "--csv")
            csvFile = value("--csv");
        else if (a.rfind("--csv=", 0) == 0)
            csvFile = a.substr(6);
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
    const auto model = studio::conv::graphForRuntime(studio::conv::importModel(path, common.import()), studio::rt::referenceConstantEvaluator());
    const double importMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    auto result = studio::rt::benchmark(model, options);
    result.importMs = importMs;
    if (!jsonFile.empty())
        writeReport(jsonFile, studio::rt::toJson(result).dump(2) + "\n", "--json");
    if (!csvFile.empty())
        writeReport(csvFile, studio::rt::toCsv(result), "--csv");
    if (jsonToStdout)
        std::cout << studio::rt::toJson(result).dump(2) << "\n";
    else if (jsonFile != "-" && csvFile != "-")
        std::cout << studio::rt::toText(result);
    return 0;
}

// The file name of a tensor in predict's output folder (see the usage): no folder parts, no
// hidden files, nothing a shell or another system would misread.
std::string fileStem(const std::string& tensor)
{
    std::string name = tensor;
    if (name.size() > 2 && name.compare(name.size() - 2, 2, ":0") == 0)
        name.resize(name.size() - 2);
    for (auto& c : name)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            c = '_';
    if (name.empty() || name[0] == '.')
        name.insert(0, "_");
    if (name.size() > 200) // file systems allow 255 bytes; room for the suffixes
        name.resize(200);
    return name;
}

// `stem`.npy, or `stem`-2.npy, -3, ... when taken (compared without case, for file systems
// that ignore it).
std::string uniqueFile(const std::string& stem, std::set<std::string>& taken)
{
    auto lower = [](std::string s) {
        for (auto& c : s)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    for (int k = 1;; ++k) {
        const std::string file = stem + (k == 1 ? "" : "-" + std::to_string(k)) + ".npy";
        if (taken.insert(lower(file)).second)
            return file;
    }
}

std::string bareName(const std::string& name)
{
    const auto colon = name.find(':');
    return colon == std::string::npos ? name : name.substr(0, colon);
}

std::string dimsText(const std::vector<std::int64_t>& dims)
{
    std::string s = "[";
    for (std::size_t k = 0; k < dims.size(); ++k)
        s += (k ? "," : "") + std::to_string(dims[k]);
    return s + "]";
}

constexpr const char* kPredictUsage = R"(usage: tfjs-studio-cli predict MODEL --output-dir DIR [--backend NAME] [--device N]
                               [--input NAME=FILE.npy]... [--seed S] [--dim N] [--max-memory SIZE]
Runs MODEL once and writes every output as a .npy file into DIR (replaced as a whole, atomically;
an existing DIR may hold only a previous predict output).
  --input NAME=FILE.npy  the value of input NAME (the placeholder's name, with or without ":0", or
                         its signature key): float32 (or float64 whose values are all exact
                         float32), int32 (int64 and uint8 too, when the values fit) or bool, the
                         input's dtype, shape fitting the model's (known dimensions must match)
  --seed S               inputs not given are generated as the benchmark makes them (float32 in
                         [-1, 1), int32 in [0, 10)) from seed S (default 1234) and written too
  --dim N                free dimensions of generated inputs other than the batch (default 1)
File names: a tensor's name without a ":0" suffix, every character other than letters, digits,
'.', '_' and '-' replaced by '_' and a leading '.' by '_' ("Identity:0" -> Identity.npy,
"a/b:1" -> a_b_1.npy); generated inputs are "input.NAME.npy"; a name already taken gets -2, -3...
DIR/predict.json lists every tensor with its file, shape and dtype, the backend, the device and
where the nodes ran.
)";

int cmdPredict(const std::vector<std::string>& args, const Common& common)
{
    std::string path, outDir, backendName;
    std::optional<int> device;
    std::uint32_t seed = 1234;
    std::int64_t dim = 1;
    std::vector<std::pair<std::string, std::string>> given; // NAME=FILE, in order
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&](const char* flag) -> std::string {
            if (i + 1 >= args.size())
                throw studio::Error(std::string("predict: ") + flag + " needs a value");
            return args[++i];
        };
        if (a == "--output-dir")
            outDir = value("--output-dir");
        else if (a == "--backend")
            backendName = value("--backend");
        else if (a == "--device")
            device = static_cast<int>(wholeNumber("predict", "--device", value("--device")));
        else if (a == "--seed") {
            const std::string v = value("--seed");
            std::size_t used = 0;
            long long n = -1;
            try {
                n = std::stoll(v, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != v.size() || n < 0 || n > 4294967295LL)
                throw studio::Error("predict: --seed: not a number from 0 to 4294967295: '" + v + "'");
            seed = static_cast<std::uint32_t>(n);
        } else if (a == "--dim") {
            dim = wholeNumber("predict", "--dim", value("--dim"));
            if (dim < 1)
                throw studio::Error("predict: --dim must be at least 1");
        } else if (a == "--input") {
            const std::string v = value("--input");
            const auto eq = v.find('=');
            if (eq == 0 || eq == std::string::npos || eq + 1 == v.size())
                throw studio::Error("predict: --input takes NAME=FILE.npy, got '" + v + "'");
            given.emplace_back(v.substr(0, eq), v.substr(eq + 1));
        } else if (a == "--help" || a == "-h") {
            std::cout << kPredictUsage;
            return 0;
        } else if (a.rfind("--", 0) == 0) {
            std::cerr << "error: predict: unrecognized argument: " << a << "\n" << kPredictUsage;
            return 2;
        } else if (path.empty())
            path = a;
        else {
            std::cerr << "error: predict: unexpected argument: " << a << "\n" << kPredictUsage;
            return 2;
        }
    }
    if (path.empty() || outDir.empty()) {
        std::cerr << "error: predict: " << (path.empty() ? "missing MODEL argument" : "missing --output-dir DIR") << "\n"
                  << kPredictUsage;
        return 2;
    }
    {
        std::error_code ec;
        if (std::filesystem::exists(outDir, ec) && !std::filesystem::is_directory(outDir, ec))
            throw studio::Error(outDir + ": output path exists and is not a folder");
    }

    const auto model = studio::conv::graphForRuntime(studio::conv::importModel(path, common.import()), studio::rt::referenceConstantEvaluator());

    // Each --input to a model input: by tensor name (with or without ":k") or signature key.
    struct Input {
        const studio::core::TensorSpec* spec = nullptr;
        std::string key;          // the session's name for it
        std::string givenFile;    // empty: generated
        std::string stored;       // the .npy dtype it came from
    };
    std::vector<Input> inputs;
    for (const auto& spec : model.inputs)
        inputs.push_back(Input{&spec, bareName(spec.name), {}, {}});
    auto known = [&] {
        std::string list;
        for (const auto& in : inputs)
            list += (list.empty() ? "'" : ", '") + in.key + "'";
        return list.empty() ? std::string("none") : list;
    };
    std::map<std::string, studio::rt::Tensor> feed;
    for (const auto& [name, file] : given) {
        auto it = std::find_if(inputs.begin(), inputs.end(), [&](const Input& in) {
            return in.key == name || in.spec->name == name || in.spec->key == name || in.key == bareName(name);
        });
        if (it == inputs.end())
            throw studio::Error("predict: --input " + name + "=" + file + ": the model has no input '" + name + "'; its inputs: " + known());
        if (!it->givenFile.empty())
            throw studio::Error("predict: input '" + it->key + "' is given twice (" + it->givenFile + ", " + file + ")");
        auto array = studio::rt::readNpy(file, common.maxMemory);
        const std::string where = "input '" + it->key + "' (" + file + ")";
        // The dtype must be the input's kind: float data for a float input, integers for an
        // integer one (TF.js runs every integer type as int32), bools for a bool one.
        if (const auto want = it->spec->tfDtype ? studio::core::dtypeFromTf(*it->spec->tfDtype) : std::nullopt) {
            using studio::core::DType;
            using studio::rt::NpyType;
            const bool floatInput = *want == DType::Float32 || *want == DType::Float16;
            const bool intInput = *want == DType::Int32 || *want == DType::Int64 || *want == DType::UInt8 || *want == DType::Int8
                || *want == DType::Int16 || *want == DType::UInt16;
            const bool isFloat = array.stored == NpyType::Float32 || array.stored == NpyType::Float64;
            const bool isInt = array.stored == NpyType::Int32 || array.stored == NpyType::Int64 || array.stored == NpyType::UInt8;
            const bool ok = floatInput ? isFloat : intInput ? isInt : *want == DType::Bool ? array.stored == NpyType::Bool : true;
            if (!ok)
                throw studio::Error(where + ": the file holds " + std::string(studio::rt::npyTypeName(array.stored))
                    + ", the model's input is " + std::string(studio::core::dtypeName(*want)));
        }
        if (it->spec->shape && !it->spec->shape->unknownRank) {
            const auto& dims = it->spec->shape->dims;
            bool fits = dims.size() == array.tensor.shape.size();
            for (std::size_t k = 0; fits && k < dims.size(); ++k)
                fits = dims[k] < 0 || dims[k] == array.tensor.shape[k];
            if (!fits)
                throw studio::Error(where + ": shape " + dimsText(array.tensor.shape) + " does not fit the model's "
                    + it->spec->shape->toString());
        }
        it->givenFile = file;
        it->stored = std::string(studio::rt::npyTypeName(array.stored));
        feed[it->key] = std::move(array.tensor);
    }
    // The others from the seed: one generator stream over all inputs in model order, so the
    // values of an input do not depend on which others were given.
    if (feed.size() < inputs.size()) {
        auto generated = studio::rt::makeInputs(model, seed, dim, common.maxMemory);
        for (const auto& in : inputs)
            if (in.givenFile.empty()) {
                auto g = generated.find(in.key);
                if (g == generated.end())
                    throw studio::Error("predict: input '" + in.key + "': no generated value for it");
                feed[in.key] = std::move(g->second);
            }
    }

    studio::rt::CompileOptions compile;
    compile.device = device;
    compile.maxMemoryBytes = common.maxMemory;
    for (const auto& [name, t] : feed)
        compile.inputShapes[name] = t.shape;
    const auto session = studio::rt::compile(model, backendName, compile);
    const auto run = session->run(feed);
    const auto& info = session->info();

    // Bool outputs come back as int32 0/1; the inferred dtypes say which they are.
    std::map<std::string, studio::core::DType> outputTypes;
    try {
        studio::core::InferOptions io;
        for (const auto& [name, dims] : compile.inputShapes)
            io.inputShapes[name] = studio::core::Shape{dims, false};
        const auto inferred = studio::core::inferShapes(model, io);
        const studio::core::GraphIndex index(model.graph);
        for (const auto& spec : model.outputs)
            if (const auto* t = inferred.find(model.graph, index, spec.name); t && t->dtype)
                outputTypes[spec.name] = *t->dtype;
    } catch (const studio::Error&) {
        // Without inferred types every int output is written as int32, which is what it holds.
    }

    nlohmann::ordered_json manifest;
    manifest["model"] = path;
    manifest["backend"] = info.backend;
    manifest["device"] = info.device;
    manifest["cpuDevice"] = info.cpuDevice;
    manifest["seed"] = seed;
    manifest["dim"] = dim;
    if (!info.placement.empty()) {
        auto& p = manifest["placement"] = nlohmann::ordered_json::object();
        for (const auto& [node, where] : info.placement)
            p[where] = p.value(where, 0) + 1;
        auto& cpu = manifest["cpuNodes"] = nlohmann::ordered_json::array();
        for (const auto& [node, where] : info.placement)
            if (where == "cpu")
                cpu.push_back(node);
    }
    std::set<std::string> taken{"predict.json"};
    std::vector<std::pair<std::string, std::pair<const studio::rt::Tensor*, studio::rt::NpyType>>> files;
    std::vector<studio::rt::Tensor> outputs;
    outputs.reserve(run.outputs.size());
    for (const auto& v : run.outputs)
        outputs.push_back(v.toHost());
    std::string summary = "predict: " + path + "\n  backend: " + info.backend + " on " + info.device
        + (info.cpuDevice ? " (a CPU device)" : "") + "\n";
    if (!info.placement.empty())
        summary += "  nodes: " + studio::rt::placementText(info.placement) + "\n";
    auto& inList = manifest["inputs"] = nlohmann::ordered_json::array();
    for (const auto& in : inputs) {
        const auto& t = feed.at(in.key);
        nlohmann::ordered_json entry = {{"name", in.key}, {"shape", t.shape}, {"dtype", t.isFloat() ? "float32" : "int32"}};
        if (in.givenFile.empty()) {
            const std::string file = uniqueFile("input." + fileStem(in.key), taken);
            files.push_back({file, {&t, t.isFloat() ? studio::rt::NpyType::Float32 : studio::rt::NpyType::Int32}});
            entry["file"] = file;
            entry["generated"] = true;
            summary += "  input '" + in.key + "' " + t.shapeText() + " " + entry["dtype"].get<std::string>() + ": generated (seed "
                + std::to_string(seed) + ") -> " + file + "\n";
        } else {
            entry["from"] = in.givenFile;
            entry["stored"] = in.stored;
            entry["generated"] = false;
            summary += "  input '" + in.key + "' " + t.shapeText() + " " + entry["dtype"].get<std::string>() + ": from " + in.givenFile + "\n";
        }
        inList.push_back(std::move(entry));
    }
    auto& outList = manifest["outputs"] = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < outputs.size(); ++k) {
        const std::string name = k < info.outputs.size() ? info.outputs[k]
            : k < model.outputs.size() ? model.outputs[k].name : "output_" + std::to_string(k);
        const auto& t = outputs[k];
        const auto typeIt = outputTypes.find(k < model.outputs.size() ? model.outputs[k].name : name);
        const bool isBool = !t.isFloat() && typeIt != outputTypes.end() && typeIt->second == studio::core::DType::Bool;
        const auto type = t.isFloat() ? studio::rt::NpyType::Float32 : isBool ? studio::rt::NpyType::Bool : studio::rt::NpyType::Int32;
        const std::string file = uniqueFile(fileStem(name), taken);
        files.push_back({file, {&t, type}});
        outList.push_back({{"name", name}, {"file", file}, {"shape", t.shape}, {"dtype", std::string(studio::rt::npyTypeName(type))}});
        summary += "  output '" + name + "' " + t.shapeText() + " " + std::string(studio::rt::npyTypeName(type)) + " -> " + file + "\n";
    }

    // Everything is computed; only now does the output folder appear, whole or not at all.
    studio::core::ReplaceableContents previous;
    previous.description = "a previous predict output (.npy files and predict.json)";
    previous.ourFiles = [](const std::filesystem::path& dir) {
        std::set<std::string> ours;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
            const std::string name = e.path().filename().string();
            if (name == "predict.json" || (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0))
                ours.insert(name);
        }
        return ours;
    };
    studio::core::AtomicDir dir(outDir, previous);
    for (const auto& [file, what] : files)
        studio::rt::writeNpy(dir.staging() / file, *what.first, what.second);
    studio::core::writeFileSynced(dir.staging() / "predict.json", manifest.dump(2) + "\n");
    dir.commit();
    std::cout << summary << "  wrote " << dir.target().string() << " (" << files.size() << " .npy files and predict.json)\n";
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
        const bool modelCommand = cmd == "convert" || cmd == "inspect" || cmd == "bench" || cmd == "check" || cmd == "pipeline"
            || cmd == "predict";
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
        if (cmd == "predict")
            return cmdPredict(args, common);
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
