// GraphDef protobuf import. The proto is turned into protobuf's JSON mapping (exactly what
// the reference converter embeds in model.json) and read by the one GraphDef JSON codec;
// Const values are taken out first so the JSON stays small.
#include "converter/importers/graph_def.h"

#include "converter/importers/graph_def_proto.h"
#include "converter/importers/limits.h"
#include "core/error.h"
#include "core/io/memory_budget.h"
#include "core/tfjs/artifacts.h"
#include "core/tfjs/graph_json.h"
#include "core/tfjs/quantize.h"
#include "proto/graph.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <fcntl.h>
#include <unistd.h>

namespace studio::conv {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

tensorflow::GraphDef parseGraphDef(const fs::path& path)
{
    const std::string label = path.filename().string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        fail(label, "no such file (" + path.string() + ")");
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
        fail(label, "cannot open (" + path.string() + ")");
    tensorflow::GraphDef graph;
    bool ok = false;
    {
        google::protobuf::io::FileInputStream raw(fd);
        google::protobuf::io::CodedInputStream in(&raw);
        in.SetTotalBytesLimit(std::numeric_limits<int>::max()); // frozen graphs can be large
        ok = graph.ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
    }
    ::close(fd);
    if (!ok)
        fail(label, "not a GraphDef protobuf (damaged, truncated, or another format)");
    if (graph.node_size() == 0)
        fail(label, "the GraphDef has no nodes");
    return graph;
}

// Bytes of decoded values one element takes (what constToWeight writes); 0 for strings, whose
// size depends on the values.
std::uint64_t decodedElementBytes(int dtype)
{
    switch (dtype) {
    case tensorflow::DT_BOOL: return 1;
    case tensorflow::DT_COMPLEX64: return 8;
    case tensorflow::DT_STRING: return 0;
    default: return 4; // every number is written as float32 or int32
    }
}

// The declared element count, refused when it cannot be a real tensor: checked before anything
// is allocated, since a few bytes of shape can ask for 2^40 elements.
std::uint64_t elementCount(const tensorflow::TensorShapeProto& shape, const Location& where)
{
    if (shape.unknown_rank())
        fail(where, "constant of unknown rank");
    std::vector<std::int64_t> dims;
    for (const auto& d : shape.dim()) {
        if (d.size() < 0)
            fail(where, "constant with an unknown dimension");
        dims.push_back(d.size());
    }
    const auto n = checkedElementCount(dims);
    if (!n)
        fail(where, "declared shape " + shapeText(dims) + " has more elements than 64 bits can count (damaged file?)");
    return *n;
}

// Element k of a typed value list, TF's rules: missing trailing elements repeat the last, and
// a tensor with no values at all is zeros (TF writes `tf.zeros` scalars that way).
template <typename List>
auto splat(const List& list, std::int64_t k) -> std::remove_cvref_t<decltype(list.Get(0))>
{
    if (list.size() == 0)
        return {};
    return list.Get(static_cast<int>(std::min<std::int64_t>(k, list.size() - 1)));
}

} // namespace

// Shared with the SavedModel importer (graph_def_proto.h).
DecodeBudget decodeBudgetFor(const fs::path& path, std::uint64_t maxMemoryBytes)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    const auto fromFile = ec ? std::optional<std::uint64_t>(0) : checkedMul(size, 4);
    const auto left = checkedAdd(fromFile.value_or(0), kMaxDecodedTensorBytes).value_or(kMaxDecodedTensorBytes);
    const auto memory = core::memoryBudgetOr(maxMemoryBytes);
    return {std::min(left, memory), memory < left};
}

