// core::Model: the one intermediate representation that crosses module borders.
#pragma once

#include "core/ir/dtype.h"
#include "core/ir/graph.h"
#include "core/ir/shape.h"
#include "core/ir/weights.h"

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {

enum class ModelKind {
    LayersModel, // Keras layer graph (TF.js layers-model)
    GraphModel,  // TensorFlow op graph (TF.js graph-model)
    WeightsOnly, // weights without a usable topology
};

std::string_view modelKindName(ModelKind kind);

struct TensorSpec {
    std::string key;  // signature key (graph models) or layer name (layers models)
    std::string name; // tensor name, "input_1:0"
    std::optional<int> tfDtype; // TensorFlow DataType number when known
    std::optional<Shape> shape;
};

// One Keras layer as the layer-level view of a layers model.
struct Layer {
    std::string name;
    std::string className;
    nlohmann::ordered_json config;
    std::vector<std::string> inboundLayers; // names of layers feeding this one
    std::string path; // "model/inner/dense" for layers of nested models
};

// What the source format said about itself, kept verbatim for writing back.
struct SourceMetadata {
    std::string format;      // detected source format: "tfjs_layers_model", "tfjs_graph_model", ...
    std::optional<std::string> formatKey; // model.json "format" as read (absent in old layouts)
    std::optional<std::string> generatedBy;
    std::optional<std::string> convertedBy;
    bool generatedByNull = false; // key present with null value
    bool convertedByNull = false;
    nlohmann::ordered_json modelTopology;        // layers: Keras JSON as read; the writer puts model.layers into it
    nlohmann::ordered_json signature;            // SignatureDef JSON or null
    bool signatureInMetadata = false;            // old layout: it came from userDefinedMetadata.signature
    nlohmann::ordered_json userDefinedMetadata;  // or null
    nlohmann::ordered_json modelInitializer;     // or null
    nlohmann::ordered_json initializerSignature; // or null
    nlohmann::ordered_json trainingConfig;       // or null
    std::vector<std::string> keyOrder;            // top-level key order of the source model.json
    nlohmann::ordered_json extraKeys = nlohmann::ordered_json::object(); // unknown top-level keys
};

struct Model {
    ModelKind kind = ModelKind::GraphModel;
    std::string sourcePath;
    Graph graph;                 // op-level graph (graph models)
    std::vector<Layer> layers;   // layer-level view (layers models)
    std::vector<TensorSpec> inputs;
    std::vector<TensorSpec> outputs;
    std::vector<WeightGroup> weightGroups;
    SourceMetadata meta;

    std::size_t weightCount() const
    {
        std::size_t n = 0;
        for (const auto& g : weightGroups)
            n += g.weights.size();
        return n;
    }
};

} // namespace studio::core
