// Layers model -> Keras .h5: the layout here, the HDF5 writing in the tfjs-studio-h5-writer child.
#include "converter/exporters/keras_h5_export.h"

#include "converter/importers/child_process.h"
#include "converter/importers/limits.h"
#include "core/io/memory_budget.h"
#include "core/tfjs/decode.h"
#include "core/tfjs/keras_topology.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace studio::conv {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

// A topology without keras_version would make Keras take the file for a Keras 1 file and
// "convert" its kernels; the reference converter writes its own tf_keras version, this one.
constexpr const char* kDefaultKerasVersion = "2.15.0";

struct KerasAttributes {
    Json modelConfig;                         // {"class_name", "config"}
    std::string kerasVersion;
    std::string backend;
    std::optional<Json> trainingConfig;
};

// The converter nests the Keras attributes under model_config; TF.js's own saves put class_name
// and config at the top with keras_version "tfjs-layers x.y.z" beside them.
KerasAttributes kerasAttributes(const core::Model& model, const std::string& label)
{
    const Json topology = model.layers.empty() ? model.meta.modelTopology
                                               : core::kerasTopologyWithLayers(model.meta.modelTopology, model.layers, label);
    if (!topology.is_object())
        fail(label, "has no Keras model topology (modelTopology is not an object): nothing to write as a Keras model");
    KerasAttributes a;
    auto text = [&](const char* key, const char* fallback) {
        const auto it = topology.find(key);
        return it != topology.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
    };
    a.kerasVersion = text("keras_version", kDefaultKerasVersion);
    a.backend = text("backend", "tensorflow");
    if (const auto it = topology.find("model_config"); it != topology.end()) {
        a.modelConfig = *it;
        if (const auto t = topology.find("training_config"); t != topology.end() && !t->is_null())
            a.trainingConfig = *t;
    } else {
        // TF.js's camelCase trainingConfig is not Keras's training_config: left out, as a
        // Keras loader would try to compile with it.
        a.modelConfig = Json::object();
        for (const char* key : {"class_name", "config"})
            if (const auto k = topology.find(key); k != topology.end())
                a.modelConfig[key] = *k;
    }
    if (!a.modelConfig.is_object() || !a.modelConfig.contains("class_name") || !a.modelConfig.contains("config"))
        fail(label, "modelTopology has no Keras model config (class_name and config)");
    return a;
}

std::string layerName(const Json& layer)
{
    if (!layer.is_object())
        return {};
    if (const auto c = layer.find("config"); c != layer.end() && c->is_object())
        if (const auto n = c->find("name"); n != c->end() && n->is_string())
            return n->get<std::string>();
    if (const auto n = layer.find("name"); n != layer.end() && n->is_string())
        return n->get<std::string>();
    return {};
}

const Json* layerList(const Json& modelConfig)
{
    const auto c = modelConfig.find("config");
    if (c == modelConfig.end())
        return nullptr;
    if (c->is_array())
        return &*c; // old Sequential: the config is the list of layers
    if (c->is_object())
        if (const auto l = c->find("layers"); l != c->end() && l->is_array())
            return &*l;
    return nullptr;
}

// Every layer name inside a nested model, mapped to the top-level layer holding it. The
// config was parsed with the depth limit, so the recursion is bounded.
void collectNested(const Json& layer, const std::string& top, std::map<std::string, std::string>& owner)
{
    if (const Json* inner = layerList(layer))
        for (const auto& l : *inner) {
            if (const auto n = layerName(l); !n.empty())
                owner.emplace(n, top);
            collectNested(l, top, owner);
        }
}

} // namespace

