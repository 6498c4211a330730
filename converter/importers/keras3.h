// Keras 3: the .keras archive importer, and the translation of Keras 3's config and weight
// layout (also found in .h5 files that Keras 3 wrote) to the Keras 2 layout that TF.js's layers
// loader and the rest of the converter read.
#pragma once

#include "converter/importers/importer.h"
#include "core/ir/model.h"

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace studio::conv {

struct H5Weight;

// Whether a model_config is in Keras 3's layout: keras_version 3.x, or (whatever the version
// says) DTypePolicy objects, InputLayer batch_shape or {"args", "kwargs"} inbound nodes in it.
bool isKeras3Config(const nlohmann::ordered_json& modelConfig, const std::optional<std::string>& kerasVersion);

// The model_config in the layout TF.js 4.22 reads: no module / registered_name / build_config /
// compile_config / shared_object_id keys, dtype policies as their dtype name, InputLayer's
// batch_shape as batch_input_shape, inbound nodes as [[layer, node, tensor, kwargs], ...] lists,
// input_layers / output_layers as lists of triples. `label` names the file in errors.
nlohmann::ordered_json translateKeras3Config(const nlohmann::ordered_json& modelConfig, const std::string& label);

// The TF.js name of a weight from a .keras archive's model.weights.h5 ("layers/dense/vars/0" ->
// "dense/kernel"), found by walking the Keras 3 (untranslated) model config the way Keras 3
// named the groups. Throws naming the layer when the layout or the layer's class is unknown.
class Keras3WeightNamer {
public:
    Keras3WeightNamer(const nlohmann::ordered_json& modelConfig, std::string label);
    std::string name(const H5Weight& weight);
    // After every weight was named: each layer has all the variables its class and config need.
    void checkComplete() const;

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
};

// The TF.js name of a weight from a Keras-3-written .h5 file: weights of a nested model
// ("inner/inner_dense/kernel" in group "inner") lose the model's name, as TF.js names them.
std::string keras3H5WeightName(const nlohmann::ordered_json& modelConfig, const std::string& group,
    const std::string& listedName);

// A .keras archive (zip: config.json, metadata.json, model.weights.h5) -> layers model. The
// weights file is extracted to a private temporary folder and read by the HDF5 reader child.
core::Model readKerasArchive(const std::filesystem::path& path, const ImportOptions& options = {});

} // namespace studio::conv
