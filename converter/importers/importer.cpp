// The importer registry and format detection.
#include "converter/importers/importer.h"

#include "converter/importers/graph_def.h"
#include "converter/importers/keras3.h"
#include "converter/importers/keras_h5.h"
#include "converter/importers/saved_model.h"
#include "converter/options.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "core/tfjs/json_limits.h"

#include <fstream>

namespace studio::conv {

namespace fs = std::filesystem;

namespace {

// First bytes of a file, for sniffing.
std::string head(const fs::path& p, std::size_t n)
{
    std::ifstream in(p, std::ios::binary);
    std::string s(n, '\0');
    in.read(s.data(), static_cast<std::streamsize>(n));
    s.resize(static_cast<std::size_t>(in.gcount()));
    return s;
}

// The first bytes of a JSON file as text: a UTF-8 byte order mark (Windows editors write one,
// and the parser skips it) is not part of the document.
std::string jsonHead(const fs::path& p, std::size_t n) { return std::string(core::skipUtf8Bom(head(p, n))); }

fs::path modelJsonOf(const fs::path& p)
{
    std::error_code ec;
    return fs::is_directory(p, ec) ? p / "model.json" : p;
}

bool isJson(const fs::path& p)
{
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
        return false;
    const auto h = jsonHead(p, 64);
    const auto pos = h.find_first_not_of(" \t\r\n");
    return pos != std::string::npos && (h[pos] == '{' || h[pos] == '[');
}

class TfjsImporter final : public Importer {
public:
    explicit TfjsImporter(bool graph) : m_graph(graph) {}
    Format format() const override { return m_graph ? Format::TfjsGraphModel : Format::TfjsLayersModel; }
    std::string nameFilter() const override { return "*.json"; }
    bool canRead(const fs::path& path) const override
    {
        if (isTfjsPre1Layout(path))
            return m_graph;
        const auto p = modelJsonOf(path);
        if (!isJson(p))
            return false;
        const auto h = jsonHead(p, 1 << 16);
        const bool graphish = h.find("\"graph-model\"") != std::string::npos || h.find("\"node\"") != std::string::npos;
        const bool layersish = h.find("\"layers-model\"") != std::string::npos
            || h.find("\"class_name\"") != std::string::npos || h.find("\"model_config\"") != std::string::npos;
        return m_graph ? graphish && !h.empty() : layersish && !graphish;
    }
    core::Model read(const fs::path& path, const ImportOptions& options) const override
    {
        options.cancel.check();
        if (isTfjsPre1Layout(path)) {
            if (!m_graph)
                fail(path.string(), "is a pre-1.0 TF.js graph model (tensorflowjs_model.pb), not a layers model");
            return readTfjsPre1Layout(path);
        }
        auto model = core::readTfjsModel(path);
        if (m_graph && model.kind == core::ModelKind::LayersModel)
            fail(path.string(), "is a TF.js layers model, not a graph model (use --input_format=tfjs_layers_model)");
        if (!m_graph && model.kind == core::ModelKind::GraphModel)
            fail(path.string(), "is a TF.js graph model, not a layers model (use --input_format=tfjs_graph_model)");
        return model;
    }

private:
    bool m_graph;
};

bool hasHdf5Signature(const fs::path& p) { return head(p, 8) == std::string("\x89HDF\r\n\x1a\n", 8); }

class KerasH5Importer final : public Importer {
public:
    Format format() const override { return Format::Keras; }
    std::string nameFilter() const override { return "*.h5 *.hdf5"; }
    bool canRead(const fs::path& path) const override
    {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec))
            return false;
        const auto ext = path.extension().string();
        return ext == ".h5" || ext == ".hdf5" || ext == ".keras5" || hasHdf5Signature(path);
    }
    core::Model read(const fs::path& path, const ImportOptions& options) const override
    {
        options.cancel.check();
        return readKerasH5(path, options);
    }
};

// A Keras 3 .keras archive: a zip (local file header "PK\3\4") holding config.json.
class KerasArchiveImporter final : public Importer {
public:
    Format format() const override { return Format::KerasKeras; }
    std::string nameFilter() const override { return "*.keras"; }
    bool canRead(const fs::path& path) const override
    {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec))
            return false;
        return path.extension() == ".keras"
            || (head(path, 4) == std::string("PK\x03\x04", 4) && path.extension() != ".zip");
    }
    core::Model read(const fs::path& path, const ImportOptions& options) const override
    {
        options.cancel.check();
        return readKerasArchive(path, options);
    }
};

