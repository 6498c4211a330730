// The Keras .h5 contents stream (child -> parent) and the layers model built from it.
#include "converter/importers/keras_h5_contents.h"

#include "converter/importers/keras3.h"
#include "converter/importers/limits.h"
#include "core/error.h"
#include "core/tfjs/json_limits.h"
#include "core/tfjs/keras_topology.h"
#include "core/tfjs/quantize.h"

#include <cstring>
#include <map>

namespace studio::conv {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

const char* kindName(H5ElementKind k)
{
    switch (k) {
    case H5ElementKind::Float: return "float";
    case H5ElementKind::SignedInt: return "int";
    case H5ElementKind::UnsignedInt: return "uint";
    case H5ElementKind::Bool: return "bool";
    case H5ElementKind::Other: break;
    }
    return "other";
}

H5ElementKind kindFromName(const std::string& s)
{
    if (s == "float") return H5ElementKind::Float;
    if (s == "int") return H5ElementKind::SignedInt;
    if (s == "uint") return H5ElementKind::UnsignedInt;
    if (s == "bool") return H5ElementKind::Bool;
    return H5ElementKind::Other;
}

// Keras class names that TF.js knows under another name (converter: rename everywhere).
// Recursion is bounded: the config was parsed with parseJsonLimited's depth limit.
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

Json parseConfig(const std::string& label, const std::string& attr, const std::string& text)
{
    Location where;
    where.file = label;
    where.field = "attribute '" + attr + "'";
    return core::parseJsonLimited(text, where);
}

// Converts a dataset's elements to what TF.js can load, as the converter narrows them:
// float64/float16 -> float32, int64/int16/int8/uint8/uint16 -> int32, bool stays bool.
// float32, int32 and bool keep pointing into the stream buffer.
void convertElements(const std::string& label, const H5Weight& in, core::Weight& w)
{
    const auto widened = checkedMul(in.byteSize / std::max<std::uint32_t>(in.typeSize, 1),
        in.kind == H5ElementKind::Bool ? 1 : 4);
    if (!widened || *widened > kMaxDecodedTensorBytes)
        fail(label, "weight '" + w.name + "' (dataset '" + in.fullPath + "' " + shapeText(in.dims)
                + ") would take more than " + std::to_string(kMaxDecodedTensorBytes)
                + " bytes as a TensorFlow.js weight (damaged file?)");
    const auto count = static_cast<std::size_t>(in.byteSize / std::max<std::uint32_t>(in.typeSize, 1));
    // Elements that need converting are read whole (the result is held whole anyway).
    std::vector<std::uint8_t> held;
    const std::uint8_t* raw = nullptr;
    auto load = [&] {
        if (const auto* memory = dynamic_cast<const core::MemorySource*>(in.source.get())) {
            raw = memory->bytes().data() + in.offset;
        } else {
            held.resize(static_cast<std::size_t>(in.byteSize));
            in.source->read(in.offset, held.size(), held.data());
            raw = held.data();
        }
    };
    auto keep = [&](core::DType dtype) {
        w.dtype = dtype;
        w.source = in.source;
        w.offset = in.offset;
        w.byteLength = in.byteSize;
    };
    auto at = [&raw](std::size_t i, auto zero) {
        decltype(zero) v;
        std::memcpy(&v, raw + i * sizeof v, sizeof v);
        return v;
    };
    auto convert = [&](core::DType dtype, auto read) {
        load();
        std::vector<std::uint8_t> out(count * 4);
        for (std::size_t i = 0; i < count; ++i) {
            const auto v = read(i);
            static_assert(sizeof v == 4);
            std::memcpy(out.data() + 4 * i, &v, 4);
        }
        w.dtype = dtype;
        w.byteLength = out.size();
        w.offset = 0;
        w.source = std::make_shared<core::MemorySource>(std::move(out));
    };
    auto toFloat = [&](auto read) { convert(core::DType::Float32, [&](std::size_t i) { return static_cast<float>(read(i)); }); };
    auto toInt32 = [&](auto read) { convert(core::DType::Int32, [&](std::size_t i) { return static_cast<std::int32_t>(read(i)); }); };
    const auto size = in.typeSize;
    switch (in.kind) {
    case H5ElementKind::Float:
        if (size == 4)
            return keep(core::DType::Float32);
        if (size == 8)
            return toFloat([&](std::size_t i) { return at(i, 0.0); });
        if (size == 2)
            return toFloat([&](std::size_t i) { return core::halfToFloat(at(i, std::uint16_t{})); });
        break;
    case H5ElementKind::SignedInt:
        if (size == 4)
            return keep(core::DType::Int32);
        if (size == 8)
            return toInt32([&](std::size_t i) { return at(i, std::int64_t{}); });
        if (size == 2)
            return toInt32([&](std::size_t i) { return at(i, std::int16_t{}); });
        if (size == 1)
            return toInt32([&](std::size_t i) { return at(i, std::int8_t{}); });
        break;
    case H5ElementKind::UnsignedInt:
        if (size == 8)
            return toInt32([&](std::size_t i) { return at(i, std::uint64_t{}); });
        if (size == 4)
            return toInt32([&](std::size_t i) { return at(i, std::uint32_t{}); });
        if (size == 2)
            return toInt32([&](std::size_t i) { return at(i, std::uint16_t{}); });
        if (size == 1)
            return toInt32([&](std::size_t i) { return at(i, std::uint8_t{}); });
        break;
    case H5ElementKind::Bool:
        if (size == 1)
            return keep(core::DType::Bool);
        break;
    case H5ElementKind::Other:
        break;
    }
    fail(label, "weight '" + w.name + "': element type (" + std::string(kindName(in.kind)) + ", " + std::to_string(size)
            + " bytes) is not supported by TensorFlow.js");
}

} // namespace

