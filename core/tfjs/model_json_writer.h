// The model.json document the writer produces, built from the IR (not from the source's JSON).
#pragma once

#include "core/ir/model.h"
#include "core/tfjs/weight_plan.h"

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {

// The model.json document the writer would produce for a given plan. The topology comes from
// the IR: graphToJson(model.graph) for graph models, the Keras topology with model.layers'
// classes and configs for layers models. A TF.js source keeps its top-level key order, so an
// unchanged model is written byte for byte as the Python converter wrote it.
nlohmann::ordered_json modelJsonDocument(const Model& model, const std::vector<PlannedGroup>& groups,
    const std::vector<std::vector<std::optional<Quantization>>>& quantizations, const std::string& convertedBy);

} // namespace studio::core
