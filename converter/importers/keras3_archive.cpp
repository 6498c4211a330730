// The .keras archive importer: zip members read in the parent with limits, the weights file
// extracted to a private temporary folder and read by the HDF5 reader child (keras3.h).
#include "converter/importers/child_process.h"
#include "converter/importers/keras3.h"
#include "converter/importers/keras_h5.h"
#include "converter/importers/keras_h5_contents.h"
#include "converter/importers/zip_archive.h"
#include "core/error.h"
#include "core/io/memory_budget.h"
#include "core/tfjs/json_limits.h"

#include <set>

namespace studio::conv {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

std::string className(const Json& j)
{
    if (j.is_object() && j.contains("class_name") && j["class_name"].is_string())
        return j["class_name"].get<std::string>();
    return {};
}

} // namespace

core::Model readKerasArchive(const fs::path& path, const ImportOptions& options)
{
    const std::string label = path.filename().string();
    std::error_code ec;
    if (!fs::exists(path, ec))
        fail(label, "no such file (" + path.string() + ")");
    if (fs::is_directory(path, ec))
        fail(label, "is a folder, expected a .keras file (a zip archive)");
    const std::uint64_t budget = core::memoryBudgetOr(options.maxMemoryBytes);
    ZipArchive zip(path, label);
    for (const char* member : {"config.json", "metadata.json", "model.weights.h5"})
        if (!zip.contains(member))
            fail(label, std::string("the .keras archive has no ") + member + " (not a Keras 3 model file, or damaged)");
    constexpr std::uint64_t kMaxConfigBytes = std::uint64_t{256} << 20;
    const std::string configText = zip.read("config.json", kMaxConfigBytes);
    const std::string metadataText = zip.read("metadata.json", std::uint64_t{1} << 20);
    Location where;
    where.file = label;
    where.field = "config.json";
    const Json config = core::parseJsonLimited(configText, where);
    if (!config.is_object() || className(config).empty() || !config.contains("config"))
        fail(where, "is not a Keras model config (expected an object with class_name and config)");
    where.field = "metadata.json";
    const Json metadata = core::parseJsonLimited(metadataText, where);
    if (!metadata.is_object() || !metadata.contains("keras_version") || !metadata["keras_version"].is_string())
        fail(where, "has no keras_version");
    options.cancel.check();

    TempFolder tmp("tfjs-studio-keras-");
    const fs::path weightsPath = tmp.path() / "model.weights.h5";
    zip.extract("model.weights.h5", weightsPath, budget);
    if (options.progress)
        options.progress(0.3);
    const std::string weightsLabel = label + " (model.weights.h5)";
    KerasH5Contents contents = decodeH5Stream(runH5Reader(weightsPath, {"--keras3-weights"}, weightsLabel, options), weightsLabel, &weightsPath);
    if (options.progress)
        options.progress(0.9);

    Keras3WeightNamer namer(config, label);
    std::set<std::string> seen;
    for (auto& w : contents.weights) {
        const std::string name = namer.name(w);
        if (!seen.insert(name).second)
            fail(label, "two weights would both be named '" + name + "' (the second is '" + w.fullPath + "')");
        // The top-level layer, for the kernel-shape check against its config.
        w.layer = name.substr(0, name.find('/'));
        w.listedName = name;
    }
    namer.checkComplete();
    contents.weightsOnly = false;
    contents.keras3Named = true;
    contents.kerasVersion = metadata["keras_version"].get<std::string>();
    contents.backend.reset();
    contents.modelConfig = configText;
    contents.trainingConfig.reset();
    auto model = buildKerasModel(contents, path);
    model.meta.format = "keras_keras";
    return model;
}

} // namespace studio::conv