KerasH5Contents kerasH5Layout(const core::Model& model, std::vector<std::vector<std::uint8_t>>& storage,
    KerasH5ExportReport* report, std::uint64_t maxMemoryBytes)
{
    const std::string label = fs::path(model.sourcePath).filename().string();
    if (model.kind != core::ModelKind::LayersModel)
        fail(label, "is a " + std::string(core::modelKindName(model.kind))
                + ", not a layers model: only a TensorFlow.js layers model can be written as a Keras .h5 file");
    const KerasAttributes a = kerasAttributes(model, label);
    KerasH5Contents c;
    c.kerasVersion = a.kerasVersion;
    c.backend = a.backend;
    c.modelConfig = a.modelConfig.dump(-1, ' ', false, Json::error_handler_t::strict);
    if (a.trainingConfig)
        c.trainingConfig = a.trainingConfig->dump(-1, ' ', false, Json::error_handler_t::strict);

    const Json* layers = layerList(a.modelConfig);
    if (!layers)
        fail(label, "modelTopology: the model config has no list of layers");
    std::set<std::string> topLevel;
    std::map<std::string, std::string> owner;
    for (const auto& l : *layers) {
        const std::string name = layerName(l);
        if (name.empty())
            fail(label, "modelTopology: a layer has no name (Keras finds each layer's weights by its group name)");
        if (!topLevel.insert(name).second)
            fail(label, "modelTopology: two layers are named '" + name + "'");
        c.layerNames.push_back(name);
        collectNested(l, name, owner);
    }

    const std::uint64_t budget = core::memoryBudgetOr(maxMemoryBytes);
    std::uint64_t total = 0;
    std::set<std::pair<std::string, std::string>> seen;
    storage.clear();
    storage.reserve(model.weightCount());
    for (const auto& group : model.weightGroups)
        for (const auto& w : group.weights) {
            Location where;
            where.file = label;
            where.weight = w.name;
            const std::string first = w.name.substr(0, w.name.find('/'));
            std::string layer;
            if (topLevel.count(first))
                layer = first;
            else if (const auto it = owner.find(first); it != owner.end())
                layer = it->second;
            else if (topLevel.count(w.layer))
                layer = w.layer;
            else
                fail(where, "weight '" + w.name + "' belongs to no layer of the model config (its name should start with "
                        "the layer's name): Keras could not load it");
            where.layer = layer;
            H5Weight out;
            out.layer = layer;
            out.listedName = w.name + ":0"; // tf.keras variable names
            if (!seen.emplace(layer, out.listedName).second)
                fail(where, "weight '" + w.name + "' appears twice");
            out.fullPath = "/model_weights/" + layer + "/" + out.listedName;
            out.dims = w.shape;
            const auto count = checkedElementCount(w.shape);
            if (!count)
                fail(where, "weight '" + w.name + "' has a bad shape " + shapeText(w.shape));
            std::vector<std::uint8_t> bytes;
            if (w.quantization) {
                // Keras has no quantized weights: the values TF.js would compute, as float32.
                const auto n = checkedMul(*count, 4);
                if (!n || *n > kMaxDecodedTensorBytes)
                    fail(where, "weight '" + w.name + "' is too large to dequantize");
                bytes.resize(static_cast<std::size_t>(*n));
                core::decodeFloat32Into(w, reinterpret_cast<float*>(bytes.data()));
                out.kind = H5ElementKind::Float;
                out.typeSize = 4;
                if (report)
                    ++report->dequantized;
            } else {
                switch (w.dtype) {
                case core::DType::Float32: out.kind = H5ElementKind::Float; out.typeSize = 4; break;
                case core::DType::Int32: out.kind = H5ElementKind::SignedInt; out.typeSize = 4; break;
                case core::DType::Bool: out.kind = H5ElementKind::Bool; out.typeSize = 1; break;
                default:
                    fail(where, "weight '" + w.name + "' has dtype " + std::string(core::dtypeName(w.dtype))
                            + ", which a Keras .h5 file cannot hold");
                }
                const auto n = checkedMul(*count, out.typeSize);
                if (!n || *n != w.byteLength)
                    fail(where, "weight '" + w.name + "': " + std::to_string(w.byteLength) + " stored bytes for shape "
                            + shapeText(w.shape));
                bytes = w.storedBytes();
            }
            out.byteSize = bytes.size();
            total += bytes.size();
            if (total > budget)
                fail(label, "the weights need more than the memory budget of " + std::to_string(budget)
                        + " bytes (raise it with --max-memory if the model is trusted)");
            storage.push_back(std::move(bytes));
            c.weights.push_back(std::move(out));
        }
    if (report) {
        report->layers = c.layerNames.size();
        report->weights = c.weights.size();
    }
    return c;
}

