// TensorFlow SavedModels (TF1 and TF2) and TF Hub modules, frozen natively into a graph model: the
// meta graph and signature chosen, function calls inlined, variables read from the checkpoint.
#pragma once

#include "converter/importers/importer.h"

#include <filesystem>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace studio::conv {

// The graph of `options.signatureName` (default serving_default; TF Hub: default) in the meta
// graph tagged `options.savedModelTags` (TF1 Hub modules: the empty tag set), with every call
// inlined and every variable a Const whose weight comes from variables/ (one group, node order).
// `path` is the folder, its saved_model.pb, or (TF Hub) a .tar.gz module.
core::Model readSavedModel(const std::filesystem::path& path, const ImportOptions& options, Format format);

bool isSavedModelFolder(const std::filesystem::path& path);
bool isTfHubModule(const std::filesystem::path& path); // a TF1 module folder or a .tar.gz / .tgz

// What a SavedModel folder offers, for pickers (the studio's tag-set and signature choices):
// every meta graph's tag set ("serve", "serve,gpu"; "" for the empty set of TF1 Hub modules) and
// its signatures, each with a one-line summary of its inputs and outputs. A .tar.gz module is not
// unpacked for this: it gives nothing. Throws studio::Error for a damaged saved_model.pb.
struct SavedModelSignature {
    std::string name;
    std::string summary; // "inputs: x float32 [-1,28,28,1]; outputs: y float32 [-1,10]"
};
struct SavedModelMetaGraph {
    std::string tags; // comma-separated, sorted
    std::vector<SavedModelSignature> signatures; // sorted by name
};
std::vector<SavedModelMetaGraph> describeSavedModel(const std::filesystem::path& path, std::uint64_t maxMemoryBytes = 0);

// The importers for Format::TfSavedModel and Format::TfHub.
std::unique_ptr<Importer> makeSavedModelImporter(Format format);

// The importer for Format::KerasSavedModel: a tf.keras SavedModel (with keras_metadata.pb) as a
// layers model, as the reference converts it through a temporary HDF5 file.
std::unique_ptr<Importer> makeKerasSavedModelImporter();

} // namespace studio::conv