std::string encodeH5Header(const KerasH5Contents& c)
{
    Json h = Json::object();
    auto opt = [&](const char* key, const std::optional<std::string>& v) {
        h[key] = v ? Json(*v) : Json(nullptr);
    };
    opt("keras_version", c.kerasVersion);
    opt("backend", c.backend);
    opt("model_config", c.modelConfig);
    opt("training_config", c.trainingConfig);
    h["weights_only"] = c.weightsOnly;
    Json weights = Json::array();
    for (const auto& w : c.weights)
        weights.push_back({{"layer", w.layer}, {"name", w.listedName}, {"path", w.fullPath}, {"dims", w.dims},
            {"kind", kindName(w.kind)}, {"size", w.typeSize}, {"bytes", w.byteSize}});
    for (std::size_t i = 0; i < c.weights.size(); ++i)
        if (c.weights[i].fileOffset)
            weights[i]["file_offset"] = *c.weights[i].fileOffset;
    if (c.fileBytes)
        h["file_bytes"] = c.fileBytes;
    h["weights"] = std::move(weights);
    if (!c.layerNames.empty())
        h["layer_names"] = c.layerNames;
    // Strings from the file may hold invalid UTF-8; keep their bytes as they are.
    return h.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string h5StreamPrefix(const std::string& header)
{
    std::string prefix(kH5StreamMagic, sizeof kH5StreamMagic - 1);
    for (int i = 0; i < 8; ++i)
        prefix += static_cast<char>(static_cast<std::uint64_t>(header.size()) >> (8 * i) & 0xff);
    return prefix;
}

KerasH5Contents decodeH5Stream(std::vector<std::uint8_t> stream, const std::string& label, const fs::path* file)
{
    // What the child sent is checked as strictly as a file: it comes from a process that read
    // a stranger's file with a library that can be made to misbehave.
    auto bad = [&](const std::string& what) -> void {
        fail(label, "the HDF5 reader sent an invalid reply (" + what + ")");
    };
    const std::size_t magic = sizeof kH5StreamMagic - 1;
    if (stream.size() < magic + 8 || std::memcmp(stream.data(), kH5StreamMagic, magic) != 0)
        bad("no header");
    std::uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i)
        headerSize = (headerSize << 8) | stream[magic + static_cast<std::size_t>(i)];
    const std::uint64_t start = magic + 8;
    if (headerSize > stream.size() - start)
        bad("header of " + std::to_string(headerSize) + " bytes in a reply of " + std::to_string(stream.size()));
    const std::string_view text(reinterpret_cast<const char*>(stream.data() + start), headerSize);
    const Json h = core::parseJsonLimited(text, label + " (HDF5 reader reply)");
    if (!h.is_object() || !h.contains("weights") || !h["weights"].is_array())
        bad("header without a weight list");
    KerasH5Contents c;
    auto opt = [&](const char* key) -> std::optional<std::string> {
        if (!h.contains(key) || h[key].is_null())
            return std::nullopt;
        if (!h[key].is_string())
            bad(std::string(key) + " is not a string");
        return h[key].get<std::string>();
    };
    c.kerasVersion = opt("keras_version");
    c.backend = opt("backend");
    c.modelConfig = opt("model_config");
    c.trainingConfig = opt("training_config");
    if (h.contains("weights_only") && !h["weights_only"].is_boolean())
        bad("weights_only is not a boolean");
    c.weightsOnly = h.value("weights_only", false);
    if (h.contains("layer_names")) {
        if (!h["layer_names"].is_array())
            bad("layer_names is not a list");
        for (const auto& n : h["layer_names"]) {
            if (!n.is_string())
                bad("layer_names holds a non-string");
            c.layerNames.push_back(n.get<std::string>());
        }
    }
    auto source = std::make_shared<core::MemorySource>(std::move(stream));
    const std::uint64_t total = source->size();
    // The .h5 itself, opened when the first weight that stayed there is met.
    std::shared_ptr<core::FileSource> inFile;
    const std::uint64_t fileBytes = h.contains("file_bytes") && h["file_bytes"].is_number_unsigned()
        ? h["file_bytes"].get<std::uint64_t>() : 0;
    std::uint64_t offset = start + headerSize;
    for (const auto& e : h["weights"]) {
        H5Weight w;
        if (!e.is_object() || !e.contains("dims") || !e["dims"].is_array() || !e.contains("bytes")
            || !e["bytes"].is_number_unsigned() || !e.contains("size") || !e["size"].is_number_unsigned())
            bad("malformed weight entry");
        // Optional strings: absent is empty, anything but a string is a bad reply.
        const auto field = [&](const char* key) {
            const auto it = e.find(key);
            if (it == e.end())
                return std::string();
            if (!it->is_string())
                bad(std::string("a weight's ") + key + " is not a string");
            return it->get<std::string>();
        };
        w.layer = field("layer");
        w.listedName = field("name");
        w.fullPath = field("path");
        for (const auto& d : e["dims"]) {
            if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
                bad("weight '" + w.listedName + "' has a bad dimension");
            w.dims.push_back(d.get<std::int64_t>());
        }
        w.kind = kindFromName(field("kind"));
        w.typeSize = e["size"].get<std::uint32_t>();
        w.byteSize = e["bytes"].get<std::uint64_t>();
        const auto count = checkedElementCount(w.dims);
        const auto expected = count ? checkedMul(*count, w.typeSize) : std::nullopt;
        if (!expected || *expected != w.byteSize)
            bad("weight '" + w.listedName + "': " + std::to_string(w.byteSize) + " bytes for shape " + shapeText(w.dims));
        if (e.contains("file_offset")) {
            if (!e["file_offset"].is_number_unsigned())
                bad("weight '" + w.listedName + "' has a bad file offset");
            if (!file)
                bad("weight '" + w.listedName + "' refers to a file that is not open here");
            if (!inFile) {
                inFile = std::make_shared<core::FileSource>(*file, label);
                if (inFile->size() != fileBytes)
                    fail(label, "the file changed while it was being read (" + std::to_string(fileBytes) + " bytes, now "
                            + std::to_string(inFile->size()) + ")");
            }
            const auto at = e["file_offset"].get<std::uint64_t>();
            // Only the file's own bytes: nothing before or after it can be named.
            if (at > inFile->size() || w.byteSize > inFile->size() - at)
                bad("weight '" + w.listedName + "' lies past the end of the file");
            w.fileOffset = at;
            w.source = inFile;
            w.offset = at;
        } else {
            if (w.byteSize > total - offset)
                bad("weight '" + w.listedName + "' runs past the end of the reply");
            w.source = source;
            w.offset = offset;
            offset += w.byteSize;
        }
        c.weights.push_back(std::move(w));
    }
    if (offset != total)
        bad(std::to_string(total - offset) + " bytes after the last weight");
    return c;
}

