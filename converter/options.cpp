// Flag parsing for `convert`, with tensorflowjs_converter's names, defaults and errors.
#include "converter/options.h"

#include "converter/formats.h"
#include "core/error.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace studio::conv {

namespace {

std::vector<std::string> splitComma(const std::string& s)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

// The spellings a boolean flag accepts (the usual argparse str2bool set), any case.
std::optional<bool> boolWord(const std::string& word)
{
    std::string w = word;
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (w == "true" || w == "t" || w == "yes" || w == "y" || w == "1")
        return true;
    if (w == "false" || w == "f" || w == "no" || w == "n" || w == "0")
        return false;
    return std::nullopt;
}

const std::set<std::string> kBoolFlags{"--split_weights_by_layer", "--skip_op_check", "--strip_debug_ops",
    "--control_flow_v2", "--use_structured_outputs_names", "--experiments"};
// The reference declares these with argparse type=bool, so any non-empty value, "False"
// included, is True there (CONVERTER.md 1.2); the others are store_true switches.
const std::set<std::string> kArgparseTypeBool{"--strip_debug_ops", "--control_flow_v2",
    "--use_structured_outputs_names", "--experiments"};

// A boolean flag's value: absent = true, empty = false (as argparse type=bool), else a bool word.
bool flagBool(const std::string& flag, const std::optional<std::string>& value, std::vector<std::string>& warnings)
{
    if (!value)
        return true;
    if (value->empty())
        return false;
    const auto b = boolWord(*value);
    if (!b)
        fail("convert", "argument " + flag + ": invalid boolean value: '" + *value
                + "' (use true or false, yes or no, 1 or 0)");
    if (!*b && kArgparseTypeBool.count(flag))
        warnings.push_back(flag + " " + *value + ": taken as false; note that tensorflowjs_converter reads any "
                + "non-empty value of this flag as True (argparse type=bool)");
    return *b;
}

const std::set<std::string> kInputFormats{"tf_saved_model", "tf_hub", "tf_frozen_model", "keras", "keras_saved_model",
    "keras_keras", "tfjs_layers_model", "tfjs_graph_model"};
const std::set<std::string> kOutputFormats{"tfjs_graph_model", "tfjs_layers_model", "keras", "keras_saved_model", "keras_keras"};

} // namespace

std::vector<std::string> unsupportedOptionProblems(const ConvertOptions& o, const std::string& inputFormat,
    const std::string& outputFormat)
{
    std::vector<std::string> problems;
    const std::string route = inputFormat + " -> " + outputFormat;
    const bool graphOut = outputFormat == "tfjs_graph_model";
    const bool savedModelIn = inputFormat == "tf_saved_model" || inputFormat == "tf_hub";
    if (o.savedModelTagsGiven && !savedModelIn)
        problems.push_back("--saved_model_tags applies only to tf_saved_model / tf_hub input; the input format is "
            + inputFormat);
    // On routes to tfjs_graph_model the op check runs (converter/op_check.h, which takes
    // stripDebugOps), so convert honours these two there; elsewhere nothing reads them.
    if (o.skipOpCheckGiven && !graphOut)
        problems.push_back("--skip_op_check has no effect: the op check runs only when the output format is "
                           "tfjs_graph_model; the output format is " + outputFormat);
    if (o.stripDebugOpsGiven && !graphOut)
        problems.push_back("--strip_debug_ops has no effect: debug ops are stripped only when the output format is "
                           "tfjs_graph_model; the output format is " + outputFormat);
    // --experiments tunes TensorFlow's graph optimisation (Grappler), which runs only when a
    // TensorFlow or Keras model becomes a graph model; a TF.js graph model is not re-optimised.
    if (o.experimentsGiven && !(graphOut && inputFormat != "tfjs_graph_model"))
        problems.push_back("--experiments applies only when a TensorFlow or Keras model is converted to "
                           "tfjs_graph_model (it tunes the graph optimisation); the route is " + route);
    // The reference forwards it for SavedModel signatures and Keras HDF5 -> graph model only
    // (not for tfjs_layers_model -> tfjs_graph_model, CONVERTER.md 1.4 row 12).
    if (o.useStructuredOutputsNamesGiven && !(graphOut && (savedModelIn || inputFormat == "keras")))
        problems.push_back("--use_structured_outputs_names applies only to tf_saved_model / tf_hub / keras input "
                           "converted to tfjs_graph_model; the route is " + route);
    // A Keras .h5 holds float32 values: quantizing is for TF.js outputs (the reference drops the flags).
    if (!o.quantization.empty() && outputFormat == "keras")
        problems.push_back("--quantize_* / --quantization_bytes apply only to TF.js outputs; a Keras .h5 file holds "
                           "float32 weights (quantized input weights are written dequantized)");
    if (o.splitWeightsByLayerGiven
        && !((inputFormat == "keras" || inputFormat == "keras_saved_model") && outputFormat == "tfjs_layers_model"))
        problems.push_back("--split_weights_by_layer applies only to keras / keras_saved_model input converted to "
                           "tfjs_layers_model; the route is " + route);
    return problems;
}