KerasH5ExportReport writeKerasH5(const core::Model& model, const fs::path& out, const KerasH5ExportOptions& options)
{
    const std::string label = out.filename().string();
    std::error_code ec;
    if (fs::is_directory(out, ec))
        fail(out.string(), "is a folder: the Keras output is the path of the .h5 file to write");
    if (label.empty())
        fail(out.string(), "names no file: the Keras output is the path of the .h5 file to write");
    options.cancel.check();

    KerasH5ExportReport report;
    std::vector<std::vector<std::uint8_t>> storage;
    const KerasH5Contents contents = kerasH5Layout(model, storage, &report, options.maxMemoryBytes);
    const std::string header = encodeH5Header(contents);
    const std::string prefix = h5StreamPrefix(header);
    std::uint64_t streamBytes = prefix.size() + header.size();
    ChildRequest req;
    req.input.emplace_back(reinterpret_cast<const std::uint8_t*>(prefix.data()), prefix.size());
    req.input.emplace_back(reinterpret_cast<const std::uint8_t*>(header.data()), header.size());
    for (const auto& b : storage) {
        req.input.emplace_back(b.data(), b.size());
        streamBytes += b.size();
    }
    if (options.progress)
        options.progress(0.1);

    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    fs::create_directories(dir, ec);
    if (ec)
        fail(out.string(), "cannot create the folder " + dir.string() + " (" + ec.message() + ")");
    // The temporary file beside the target (same file system, so the rename is atomic).
    std::string tmpl = (dir / ("." + label + ".tmp-" + std::to_string(getpid()) + "-XXXXXX")).string();
    const int fd = mkstemp(tmpl.data());
    if (fd < 0)
        fail(out.string(), std::string("cannot create a temporary file beside it (") + std::strerror(errno) + ")");
    fchmod(fd, 0644); // mkstemp's 0600 would stay on the renamed file
    ::close(fd);
    const fs::path tmp = tmpl;
    struct Remove {
        fs::path path;
        ~Remove()
        {
            if (!path.empty()) {
                std::error_code e;
                fs::remove(path, e);
            }
        }
    } remove{tmp};

    const std::uint64_t budget = core::memoryBudgetOr(options.maxMemoryBytes);
    if (streamBytes > budget)
        fail(label, "the weights need more than the memory budget of " + std::to_string(budget)
                + " bytes (raise it with --max-memory)");
    req.program = helperProgram("tfjs-studio-h5-writer");
    // HDF5's own structures on top of the data: a few KiB per object, far below 64 MiB.
    const std::uint64_t maxFile = streamBytes + (std::uint64_t{64} << 20);
    req.args = {"--label", label, "--max-file-bytes", std::to_string(maxFile), tmp.string()};
    req.label = label;
    req.library = "the HDF5 library (writing)";
    req.limits.maxReplyBytes = 64 * 1024; // the writer prints nothing on success
    req.limits.addressSpaceBytes = streamBytes + (std::uint64_t{1} << 30);
    req.cancel = options.cancel;
    runReaderChild(req);
    options.cancel.check();

    fs::rename(tmp, out, ec);
    if (ec)
        fail(out.string(), "cannot move the written file into place (" + ec.message() + ")");
    remove.path.clear();
    // The rename itself survives a crash once the folder is synced.
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    report.fileBytes = fs::file_size(out, ec);
    if (options.progress)
        options.progress(1.0);
    return report;
}

} // namespace studio::conv
