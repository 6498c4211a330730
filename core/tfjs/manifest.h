// The weightsManifest of model.json (FORMATS.md section 2): read into weight groups over the
// mapped shard files, checking every shard's size against it; written back from a weight plan.
#pragma once

#include "core/ir/weights.h"
#include "core/tfjs/weight_plan.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {

// Shard paths are resolved against baseDir; `file` names the model.json in messages.
std::vector<WeightGroup> parseManifest(const nlohmann::ordered_json& manifest, const std::filesystem::path& baseDir,
    const std::string& file);

// The manifest for a plan, with the quantization each written weight ended up with (one
// entry per planned weight; nullopt = stored plain).
nlohmann::ordered_json manifestToJson(const std::vector<PlannedGroup>& groups,
    const std::vector<std::vector<std::optional<Quantization>>>& quantizations);

} // namespace studio::core
