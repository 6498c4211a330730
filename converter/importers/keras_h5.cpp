// Keras HDF5 importer: topology from the root attributes, weights from model_weights.
#include "converter/importers/keras_h5.h"

#include "converter/importers/hdf5_file.h"
#include "converter/importers/limits.h"
#include "core/error.h"
#include "core/tfjs/json_limits.h"
#include "core/tfjs/keras_topology.h"
#include "core/tfjs/quantize.h"

#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace studio::conv {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

// Keras class names that TF.js knows under another name (converter: rename everywhere).
void renameClasses(Json& j)
{
    if (j.is_object()) {
        for (auto& [key, value] : j.items()) {
            if (key == "class_name" && value.is_string()) {
                const auto& s = value.get_ref<const std::string&>();
                if (s == "BatchNormalizationV1")
                    value = "BatchNormalization";
                else if (s == "UnifiedGRU")
                    value = "GRU";
                else if (s == "UnifiedLSTM")
                    value = "LSTM";
            } else {
                renameClasses(value);
            }
        }
    } else if (j.is_array()) {
        for (auto& e : j)
            renameClasses(e);
    }
}

// Depth-limited: the walks over the config (renameClasses, the layer view) recurse per level.
Json parseConfig(const h5::File& file, const std::string& attr, const std::string& text)
{
    Location where;
    where.file = file.label();
    where.field = "attribute '" + attr + "'";
    return core::parseJsonLimited(text, where);
}

// Converts a dataset's elements to what TF.js can load, as the converter narrows them:
// float64/float16 -> float32, int64/int16/int8/uint8/uint16 -> int32, bool stays bool.
struct Converted {
    core::DType dtype = core::DType::Float32;
    std::vector<std::uint8_t> bytes;
};

Converted convertElements(const h5::File& file, const std::string& name, const h5::DatasetInfo& info,
    std::vector<std::uint8_t> raw)
{
    // readDataset held the raw bytes to the limit; widening (int8 -> int32) can pass it again.
    // Everything becomes 4-byte float32 / int32 but h5py's bool (a 1-byte enum), which stays.
    const auto widened = checkedMul(info.elementCount, info.typeClass == H5T_ENUM ? 1 : 4);
    if (!widened || *widened > kMaxDecodedTensorBytes)
        fail(file.label(), "weight '" + name + "' (dataset '" + info.fullPath + "' " + shapeText(info.dims)
                + ") would take more than " + std::to_string(kMaxDecodedTensorBytes)
                + " bytes as a TensorFlow.js weight (damaged file?)");
    const auto count = static_cast<std::size_t>(info.elementCount);
    Converted out;
    auto toFloat = [&](auto read) {
        out.dtype = core::DType::Float32;
        out.bytes.resize(count * 4);
        for (std::size_t i = 0; i < count; ++i) {
            const float f = read(i);
            std::memcpy(out.bytes.data() + 4 * i, &f, 4);
        }
    };
    auto toInt32 = [&](auto read) {
        out.dtype = core::DType::Int32;
        out.bytes.resize(count * 4);
        for (std::size_t i = 0; i < count; ++i) {
            const std::int32_t v = read(i);
            std::memcpy(out.bytes.data() + 4 * i, &v, 4);
        }
    };
    auto at = [&raw](std::size_t i, auto zero) {
        decltype(zero) v;
        std::memcpy(&v, raw.data() + i * sizeof v, sizeof v);
        return v;
    };
    if (info.typeClass == H5T_FLOAT && info.typeSize == 4) {
        out.dtype = core::DType::Float32;
        out.bytes = std::move(raw);
    } else if (info.typeClass == H5T_FLOAT && info.typeSize == 8) {
        toFloat([&](std::size_t i) { return static_cast<float>(at(i, 0.0)); });
    } else if (info.typeClass == H5T_FLOAT && info.typeSize == 2) {
        toFloat([&](std::size_t i) { return core::halfToFloat(at(i, std::uint16_t{})); });
    } else if (info.typeClass == H5T_INTEGER && info.typeSize == 4 && info.isSigned) {
        out.dtype = core::DType::Int32;
        out.bytes = std::move(raw);
    } else if (info.typeClass == H5T_INTEGER && info.typeSize == 8) {
        toInt32([&](std::size_t i) { return static_cast<std::int32_t>(at(i, std::int64_t{})); });
    } else if (info.typeClass == H5T_INTEGER && info.typeSize == 2) {
        if (info.isSigned)
            toInt32([&](std::size_t i) { return static_cast<std::int32_t>(at(i, std::int16_t{})); });
        else
            toInt32([&](std::size_t i) { return static_cast<std::int32_t>(at(i, std::uint16_t{})); });
    } else if (info.typeClass == H5T_INTEGER && info.typeSize == 1) {
        if (info.isSigned)
            toInt32([&](std::size_t i) { return static_cast<std::int32_t>(at(i, std::int8_t{})); });
        else
            toInt32([&](std::size_t i) { return static_cast<std::int32_t>(at(i, std::uint8_t{})); });
    } else if (info.typeClass == H5T_ENUM && info.typeSize == 1) { // h5py's bool
        out.dtype = core::DType::Bool;
        out.bytes = std::move(raw);
    } else {
        fail(file.label(), "weight '" + name + "': element type (HDF5 class " + std::to_string(info.typeClass) + ", "
                + std::to_string(info.typeSize) + " bytes) is not supported by TensorFlow.js");
    }
    return out;
}

