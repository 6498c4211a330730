// Flag parsing for `convert`, with tensorflowjs_converter's names, defaults and errors.
#include "converter/options.h"

#include "core/error.h"

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

// argparse type=bool: any non-empty value is true, only an empty value is false.
bool pythonBool(const std::optional<std::string>& v) { return !v || !v->empty(); }

const std::set<std::string> kInputFormats{"tf_saved_model", "tf_hub", "tf_frozen_model", "keras", "keras_saved_model",
    "keras_keras", "tfjs_layers_model", "tfjs_graph_model"};
const std::set<std::string> kOutputFormats{"tfjs_graph_model", "tfjs_layers_model", "keras", "keras_saved_model", "keras_keras"};

} // namespace

std::string convertUsage()
{
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
Patterns are shell wildcards on weight names ('*' also matches '/').
)";
}

ConvertOptions parseConvertArgs(const std::vector<std::string>& args)
{
    ConvertOptions o;
    std::vector<std::string> positional;
    bool newQuantFlags = false;
    auto takesValue = [](const std::string& flag) {
        static const std::set<std::string> kValued{"--input_format", "--output_format", "--signature_name",
            "--saved_model_tags", "--quantization_bytes", "--weight_shard_size_bytes", "--output_node_names",
            "--metadata"};
        return kValued.count(flag) > 0;
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
            std::size_t positionalsAfter = 0;
            for (std::size_t k = i + 2; k < args.size(); ++k)
                if (args[k].rfind("--", 0) != 0)
                    ++positionalsAfter;
                else if (args[k].find('=') == std::string::npos && takesValue(args[k]))
                    ++k; // skip that flag's value
            if (positional.size() + positionalsAfter >= 2)
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
        } else if (flag == "--output_node_names") {
            o.outputNodeNames = splitComma(*value);
        } else if (flag == "--metadata") {
            for (const auto& item : splitComma(*value)) {
                const auto parts = item.find(':');
                if (parts == std::string::npos || item.find(':', parts + 1) != std::string::npos)
                    fail("convert", "--metadata expects key:path.json items, got '" + item + "'");
                o.metadata.emplace_back(item.substr(0, parts), item.substr(parts + 1));
            }
        } else if (flag == "--split_weights_by_layer") {
            o.splitWeightsByLayer = true;
        } else if (flag == "--skip_op_check") {
            o.skipOpCheck = true;
        } else if (flag == "--strip_debug_ops") {
            o.stripDebugOps = pythonBool(value);
        } else if (flag == "--control_flow_v2") {
            o.controlFlowV2 = pythonBool(value);
        } else if (flag == "--use_structured_outputs_names") {
            o.useStructuredOutputsNames = pythonBool(value);
        } else if (flag == "--experiments") {
            o.experiments = pythonBool(value);
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
