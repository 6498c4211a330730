// The importer interface and registry: one class per source format, named by a typed Format.
#pragma once

#include "converter/formats.h"
#include "core/error.h"
#include "core/ir/model.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace studio::conv {

// What an importer may need besides the path. Formats ignore what does not apply to them; the
// converter refuses flags that do not apply to the route before importing.
struct ImportOptions {
    std::optional<Format> format;          // nullopt: detect
    std::string savedModelTags = "serve";  // --saved_model_tags
    std::string signatureName;             // --signature_name (empty: the format's default)
    std::vector<std::string> outputNodeNames; // --output_node_names (frozen GraphDefs)
    std::uint64_t maxMemoryBytes = 0;      // --max-memory: the model's memory budget (0: the default)
    unsigned readerCpuSeconds = 0;         // CPU limit of a reader child (libhdf5); 0: 120 s
    CancelToken cancel;                    // polled between units of work; throws studio::Cancelled
    std::function<void(double)> progress;  // 0..1
};

class Importer {
public:
    virtual ~Importer() = default;
    virtual Format format() const = 0;
    std::string formatName() const { return std::string(conv::formatName(format())); }
    std::string description() const { return std::string(formatDescription(format())); }
    virtual std::string nameFilter() const = 0;     // for the open-file dialog: "*.json"
    virtual bool implemented() const { return true; }
    virtual bool opensFolders() const { return false; } // SavedModel / TF Hub folders
    // Whether this importer recognises the file or folder (cheap sniffing).
    virtual bool canRead(const std::filesystem::path& path) const = 0;
    virtual core::Model read(const std::filesystem::path& path, const ImportOptions& options) const = 0;
};

const std::vector<std::unique_ptr<Importer>>& importers();
const Importer* importerFor(Format format);

// Detects the input format; throws studio::Error naming the path when nothing matches.
Format detectInputFormat(const std::filesystem::path& path);

// Reads a model in options.format (or the detected format).
core::Model importModel(const std::filesystem::path& path, const ImportOptions& options = {});
core::Model importModel(const std::filesystem::path& path, Format format);

} // namespace studio::conv
