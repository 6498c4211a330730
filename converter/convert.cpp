// Conversion driver: checks the format pair and flags the way tensorflowjs_converter does.
#include "converter/convert.h"

#include "converter/importers/importer.h"
#include "core/error.h"

#include <chrono>
#include <fstream>

namespace studio::conv {

namespace fs = std::filesystem;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void applyMetadata(core::Model& model, const ConvertOptions& o)
{
    if (o.metadata.empty())
        return;
    if (!model.meta.userDefinedMetadata.is_object())
        model.meta.userDefinedMetadata = nlohmann::ordered_json::object();
    for (const auto& [key, path] : o.metadata) {
        std::ifstream in(path, std::ios::binary);
        nlohmann::ordered_json value;
        try {
            if (!in)
                throw std::runtime_error("cannot open");
            value = nlohmann::ordered_json::parse(in);
        } catch (const std::exception&) {
            fail(path, "Loading metadata error: the path is expected to contain valid JSON content, but cannot read "
                       "valid JSON content from " + path + ".");
        }
        model.meta.userDefinedMetadata[key] = value;
    }
}

// One weight group per layer that has weights, in the order the weights were read.
void splitByLayer(core::Model& model)
{
    std::vector<core::WeightGroup> groups;
    for (auto& g : model.weightGroups)
        for (auto& w : g.weights) {
            if (groups.empty() || groups.back().weights.back().layer != w.layer)
                groups.emplace_back();
            groups.back().weights.push_back(std::move(w));
        }
    model.weightGroups = std::move(groups);
}

} // namespace

std::string defaultOutputFormat(const std::string& inputFormat)
{
    if (inputFormat == "tfjs_layers_model" || inputFormat == "keras" || inputFormat == "keras_saved_model")
        return "tfjs_layers_model";
    if (inputFormat == "keras_keras")
        return {}; // the reference infers nothing for .keras input
    return "tfjs_graph_model";
}

core::WriteReport writeModel(const core::Model& model, const ConvertOptions& o, const ConvertHooks& hooks)
{
    core::WriteOptions w;
    w.shardSize = o.shardSize;
    w.quantization = o.quantization;
    w.cancelled = hooks.cancelled;
    if (hooks.progress)
        w.progress = [&](double f) { hooks.progress("writing weights", f); };
    return core::writeTfjsModel(model, o.outputPath, w);
}

ConvertResult convert(const ConvertOptions& o, const ConvertHooks& hooks)
{
    ConvertResult r;
    r.inputFormat = o.inputFormat.empty() ? detectInputFormat(o.inputPath) : o.inputFormat;
    if (!o.signatureName.empty() && r.inputFormat != "tf_saved_model" && r.inputFormat != "tf_hub")
        fail("convert", "The --signature_name flag is applicable only to \"tf_saved_model\" and \"tf_hub\" input "
                        "format, but the current input format is \"" + r.inputFormat + "\".");
    if (r.inputFormat == "tf_frozen_model" && o.outputNodeNames.empty())
        fail("convert", "The --output_node_names flag is required for \"tf_frozen_model\"");
    // TF.js inputs default to their own format (re-shard / re-quantize); others as the reference converter infers.
    r.outputFormat = o.outputFormat.empty() ? defaultOutputFormat(r.inputFormat) : o.outputFormat;
    const bool tfjsOut = r.outputFormat == "tfjs_layers_model" || r.outputFormat == "tfjs_graph_model";
    if (o.shardSizeGiven && !tfjsOut)
        fail("convert", "The --weight_shard_size_bytes flag is only supported when output_format is tfjs_layers_model "
                        "or tfjs_graph_model.");
    if (o.controlFlowV2 && r.outputFormat != "tfjs_graph_model")
        fail("convert", "The --control_flow_v2 flag is applicable only to \"tfjs_graph_model\" as output format.");
    const bool supportedPair = (r.inputFormat == "tfjs_layers_model" && r.outputFormat == "tfjs_layers_model")
        || (r.inputFormat == "tfjs_graph_model" && r.outputFormat == "tfjs_graph_model")
        || (r.inputFormat == "keras" && r.outputFormat == "tfjs_layers_model");
    const Importer* importer = importerFor(r.inputFormat);
    if (importer && !importer->implemented())
        importer->read(o.inputPath); // throws the "not supported by this build yet" message
    if (r.inputFormat == "tf_frozen_model" && r.outputFormat == "tfjs_graph_model")
        fail(o.inputPath, "converting a frozen GraphDef needs the graph optimization passes (constant folding, "
                          "op fusion) that tensorflowjs_converter runs; they are not in this build yet. "
                          "The model can be opened, inspected and op-checked.");
    if (!supportedPair)
        fail("convert", "Unsupported input_format - output_format pair: " + r.inputFormat + " - " + r.outputFormat);

    std::error_code ec;
    if (fs::exists(o.outputPath, ec) && !fs::is_directory(o.outputPath, ec))
        fail(o.outputPath, "output path exists and is a file, not a folder");

    if (hooks.progress)
        hooks.progress("reading", 0.0);
    auto t0 = std::chrono::steady_clock::now();
    core::Model model = importModel(o.inputPath, r.inputFormat);
    if (model.kind == core::ModelKind::WeightsOnly) {
        // The reference converter writes a weights-only HDF5 file with a null topology; a bare
        // TF.js weights manifest has nothing a converter could add.
        if (r.inputFormat != "keras")
            fail(model.sourcePath, "has weights but no model topology; TensorFlow.js cannot load it as a model");
        r.warnings.push_back(model.sourcePath + ": weights-only HDF5 file (no model_config): model.json gets a null "
                                                "modelTopology, which TensorFlow.js cannot load as a model");
    }
    if (o.splitWeightsByLayer && r.inputFormat == "keras")
        splitByLayer(model);
    applyMetadata(model, o);
    r.readSeconds = secondsSince(t0);

    t0 = std::chrono::steady_clock::now();
    r.written = writeModel(model, o, hooks);
    r.writeSeconds = secondsSince(t0);
    if (hooks.progress)
        hooks.progress("done", 1.0);
    return r;
}

} // namespace studio::conv