class FrozenGraphImporter final : public Importer {
public:
    Format format() const override { return Format::TfFrozenModel; }
    std::string nameFilter() const override { return "*.pb"; }
    bool canRead(const fs::path& path) const override
    {
        std::error_code ec;
        return path.extension() == ".pb" && fs::is_regular_file(path, ec) && path.filename() != "saved_model.pb"
            && path.filename() != "tfhub_module.pb" && path.filename() != "tensorflowjs_model.pb";
    }
    core::Model read(const fs::path& path, const ImportOptions& options) const override
    {
        options.cancel.check();
        return readFrozenGraphDef(path, options.maxMemoryBytes);
    }
};

// Formats whose importers land with later issues: recognised, so the error can say so.
class PendingImporter final : public Importer {
public:
    PendingImporter(Format format, std::string filter) : m_format(format), m_filter(std::move(filter)) {}
    Format format() const override { return m_format; }
    bool opensFolders() const override { return m_format != Format::KerasKeras; }
    std::string nameFilter() const override { return m_filter; }
    bool implemented() const override { return false; }
    bool canRead(const fs::path& path) const override
    {
        std::error_code ec;
        const auto ext = path.extension().string();
        if (m_format == Format::KerasKeras)
            return ext == ".keras";
        if (m_format == Format::TfHub)
            return fs::exists(path / "tfhub_module.pb", ec);
        if (m_format == Format::TfSavedModel)
            return fs::exists(path / "saved_model.pb", ec) || fs::exists(path / "saved_model.pbtxt", ec);
        return false;
    }
    core::Model read(const fs::path& path, const ImportOptions&) const override
    {
        fail(path.string(), "input format '" + formatName() + "' (" + description()
                + ") is not supported by this build yet; " + supportedConversionsText());
    }

private:
    Format m_format;
    std::string m_filter;
};

} // namespace

const std::vector<std::unique_ptr<Importer>>& importers()
{
    static const auto kImporters = [] {
        std::vector<std::unique_ptr<Importer>> v;
        v.push_back(std::make_unique<TfjsImporter>(false));
        v.push_back(std::make_unique<TfjsImporter>(true));
        v.push_back(makeSavedModelImporter(Format::TfHub)); // before SavedModel: a TF1 module holds one
        v.push_back(makeSavedModelImporter(Format::TfSavedModel));
        v.push_back(std::make_unique<KerasH5Importer>());
        v.push_back(std::make_unique<KerasArchiveImporter>());
        v.push_back(std::make_unique<FrozenGraphImporter>());
        v.push_back(makeKerasSavedModelImporter());
        return v;
    }();
    return kImporters;
}

const Importer* importerFor(Format format)
{
    for (const auto& i : importers())
        if (i->format() == format)
            return i.get();
    return nullptr;
}

Format detectInputFormat(const fs::path& path)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        fail(path.string(), "no such file or folder");
    for (const auto& i : importers())
        if (i->canRead(path))
            return i->format();
    // A JSON file that is neither: let the TF.js reader explain what is wrong with it.
    if (isJson(modelJsonOf(path)) || path.extension() == ".json")
        return Format::TfjsLayersModel;
    fail(path.string(), "cannot tell the model format (expected model.json, .h5, .keras, a SavedModel folder, "
                        "a TF Hub module or a frozen .pb); pass --input_format");
}

core::Model importModel(const fs::path& path, const ImportOptions& options)
{
    options.cancel.check();
    const Format format = options.format ? *options.format : detectInputFormat(path);
    const Importer* importer = importerFor(format);
    if (!importer)
        fail(path.string(), "no importer for input format '" + std::string(formatName(format)) + "'");
    // The two TF.js importers share a reader that tells layers from graph models itself.
    if (!options.format && isTfjs(format) && !isTfjsPre1Layout(path))
        return core::readTfjsModel(path);
    auto model = importer->read(path, options);
    options.cancel.check();
    return model;
}

core::Model importModel(const fs::path& path, Format format)
{
    ImportOptions options;
    options.format = format;
    return importModel(path, options);
}

} // namespace studio::conv