namespace {

// The bytes a Const decodes to, refused over the limits before anything is allocated.
std::uint64_t checkDecodedBytes(const tensorflow::TensorProto& t, std::uint64_t n, const Location& where,
    DecodeBudget& budget)
{
    const int dtype = static_cast<int>(t.dtype());
    std::optional<std::uint64_t> bytes;
    if (dtype == tensorflow::DT_STRING) {
        // Each string is a 4-byte length and its bytes; missing trailing values repeat the last.
        bytes = 0;
        const auto given = static_cast<std::uint64_t>(t.string_val_size());
        for (std::uint64_t k = 0; k < std::min(n, given) && bytes; ++k)
            bytes = checkedAdd(*bytes, 4 + t.string_val(static_cast<int>(k)).size());
        if (n > given && given > 0 && bytes) {
            const auto fill = checkedMul(n - given, 4 + t.string_val(static_cast<int>(given - 1)).size());
            bytes = fill ? checkedAdd(*bytes, *fill) : std::nullopt;
        }
    } else {
        bytes = checkedMul(n, decodedElementBytes(dtype));
    }
    std::vector<std::int64_t> dims;
    for (const auto& d : t.tensor_shape().dim())
        dims.push_back(d.size());
    const std::string declared = "declared shape " + shapeText(dims) + " (" + std::to_string(n) + " elements)";
    if (!bytes)
        fail(where, declared + " decodes to more bytes than 64 bits can count (damaged file?)");
    if (*bytes > kMaxDecodedTensorBytes)
        fail(where, declared + " decodes to " + std::to_string(*bytes) + " bytes, over the limit of "
                + std::to_string(kMaxDecodedTensorBytes) + " bytes for one tensor (damaged file?)");
    if (*bytes > budget.left && budget.memoryBudget)
        fail(where, declared + " decodes to " + std::to_string(*bytes) + " bytes; with the constants before it "
                + "that is over the memory budget (raise it with --max-memory if the file is trusted)");
    if (*bytes > budget.left)
        fail(where, declared + " decodes to " + std::to_string(*bytes) + " bytes; with the constants before it "
                + "that is more than this file can hold (damaged file?)");
    budget.left -= *bytes;
    return *bytes;
}

} // namespace

