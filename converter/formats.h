// Model formats as typed ids, and the table of input -> output routes with what each runs. The
// CLI, the studio and the importers use these instead of comparing format strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::conv {

enum class Format {
    TfjsLayersModel,
    TfjsGraphModel,
    Keras,           // Keras HDF5 (.h5)
    KerasKeras,      // Keras 3 archive (.keras)
    KerasSavedModel, // tf.keras SavedModel folder
    TfSavedModel,
    TfHub,
    TfFrozenModel,
};

// The name as --input_format / --output_format spell it: "tfjs_layers_model", "keras", ...
std::string_view formatName(Format format);
std::optional<Format> formatFromName(std::string_view name);
std::string_view formatDescription(Format format);
std::vector<Format> allFormats();
bool isTfjs(Format format);

// What a conversion route does, stage by stage (ARCHITECTURE.md: import -> lower -> passes -> check -> write).
enum class RouteStatus {
    Available, // this build converts it
    Pending,   // the reference converter has it; this build does not yet (the note says which issue)
};

struct Route {
    Format input;
    Format output;
    RouteStatus status = RouteStatus::Available;
    bool lowerLayers = false;   // layers -> ops before the passes
    bool graphPasses = false;   // run the graph pass list (graph-model outputs)
    bool opCheck = false;       // the op check runs (unless --skip_op_check)
    std::string_view note;      // why pending, or what differs from the reference converter
};

// Every input/output pair the reference converter accepts (CONVERTER.md 1.4) plus our own
// TF.js graph -> graph re-shard / re-quantize.
const std::vector<Route>& routes();
const Route* findRoute(Format input, Format output);

// --output_format when not given: TF.js inputs keep their own format (the reference would pick
// Keras), the others as the reference infers; nullopt for .keras (the reference infers nothing).
std::optional<Format> defaultOutputFormat(Format input);

} // namespace studio::conv