std::string supportedConversionsText()
{
    // Inputs with no available route at all are named once; the pending routes of the other
    // inputs are listed one by one.
    std::set<Format> convertible;
    std::string available;
    for (const auto& r : routes())
        if (r.status == RouteStatus::Available) {
            convertible.insert(r.input);
            available += std::string(available.empty() ? "" : ", ") + std::string(formatName(r.input)) + " -> "
                + std::string(formatName(r.output));
        }
    std::string pendingInputs, pendingRoutes;
    std::set<Format> named;
    for (const auto& r : routes()) {
        if (r.status == RouteStatus::Available)
            continue;
        if (!convertible.count(r.input)) {
            if (named.insert(r.input).second)
                pendingInputs += std::string(pendingInputs.empty() ? "" : ", ") + std::string(formatName(r.input))
                    + " (" + std::string(formatDescription(r.input)) + ")";
        } else {
            pendingRoutes += std::string(pendingRoutes.empty() ? "" : ", ") + std::string(formatName(r.input)) + " -> "
                + std::string(formatName(r.output));
        }
    }
    std::string text = "this build converts " + (available.empty() ? std::string("nothing") : available);
    if (!pendingInputs.empty())
        text += "; not yet: input " + pendingInputs;
    if (!pendingRoutes.empty())
        text += (pendingInputs.empty() ? "; not yet: " : "; nor ") + pendingRoutes;
    return text;
}

std::string convertUsage()
{
    std::string supported = supportedConversionsText();
    supported[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(supported[0])));
    return R"(usage: tfjs-studio-cli convert [options] INPUT_PATH OUTPUT_PATH

Converts a model to the TensorFlow.js format, with tensorflowjs_converter's flags.

  --input_format=FMT        tf_saved_model | tf_hub | tf_frozen_model | keras | keras_saved_model |
                            keras_keras | tfjs_layers_model | tfjs_graph_model (default: detected)
  --output_format=FMT       tfjs_layers_model | tfjs_graph_model | keras | keras_saved_model | keras_keras
  --quantize_uint8[=P,..]   1-byte affine quantization of the weights matching the patterns (all if none)
  --quantize_uint16[=P,..]  2-byte affine quantization
  --quantize_float16[=P,..] float16 quantization
  --quantization_bytes=1|2  deprecated: uint8 / uint16 for all weights
  --weight_shard_size_bytes=N  shard size in bytes (default 4194304)
  --split_weights_by_layer  one weight group per layer (Keras input)
  --signature_name=NAME     SavedModel / TF Hub signature
  --saved_model_tags=TAGS   comma-separated tag set (default serve)
  --output_node_names=A,B   outputs of a frozen GraphDef
  --skip_op_check           do not fail on ops TensorFlow.js cannot run
  --strip_debug_ops=BOOL    remove Assert/CheckNumerics/Print (default true)
  --control_flow_v2=BOOL    keep functional If/While
  --use_structured_outputs_names=BOOL
  --experiments=BOOL
  --metadata=KEY:FILE,...   JSON files stored in userDefinedMetadata
  --max-memory=SIZE         tfjs-studio: the model's memory budget (512M, 4G; default: half the RAM)
  --report=FILE             tfjs-studio: write the conversion report (op checks, passes, files) as JSON
  --verbose                 tfjs-studio: print every pass's report, also the passes that changed nothing
Patterns are shell wildcards on weight names ('*' also matches '/').
Boolean flags: alone = true, or followed by true/false (yes/no, 1/0).
)" + supported + ".\n";
}