// A Const's TensorProto as TF.js weight bytes, narrowed as the converter narrows.
core::Weight constToWeight(const tensorflow::TensorProto& t, const std::string& name, const std::string& label,
    DecodeBudget& budget)
{
    const Location where{label, name, {}, {}, {}};
    core::Weight w;
    w.name = name;
    for (const auto& d : t.tensor_shape().dim())
        w.shape.push_back(d.size());
    const std::uint64_t elements = elementCount(t.tensor_shape(), where);
    const std::uint64_t decoded = checkDecodedBytes(t, elements, where, budget);
    // Below the limit, so the count and every byte size fit in signed and size types.
    const auto n = static_cast<std::int64_t>(elements);
    const std::string& content = t.tensor_content();
    std::vector<std::uint8_t> out;
    out.reserve(static_cast<std::size_t>(decoded));
    auto fromContent = [&](std::size_t size, auto convert) {
        const auto need = checkedMul(elements, size);
        if (!need || content.size() != *need)
            fail(where, "tensor_content has " + std::to_string(content.size()) + " bytes, shape needs "
                    + (need ? std::to_string(*need) : std::to_string(elements) + " x " + std::to_string(size)));
        for (std::int64_t k = 0; k < n; ++k)
            convert(content.data() + static_cast<std::size_t>(k) * size);
    };
    auto put = [&out](auto v) {
        const auto at = out.size();
        out.resize(at + sizeof v);
        std::memcpy(out.data() + at, &v, sizeof v);
    };
    auto load = [](const char* p, auto zero) {
        decltype(zero) v;
        std::memcpy(&v, p, sizeof v);
        return v;
    };
    auto needValues = [](int) {}; // no values: zeros (splat)
    const int dtype = static_cast<int>(t.dtype());
    switch (dtype) {
    case tensorflow::DT_FLOAT:
        w.dtype = core::DType::Float32;
        if (!content.empty())
            fromContent(4, [&](const char* p) { put(load(p, 0.0f)); });
        else {
            needValues(t.float_val_size());
            for (std::int64_t k = 0; k < n; ++k)
                put(splat(t.float_val(), k));
        }
        break;
    case tensorflow::DT_DOUBLE:
        w.dtype = core::DType::Float32;
        if (!content.empty())
            fromContent(8, [&](const char* p) { put(static_cast<float>(load(p, 0.0))); });
        else {
            needValues(t.double_val_size());
            for (std::int64_t k = 0; k < n; ++k)
                put(static_cast<float>(splat(t.double_val(), k)));
        }
        break;
    case tensorflow::DT_HALF:
        w.dtype = core::DType::Float32;
        if (!content.empty())
            fromContent(2, [&](const char* p) { put(core::halfToFloat(load(p, std::uint16_t{}))); });
        else {
            needValues(t.half_val_size());
            for (std::int64_t k = 0; k < n; ++k)
                put(core::halfToFloat(static_cast<std::uint16_t>(splat(t.half_val(), k))));
        }
        break;
    case tensorflow::DT_INT32:
    case tensorflow::DT_INT16:
    case tensorflow::DT_INT8:
    case tensorflow::DT_UINT8:
    case tensorflow::DT_UINT16: {
        w.dtype = core::DType::Int32; // TF.js has no narrower integer weights
        const std::size_t size = dtype == tensorflow::DT_INT32 ? 4 : (dtype == tensorflow::DT_INT16 || dtype == tensorflow::DT_UINT16) ? 2 : 1;
        if (!content.empty())
            fromContent(size, [&](const char* p) {
                std::int32_t v = 0;
                if (dtype == tensorflow::DT_INT32) v = load(p, std::int32_t{});
                else if (dtype == tensorflow::DT_INT16) v = load(p, std::int16_t{});
                else if (dtype == tensorflow::DT_UINT16) v = load(p, std::uint16_t{});
                else if (dtype == tensorflow::DT_INT8) v = load(p, std::int8_t{});
                else v = load(p, std::uint8_t{});
                put(v);
            });
        else {
            needValues(t.int_val_size());
            for (std::int64_t k = 0; k < n; ++k)
                put(static_cast<std::int32_t>(splat(t.int_val(), k)));
        }
        break;
    }
    case tensorflow::DT_INT64:
        w.dtype = core::DType::Int32; // narrowed without overflow check, as the converter does
        if (!content.empty())
            fromContent(8, [&](const char* p) { put(static_cast<std::int32_t>(load(p, std::int64_t{}))); });
        else {
            needValues(t.int64_val_size());
            for (std::int64_t k = 0; k < n; ++k)
                put(static_cast<std::int32_t>(splat(t.int64_val(), k)));
        }
        break;
    case tensorflow::DT_BOOL:
        w.dtype = core::DType::Bool;
        if (!content.empty())
            fromContent(1, [&](const char* p) { put(static_cast<std::uint8_t>(*p != 0)); });
        else {
            needValues(t.bool_val_size());
            for (std::int64_t k = 0; k < n; ++k)
                put(static_cast<std::uint8_t>(splat(t.bool_val(), k)));
        }
        break;
    case tensorflow::DT_STRING:
        w.dtype = core::DType::String;
        if (n > 0)
            needValues(t.string_val_size());
        for (std::int64_t k = 0; k < n; ++k) {
            const std::string& s = splat(t.string_val(), k);
            put(static_cast<std::uint32_t>(s.size()));
            out.insert(out.end(), s.begin(), s.end());
        }
        break;
    case tensorflow::DT_COMPLEX64:
        w.dtype = core::DType::Complex64;
        if (!content.empty())
            fromContent(8, [&](const char* p) {
                put(load(p, 0.0f));
                put(load(p + 4, 0.0f));
            });
        else {
            needValues(t.scomplex_val_size());
            // TensorFlow counts scomplex_val_size() / 2 values and silently drops an odd last
            // float; an odd count only comes from a damaged or hand-made file, so say so instead
            // of guessing which float is the stray one.
            if (t.scomplex_val_size() % 2 != 0)
                fail(where, "scomplex_val holds " + std::to_string(t.scomplex_val_size())
                        + " floats; complex64 values are (real, imaginary) pairs, so the count must be even");
            for (std::int64_t k = 0; k < n; ++k) {
                const auto pair = std::min<std::int64_t>(k, t.scomplex_val_size() / 2 - 1);
                put(t.scomplex_val(static_cast<int>(2 * pair)));
                put(t.scomplex_val(static_cast<int>(2 * pair + 1)));
            }
        }
        break;
    default: {
        const auto dtName = core::tfDataTypeName(dtype);
        fail(where, "dtype " + std::string(dtName ? *dtName : std::to_string(dtype))
                + " cannot be stored as a TensorFlow.js weight");
    }
    }
    w.byteLength = out.size();
    w.source = std::make_shared<core::MemorySource>(std::move(out));
    return w;
}