class Reader {
public:
    explicit Reader(const fs::path& path) : m_file(path.string()) {}

    core::Model read(const fs::path& path)
    {
        core::Model m;
        m.sourcePath = path.string();
        m.kind = core::ModelKind::LayersModel;
        m.meta.format = "keras";
        const hid_t root = m_file.id();
        const auto kerasVersion = m_file.stringAttribute(root, "keras_version");
        const auto backend = m_file.stringAttribute(root, "backend");
        if (kerasVersion)
            m.meta.generatedBy = "keras v" + *kerasVersion;
        else
            m.meta.generatedByNull = true;

        auto& group = m.weightGroups.emplace_back();
        if (m_file.hasAttribute(root, "layer_names")) {
            // Weights-only file (model.save_weights): layers in layer_names order, no topology.
            m.kind = core::ModelKind::WeightsOnly;
            m.meta.modelTopology = nullptr;
            for (const auto& layer : m_file.stringListAttribute(root, "layer_names")) {
                if (!m_file.hasGroup(root, layer))
                    fail(m_file.label(), "layer '" + layer + "' is listed in layer_names but has no group");
                addLayerWeights(root, layer, group);
            }
            return m;
        }
        const auto modelConfig = m_file.stringAttribute(root, "model_config");
        if (!modelConfig)
            fail(m_file.label(), "has no model_config attribute and no layer_names: not a Keras model file");
        Json topology = Json::object();
        if (kerasVersion)
            topology["keras_version"] = *kerasVersion;
        if (backend)
            topology["backend"] = *backend;
        topology["model_config"] = parseConfig(m_file, "model_config", *modelConfig);
        if (auto training = m_file.stringAttribute(root, "training_config"))
            topology["training_config"] = parseConfig(m_file, "training_config", *training);
        renameClasses(topology);
        m.meta.modelTopology = topology;
        auto view = core::kerasLayerView(topology, m_file.label());
        m.layers = std::move(view.layers);
        m.inputs = std::move(view.inputs);
        m.outputs = std::move(view.outputs);

        if (!m_file.hasGroup(root, "model_weights"))
            fail(m_file.label(), "has no model_weights group (missing weights)");
        const auto weights = m_file.openGroup(root, "model_weights");
        // h5py order: children sorted by name, not layer_names order.
        for (const auto& child : m_file.childNames(weights.id()))
            if (m_file.isGroup(weights.id(), child))
                walk(weights.id(), child, group);
        // A weight's group is its layer's name (for top-level layers; a nested model's group
        // holds its layers' weights, which are not matched here).
        std::map<std::string, const core::Layer*> topLevel;
        for (const auto& layer : m.layers)
            if (layer.path == layer.name)
                topLevel.emplace(layer.name, &layer);
        for (const auto& w : group.weights)
            if (const auto it = topLevel.find(w.layer); it != topLevel.end())
                core::checkKernelShape(*it->second, w.name, w.shape, m_file.label());
        return m;
    }

private:
    // A group with weight_names holds weights; any other group is searched below.
    void walk(hid_t parent, const std::string& name, core::WeightGroup& out)
    {
        const auto g = m_file.openGroup(parent, name);
        if (m_file.hasAttribute(g.id(), "weight_names")) {
            addWeights(g.id(), name, out);
            return;
        }
        for (const auto& child : m_file.childNames(g.id()))
            if (m_file.isGroup(g.id(), child))
                walk(g.id(), child, out);
    }

    void addLayerWeights(hid_t parent, const std::string& layer, core::WeightGroup& out)
    {
        const auto g = m_file.openGroup(parent, layer);
        addWeights(g.id(), layer, out);
    }

    void addWeights(hid_t layerGroup, const std::string& layer, core::WeightGroup& out)
    {
        for (const auto& weightName : m_file.stringListAttribute(layerGroup, "weight_names")) {
            std::string name = weightName;
            if (name.size() > 2 && name.compare(name.size() - 2, 2, ":0") == 0)
                name.resize(name.size() - 2);
            // Only a missing link means "missing": a damaged dataset keeps its own, sharper error.
            if (!m_file.hasLink(layerGroup, weightName))
                fail(m_file.label(), "layer '" + layer + "': weight '" + weightName + "' is listed but missing");
            const h5::DatasetInfo info = m_file.datasetInfo(layerGroup, weightName);
            auto converted = convertElements(m_file, name, info, m_file.readDataset(layerGroup, weightName, info));
            core::Weight w;
            w.name = name;
            w.dtype = converted.dtype;
            w.shape = info.dims;
            w.byteLength = converted.bytes.size();
            w.source = std::make_shared<core::MemorySource>(std::move(converted.bytes));
            w.layer = layer;
            out.weights.push_back(std::move(w));
        }
    }

    h5::File m_file;
};

} // namespace

core::Model readKerasH5(const fs::path& path)
{
    // The GUI may open one .h5 while converting another; HDF5 builds are not all thread-safe.
    static std::mutex hdf5;
    const std::lock_guard lock(hdf5);
    return Reader(path).read(path);
}

} // namespace studio::conv
