// The format and route tables.
#include "converter/formats.h"

#include <array>

namespace studio::conv {

namespace {

struct FormatRow {
    Format id;
    std::string_view name;
    std::string_view description;
};

constexpr std::array kFormats{
    FormatRow{Format::TfjsLayersModel, "tfjs_layers_model", "TensorFlow.js layers model"},
    FormatRow{Format::TfjsGraphModel, "tfjs_graph_model", "TensorFlow.js graph model"},
    FormatRow{Format::Keras, "keras", "Keras HDF5 model"},
    FormatRow{Format::KerasKeras, "keras_keras", "Keras 3 archive"},
    FormatRow{Format::KerasSavedModel, "keras_saved_model", "tf.keras SavedModel"},
    FormatRow{Format::TfSavedModel, "tf_saved_model", "TensorFlow SavedModel"},
    FormatRow{Format::TfHub, "tf_hub", "TensorFlow Hub module"},
    FormatRow{Format::TfFrozenModel, "tf_frozen_model", "frozen GraphDef"},
};

} // namespace

std::string_view formatName(Format format)
{
    for (const auto& r : kFormats)
        if (r.id == format)
            return r.name;
    return "?";
}

std::optional<Format> formatFromName(std::string_view name)
{
    for (const auto& r : kFormats)
        if (r.name == name)
            return r.id;
    return std::nullopt;
}

std::string_view formatDescription(Format format)
{
    for (const auto& r : kFormats)
        if (r.id == format)
            return r.description;
    return "?";
}

std::vector<Format> allFormats()
{
    std::vector<Format> out;
    for (const auto& r : kFormats)
        out.push_back(r.id);
    return out;
}

bool isTfjs(Format format)
{
    return format == Format::TfjsLayersModel || format == Format::TfjsGraphModel;
}

const std::vector<Route>& routes()
{
    using F = Format;
    constexpr auto P = RouteStatus::Pending;
    constexpr auto A = RouteStatus::Available;
    static const std::vector<Route> kRoutes{
        {F::Keras, F::TfjsLayersModel, A, false, false, false, "byte-identical to the reference converter"},
        {F::Keras, F::TfjsGraphModel, A, true, true, true,
            "layers lowered to TensorFlow ops, then the reference converter's passes"},
        {F::KerasKeras, F::TfjsLayersModel, A, false, false, false,
            "Keras 3 config and weights translated to the layout TF.js reads"},
        {F::KerasSavedModel, F::TfjsLayersModel, A, false, false, false,
            "model config from keras_metadata.pb, weights from the checkpoint, then the HDF5 route"},
        {F::TfSavedModel, F::TfjsGraphModel, A, false, true, true,
            "variables frozen, functions inlined, hash tables to modelInitializer, then the reference converter's passes"},
        {F::TfHub, F::TfjsGraphModel, A, false, true, true, "TF1 Hub modules (folder or .tar.gz) and TF2 hub SavedModels"},
        {F::TfFrozenModel, F::TfjsGraphModel, A, false, true, true,
            "the reference converter's Grappler and fusion passes (constant folding needs an evaluator from the caller)"},
        {F::TfjsLayersModel, F::Keras, A, false, false, false,
            "Keras 2 / tf.keras .h5 with the model config as read (the reference re-serializes it through tf_keras)"},
        {F::TfjsLayersModel, F::KerasKeras, P, false, false, false, "layers model to .keras: the Keras issue"},
        {F::TfjsLayersModel, F::KerasSavedModel, P, false, false, false, "not planned before the Keras issue"},
        {F::TfjsLayersModel, F::TfjsLayersModel, A, false, false, false, "re-shard / re-quantize"},
        {F::TfjsLayersModel, F::TfjsGraphModel, A, true, true, true,
            "layers lowered to TensorFlow ops, then the reference converter's passes"},
        {F::TfjsGraphModel, F::TfjsGraphModel, A, false, false, true,
            "re-shard / re-quantize (not a reference converter route)"},
    };
    return kRoutes;
}

const Route* findRoute(Format input, Format output)
{
    for (const auto& r : routes())
        if (r.input == input && r.output == output)
            return &r;
    return nullptr;
}

std::optional<Format> defaultOutputFormat(Format input)
{
    switch (input) {
    case Format::TfjsLayersModel:
    case Format::Keras:
    case Format::KerasSavedModel:
    case Format::KerasKeras: return Format::TfjsLayersModel;
    case Format::TfjsGraphModel:
    case Format::TfSavedModel:
    case Format::TfHub:
    case Format::TfFrozenModel: return Format::TfjsGraphModel;
    }
    return std::nullopt;
}

} // namespace studio::conv