// Clears the value fields of a TensorProto, keeping dtype and shape (what model.json holds).
void clearValues(tensorflow::TensorProto* t)
{
    tensorflow::TensorProto kept;
    kept.set_dtype(t->dtype());
    *kept.mutable_tensor_shape() = t->tensor_shape();
    *t = std::move(kept);
}

namespace {

// AttrValue.f is a float32 field. protobuf's JSON printer writes its shortest float text
// ("0.001"), which JavaScript reads back as a different double; TF.js then computes with a
// slightly different epsilon than TensorFlow. Keep the exact float32 value instead (what the
// reference converter wrote: 0.0010000000474974513).
void exactFloats(core::AttrValue& a)
{
    a.f = static_cast<double>(static_cast<float>(a.f));
    for (auto& f : a.list.f)
        f = static_cast<double>(static_cast<float>(f));
    if (a.func.attrs)
        for (auto& [key, value] : *a.func.attrs)
            exactFloats(value);
    for (auto& fn : a.list.func)
        if (fn.attrs)
            for (auto& [key, value] : *fn.attrs)
                exactFloats(value);
}

// TensorFlow's graph import takes the shapes recorded in "_output_shapes" and drops the
// attribute, so none of the reference converter's outputs carries it; neither do ours.
void dropRecordedShapes(core::Graph& g)
{
    auto drop = [](core::Node& n) {
        n.attrs.erase(std::remove_if(n.attrs.begin(), n.attrs.end(), [](const auto& a) { return a.first == "_output_shapes"; }),
            n.attrs.end());
    };
    for (auto& n : g.nodes)
        drop(n);
    for (auto& f : g.functions)
        for (auto& n : f.nodes)
            drop(n);
}

void exactFloats(core::Graph& g)
{
    for (auto& n : g.nodes)
        for (auto& [key, value] : n.attrs)
            exactFloats(value);
    for (auto& f : g.functions)
        for (auto& n : f.nodes)
            for (auto& [key, value] : n.attrs)
                exactFloats(value);
}

} // namespace

core::Graph toGraph(const tensorflow::GraphDef& graph, const std::string& label)
{
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = false; // lowerCamelCase, like MessageToDict
    const auto status = google::protobuf::util::MessageToJsonString(graph, &json, options);
    if (!status.ok())
        fail(label, "cannot convert the GraphDef: " + std::string(status.message()));
    core::Graph g = core::graphFromJson(Json::parse(json), label);
    exactFloats(g);
    dropRecordedShapes(g);
    return g;
}

namespace {

std::vector<core::TensorSpec> placeholderInputs(const core::Graph& graph)
{
    std::vector<core::TensorSpec> inputs;
    for (const auto& n : graph.nodes)
        if (n.op == "Placeholder") {
            core::TensorSpec t;
            t.key = n.name;
            t.name = n.name + ":0";
            if (auto a = core::findAttr(n.attrs, "dtype"); a && a->kind == core::AttrValue::Kind::Type)
                t.tfDtype = a->type;
            if (auto a = core::findAttr(n.attrs, "shape"); a && a->kind == core::AttrValue::Kind::Shape)
                t.shape = a->shape;
            inputs.push_back(t);
        }
    return inputs;
}

// Nodes nothing consumes: what TF.js takes as outputs when a model names none.
std::vector<core::TensorSpec> sinkOutputs(const core::Graph& graph)
{
    std::set<std::string> consumed;
    for (const auto& n : graph.nodes)
        for (const auto& in : n.inputs)
            consumed.insert(core::inputNodeName(in));
    std::vector<core::TensorSpec> outputs;
    for (const auto& n : graph.nodes)
        if (!consumed.count(n.name) && n.op != "Const" && n.op != "NoOp" && n.op != "Placeholder") {
            core::TensorSpec t;
            t.key = n.name;
            t.name = n.name + ":0";
            outputs.push_back(t);
        }
    return outputs;
}

} // namespace