ConvertOptions parseConvertArgs(const std::vector<std::string>& args)
{
    ConvertOptions o;
    std::vector<std::string> positional;
    bool newQuantFlags = false;
    auto takesValue = [](const std::string& flag) {
        static const std::set<std::string> kValued{"--input_format", "--output_format", "--signature_name",
            "--saved_model_tags", "--quantization_bytes", "--weight_shard_size_bytes", "--output_node_names",
            "--metadata", "--report"};
        return kValued.count(flag) > 0;
    };
    // Whether the two paths still follow once args[next] is taken as a flag's optional value:
    // only then is that word the flag's, so "--quantize_uint8 IN OUT" keeps both paths.
    auto pathsFollow = [&](std::size_t next) {
        std::size_t positionalsAfter = 0;
        for (std::size_t k = next + 1; k < args.size(); ++k)
            if (args[k].rfind("--", 0) != 0)
                ++positionalsAfter;
            else if (args[k].find('=') == std::string::npos && takesValue(args[k]))
                ++k; // skip that flag's value
        return positional.size() + positionalsAfter >= 2;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0) {
            positional.push_back(a);
            continue;
        }
        std::string flag = a;
        std::optional<std::string> value;
        if (const auto eq = a.find('='); eq != std::string::npos) {
            flag = a.substr(0, eq);
            value = a.substr(eq + 1);
        } else if (takesValue(flag)) {
            if (i + 1 >= args.size())
                fail("convert", "argument " + flag + ": expected one argument");
            value = args[++i];
        } else if (flag.rfind("--quantize_", 0) == 0 && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
            // argparse nargs='?': "--quantize_uint8 conv*,dense* IN OUT" takes the patterns. Unlike
            // argparse we take the next word only when the two paths still follow, so that
            // "--quantize_uint8 IN OUT" means all weights instead of failing.
            if (pathsFollow(i + 1))
                value = args[++i];
        } else if (kBoolFlags.count(flag) && i + 1 < args.size() && boolWord(args[i + 1]) && pathsFollow(i + 1)) {
            // "--strip_debug_ops False IN OUT": the word is the flag's value, not the input path.
            value = args[++i];
        }
        if (flag == "--input_format") {
            if (!kInputFormats.count(*value))
                fail("convert", "argument --input_format: invalid choice: '" + *value + "'");
            o.inputFormat = *value;
        } else if (flag == "--output_format") {
            if (!kOutputFormats.count(*value))
                fail("convert", "argument --output_format: invalid choice: '" + *value + "'");
            o.outputFormat = *value;
        } else if (flag == "--weight_shard_size_bytes") {
            long long n = 0;
            std::size_t used = 0;
            try {
                n = std::stoll(*value, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != value->size() || value->empty())
                fail("convert", "argument --weight_shard_size_bytes: invalid int value: '" + *value + "'");
            if (n <= 0)
                fail("convert", "Expected weight_shard_size_bytes to be a positive integer, but got " + *value);
            o.shardSize = static_cast<std::uint64_t>(n);
            o.shardSizeGiven = true;
        } else if (flag == "--quantize_uint8" || flag == "--quantize_uint16" || flag == "--quantize_float16") {
            const auto storage = flag == "--quantize_uint8" ? core::DType::UInt8
                : flag == "--quantize_uint16"               ? core::DType::UInt16
                                                            : core::DType::Float16;
            o.quantization.add(storage, value ? splitComma(*value) : std::vector<std::string>{});
            newQuantFlags = true;
        } else if (flag == "--quantization_bytes") {
            if (*value != "1" && *value != "2")
                fail("convert", "argument --quantization_bytes: invalid choice: '" + *value + "' (choose from 1, 2)");
            o.quantizationBytes = std::stoi(*value);
            o.warnings.push_back("--quantization_bytes is deprecated; use --quantize_uint8 or --quantize_uint16");
        } else if (flag == "--signature_name") {
            o.signatureName = *value;
        } else if (flag == "--saved_model_tags") {
            o.savedModelTags = *value;
            o.savedModelTagsGiven = true;
        } else if (flag == "--output_node_names") {
            o.outputNodeNames = splitComma(*value);
        } else if (flag == "--metadata") {
            for (const auto& item : splitComma(*value)) {
                const auto parts = item.find(':');
                if (parts == std::string::npos || item.find(':', parts + 1) != std::string::npos)
                    fail("convert", "--metadata expects key:path.json items, got '" + item + "'");
                o.metadata.emplace_back(item.substr(0, parts), item.substr(parts + 1));
            }
        } else if (flag == "--report") {
            if (value->empty())
                fail("convert", "argument --report: expected a file name");
            o.reportPath = *value;
        } else if (flag == "--verbose") {
            if (value)
                fail("convert", "argument --verbose: takes no value");
            o.verbose = true;
        } else if (flag == "--split_weights_by_layer") {
            o.splitWeightsByLayer = flagBool(flag, value, o.warnings);
            o.splitWeightsByLayerGiven = true;
        } else if (flag == "--skip_op_check") {
            o.skipOpCheck = flagBool(flag, value, o.warnings);
            o.skipOpCheckGiven = true;
        } else if (flag == "--strip_debug_ops") {
            o.stripDebugOps = flagBool(flag, value, o.warnings);
            o.stripDebugOpsGiven = true;
        } else if (flag == "--control_flow_v2") {
            o.controlFlowV2 = flagBool(flag, value, o.warnings);
        } else if (flag == "--use_structured_outputs_names") {
            o.useStructuredOutputsNames = flagBool(flag, value, o.warnings);
            o.useStructuredOutputsNamesGiven = true;
        } else if (flag == "--experiments") {
            o.experiments = flagBool(flag, value, o.warnings);
            o.experimentsGiven = true;
        } else {
            fail("convert", "unrecognized argument: " + a);
        }
    }
    if (o.quantizationBytes) {
        if (newQuantFlags)
            fail("convert", "--quantization_bytes cannot be used with the new quantization flags");
        o.quantization.add(*o.quantizationBytes == 1 ? core::DType::UInt8 : core::DType::UInt16, {});
    }
    if (positional.empty())
        fail("convert", "Missing input_path argument. For usage, use the --help flag.");
    if (positional.size() < 2)
        fail("convert", "Missing output_path argument. For usage, use the --help flag.");
    if (positional.size() > 2)
        fail("convert", "unrecognized arguments: " + positional[2]);
    o.inputPath = positional[0];
    o.outputPath = positional[1];
    return o;
}

} // namespace studio::conv
