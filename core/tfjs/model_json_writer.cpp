// Building model.json: top-level keys in the converter's (or the source's) order, the topology
// serialized from the IR, the weights manifest from the plan.
#include "core/tfjs/model_json_writer.h"

#include "core/tfjs/graph_json.h"
#include "core/tfjs/keras_topology.h"
#include "core/tfjs/manifest.h"

namespace studio::core {

using Json = nlohmann::ordered_json;

Json modelJsonDocument(const Model& model, const std::vector<PlannedGroup>& groups,
    const std::vector<std::vector<std::optional<Quantization>>>& quantizations, const std::string& convertedBy)
{
    const bool graph = model.kind == ModelKind::GraphModel;
    const bool fromTfjs = !model.meta.keyOrder.empty();
    Json doc = Json::object();
    // Old layouts without a "format" key are written back without one (TF.js does not need it).
    if (!fromTfjs || model.meta.formatKey)
        doc["format"] = model.meta.formatKey.value_or(graph ? "graph-model" : "layers-model");
    if (model.meta.generatedBy)
        doc["generatedBy"] = *model.meta.generatedBy;
    else
        doc["generatedBy"] = nullptr;
    doc["convertedBy"] = convertedBy;
    // A signature read from userDefinedMetadata is written back there only (it is part of that object).
    if (graph && !model.meta.signature.is_null() && !model.meta.signatureInMetadata)
        doc["signature"] = model.meta.signature;
    if (!graph && !model.meta.userDefinedMetadata.is_null())
        doc["userDefinedMetadata"] = model.meta.userDefinedMetadata;
    if (graph)
        doc["modelTopology"] = graphToJson(model.graph);
    else if (model.kind == ModelKind::LayersModel)
        doc["modelTopology"] = kerasTopologyWithLayers(model.meta.modelTopology, model.layers, "model.json");
    else
        doc["modelTopology"] = model.meta.modelTopology; // weights only: whatever the source had, if anything
    if (graph && !model.meta.userDefinedMetadata.is_null())
        doc["userDefinedMetadata"] = model.meta.userDefinedMetadata;
    if (!model.meta.modelInitializer.is_null())
        doc["modelInitializer"] = model.meta.modelInitializer;
    if (!model.meta.initializerSignature.is_null())
        doc["initializerSignature"] = model.meta.initializerSignature;
    if (!model.meta.trainingConfig.is_null())
        doc["trainingConfig"] = model.meta.trainingConfig;
    for (const auto& [key, value] : model.meta.extraKeys.items())
        doc[key] = value;
    doc["weightsManifest"] = manifestToJson(groups, quantizations);
    if (!fromTfjs)
        return doc;
    // A TF.js input keeps its top-level key order, so an unchanged model.json stays byte-identical.
    Json ordered = Json::object();
    for (const auto& key : model.meta.keyOrder)
        if (doc.contains(key))
            ordered[key] = doc[key];
    for (const auto& [key, value] : doc.items())
        if (!ordered.contains(key))
            ordered[key] = value;
    return ordered;
}

} // namespace studio::core
