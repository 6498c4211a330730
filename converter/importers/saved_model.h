// TensorFlow SavedModels (TF1 and TF2) and TF Hub modules, frozen natively into a graph model: the
// meta graph and signature chosen, function calls inlined, variables read from the checkpoint.
#pragma once

#include "converter/importers/importer.h"

#include <filesystem>
#include <memory>

namespace studio::conv {

// The graph of `options.signatureName` (default serving_default; TF Hub: default) in the meta
// graph tagged `options.savedModelTags` (TF1 Hub modules: the empty tag set), with every call
// inlined and every variable a Const whose weight comes from variables/ (one group, node order).
// `path` is the folder, its saved_model.pb, or (TF Hub) a .tar.gz module.
core::Model readSavedModel(const std::filesystem::path& path, const ImportOptions& options, Format format);

bool isSavedModelFolder(const std::filesystem::path& path);
bool isTfHubModule(const std::filesystem::path& path); // a TF1 module folder or a .tar.gz / .tgz

// The importers for Format::TfSavedModel and Format::TfHub.
std::unique_ptr<Importer> makeSavedModelImporter(Format format);

} // namespace studio::conv