core::Model readFrozenGraphDef(const fs::path& path, std::uint64_t maxMemoryBytes)
{
    const std::string label = path.filename().string();
    tensorflow::GraphDef graph = parseGraphDef(path);
    core::Model m;
    m.sourcePath = path.string();
    m.kind = core::ModelKind::GraphModel;
    m.meta.format = "tf_frozen_model";
    auto& group = m.weightGroups.emplace_back();
    DecodeBudget budget = decodeBudgetFor(path, maxMemoryBytes);
    for (auto& node : *graph.mutable_node()) {
        if (node.op() != "Const")
            continue;
        auto it = node.mutable_attr()->find("value");
        if (it == node.mutable_attr()->end() || !it->second.has_tensor())
            fail(label, "Const '" + node.name() + "' has no value");
        group.weights.push_back(constToWeight(it->second.tensor(), node.name(), label, budget));
        clearValues(it->second.mutable_tensor());
    }
    // Consts inside library functions (functional If / While bodies) become weights named
    // "<function>/<node>", as the reference's extract_weights names them (CONVERTER.md 3.2, end).
    if (graph.has_library())
        for (auto& f : *graph.mutable_library()->mutable_function())
            for (auto& node : *f.mutable_node_def()) {
                if (node.op() != "Const")
                    continue;
                const std::string name = f.signature().name() + "/" + node.name();
                auto it = node.mutable_attr()->find("value");
                if (it == node.mutable_attr()->end() || !it->second.has_tensor())
                    fail(label, "Const '" + name + "' has no value");
                group.weights.push_back(constToWeight(it->second.tensor(), name, label, budget));
                clearValues(it->second.mutable_tensor());
            }
    m.graph = toGraph(graph, label);
    m.inputs = placeholderInputs(m.graph);
    m.outputs = sinkOutputs(m.graph);
    return m;
}

bool isTfjsPre1Layout(const fs::path& path)
{
    std::error_code ec;
    const fs::path dir = fs::is_directory(path, ec) ? path : path.parent_path();
    if (fs::is_directory(path, ec) && fs::exists(path / "model.json", ec))
        return false; // the newer layout wins when both are present
    const bool named = fs::is_directory(path, ec) || path.filename() == "tensorflowjs_model.pb"
        || path.filename() == "weights_manifest.json";
    return named && fs::exists(dir / "tensorflowjs_model.pb", ec) && fs::exists(dir / "weights_manifest.json", ec);
}

core::Model readTfjsPre1Layout(const fs::path& path)
{
    std::error_code ec;
    const fs::path dir = fs::is_directory(path, ec) ? path : path.parent_path();
    const fs::path pb = dir / "tensorflowjs_model.pb";
    tensorflow::GraphDef graph = parseGraphDef(pb);
    core::Model weights = core::readTfjsModel(dir / "weights_manifest.json"); // a bare manifest
    core::Model m;
    m.sourcePath = (dir / "weights_manifest.json").string();
    m.kind = core::ModelKind::GraphModel;
    m.meta.format = "tfjs_graph_model";
    m.meta.formatKey = "graph-model"; // written as a current model.json: this is an upgrade
    m.weightGroups = std::move(weights.weightGroups);
    for (auto& node : *graph.mutable_node())
        if (node.op() == "Const")
            if (auto it = node.mutable_attr()->find("value"); it != node.mutable_attr()->end() && it->second.has_tensor())
                clearValues(it->second.mutable_tensor());
    m.graph = toGraph(graph, pb.filename().string());
    m.inputs = placeholderInputs(m.graph);
    m.outputs = sinkOutputs(m.graph);
    // Every Const must have its weight, or TF.js fails at load time.
    std::set<std::string> names;
    for (const auto& g : m.weightGroups)
        for (const auto& w : g.weights)
            names.insert(w.name);
    for (const auto& n : m.graph.nodes)
        if (n.op == "Const" && !names.count(n.name))
            fail("weights_manifest.json", "has no weight for Const node '" + n.name + "' of tensorflowjs_model.pb");
    return m;
}

} // namespace studio::conv