core::Model buildKerasModel(const KerasH5Contents& c, const fs::path& path)
{
    const std::string label = path.filename().string();
    core::Model m;
    m.sourcePath = path.string();
    m.kind = core::ModelKind::LayersModel;
    m.meta.format = "keras";
    if (c.kerasVersion)
        m.meta.generatedBy = "keras v" + *c.kerasVersion;
    else
        m.meta.generatedByNull = true;

    std::optional<Json> modelConfig;
    bool keras3 = false;
    if (!c.weightsOnly) {
        if (!c.modelConfig)
            fail(label, "has no model_config attribute and no layer_names: not a Keras model file");
        modelConfig = parseConfig(label, "model_config", *c.modelConfig);
        keras3 = c.keras3Named || isKeras3Config(*modelConfig, c.kerasVersion);
    }
    auto& group = m.weightGroups.emplace_back();
    for (const auto& in : c.weights) {
        core::Weight w;
        w.name = in.listedName;
        if (w.name.size() > 2 && w.name.compare(w.name.size() - 2, 2, ":0") == 0)
            w.name.resize(w.name.size() - 2);
        if (keras3 && !c.keras3Named)
            w.name = keras3H5WeightName(*modelConfig, in.layer, w.name);
        w.shape = in.dims;
        w.layer = in.layer;
        convertElements(label, in, w);
        group.weights.push_back(std::move(w));
    }
    if (c.weightsOnly) {
        m.kind = core::ModelKind::WeightsOnly;
        m.meta.modelTopology = nullptr;
        return m;
    }
    Json topology = Json::object();
    if (c.kerasVersion)
        topology["keras_version"] = *c.kerasVersion;
    // Keras 3 names its backend (jax, torch, numpy...); TF.js's loader ignores the key.
    if (c.backend)
        topology["backend"] = *c.backend;
    topology["model_config"] = keras3 ? translateKeras3Config(*modelConfig, label) : std::move(*modelConfig);
    if (c.trainingConfig)
        topology["training_config"] = parseConfig(label, "training_config", *c.trainingConfig);
    renameClasses(topology);
    m.meta.modelTopology = topology;
    auto view = core::kerasLayerView(topology, label);
    m.layers = std::move(view.layers);
    m.inputs = std::move(view.inputs);
    m.outputs = std::move(view.outputs);
    // A weight's group is its layer's name (for top-level layers; a nested model's group
    // holds its layers' weights, which are not matched here).
    std::map<std::string, const core::Layer*> topLevel;
    for (const auto& layer : m.layers)
        if (layer.path == layer.name)
            topLevel.emplace(layer.name, &layer);
    for (const auto& w : group.weights)
        if (const auto it = topLevel.find(w.layer); it != topLevel.end())
            core::checkKernelShape(*it->second, w.name, w.shape, label);
    return m;
}

} // namespace studio::conv
