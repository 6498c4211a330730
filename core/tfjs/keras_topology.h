// The layer-level view of a Keras model config (as embedded in a layers-model model.json).
#pragma once

#include "core/ir/model.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {

struct KerasView {
    std::vector<Layer> layers;
    std::vector<TensorSpec> inputs;
    std::vector<TensorSpec> outputs;
    std::string modelClass;
    std::string kerasVersion;
};

// Accepts {"class_name", "config"} or {"model_config": {...}, "keras_version", ...}, Keras 2
// and Keras 3 inbound-node layouts, Sequential as list or as {"layers": [...]}. Refuses, naming
// the layer, what the writer and the executors would trip over later: a layer that is not an
// object or has no class_name, a config that is not an object, an inbound layer that does not
// exist, a non-positive units / filters / kernel_size. `where` starts with the file's name
// ("model.json: modelTopology").
KerasView kerasLayerView(const nlohmann::ordered_json& topology, const std::string& where);

// Refuses a kernel weight whose shape contradicts its layer's config (Dense: [in, units];
// Conv2D: [kh, kw, in, filters] with kernel_size [kh, kw]), as a transposed or swapped weight
// would be: the executors size their loops from the config. Other layers and weights pass.
void checkKernelShape(const Layer& layer, const std::string& weightName, const std::vector<std::int64_t>& shape,
    const std::string& file);

// The inverse for writing: `topology` (the source's, as read) with every layer's class_name
// and config taken from `layers`, matched by path. The topology keeps the structure (which
// layers exist, inbound nodes, model inputs and outputs): adding or removing a layer cannot
// be expressed and is refused with a studio::Error naming the layer and `file`.
nlohmann::ordered_json kerasTopologyWithLayers(const nlohmann::ordered_json& topology, const std::vector<Layer>& layers,
    const std::string& file);

} // namespace studio::core
