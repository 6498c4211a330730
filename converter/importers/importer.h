// The importer interface and registry: one class per source format.
#pragma once

#include "core/ir/model.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace studio::conv {

class Importer {
public:
    virtual ~Importer() = default;
    virtual std::string formatName() const = 0;     // "tfjs_layers_model", as --input_format spells it
    virtual std::string description() const = 0;    // "TensorFlow.js layers model"
    virtual std::string nameFilter() const = 0;     // for the open-file dialog: "model.json"
    virtual bool implemented() const { return true; }
    // Whether this importer recognises the file or folder (cheap sniffing).
    virtual bool canRead(const std::filesystem::path& path) const = 0;
    virtual core::Model read(const std::filesystem::path& path) const = 0;
};

const std::vector<std::unique_ptr<Importer>>& importers();
const Importer* importerFor(const std::string& formatName);

// Detects the input format; throws studio::Error naming the path when nothing matches.
std::string detectInputFormat(const std::filesystem::path& path);

// Reads a model in the given (or detected) format.
core::Model importModel(const std::filesystem::path& path, const std::string& formatName = {});

} // namespace studio::conv
