// SavedModel / TF Hub import without TensorFlow (FORMATS.md sections 5-8, CONVERTER.md 3.1 and 3.7):
// what convert_variables_to_constants_v2 does for the reference converter, done on the protos.
// TF2 signatures are rebuilt from their wrapper function (arguments become placeholders named as
// the reference names them, captured variables become Consts named after the captured argument),
// nested calls are inlined under the call node's name, variable reads become Identities of those
// Consts (inside While / If bodies too), and what the outputs do not need is dropped. Captured hash
// tables become resource inputs fed by a modelInitializer graph built as the reference builds it.
// Also tf.keras SavedModels (keras_metadata.pb) read as layers models.
#include "converter/importers/saved_model.h"

#include "converter/importers/graph_def_proto.h"
#include "converter/importers/keras_h5_contents.h"
#include "converter/importers/limits.h"
#include "converter/importers/tensor_bundle.h"
#include "converter/importers/zip_archive.h"
#include "core/error.h"
#include "core/io/memory_budget.h"
#include "core/ir/dtype.h"
#include "core/tfjs/graph_json.h"
#include "core/tfjs/json_limits.h"
#include "proto/saved_model.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/text_format.h>

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <fcntl.h>
#include <unistd.h>

namespace studio::conv {

namespace fs = std::filesystem;
using tensorflow::NodeDef;

namespace {

constexpr int kMaxCallDepth = 256;
const char* const kInitOpSignature = "__saved_model_init_op";

// ---- small helpers ----

std::string dtypeText(int dtype)
{
    if (dtype > 100)
        dtype -= 100; // _REF types print as their value type
    const auto name = core::tfDataTypeName(dtype);
    if (!name)
        return "DataType " + std::to_string(dtype);
    if (auto d = core::dtypeFromTf(dtype))
        return std::string(core::dtypeName(*d));
    return std::string(*name);
}

std::string shapeText(const tensorflow::TensorShapeProto& s)
{
    if (s.unknown_rank())
        return "<unknown rank>";
    std::string t = "[";
    for (int i = 0; i < s.dim_size(); ++i)
        t += (i ? "," : "") + std::to_string(s.dim(i).size());
    return t + "]";
}

std::string tagSetText(const std::set<std::string>& tags)
{
    std::string s = "{";
    for (const auto& t : tags)
        s += (s.size() > 1 ? ", " : "") + t;
    return s + "}";
}

// "node:1" -> ("node", 1); "node" -> ("node", 0).
std::pair<std::string, int> splitTensor(const std::string& t)
{
    const auto colon = t.rfind(':');
    if (colon != std::string::npos && colon + 1 < t.size()
        && t.find_first_not_of("0123456789", colon + 1) == std::string::npos)
        return {t.substr(0, colon), std::stoi(t.substr(colon + 1))};
    return {t, 0};
}

std::string tensorName(const std::string& node, int index)
{
    return index == 0 ? node : node + ":" + std::to_string(index);
}

// A TensorInfo without a shape says nothing of it: unknown rank, not a scalar.
tensorflow::TensorShapeProto infoShape(const tensorflow::TensorInfo& info)
{
    tensorflow::TensorShapeProto s = info.tensor_shape();
    if (!info.has_tensor_shape())
        s.set_unknown_rank(true);
    return s;
}

nlohmann::ordered_json shapeJson(const tensorflow::TensorShapeProto& s)
{
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (s.unknown_rank()) {
        j["unknownRank"] = true;
        return j;
    }
    if (s.dim_size() == 0)
        return j;
    auto dims = nlohmann::ordered_json::array();
    for (const auto& d : s.dim())
        dims.push_back({{"size", std::to_string(d.size())}});
    j["dim"] = dims;
    return j;
}

core::Shape toShape(const tensorflow::TensorShapeProto& s)
{
    core::Shape shape;
    shape.unknownRank = s.unknown_rank();
    for (const auto& d : s.dim())
        shape.dims.push_back(d.size());
    return shape;
}

bool isVariableOp(const std::string& op)
{
    static const std::set<std::string> kOps = {"VarHandleOp", "VariableV2", "Variable", "ReadVariableOp",
        "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp", "VarIsInitializedOp", "Assign",
        "AssignAdd", "AssignSub", "IsVariableInitialized", "DestroyResourceOp", "SaveV2", "RestoreV2",
        "MergeV2Checkpoints", "ResourceGather", "ResourceGatherNd", "VariableShape"};
    return kOps.count(op) > 0;
}

// Output args of multi-output ops, for SavedModels whose stripped_op_list leaves out ops used only
// inside functions (seen in TF 2.0 SavedModels): (name, number_attr, type_list_attr). An op that is
// in neither list has one output arg, whatever its name.
struct OutArg {
    const char* name;
    const char* numberAttr;
    const char* typeListAttr;
};
const std::map<std::string, std::vector<OutArg>>& knownOutputArgs()
{
    static const std::map<std::string, std::vector<OutArg>> kOps = {
        {"FusedBatchNorm", {{"y", "", ""}, {"batch_mean", "", ""}, {"batch_variance", "", ""}, {"reserve_space_1", "", ""}, {"reserve_space_2", "", ""}}},
        {"FusedBatchNormV2", {{"y", "", ""}, {"batch_mean", "", ""}, {"batch_variance", "", ""}, {"reserve_space_1", "", ""}, {"reserve_space_2", "", ""}}},
        {"FusedBatchNormV3", {{"y", "", ""}, {"batch_mean", "", ""}, {"batch_variance", "", ""}, {"reserve_space_1", "", ""}, {"reserve_space_2", "", ""}, {"reserve_space_3", "", ""}}},
        {"Split", {{"output", "num_split", ""}}},
        {"SplitV", {{"output", "num_split", ""}}},
        {"Unpack", {{"output", "num", ""}}},
        {"TopKV2", {{"values", "", ""}, {"indices", "", ""}}},
        {"Unique", {{"y", "", ""}, {"idx", "", ""}}},
        {"ListDiff", {{"out", "", ""}, {"idx", "", ""}}},
        {"IdentityN", {{"output", "", "T"}}},
        {"While", {{"output", "", "T"}}},
        {"StatelessWhile", {{"output", "", "T"}}},
        {"If", {{"output", "", "Tout"}}},
        {"StatelessIf", {{"output", "", "Tout"}}},
        {"Case", {{"output", "", "Tout"}}},
        {"StatelessCase", {{"output", "", "Tout"}}},
        {"PartitionedCall", {{"output", "", "Tout"}}},
        {"StatefulPartitionedCall", {{"output", "", "Tout"}}},
        {"Switch", {{"output_false", "", ""}, {"output_true", "", ""}}},
        {"Merge", {{"output", "", ""}, {"value_index", "", ""}}},
        {"BroadcastGradientArgs", {{"r0", "", ""}, {"r1", "", ""}}},
        {"NonMaxSuppressionV4", {{"selected_indices", "", ""}, {"valid_outputs", "", ""}}},
        {"NonMaxSuppressionV5", {{"selected_indices", "", ""}, {"selected_scores", "", ""}, {"valid_outputs", "", ""}}},
        {"ParseExample", {{"sparse_indices", "Nsparse", ""}, {"sparse_values", "", "sparse_types"}, {"sparse_shapes", "Nsparse", ""}, {"dense_values", "", "Tdense"}}},
    };
    return kOps;
}

// ---- reading the SavedModel ----

fs::path folderOf(const fs::path& path)
{
    std::error_code ec;
    return fs::is_directory(path, ec) ? path : path.parent_path();
}

tensorflow::SavedModel parseSavedModel(const fs::path& dir, std::uint64_t budget)
{
    std::error_code ec;
    const fs::path pb = dir / "saved_model.pb";
    const fs::path pbtxt = dir / "saved_model.pbtxt";
    const bool binary = fs::is_regular_file(pb, ec);
    const fs::path file = binary ? pb : pbtxt;
    const std::string label = file.filename().string();
    if (!binary && !fs::is_regular_file(pbtxt, ec))
        fail(dir.string(), "no saved_model.pb or saved_model.pbtxt in this folder");
    const auto size = fs::file_size(file, ec);
    // The parsed messages take a few times the file's bytes.
    if (ec || size > budget / 3 || size > std::uint64_t(std::numeric_limits<int>::max()))
        fail(label, core::byteSizeText(ec ? 0 : size) + " is over the memory budget for a SavedModel proto "
                "(raise it with --max-memory if the file is trusted)");
    tensorflow::SavedModel sm;
    bool ok = false;
    if (binary) {
        const int fd = ::open(file.c_str(), O_RDONLY);
        if (fd < 0)
            fail(label, "cannot open (" + file.string() + ")");
        {
            google::protobuf::io::FileInputStream raw(fd);
            google::protobuf::io::CodedInputStream in(&raw);
            in.SetTotalBytesLimit(std::numeric_limits<int>::max()); // saved_model.pb can be hundreds of MB
            ok = sm.ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
        }
        ::close(fd);
    } else {
        std::ifstream in(file, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        ok = google::protobuf::TextFormat::ParseFromString(text.str(), &sm);
    }
    if (!ok)
        fail(label, "not a SavedModel protobuf (damaged, truncated, or another format)");
    if (sm.meta_graphs_size() == 0)
        fail(label, "the SavedModel holds no meta graph (damaged or truncated?)");
    return sm;
}

std::set<std::string> parseTags(const std::string& text)
{
    std::set<std::string> tags;
    std::stringstream in(text);
    std::string tag;
    while (std::getline(in, tag, ',')) {
        const auto a = tag.find_first_not_of(" \t");
        const auto b = tag.find_last_not_of(" \t");
        if (a != std::string::npos)
            tags.insert(tag.substr(a, b - a + 1));
    }
    return tags;
}

tensorflow::MetaGraphDef* selectMetaGraph(tensorflow::SavedModel& sm, const std::set<std::string>& tags,
    const std::string& label)
{
    std::vector<std::string> available;
    for (auto& mg : *sm.mutable_meta_graphs()) {
        const auto& t = mg.meta_info_def().tags();
        const std::set<std::string> have(t.begin(), t.end());
        if (have == tags)
            return &mg;
        available.push_back(tagSetText(have));
    }
    std::string list;
    for (const auto& a : available)
        list += (list.empty() ? "" : ", ") + a;
    fail(label, "no MetaGraphDef with the tag set " + tagSetText(tags) + " (--saved_model_tags); available tag sets: "
            + list);
}

std::string signatureSummary(const std::string& key, const tensorflow::SignatureDef& sig)
{
    auto side = [](const auto& map) {
        std::vector<std::string> keys;
        for (const auto& [k, v] : map)
            keys.push_back(k);
        std::sort(keys.begin(), keys.end());
        std::string s;
        for (const auto& k : keys) {
            const auto& info = map.at(k);
            s += (s.empty() ? "" : ", ") + k + " " + dtypeText(info.dtype()) + " " + shapeText(infoShape(info));
        }
        return s.empty() ? std::string("none") : s;
    };
    return "'" + key + "' (inputs: " + side(sig.inputs()) + "; outputs: " + side(sig.outputs()) + ")";
}

const tensorflow::SignatureDef& selectSignature(const tensorflow::MetaGraphDef& mg, const std::string& name,
    const std::string& label)
{
    if (auto it = mg.signature_def().find(name); it != mg.signature_def().end())
        return it->second;
    std::vector<std::string> keys;
    for (const auto& [k, v] : mg.signature_def())
        if (k != kInitOpSignature)
            keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    std::string list;
    for (const auto& k : keys)
        list += (list.empty() ? "" : ", ") + signatureSummary(k, mg.signature_def().at(k));
    fail(label, "Signature \"" + name + "\" does not exist in the saved model (--signature_name). The following "
            "signatures are available: " + (list.empty() ? std::string("none") : list));
}

// ---- freezing ----

class Freezer {
public:
    Freezer(tensorflow::MetaGraphDef& mg, const tensorflow::SignatureDef& sig, std::string signatureName,
        std::string label, const ImportOptions& options)
        : m_mg(mg), m_sig(sig), m_signatureName(std::move(signatureName)), m_label(std::move(label)), m_options(options)
    {
        for (const auto& op : mg.meta_info_def().stripped_op_list().op())
            m_ops[op.name()] = &op;
        for (const auto& f : mg.graph_def().library().function())
            m_functions[f.signature().name()] = &f;
        for (const auto& n : mg.graph_def().node())
            m_top[n.name()] = &n;
    }

    // Builds the inlined graph; afterwards variables() says which Consts take checkpoint values.
    void build(const std::function<std::optional<std::string>(int)>& objectKey)
    {
        m_objectKey = objectKey;
        checkSignature();
        if (const NodeDef* call = rootCall())
            buildFromWrapper(*call);
        else
            buildFromTopLevel();
        applyRenames();
    }

    // Turns variable reads into reads of Consts and drops what the outputs do not need.
    void freeze(const TensorBundle* bundle)
    {
        std::unordered_map<std::string, std::size_t> index;
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
            index[m_nodes[i].name()] = i;
        // Variables themselves become Consts holding their checkpoint value.
        for (auto& [name, key] : m_variableKey) {
            auto it = index.find(name);
            if (it == index.end())
                continue;
            NodeDef& n = m_nodes[it->second];
            if (!bundle)
                fail(Location::atNode(m_label, n.name()), "variable '" + key + "' but the SavedModel has no variables/ checkpoint");
            const BundleEntry* entry = bundle->find(key);
            if (!entry)
                fail(Location::atNode(m_label, n.name()), "variable '" + key + "' has no value in "
                        + bundle->indexLabel());
            int dtype = entry->dtype;
            if (auto a = n.attr().find("dtype"); a != n.attr().end()) {
                int declared = a->second.type();
                if (declared > 100)
                    declared -= 100;
                if (declared != dtype)
                    fail(Location::atNode(m_label, n.name()), "variable '" + key + "' is " + dtypeText(declared)
                            + " in the graph but " + dtypeText(dtype) + " in " + bundle->indexLabel());
            }
            NodeDef c;
            c.set_name(n.name());
            c.set_op("Const");
            c.set_device(n.device());
            (*c.mutable_attr())["dtype"].set_type(static_cast<tensorflow::DataType>(dtype));
            auto* t = (*c.mutable_attr())["value"].mutable_tensor();
            t->set_dtype(static_cast<tensorflow::DataType>(dtype));
            for (const auto d : entry->shape)
                t->mutable_tensor_shape()->add_dim()->set_size(d);
            n = std::move(c);
            m_constKey[n.name()] = key;
        }
        // Reads of those variables.
        std::vector<NodeDef> added;
        for (auto& n : m_nodes) {
            const std::string& op = n.op();
            if (op != "ReadVariableOp" && op != "ResourceGather" && op != "ResourceGatherNd" && op != "VariableShape")
                continue;
            if (n.input_size() == 0)
                fail(Location::atNode(m_label, n.name()), op + " without a resource input");
            const auto source = traceResource(n.input(0), index);
            if (!source)
                fail(Location::atNode(m_label, n.name()), op + " reads a resource that is not a variable of the "
                        "checkpoint (" + n.input(0) + "); hash tables and other resources are not supported");
            const int dtype = m_nodes[index.at(*source)].attr().at("dtype").type();
            auto& attrs = *n.mutable_attr();
            if (op == "ReadVariableOp") {
                n.set_op("Identity");
                attrs.erase("dtype");
                attrs["T"].set_type(static_cast<tensorflow::DataType>(dtype));
                n.set_input(0, *source);
            } else if (op == "ResourceGather") {
                if (auto b = attrs.find("batch_dims"); b != attrs.end() && b->second.i() != 0)
                    fail(Location::atNode(m_label, n.name()), "ResourceGather with batch_dims != 0 is not supported");
                const auto indices = attrs.count("Tindices") ? attrs.at("Tindices").type() : tensorflow::DT_INT32;
                n.set_op("GatherV2");
                attrs.clear();
                attrs["Tparams"].set_type(static_cast<tensorflow::DataType>(dtype));
                attrs["Tindices"].set_type(indices);
                attrs["Taxis"].set_type(tensorflow::DT_INT32);
                attrs["batch_dims"].set_i(0);
                NodeDef axis;
                axis.set_name(n.name() + "/axis");
                axis.set_op("Const");
                (*axis.mutable_attr())["dtype"].set_type(tensorflow::DT_INT32);
                auto* t = (*axis.mutable_attr())["value"].mutable_tensor();
                t->set_dtype(tensorflow::DT_INT32);
                t->add_int_val(0);
                n.set_input(0, *source);
                // GatherV2(params, indices, axis): the axis goes before any control inputs.
                std::vector<std::string> inputs(n.input().begin(), n.input().end());
                auto firstControl = std::find_if(inputs.begin(), inputs.end(), [](const std::string& s) { return !s.empty() && s[0] == '^'; });
                inputs.insert(firstControl, axis.name());
                n.clear_input();
                for (auto& s : inputs)
                    n.add_input(s);
                added.push_back(std::move(axis));
            } else if (op == "ResourceGatherNd") {
                const auto indices = attrs.count("Tindices") ? attrs.at("Tindices").type() : tensorflow::DT_INT32;
                n.set_op("GatherNd");
                attrs.clear();
                attrs["Tparams"].set_type(static_cast<tensorflow::DataType>(dtype));
                attrs["Tindices"].set_type(indices);
                n.set_input(0, *source);
            } else { // VariableShape: the shape is known from the checkpoint
                const auto out = attrs.count("out_type") ? attrs.at("out_type").type() : tensorflow::DT_INT32;
                const auto& shape = m_nodes[index.at(*source)].attr().at("value").tensor().tensor_shape();
                n.set_op("Const");
                attrs.clear();
                attrs["dtype"].set_type(out);
                auto* t = attrs["value"].mutable_tensor();
                t->set_dtype(out);
                t->mutable_tensor_shape()->add_dim()->set_size(shape.dim_size());
                for (const auto& d : shape.dim()) {
                    if (out == tensorflow::DT_INT64)
                        t->add_int64_val(d.size());
                    else
                        t->add_int_val(static_cast<std::int32_t>(d.size()));
                }
                std::vector<std::string> controls;
                for (const auto& in : n.input())
                    if (!in.empty() && in[0] == '^')
                        controls.push_back(in);
                n.clear_input();
                for (auto& s : controls)
                    n.add_input(s);
            }
        }
        for (auto& a : added)
            m_nodes.push_back(std::move(a));
        freezeControlFlowInputs(index);
        prune();
    }

    std::vector<NodeDef>& nodes() { return m_nodes; }
    // Const node name -> checkpoint key.
    const std::unordered_map<std::string, std::string>& constKeys() const { return m_constKey; }
    const std::vector<std::pair<std::string, std::string>>& inputs() const { return m_inputs; }   // sig key -> tensor
    const std::vector<std::pair<std::string, std::string>>& outputs() const { return m_outputs; } // sig key -> tensor
    const std::map<std::string, const tensorflow::FunctionDef*> keptFunctions() const
    {
        std::map<std::string, const tensorflow::FunctionDef*> kept;
        std::vector<std::string> todo;
        auto visitAttr = [&](const tensorflow::AttrValue& a, auto&& self) -> void {
            if (a.has_func())
                todo.push_back(a.func().name());
            if (a.has_list())
                for (const auto& f : a.list().func())
                    todo.push_back(f.name());
            (void)self;
        };
        for (const auto& n : m_nodes)
            for (const auto& [k, a] : n.attr())
                visitAttr(a, visitAttr);
        while (!todo.empty()) {
            const std::string name = todo.back();
            todo.pop_back();
            auto it = m_functions.find(name);
            if (it == m_functions.end() || kept.count(name))
                continue;
            kept[name] = it->second;
            for (const auto& n : it->second->node_def()) {
                if (m_functions.count(n.op()))
                    todo.push_back(n.op());
                for (const auto& [k, a] : n.attr())
                    visitAttr(a, visitAttr);
            }
        }
        return kept;
    }

private:
    struct Inlined {
        std::vector<std::string> outputs;
        std::vector<std::string> controlNodes;
    };

    [[noreturn]] void failSig(const std::string& what) const
    {
        fail(m_label, "signature '" + m_signatureName + "': " + what);
    }

    void checkSignature() const
    {
        for (const auto* side : {&m_sig.inputs(), &m_sig.outputs()})
            for (const auto& [key, info] : *side) {
                if (info.has_coo_sparse() || info.has_composite_tensor())
                    fail(m_label, "Signature \"" + m_signatureName + "\" has a "
                            + std::string(info.has_coo_sparse() ? "SparseTensor" : "composite tensor") + " on "
                            + (side == &m_sig.inputs() ? "input" : "output") + " \"" + key
                            + "\". SparseTensors are not supported.");
                if (!m_top.count(splitTensor(info.name()).first))
                    failSig("tensor '" + info.name() + "' of '" + key + "' names no node of the graph");
            }
        if (m_sig.outputs().empty())
            failSig("has no outputs");
    }

    std::vector<std::string> sortedKeys(const google::protobuf::Map<std::string, tensorflow::TensorInfo>& map) const
    {
        std::vector<std::string> keys;
        for (const auto& [k, v] : map)
            keys.push_back(k);
        std::sort(keys.begin(), keys.end());
        return keys;
    }

    bool isCall(const NodeDef& n) const
    {
        return ((n.op() == "PartitionedCall" || n.op() == "StatefulPartitionedCall") && n.attr().count("f"))
            || m_functions.count(n.op());
    }

    const tensorflow::FunctionDef& callee(const NodeDef& n, const std::string& where) const
    {
        const std::string name = m_functions.count(n.op()) ? n.op() : n.attr().at("f").func().name();
        auto it = m_functions.find(name);
        if (it == m_functions.end())
            fail(Location::atNode(m_label, where), n.op() + " calls function '" + name + "', which is not in the graph's library");
        return *it->second;
    }

    // The TF2 layout: every signature output comes from one call of the signature's wrapper function.
    const NodeDef* rootCall() const
    {
        const NodeDef* call = nullptr;
        for (const auto& [key, info] : m_sig.outputs()) {
            const NodeDef* n = m_top.at(splitTensor(info.name()).first);
            if (!isCall(*n) || (call && call != n))
                return nullptr;
            call = n;
        }
        return call;
    }

    void fillDefaults(NodeDef& n) const
    {
        auto it = m_ops.find(n.op());
        if (it != m_ops.end()) {
            for (const auto& a : it->second->attr())
                if (a.has_default_value() && !n.attr().count(a.name()))
                    (*n.mutable_attr())[a.name()] = a.default_value();
            return;
        }
        // TF 2.x SavedModels strip the op list down to the top-level ops, so ops used only
        // inside functions come without their defaults; TensorFlow.js reads several of them
        // (a Conv2D without `dilations` makes it throw), and the reference converter writes
        // them because TF fills them in when it loads the graph.
        for (const auto& [name, value] : builtinDefaults(n.op()))
            if (!n.attr().count(name))
                (*n.mutable_attr())[name] = value;
    }

    // The registered defaults (tensorflow/core/ops/*.cc) of the attributes TF.js's op mappers read.
    static std::vector<std::pair<std::string, tensorflow::AttrValue>> builtinDefaults(const std::string& op)
    {
        auto str = [](const char* v) { tensorflow::AttrValue a; a.set_s(v); return a; };
        auto ints = [](std::initializer_list<std::int64_t> v) {
            tensorflow::AttrValue a;
            auto* list = a.mutable_list();
            for (auto x : v)
                list->add_i(x);
            return a;
        };
        auto flag = [](bool v) { tensorflow::AttrValue a; a.set_b(v); return a; };
        auto real = [](float v) { tensorflow::AttrValue a; a.set_f(v); return a; };
        auto type = [](tensorflow::DataType t) { tensorflow::AttrValue a; a.set_type(t); return a; };
        if (op == "Conv2D")
            return {{"data_format", str("NHWC")}, {"dilations", ints({1, 1, 1, 1})}, {"explicit_paddings", ints({})},
                {"use_cudnn_on_gpu", flag(true)}};
        if (op == "DepthwiseConv2dNative" || op == "Conv2DBackpropInput")
            return {{"data_format", str("NHWC")}, {"dilations", ints({1, 1, 1, 1})}, {"explicit_paddings", ints({})}};
        if (op == "Conv3D")
            return {{"data_format", str("NDHWC")}, {"dilations", ints({1, 1, 1, 1, 1})}};
        if (op == "MaxPool" || op == "AvgPool" || op == "BiasAdd")
            return {{"data_format", str("NHWC")}};
        if (op == "MaxPool3D" || op == "AvgPool3D")
            return {{"data_format", str("NDHWC")}};
        if (op == "MatMul")
            return {{"transpose_a", flag(false)}, {"transpose_b", flag(false)}};
        if (op == "BatchMatMul" || op == "BatchMatMulV2")
            return {{"adj_x", flag(false)}, {"adj_y", flag(false)}};
        if (op == "FusedBatchNorm" || op == "FusedBatchNormV2" || op == "FusedBatchNormV3")
            return {{"epsilon", real(0.0001f)}, {"data_format", str("NHWC")}, {"is_training", flag(true)},
                {"exponential_avg_factor", real(1.0f)}};
        if (op == "Squeeze")
            return {{"squeeze_dims", ints({})}};
        if (op == "StridedSlice")
            return {{"begin_mask", [] { tensorflow::AttrValue a; a.set_i(0); return a; }()},
                {"end_mask", [] { tensorflow::AttrValue a; a.set_i(0); return a; }()},
                {"ellipsis_mask", [] { tensorflow::AttrValue a; a.set_i(0); return a; }()},
                {"new_axis_mask", [] { tensorflow::AttrValue a; a.set_i(0); return a; }()},
                {"shrink_axis_mask", [] { tensorflow::AttrValue a; a.set_i(0); return a; }()}};
        if (op == "Mean" || op == "Sum" || op == "Max" || op == "Min" || op == "Prod" || op == "All" || op == "Any")
            return {{"keep_dims", flag(false)}};
        if (op == "ResizeBilinear" || op == "ResizeNearestNeighbor")
            return {{"align_corners", flag(false)}, {"half_pixel_centers", flag(false)}};
        if (op == "LeakyRelu")
            return {{"alpha", real(0.2f)}};
        if (op == "Cast")
            return {{"Truncate", flag(false)}};
        if (op == "ArgMax" || op == "ArgMin")
            return {{"output_type", type(tensorflow::DT_INT64)}};
        return {};
    }

    // The flat output index of `outArg`:k of body node `n` (FORMATS.md 6.5).
    int flatOutputIndex(const NodeDef& n, const std::string& outArg, int k, const std::string& fn) const
    {
        const google::protobuf::RepeatedPtrField<tensorflow::OpDef::ArgDef>* args = nullptr;
        google::protobuf::RepeatedPtrField<tensorflow::OpDef::ArgDef> known;
        if (m_functions.count(n.op())) // a direct call: the callee's signature is the OpDef
            args = &m_functions.at(n.op())->signature().output_arg();
        else if (auto it = m_ops.find(n.op()); it != m_ops.end())
            args = &it->second->output_arg();
        else if (auto known_ = knownOutputArgs().find(n.op()); known_ != knownOutputArgs().end()) {
            for (const auto& o : known_->second) {
                auto* a = known.Add();
                a->set_name(o.name);
                a->set_number_attr(o.numberAttr);
                a->set_type_list_attr(o.typeListAttr);
            }
            args = &known;
        } else {
            return k; // not in the op list: a single-output op (the common case)
        }
        int flat = 0;
        for (const auto& a : *args) {
            int count = 1;
            if (!a.number_attr().empty()) {
                auto at = n.attr().find(a.number_attr());
                count = at != n.attr().end() ? static_cast<int>(at->second.i()) : 0;
            } else if (!a.type_list_attr().empty()) {
                auto at = n.attr().find(a.type_list_attr());
                count = at != n.attr().end() ? at->second.list().type_size() : 0;
            }
            if (a.name() == outArg) {
                if (k < 0 || k >= count)
                    fail(m_label, "function '" + fn + "': node '" + n.name() + "': output " + outArg + ":"
                            + std::to_string(k) + " does not exist");
                return flat + k;
            }
            flat += count;
        }
        fail(m_label, "function '" + fn + "': node '" + n.name() + "': op '" + n.op() + "' has no output '" + outArg + "'");
    }

    static void substitutePlaceholders(tensorflow::AttrValue& a, const google::protobuf::Map<std::string, tensorflow::AttrValue>& callAttrs,
        const std::string& where, const std::string& label)
    {
        if (a.value_case() == tensorflow::AttrValue::kPlaceholder) {
            auto it = callAttrs.find(a.placeholder());
            if (it == callAttrs.end())
                fail(label, where + ": attribute placeholder '" + a.placeholder() + "' is not set by the call");
            a = it->second;
        }
    }

    Inlined inlineFunction(const tensorflow::FunctionDef& f, const std::string& prefix, const std::vector<std::string>& args,
        const std::vector<std::string>& controls, const google::protobuf::Map<std::string, tensorflow::AttrValue>& callAttrs)
    {
        m_options.cancel.check();
        const std::string& name = f.signature().name();
        if (std::find(m_stack.begin(), m_stack.end(), name) != m_stack.end()) {
            std::string chain;
            for (const auto& s : m_stack)
                chain += s + " -> ";
            fail(m_label, "function '" + name + "' calls itself (" + chain + name
                    + "); recursive functions cannot be inlined");
        }
        if (static_cast<int>(m_stack.size()) >= kMaxCallDepth)
            fail(m_label, "function calls nest deeper than " + std::to_string(kMaxCallDepth) + " levels at '" + name + "'");
        if (static_cast<int>(args.size()) != f.signature().input_arg_size())
            fail(Location::atNode(m_label, prefix), "calls '" + name + "' with " + std::to_string(args.size())
                    + " inputs; it takes " + std::to_string(f.signature().input_arg_size()));
        m_stack.push_back(name);
        std::unordered_map<std::string, std::string> argTensor;
        for (int i = 0; i < f.signature().input_arg_size(); ++i) {
            const auto& a = f.signature().input_arg(i);
            if (!a.number_attr().empty() || !a.type_list_attr().empty())
                fail(m_label, "function '" + name + "': argument '" + a.name() + "' is a list of tensors, which is not supported");
            argTensor[a.name()] = args[static_cast<std::size_t>(i)];
        }
        std::unordered_map<std::string, const NodeDef*> body;
        for (const auto& n : f.node_def())
            body[n.name()] = &n;
        auto local = [&](const std::string& n) { return prefix.empty() ? n : prefix + "/" + n; };
        auto resolve = [&](const std::string& in) -> std::string {
            const bool control = !in.empty() && in[0] == '^';
            const std::string s = control ? in.substr(1) : in;
            const auto c1 = s.find(':');
            const std::string nodeName = s.substr(0, c1);
            if (control) {
                if (auto it = argTensor.find(s); it != argTensor.end())
                    return "^" + splitTensor(it->second).first;
                if (body.count(s))
                    return "^" + local(s);
                fail(m_label, "function '" + name + "': control input '" + in + "' names nothing");
            }
            if (c1 == std::string::npos) {
                if (auto it = argTensor.find(s); it != argTensor.end())
                    return it->second;
                if (body.count(s))
                    return local(s);
                fail(m_label, "function '" + name + "': input '" + in + "' names nothing");
            }
            auto it = body.find(nodeName);
            if (it == body.end())
                fail(m_label, "function '" + name + "': input '" + in + "' names no node of the function");
            const auto c2 = s.find(':', c1 + 1);
            const std::string outArg = s.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
            int k = 0;
            if (c2 != std::string::npos) {
                const std::string digits = s.substr(c2 + 1);
                if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
                    fail(m_label, "function '" + name + "': bad input '" + in + "'");
                k = std::stoi(digits);
            }
            return tensorName(local(nodeName), flatOutputIndex(*it->second, outArg, k, name));
        };
        for (const auto& src : f.node_def()) {
            NodeDef n = src;
            n.set_name(local(src.name()));
            n.clear_input();
            bool hasInputs = false;
            for (const auto& in : src.input()) {
                n.add_input(resolve(in));
                hasInputs = true;
            }
            if (!hasInputs)
                for (const auto& c : controls)
                    n.add_input(c);
            for (auto& [key, value] : *n.mutable_attr())
                substitutePlaceholders(value, callAttrs, "function '" + name + "': node '" + src.name() + "'", m_label);
            if (isCall(n))
                inlineCall(n);
            else {
                fillDefaults(n);
                m_nodes.push_back(std::move(n));
            }
        }
        Inlined out;
        for (const auto& o : f.signature().output_arg()) {
            auto it = f.ret().find(o.name());
            if (it == f.ret().end())
                fail(m_label, "function '" + name + "': output '" + o.name() + "' has no ret entry");
            out.outputs.push_back(resolve(it->second));
        }
        for (const auto& [k, v] : f.control_ret())
            if (body.count(v))
                out.controlNodes.push_back(local(v));
        m_stack.pop_back();
        return out;
    }

    // Replaces call node `n` (already in flat-graph input syntax) by the callee's body.
    void inlineCall(const NodeDef& n)
    {
        std::vector<std::string> args, controls;
        for (const auto& in : n.input())
            (!in.empty() && in[0] == '^' ? controls : args).push_back(in);
        const Inlined r = inlineFunction(callee(n, n.name()), n.name(), args, controls, n.attr());
        for (std::size_t i = 0; i < r.outputs.size(); ++i)
            m_rename[n.name() + ":" + std::to_string(i)] = r.outputs[i];
        // Waiting for a call is waiting for its control results (what TensorFlow's inliner makes
        // of a TF2 call: an output_control_node after the body's control_ret), not its data results.
        auto& c = m_controlRename[n.name()];
        for (const auto& t : r.controlNodes)
            c.push_back(t);
    }

    // Signature placeholders of the top-level graph feeding call input i, if it is one.
    std::optional<std::string> signatureInputKey(const std::string& tensor) const
    {
        for (const auto& [key, info] : m_sig.inputs())
            if (splitTensor(info.name()) == splitTensor(tensor))
                return key;
        return std::nullopt;
    }

    // Object-graph ids of the captured inputs of a call, in input order (FORMATS.md 7.6 A.3).
    std::vector<int> boundInputs(const NodeDef& call) const
    {
        if (!call.attr().count("f"))
            return {};
        const auto& cf = m_mg.object_graph_def().concrete_functions();
        auto it = cf.find(call.attr().at("f").func().name());
        if (it == cf.end())
            return {};
        return {it->second.bound_inputs().begin(), it->second.bound_inputs().end()};
    }

    // Records the checkpoint key of each VarHandleOp a call captures.
    void bindCaptures(const NodeDef& call, const std::vector<std::string>& dataInputs,
        const std::function<void(const std::string& top, const std::string& key)>& bind)
    {
        const auto bound = boundInputs(call);
        if (bound.empty() || bound.size() > dataInputs.size() || !m_objectKey)
            return;
        const std::size_t first = dataInputs.size() - bound.size();
        for (std::size_t j = 0; j < bound.size(); ++j) {
            const std::string top = splitTensor(dataInputs[first + j]).first;
            if (auto key = m_objectKey(bound[j]))
                bind(top, *key);
        }
    }

    // TF2: the signature's wrapper function is the graph; its arguments are the inputs.
    void buildFromWrapper(const NodeDef& call)
    {
        const auto& f = callee(call, call.name());
        std::vector<std::string> dataInputs;
        for (const auto& in : call.input())
            if (in.empty() || in[0] != '^')
                dataInputs.push_back(in);
        if (static_cast<int>(dataInputs.size()) != f.signature().input_arg_size())
            fail(Location::atNode(m_label, call.name()), "calls '" + f.signature().name() + "' with "
                    + std::to_string(dataInputs.size()) + " inputs; it takes " + std::to_string(f.signature().input_arg_size()));
        std::unordered_map<std::string, std::string> capturedKey;
        bindCaptures(call, dataInputs, [&](const std::string& top, const std::string& key) { capturedKey[top] = key; });
        // Captured resources (hash tables): object-graph id per data input.
        std::unordered_map<std::size_t, int> capturedResource;
        if (const auto bound = boundInputs(call); !bound.empty() && bound.size() <= dataInputs.size())
            for (std::size_t j = 0; j < bound.size(); ++j)
                if (isResourceObject(bound[j]))
                    capturedResource[dataInputs.size() - bound.size() + j] = bound[j];
        std::vector<std::string> args;
        std::map<std::string, std::string> inputByKey;
        for (int i = 0; i < f.signature().input_arg_size(); ++i) {
            const auto& arg = f.signature().input_arg(i);
            const std::string& src = dataInputs[static_cast<std::size_t>(i)];
            const auto srcNode = splitTensor(src).first;
            auto it = m_top.find(srcNode);
            if (it == m_top.end())
                fail(Location::atNode(m_label, call.name()), "input '" + src + "' names no node");
            const NodeDef& top = *it->second;
            NodeDef n;
            n.set_name(arg.name());
            if (auto key = signatureInputKey(src)) {
                n.set_op("Placeholder");
                (*n.mutable_attr())["dtype"].set_type(arg.type());
                if (auto s = top.attr().find("shape"); s != top.attr().end())
                    (*n.mutable_attr())["shape"] = s->second;
                else
                    *(*n.mutable_attr())["shape"].mutable_shape() = m_sig.inputs().at(*key).tensor_shape();
                inputByKey[*key] = arg.name() + ":0";
            } else if (top.op() == "VarHandleOp") {
                n = top;
                n.set_name(arg.name());
                auto k = capturedKey.find(srcNode);
                if (k == capturedKey.end())
                    fail(Location::atNode(m_label, srcNode), "variable captured by '" + f.signature().name()
                            + "' has no checkpoint key in the object graph");
                m_variableKey[arg.name()] = k->second;
            } else if (top.op() == "Const") {
                n = top;
                n.set_name(arg.name());
            } else if (auto r = capturedResource.find(static_cast<std::size_t>(i)); r != capturedResource.end()) {
                // A table the model's initializer fills (modelInitializer): TF.js feeds this
                // placeholder with the initializer's output of the same resourceId (FORMATS.md 1.6).
                n.set_op("Placeholder");
                (*n.mutable_attr())["dtype"].set_type(tensorflow::DT_RESOURCE);
                (*n.mutable_attr())["shape"].mutable_shape();
                m_resourceInputs.push_back({arg.name(), r->second});
            } else {
                fail(Location::atNode(m_label, srcNode), top.op() + " captured by the signature function '"
                        + f.signature().name() + "' is not supported (only variables and constants)");
            }
            m_nodes.push_back(std::move(n));
            args.push_back(arg.name());
        }
        const Inlined r = inlineFunction(f, "", args, {}, call.attr());
        for (const auto& [key, tensor] : inputByKey)
            m_inputs.emplace_back(key, tensor);
        for (const auto& key : sortedKeys(m_sig.outputs())) {
            const auto [node, index] = splitTensor(m_sig.outputs().at(key).name());
            if (index < 0 || index >= static_cast<int>(r.outputs.size()))
                failSig("output '" + key + "' is output " + std::to_string(index) + " of '" + node + "', which has "
                        + std::to_string(r.outputs.size()));
            m_outputs.emplace_back(key, r.outputs[static_cast<std::size_t>(index)]);
        }
    }

    // A signature input that is not a Placeholder (TF1 signatures may feed any tensor, e.g. the
    // Identity after a ParseExample): TensorFlow cuts the graph there, so it becomes a Placeholder.
    bool isFedTensor(NodeDef& n)
    {
        if (n.op() == "Placeholder")
            return false;
        for (const auto& [key, info] : m_sig.inputs()) {
            const auto [node, index] = splitTensor(info.name());
            if (node != n.name())
                continue;
            if (index != 0)
                failSig("input '" + key + "' feeds output " + std::to_string(index) + " of '" + node
                        + "', which is not supported (only placeholders and first outputs)");
            NodeDef p;
            p.set_name(n.name());
            p.set_op("Placeholder");
            (*p.mutable_attr())["dtype"].set_type(info.dtype());
            auto* shape = (*p.mutable_attr())["shape"].mutable_shape();
            *shape = info.tensor_shape();
            if (!info.has_tensor_shape())
                shape->set_unknown_rank(true); // a TensorInfo without a shape says nothing of it
            m_nodes.push_back(std::move(p));
            return true;
        }
        return false;
    }

    // TF1 (and TF2 graphs not shaped like the above): the top-level graph, calls inlined in place.
    void buildFromTopLevel()
    {
        // Only what the signature outputs reach: the saver's calls and initializers stay out.
        std::unordered_set<std::string> reach, fed;
        std::vector<std::string> todo;
        for (const auto& [key, info] : m_sig.outputs())
            todo.push_back(splitTensor(info.name()).first);
        for (const auto& [key, info] : m_sig.inputs()) {
            todo.push_back(splitTensor(info.name()).first);
            fed.insert(splitTensor(info.name()).first); // the graph is cut at the inputs
        }
        while (!todo.empty()) {
            const std::string n = todo.back();
            todo.pop_back();
            if (!reach.insert(n).second)
                continue;
            auto it = m_top.find(n);
            if (it == m_top.end() || fed.count(n))
                continue;
            for (const auto& in : it->second->input())
                todo.push_back(core::inputNodeName(in));
        }
        const bool tf1Keys = !m_mg.has_object_graph_def() || m_mg.object_graph_def().nodes_size() == 0;
        for (const auto& src : m_mg.graph_def().node()) {
            if (!reach.count(src.name()))
                continue;
            NodeDef n = src;
            if (isCall(n)) {
                std::vector<std::string> dataInputs;
                for (const auto& in : n.input())
                    if (in.empty() || in[0] != '^')
                        dataInputs.push_back(in);
                bindCaptures(n, dataInputs, [&](const std::string& top, const std::string& key) { m_variableKey[top] = key; });
                inlineCall(n);
                continue;
            }
            fillDefaults(n);
            if (isFedTensor(n))
                continue;
            if (n.op() == "VariableV2" || n.op() == "Variable")
                m_variableKey.emplace(n.name(), n.name());
            else if (n.op() == "VarHandleOp" && tf1Keys)
                m_tf1Handles.push_back(n.name());
            m_nodes.push_back(std::move(n));
        }
        for (const auto& [key, info] : m_sig.inputs())
            m_inputs.emplace_back(key, info.name());
        for (const auto& key : sortedKeys(m_sig.outputs()))
            m_outputs.emplace_back(key, m_sig.outputs().at(key).name());
    }

public:
    // TF1 resource variables: the checkpoint key is the variable's name (node or shared_name).
    void bindTf1Handles(const TensorBundle* bundle)
    {
        for (const auto& name : m_tf1Handles) {
            if (m_variableKey.count(name))
                continue;
            std::string key = name;
            if (bundle && !bundle->find(key))
                for (const auto& n : m_nodes)
                    if (n.name() == name)
                        if (auto s = n.attr().find("shared_name"); s != n.attr().end() && !s->second.s().empty())
                            key = s->second.s();
            m_variableKey[name] = key;
        }
    }

    // A table (or other TrackableResource) the signature function captures: its placeholder in
    // the inference graph and its object-graph id, which is its resourceId in model.json.
    struct ResourceInput {
        std::string placeholder;
        int objectId = 0;
    };
    const std::vector<ResourceInput>& resourceInputs() const { return m_resourceInputs; }

    // The graph that creates and fills the model's resources (CONVERTER.md 3.1 step 5): what the
    // reference traces as its resource_initializer function (per resource, a call of the
    // resource's _create_resource and one of its _initialize with the table's keys and values as
    // constants; the new handles are the outputs) and then freezes with TensorFlow's inliner.
    struct Initializer {
        std::vector<NodeDef> nodes;
        std::vector<std::pair<std::string, int>> outputs; // tensor -> resource object id
    };
    Initializer buildInitializer(const std::unordered_set<std::string>& takenNames)
    {
        Initializer init;
        const auto& og = m_mg.object_graph_def();
        // The resources in the order TensorFlow's TrackableView lists descendants: breadth first.
        std::vector<int> resources;
        {
            std::vector<bool> seen(static_cast<std::size_t>(og.nodes_size()), false);
            std::deque<int> todo;
            if (og.nodes_size() > 0) {
                todo.push_back(0);
                seen[0] = true;
            }
            while (!todo.empty()) {
                const int id = todo.front();
                todo.pop_front();
                if (isResourceObject(id))
                    resources.push_back(id);
                for (const auto& c : og.nodes(id).children())
                    if (c.node_id() >= 0 && c.node_id() < og.nodes_size() && !seen[static_cast<std::size_t>(c.node_id())]) {
                        seen[static_cast<std::size_t>(c.node_id())] = true;
                        todo.push_back(c.node_id());
                    }
            }
        }
        if (resources.empty())
            return init;

        std::map<std::string, tensorflow::FunctionDef> wrappers;
        std::unordered_set<std::string> used = takenNames;
        int calls = 0;
        auto callName = [&] { return calls == 0 ? std::string("StatefulPartitionedCall") : "StatefulPartitionedCall_" + std::to_string(calls); };
        std::vector<std::string> creates, initializes;
        for (const int r : resources) {
            const auto& obj = og.nodes(r);
            const std::string where = "resource '" + objectPath(r) + "'";
            const tensorflow::FunctionDef& create = resourceFunction(obj, "_create_resource", where);
            const tensorflow::FunctionDef& initialize = resourceFunction(obj, "_initialize", where);
            NodeDef c = wrapperCall(create, callName(), {}, wrappers);
            ++calls;
            const std::string handle = c.name();
            // _initialize's captured inputs: the resource itself (the new handle) and constants.
            std::vector<std::string> args;
            const auto cf = og.concrete_functions().find(initialize.signature().name());
            if (cf == og.concrete_functions().end())
                fail(m_label, where + ": its _initialize function '" + initialize.signature().name()
                        + "' is not in the object graph's concrete functions");
            for (const int b : cf->second.bound_inputs()) {
                if (b == r) {
                    args.push_back(handle);
                    continue;
                }
                if (b < 0 || b >= og.nodes_size() || og.nodes(b).kind_case() != tensorflow::SavedObject::kConstant)
                    fail(m_label, where + ": its _initialize function captures object " + std::to_string(b)
                            + ", which is not a constant; only tables filled from constants are supported");
                const std::string& op = og.nodes(b).constant().operation();
                auto top = m_top.find(op);
                if (top == m_top.end() || top->second->op() != "Const")
                    fail(m_label, where + ": the constant '" + op + "' its _initialize function captures is not a Const of the graph");
                NodeDef k = *top->second;
                std::string name = op;
                for (int s = 1; used.count(name); ++s)
                    name = op + "_" + std::to_string(s);
                used.insert(name);
                k.set_name(name);
                k.clear_input();
                init.nodes.push_back(std::move(k));
                args.push_back(name);
            }
            init.nodes.push_back(std::move(c));
            NodeDef i = wrapperCall(initialize, callName(), args, wrappers);
            ++calls;
            initializes.push_back(i.name());
            init.nodes.push_back(std::move(i));
            creates.push_back(handle);
        }
        // The traced function's own results: automatic control dependencies make every output
        // wait for all the stateful calls.
        NodeDef noop;
        noop.set_name("NoOp");
        noop.set_op("NoOp");
        for (std::size_t k = 0; k < resources.size(); ++k) {
            noop.add_input("^" + creates[k]);
            noop.add_input("^" + initializes[k]);
        }
        init.nodes.push_back(noop);
        for (std::size_t k = 0; k < resources.size(); ++k) {
            NodeDef id;
            id.set_name(k == 0 ? std::string("Identity") : "Identity_" + std::to_string(k));
            id.set_op("Identity");
            (*id.mutable_attr())["T"].set_type(tensorflow::DT_RESOURCE);
            id.add_input(creates[k]);
            id.add_input("^NoOp");
            for (const auto& i : initializes)
                id.add_input("^" + i);
            init.outputs.emplace_back(id.name() + ":0", resources[k]);
            init.nodes.push_back(std::move(id));
        }
        inlineLikeTensorFlow(init.nodes, wrappers);
        pruneTo(init.nodes, init.outputs);
        return init;
    }

private:
    // Functional control flow that takes a variable (a While or If body reads it through an
    // argument): as convert_variables_to_constants_v2 does, the node reads the Const, its type
    // list says the value's dtype, and in the bodies the argument takes that dtype and its
    // ReadVariableOps become Identities.
    struct FlowOp {
        const char* typeAttr;
        int first; // data inputs before the bodies' arguments (If: the condition)
        bool loop;
        std::vector<const char*> functions;
    };
    static const FlowOp* flowOp(const std::string& op)
    {
        static const FlowOp kWhile{"T", 0, true, {"cond", "body"}};
        static const FlowOp kIf{"Tin", 1, false, {"then_branch", "else_branch"}};
        if (op == "While" || op == "StatelessWhile")
            return &kWhile;
        if (op == "If" || op == "StatelessIf")
            return &kIf;
        return nullptr;
    }

    // Sets data input `dataIndex` of control-flow node `n` to a value of `dtype` and `shape`.
    // Returns false when that input is not a resource.
    bool retypeFlowInput(NodeDef& n, const FlowOp& flow, int dataIndex, int dtype, const tensorflow::TensorShapeProto& shape,
        int depth)
    {
        const int arg = dataIndex - flow.first;
        auto attr = n.mutable_attr()->find(flow.typeAttr);
        if (arg < 0 || attr == n.mutable_attr()->end() || arg >= attr->second.list().type_size()
            || attr->second.list().type(arg) != tensorflow::DT_RESOURCE)
            return false;
        attr->second.mutable_list()->set_type(arg, static_cast<tensorflow::DataType>(dtype));
        if (flow.loop)
            if (auto s = n.mutable_attr()->find("output_shapes");
                s != n.mutable_attr()->end() && arg < s->second.list().shape_size())
                *s->second.mutable_list()->mutable_shape(arg) = shape;
        for (const char* key : flow.functions) {
            auto f = n.attr().find(key);
            if (f == n.attr().end() || !f->second.has_func())
                fail(Location::atNode(m_label, n.name()), n.op() + " has no function '" + key + "'");
            retypeArgument(f->second.func().name(), arg, dtype, shape, flow.loop && std::string(key) == "body", depth + 1);
        }
        return true;
    }

    void retypeArgument(const std::string& fn, int arg, int dtype, const tensorflow::TensorShapeProto& shape, bool passThrough,
        int depth)
    {
        if (depth > kMaxCallDepth)
            fail(m_label, "control-flow functions nest deeper than " + std::to_string(kMaxCallDepth) + " levels at '" + fn + "'");
        auto it = m_functions.find(fn);
        if (it == m_functions.end())
            fail(m_label, "function '" + fn + "' is not in the graph's library");
        // A converted copy, kept at a stable address for the lookups that follow.
        auto copy = m_converted.find(fn);
        if (copy == m_converted.end()) {
            copy = m_converted.emplace(fn, *it->second).first;
            it->second = &copy->second;
        }
        tensorflow::FunctionDef& f = copy->second;
        if (arg >= f.signature().input_arg_size())
            fail(m_label, "function '" + fn + "' has no argument " + std::to_string(arg));
        auto& a = *f.mutable_signature()->mutable_input_arg(arg);
        if (a.type() != tensorflow::DT_RESOURCE)
            return; // converted already (the function serves several nodes)
        a.set_type(static_cast<tensorflow::DataType>(dtype));
        if (passThrough && arg < f.signature().output_arg_size())
            f.mutable_signature()->mutable_output_arg(arg)->set_type(static_cast<tensorflow::DataType>(dtype));
        const std::string argName = a.name();
        std::set<std::string> reads;
        for (auto& n : *f.mutable_node_def()) {
            int dataIndex = -1;
            for (int i = 0; i < n.input_size(); ++i) {
                if (!n.input(i).empty() && n.input(i)[0] == '^')
                    continue;
                ++dataIndex;
                if (n.input(i) != argName)
                    continue;
                if (n.op() == "ReadVariableOp") {
                    auto& attrs = *n.mutable_attr();
                    n.set_op("Identity");
                    attrs["T"].set_type(static_cast<tensorflow::DataType>(dtype));
                    attrs.erase("dtype");
                    reads.insert(n.name());
                } else if (const FlowOp* inner = flowOp(n.op())) {
                    retypeFlowInput(n, *inner, dataIndex, dtype, shape, depth);
                }
            }
        }
        // Readers of a ReadVariableOp name its output "value"; an Identity's is "output".
        auto rename = [&](std::string& in) {
            const auto c1 = in.find(':');
            if (c1 == std::string::npos)
                return;
            const std::string node = in.substr(in[0] == '^' ? 1 : 0, c1 - (in[0] == '^' ? 1 : 0));
            if (reads.count(node) && in.compare(c1, 7, ":value:") == 0)
                in = in.substr(0, c1) + ":output:" + in.substr(c1 + 7);
        };
        for (auto& n : *f.mutable_node_def())
            for (auto& in : *n.mutable_input())
                rename(in);
        for (auto& [k, v] : *f.mutable_ret())
            rename(v);
    }

    void freezeControlFlowInputs(const std::unordered_map<std::string, std::size_t>& index)
    {
        for (auto& n : m_nodes) {
            const FlowOp* flow = flowOp(n.op());
            if (!flow)
                continue;
            int dataIndex = -1;
            for (int i = 0; i < n.input_size(); ++i) {
                if (!n.input(i).empty() && n.input(i)[0] == '^')
                    continue;
                ++dataIndex;
                if (dataIndex < flow->first)
                    continue;
                const auto source = traceResource(n.input(i), index);
                if (!source)
                    continue;
                const NodeDef& value = m_nodes[index.at(*source)];
                const int dtype = value.attr().at("dtype").type();
                if (retypeFlowInput(n, *flow, dataIndex, dtype, value.attr().at("value").tensor().tensor_shape(), 0))
                    n.set_input(i, *source);
            }
        }
    }

    bool isResourceObject(int id) const
    {
        const auto& og = m_mg.object_graph_def();
        return id >= 0 && id < og.nodes_size() && og.nodes(id).kind_case() == tensorflow::SavedObject::kResource;
    }

    // "table" for object 1 under the root (first path found), for messages.
    std::string objectPath(int id) const
    {
        const auto& og = m_mg.object_graph_def();
        for (int p = 0; p < og.nodes_size(); ++p)
            for (const auto& c : og.nodes(p).children())
                if (c.node_id() == id)
                    return c.local_name();
        return "object " + std::to_string(id);
    }

    const tensorflow::FunctionDef& resourceFunction(const tensorflow::SavedObject& obj, const std::string& child,
        const std::string& where) const
    {
        const auto& og = m_mg.object_graph_def();
        for (const auto& c : obj.children()) {
            if (c.local_name() != child || c.node_id() < 0 || c.node_id() >= og.nodes_size())
                continue;
            const auto& f = og.nodes(c.node_id());
            std::string name;
            if (f.kind_case() == tensorflow::SavedObject::kFunction && f.function().concrete_functions_size() > 0)
                name = f.function().concrete_functions(0);
            else if (f.kind_case() == tensorflow::SavedObject::kBareConcreteFunction)
                name = f.bare_concrete_function().concrete_function_name();
            auto it = m_functions.find(name);
            if (it == m_functions.end())
                fail(m_label, where + ": its " + child + " function '" + name + "' is not in the graph's library");
            return *it->second;
        }
        fail(m_label, where + " has no " + child + " function; TF.js could not create it in modelInitializer");
    }

    // A call of `inner` through a wrapper function as a restored function traced inside a
    // tf.function calls it: the wrapper's own call, Identity of each result and NoOp.
    NodeDef wrapperCall(const tensorflow::FunctionDef& inner, const std::string& name, const std::vector<std::string>& args,
        std::map<std::string, tensorflow::FunctionDef>& wrappers) const
    {
        const auto& is = inner.signature();
        if (static_cast<int>(args.size()) != is.input_arg_size())
            fail(m_label, "function '" + is.name() + "' takes " + std::to_string(is.input_arg_size()) + " inputs; its resource "
                    "captures " + std::to_string(args.size()));
        tensorflow::FunctionDef w;
        w.mutable_signature()->set_name("restored_function_body_" + is.name() + "_" + name);
        tensorflow::AttrValue tin, tout;
        tin.mutable_list();
        tout.mutable_list();
        NodeDef call;
        call.set_name("StatefulPartitionedCall");
        call.set_op("StatefulPartitionedCall");
        for (const auto& a : is.input_arg()) {
            auto* arg = w.mutable_signature()->add_input_arg();
            *arg = a;
            call.add_input(a.name());
            tin.mutable_list()->add_type(a.type());
        }
        for (const auto& o : is.output_arg())
            tout.mutable_list()->add_type(o.type());
        (*call.mutable_attr())["f"].mutable_func()->set_name(is.name());
        (*call.mutable_attr())["Tin"] = tin;
        (*call.mutable_attr())["Tout"] = tout;
        *w.add_node_def() = call;
        NodeDef noop;
        noop.set_name("NoOp");
        noop.set_op("NoOp");
        noop.add_input("^StatefulPartitionedCall");
        for (int k = 0; k < is.output_arg_size(); ++k) {
            const std::string id = k == 0 ? std::string("Identity") : "Identity_" + std::to_string(k);
            NodeDef n;
            n.set_name(id);
            n.set_op("Identity");
            n.add_input("StatefulPartitionedCall:output:" + std::to_string(k));
            n.add_input("^NoOp");
            (*n.mutable_attr())["T"].set_type(is.output_arg(k).type());
            *w.add_node_def() = n;
            auto* out = w.mutable_signature()->add_output_arg();
            out->set_name(k == 0 ? std::string("identity") : "identity_" + std::to_string(k));
            out->set_type(is.output_arg(k).type());
            (*w.mutable_ret())[out->name()] = id + ":output:0";
        }
        *w.add_node_def() = noop;
        (*w.mutable_control_ret())["StatefulPartitionedCall"] = "StatefulPartitionedCall";
        NodeDef c;
        c.set_name(name);
        c.set_op("StatefulPartitionedCall");
        for (const auto& a : args)
            c.add_input(a);
        (*c.mutable_attr())["f"].mutable_func()->set_name(w.signature().name());
        (*c.mutable_attr())["Tin"] = tin;
        (*c.mutable_attr())["Tout"] = tout;
        wrappers[w.signature().name()] = std::move(w);
        return c;
    }

    // Inlines every call in `g` the way TensorFlow's function inliner does when the reference
    // freezes a function: per call C, a NoOp "Func/C/input_control_node/_k" (waiting for the
    // call's control inputs and, at the top level, for its non-placeholder data inputs), one
    // Identity "Func/C/input/_k" per argument, the body under "C/", one Identity
    // "Func/C/output/_k" per result and a NoOp "Func/C/output_control_node/_k" waiting for the
    // body's control results; readers of C read those. One counter names them all, calls taken
    // breadth first.
    void inlineLikeTensorFlow(std::vector<NodeDef>& g, const std::map<std::string, tensorflow::FunctionDef>& extra)
    {
        auto calleeOf = [&](const NodeDef& n) -> const tensorflow::FunctionDef* {
            std::string name = n.op();
            if ((n.op() == "PartitionedCall" || n.op() == "StatefulPartitionedCall") && n.attr().count("f"))
                name = n.attr().at("f").func().name();
            if (auto e = extra.find(name); e != extra.end())
                return &e->second;
            if (auto f = m_functions.find(name); f != m_functions.end())
                return f->second;
            if (n.op() == "PartitionedCall" || n.op() == "StatefulPartitionedCall")
                fail(Location::atNode(m_label, n.name()), n.op() + " calls function '" + name + "', which is not in the graph's library");
            return nullptr;
        };
        std::deque<std::pair<std::string, bool>> queue; // call, at the top level
        for (const auto& n : g)
            if (calleeOf(n))
                queue.emplace_back(n.name(), true);
        int uid = 0;
        int inlined = 0;
        while (!queue.empty()) {
            m_options.cancel.check();
            // Plain variables, not a structured binding: the lambdas below capture them (clang 14,
            // the fuzzers' compiler, cannot capture bindings).
            const auto callName = queue.front().first;
            const auto top = queue.front().second;
            queue.pop_front();
            if (++inlined > 100000 || std::count(callName.begin(), callName.end(), '/') > kMaxCallDepth)
                fail(m_label, "function calls nest deeper than " + std::to_string(kMaxCallDepth) + " levels at '" + callName
                        + "' (a function that calls itself?)");
            auto at = std::find_if(g.begin(), g.end(), [&](const NodeDef& n) { return n.name() == callName; });
            const NodeDef call = *at;
            g.erase(at);
            const tensorflow::FunctionDef& f = *calleeOf(call);
            const std::string& fname = f.signature().name();
            std::vector<std::string> data, control;
            for (const auto& in : call.input())
                (!in.empty() && in[0] == '^' ? control : data).push_back(in);
            if (static_cast<int>(data.size()) != f.signature().input_arg_size())
                fail(Location::atNode(m_label, callName), "calls '" + fname + "' with " + std::to_string(data.size())
                        + " inputs; it takes " + std::to_string(f.signature().input_arg_size()));
            const std::string func = "Func/" + callName + "/";
            std::vector<NodeDef> added;
            NodeDef icn;
            icn.set_name(func + "input_control_node/_" + std::to_string(uid++));
            icn.set_op("NoOp");
            {
                std::set<std::string> waits;
                for (const auto& c : control)
                    waits.insert(c.substr(1));
                if (top)
                    for (const auto& d : data) {
                        const std::string src = splitTensor(d).first;
                        auto p = std::find_if(g.begin(), g.end(), [&](const NodeDef& n) { return n.name() == src; });
                        if (p == g.end() || p->op() != "Placeholder")
                            waits.insert(src);
                    }
                for (const auto& w : waits)
                    icn.add_input("^" + w);
            }
            added.push_back(icn);
            std::unordered_map<std::string, std::string> argNode;
            for (int i = 0; i < f.signature().input_arg_size(); ++i) {
                const auto& a = f.signature().input_arg(i);
                NodeDef id;
                id.set_name(func + "input/_" + std::to_string(uid++));
                id.set_op("Identity");
                id.add_input(data[static_cast<std::size_t>(i)]);
                id.add_input("^" + icn.name());
                (*id.mutable_attr())["T"].set_type(argType(a, call));
                argNode[a.name()] = id.name();
                added.push_back(std::move(id));
            }
            std::unordered_map<std::string, const NodeDef*> body;
            for (const auto& n : f.node_def())
                body[n.name()] = &n;
            auto resolve = [&](const std::string& in) -> std::string {
                const bool ctl = !in.empty() && in[0] == '^';
                const std::string s = ctl ? in.substr(1) : in;
                const auto c1 = s.find(':');
                const std::string node = s.substr(0, c1);
                if (auto a = argNode.find(node); a != argNode.end() && c1 == std::string::npos)
                    return (ctl ? "^" : "") + a->second;
                auto b = body.find(node);
                if (b == body.end())
                    fail(m_label, "function '" + fname + "': input '" + in + "' names nothing");
                if (ctl || c1 == std::string::npos)
                    return (ctl ? "^" : "") + callName + "/" + node;
                const auto c2 = s.find(':', c1 + 1);
                const std::string outArg = s.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
                int k = 0;
                if (c2 != std::string::npos) {
                    const std::string digits = s.substr(c2 + 1);
                    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
                        fail(m_label, "function '" + fname + "': bad input '" + in + "'");
                    k = std::stoi(digits);
                }
                return tensorName(callName + "/" + node, flatOutputIndex(*b->second, outArg, k, fname));
            };
            for (const auto& src : f.node_def()) {
                NodeDef n = src;
                n.set_name(callName + "/" + src.name());
                n.clear_input();
                for (const auto& in : src.input())
                    n.add_input(resolve(in));
                if (src.input_size() == 0)
                    n.add_input("^" + icn.name());
                for (auto& [key, value] : *n.mutable_attr())
                    substitutePlaceholders(value, call.attr(), "function '" + fname + "': node '" + src.name() + "'", m_label);
                fillDefaults(n);
                if (calleeOf(n))
                    queue.emplace_back(n.name(), false);
                added.push_back(std::move(n));
            }
            std::vector<std::string> outputs;
            for (const auto& o : f.signature().output_arg()) {
                auto r = f.ret().find(o.name());
                if (r == f.ret().end())
                    fail(m_label, "function '" + fname + "': output '" + o.name() + "' has no ret entry");
                NodeDef id;
                id.set_name(func + "output/_" + std::to_string(uid++));
                id.set_op("Identity");
                id.add_input(resolve(r->second));
                (*id.mutable_attr())["T"].set_type(argType(o, call));
                outputs.push_back(id.name());
                added.push_back(std::move(id));
            }
            NodeDef ocn;
            ocn.set_name(func + "output_control_node/_" + std::to_string(uid++));
            ocn.set_op("NoOp");
            for (const auto& [k, v] : f.control_ret())
                if (body.count(v))
                    ocn.add_input("^" + callName + "/" + v);
            const std::string ocnName = ocn.name();
            added.push_back(std::move(ocn));
            for (auto& n : g)
                for (int i = 0; i < n.input_size(); ++i) {
                    const std::string& in = n.input(i);
                    if (!in.empty() && in[0] == '^') {
                        if (in.substr(1) == callName)
                            n.set_input(i, "^" + ocnName);
                        continue;
                    }
                    const auto [node, k] = splitTensor(in);
                    if (node != callName)
                        continue;
                    if (k < 0 || k >= static_cast<int>(outputs.size()))
                        fail(Location::atNode(m_label, n.name()), "reads output " + std::to_string(k) + " of '" + callName
                                + "', which has " + std::to_string(outputs.size()));
                    n.set_input(i, outputs[static_cast<std::size_t>(k)]);
                }
            for (auto& n : added)
                g.push_back(std::move(n));
        }
    }

    // The type of a function argument or result at a call: set, or named by an attribute.
    static tensorflow::DataType argType(const tensorflow::OpDef::ArgDef& a, const NodeDef& call)
    {
        if (a.type() != tensorflow::DT_INVALID)
            return a.type();
        if (auto t = call.attr().find(a.type_attr()); !a.type_attr().empty() && t != call.attr().end())
            return t->second.type();
        return tensorflow::DT_INVALID;
    }

    // Keeps what the outputs reach through data and control edges.
    void pruneTo(std::vector<NodeDef>& g, const std::vector<std::pair<std::string, int>>& outputs) const
    {
        std::unordered_map<std::string, std::size_t> index;
        for (std::size_t i = 0; i < g.size(); ++i)
            index[g[i].name()] = i;
        std::vector<bool> keep(g.size(), false);
        std::vector<std::string> todo;
        for (const auto& [t, id] : outputs)
            todo.push_back(splitTensor(t).first);
        while (!todo.empty()) {
            const std::string name = todo.back();
            todo.pop_back();
            auto it = index.find(name);
            if (it == index.end())
                fail(m_label, "the resource initializer graph reads '" + name + "', which it does not have");
            if (keep[it->second])
                continue;
            keep[it->second] = true;
            for (const auto& in : g[it->second].input())
                todo.push_back(core::inputNodeName(in));
        }
        std::vector<NodeDef> kept;
        for (std::size_t i = 0; i < g.size(); ++i)
            if (keep[i])
                kept.push_back(std::move(g[i]));
        g = std::move(kept);
    }

private:
    std::string renameTensor(const std::string& t) const
    {
        std::string cur = t;
        for (int guard = 0; guard < 100000; ++guard) {
            const auto [node, index] = splitTensor(cur);
            auto it = m_rename.find(node + ":" + std::to_string(index));
            if (it == m_rename.end())
                return tensorName(node, index);
            cur = it->second;
        }
        fail(m_label, "function outputs forward to each other in a cycle at '" + t + "'");
    }

    void expandControl(const std::string& node, std::vector<std::string>& out, std::unordered_set<std::string>& seen, int depth) const
    {
        if (depth > kMaxCallDepth * 4)
            fail(m_label, "control dependencies of calls nest too deeply at '" + node + "'");
        auto it = m_controlRename.find(node);
        if (it == m_controlRename.end()) {
            if (seen.insert(node).second)
                out.push_back("^" + node);
            return;
        }
        for (const auto& n : it->second)
            expandControl(n, out, seen, depth + 1);
    }

    void applyRenames()
    {
        for (auto& n : m_nodes) {
            std::vector<std::string> data, controls;
            std::unordered_set<std::string> seen;
            for (const auto& in : n.input()) {
                if (!in.empty() && in[0] == '^')
                    expandControl(in.substr(1), controls, seen, 0);
                else
                    data.push_back(renameTensor(in));
            }
            n.clear_input();
            for (auto& d : data)
                n.add_input(d);
            for (auto& c : controls)
                n.add_input(c);
        }
        for (auto& [key, t] : m_outputs)
            t = renameTensor(t);
    }

    std::optional<std::string> traceResource(const std::string& tensor, const std::unordered_map<std::string, std::size_t>& index) const
    {
        std::string cur = tensor;
        for (int guard = 0; guard < 10000; ++guard) {
            const auto [node, slot] = splitTensor(cur);
            if (m_constKey.count(node))
                return node;
            auto it = index.find(node);
            if (it == index.end())
                return std::nullopt;
            const NodeDef& n = m_nodes[it->second];
            if (n.op() == "Identity" && n.input_size() > 0)
                cur = n.input(0);
            else if (n.op() == "IdentityN" && slot < n.input_size())
                cur = n.input(slot);
            else
                return std::nullopt;
        }
        return std::nullopt;
    }

    // Keeps what the outputs reach (and the signature inputs); variable ops left over are
    // dropped with the control edges on them; a data edge on one is an error.
    void prune()
    {
        std::unordered_map<std::string, std::size_t> index;
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
            index[m_nodes[i].name()] = i;
        std::vector<bool> keep(m_nodes.size(), false);
        std::vector<std::string> todo;
        for (const auto& [k, t] : m_outputs)
            todo.push_back(splitTensor(t).first);
        for (const auto& [k, t] : m_inputs)
            todo.push_back(splitTensor(t).first);
        while (!todo.empty()) {
            const std::string name = todo.back();
            todo.pop_back();
            auto it = index.find(name);
            if (it == index.end())
                fail(m_label, "signature '" + m_signatureName + "': tensor of node '" + name + "' is not in the frozen graph");
            if (keep[it->second])
                continue;
            keep[it->second] = true;
            const NodeDef& n = m_nodes[it->second];
            for (const auto& in : n.input()) {
                const auto src = core::inputNodeName(in);
                auto s = index.find(src);
                if (s == index.end())
                    fail(Location::atNode(m_label, n.name()), "input '" + in + "' names no node of the inlined graph");
                if (!in.empty() && in[0] == '^' && isVariableOp(m_nodes[s->second].op()))
                    continue; // a control edge on a variable op goes with it
                if (in.empty() || in[0] != '^') {
                    const auto& op = m_nodes[s->second].op();
                    if (isVariableOp(op))
                        fail(Location::atNode(m_label, n.name()), n.op() + " reads the output of " + op + " '" + src
                                + "', which cannot be frozen to a constant");
                }
                todo.push_back(src);
            }
        }
        std::vector<NodeDef> kept;
        std::unordered_set<std::string> dropped;
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (keep[i])
                kept.push_back(std::move(m_nodes[i]));
            else
                dropped.insert(m_nodes[i].name());
        }
        for (auto& n : kept) {
            std::vector<std::string> inputs;
            for (const auto& in : n.input())
                if (!(!in.empty() && in[0] == '^' && dropped.count(in.substr(1))))
                    inputs.push_back(in);
            if (static_cast<int>(inputs.size()) != n.input_size()) {
                n.clear_input();
                for (auto& s : inputs)
                    n.add_input(s);
            }
        }
        m_nodes = std::move(kept);
    }

    tensorflow::MetaGraphDef& m_mg;
    const tensorflow::SignatureDef& m_sig;
    std::string m_signatureName;
    std::string m_label;
    const ImportOptions& m_options;
    std::function<std::optional<std::string>(int)> m_objectKey;
    std::unordered_map<std::string, const tensorflow::OpDef*> m_ops;
    std::unordered_map<std::string, const tensorflow::FunctionDef*> m_functions;
    std::unordered_map<std::string, const NodeDef*> m_top;
    std::vector<NodeDef> m_nodes;
    std::unordered_map<std::string, std::string> m_rename;                     // "call:i" -> tensor
    std::unordered_map<std::string, std::vector<std::string>> m_controlRename; // call -> nodes
    std::vector<std::string> m_stack;
    std::unordered_map<std::string, std::string> m_variableKey; // variable node -> checkpoint key
    std::unordered_map<std::string, std::string> m_constKey;    // Const made from it -> key
    std::vector<std::string> m_tf1Handles;
    std::vector<std::pair<std::string, std::string>> m_inputs, m_outputs;
    std::vector<ResourceInput> m_resourceInputs;
    std::map<std::string, tensorflow::FunctionDef> m_converted; // functions whose arguments freezing changed
};

// Object-graph node id -> checkpoint key of its variable: the SavedModel's object graph and the
// checkpoint's, walked together from the root matching children by name (FORMATS.md 7.6 A.2).
std::unordered_map<int, std::string> variableKeys(const tensorflow::SavedObjectGraph& saved, const TensorBundle& bundle)
{
    std::unordered_map<int, std::string> keys;
    const BundleEntry* entry = bundle.find("_CHECKPOINTABLE_OBJECT_GRAPH");
    if (!entry || saved.nodes_size() == 0)
        return keys;
    const auto strings = bundle.readStrings(*entry);
    tensorflow::TrackableObjectGraph trackable;
    if (strings.size() != 1 || !trackable.ParseFromString(strings[0]))
        fail(bundle.indexLabel(), "_CHECKPOINTABLE_OBJECT_GRAPH does not hold an object graph (damaged?)");
    if (trackable.nodes_size() == 0)
        return keys;
    std::vector<std::pair<int, int>> todo{{0, 0}};
    std::unordered_set<int> seenT, seenS;
    while (!todo.empty()) {
        const auto [s, t] = todo.back();
        todo.pop_back();
        if (s < 0 || s >= saved.nodes_size() || t < 0 || t >= trackable.nodes_size())
            continue;
        if (!seenT.insert(t).second || !seenS.insert(s).second)
            continue;
        const auto& sNode = saved.nodes(s);
        const auto& tNode = trackable.nodes(t);
        if (sNode.kind_case() == tensorflow::SavedObject::kVariable)
            for (const auto& a : tNode.attributes())
                if (a.name() == "VARIABLE_VALUE")
                    keys[s] = a.checkpoint_key();
        for (const auto& child : sNode.children())
            for (const auto& tc : tNode.children())
                if (tc.local_name() == child.local_name()) {
                    todo.emplace_back(child.node_id(), tc.node_id());
                    break;
                }
    }
    return keys;
}

// The signature in the JSON form TF.js graph models carry (FORMATS.md 1.6): a key is kept when it
// is the only one of the original keys with this dtype and shape, else the tensor name is the key.
nlohmann::ordered_json signatureJson(const google::protobuf::Map<std::string, tensorflow::TensorInfo>& original,
    const std::vector<std::pair<std::string, std::string>>& tensors, std::vector<core::TensorSpec>& specs)
{
    auto side = nlohmann::ordered_json::object();
    for (const auto& [key, tensor] : tensors) {
        const auto& info = original.at(key);
        int same = 0;
        for (const auto& [k, other] : original)
            if (other.dtype() == info.dtype() && other.tensor_shape().SerializeAsString() == info.tensor_shape().SerializeAsString())
                ++same;
        const auto [node, index] = splitTensor(tensor);
        const std::string name = node + ":" + std::to_string(index);
        const std::string jsonKey = same == 1 ? key : name;
        nlohmann::ordered_json entry = {{"name", name}};
        if (auto dt = core::tfDataTypeName(info.dtype()))
            entry["dtype"] = std::string(*dt);
        entry["tensorShape"] = shapeJson(infoShape(info));
        side[jsonKey] = entry;
        core::TensorSpec spec;
        spec.key = jsonKey;
        spec.name = name;
        spec.tfDtype = info.dtype();
        spec.shape = toShape(infoShape(info));
        specs.push_back(spec);
    }
    return side;
}

// ---- .tar.gz modules ----

// Unpacks `archive` into `dest`: regular files and folders only, every path relative and inside
// `dest`, the total bounded by the memory budget.
void unpackTarGz(const fs::path& archive, const fs::path& dest, std::uint64_t budget)
{
    const std::string label = archive.filename().string();
    std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(), &archive_read_free);
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK)
        fail(label, std::string("cannot open as a .tar.gz: ") + archive_error_string(a.get()));
    std::uint64_t total = 0;
    int entries = 0;
    struct archive_entry* e = nullptr;
    for (;;) {
        const int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK)
            fail(label, std::string("damaged archive: ") + archive_error_string(a.get()));
        if (++entries > 100000)
            fail(label, "more than 100000 entries");
        const char* rawName = archive_entry_pathname(e);
        const std::string name = rawName ? rawName : "";
        const fs::path rel = fs::path(name).lexically_normal();
        if (name.empty() || rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()
            || (!rel.empty() && *rel.begin() == ".."))
            fail(label, "entry '" + name + "' would be written outside the unpack folder");
        for (const auto& part : rel)
            if (part == "..")
                fail(label, "entry '" + name + "' would be written outside the unpack folder");
        const auto type = archive_entry_filetype(e);
        const fs::path out = dest / rel;
        if (type == AE_IFDIR) {
            fs::create_directories(out);
            continue;
        }
        if (type != AE_IFREG)
            fail(label, "entry '" + name + "' is not a regular file or folder (links are not unpacked)");
        if (archive_entry_size_is_set(e)) {
            const auto declared = static_cast<std::uint64_t>(std::max<la_int64_t>(0, archive_entry_size(e)));
            if (declared > budget - std::min(budget, total))
                fail(label, "entry '" + name + "' of " + core::byteSizeText(declared) + " does not fit the memory budget");
        }
        fs::create_directories(out.parent_path());
        std::ofstream o(out, std::ios::binary | std::ios::trunc);
        if (!o)
            fail(label, "cannot write '" + out.string() + "'");
        char buf[1 << 16];
        for (;;) {
            const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
            if (n < 0)
                fail(label, "entry '" + name + "': " + archive_error_string(a.get()));
            if (n == 0)
                break;
            total += static_cast<std::uint64_t>(n);
            if (total > budget)
                fail(label, "unpacks to more than the memory budget of " + core::byteSizeText(budget));
            o.write(buf, n);
        }
        if (!o)
            fail(label, "cannot write '" + out.string() + "'");
    }
}

// The module folder inside an unpacked archive: the root, or its one subfolder.
fs::path moduleRoot(const fs::path& dir, const std::string& label)
{
    std::error_code ec;
    if (fs::exists(dir / "saved_model.pb", ec) || fs::exists(dir / "saved_model.pbtxt", ec))
        return dir;
    std::vector<fs::path> subs;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory())
            subs.push_back(e.path());
    if (subs.size() == 1 && (fs::exists(subs[0] / "saved_model.pb", ec) || fs::exists(subs[0] / "saved_model.pbtxt", ec)))
        return subs[0];
    fail(label, "the archive holds no saved_model.pb at its top level");
}

bool isTarGz(const fs::path& p)
{
    const auto name = p.filename().string();
    auto ends = [&](const std::string& s) { return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
    return ends(".tar.gz") || ends(".tgz");
}

// A TF1 SavedModel's hash tables are filled by the ops of its "table_initializer" collection,
// which the session ran at load. The reference converter turns them into modelInitializer: those
// ops and everything they read, in the graph's order. Only when the frozen graph still uses one
// of the tables; empty otherwise.
std::vector<NodeDef> tf1TableInitializer(const tensorflow::MetaGraphDef& mg, const std::vector<NodeDef>& frozen,
    const std::string& label)
{
    const auto collection = mg.collection_def().find("table_initializer");
    if (collection == mg.collection_def().end() || !collection->second.has_node_list())
        return {};
    std::unordered_map<std::string, int> index;
    for (int i = 0; i < mg.graph_def().node_size(); ++i)
        index.emplace(mg.graph_def().node(i).name(), i);
    auto nodeName = [](const std::string& input) {
        std::string s = input.empty() || input[0] != '^' ? input : input.substr(1);
        const auto colon = s.find(':');
        return colon == std::string::npos ? s : s.substr(0, colon);
    };
    std::set<int> closure;
    std::vector<int> todo;
    for (const auto& name : collection->second.node_list().value()) {
        const auto it = index.find(nodeName(name));
        if (it == index.end())
            fail(label, "the table_initializer collection names '" + name + "', which is not in the graph");
        todo.push_back(it->second);
    }
    while (!todo.empty()) {
        const int i = todo.back();
        todo.pop_back();
        if (!closure.insert(i).second)
            continue;
        const NodeDef& n = mg.graph_def().node(i);
        const std::string& op = n.op();
        if (op == "VariableV2" || op == "Variable" || op == "VarHandleOp" || op == "ReadVariableOp" || op == "Placeholder")
            fail(Location::atNode(label, n.name()), "a table initializer reads " + op + " '" + n.name()
                    + "'; only tables filled from constants can be converted");
        for (const auto& in : n.input()) {
            const auto it = index.find(nodeName(in));
            if (it == index.end())
                fail(Location::atNode(label, n.name()), "input '" + in + "' is not in the graph");
            todo.push_back(it->second);
        }
    }
    std::unordered_set<std::string> used;
    for (const auto& n : frozen)
        used.insert(n.name());
    bool needed = false;
    for (const int i : closure) {
        const NodeDef& n = mg.graph_def().node(i);
        needed = needed || (n.op().find("HashTable") != std::string::npos && used.count(n.name()));
    }
    if (!needed)
        return {};
    std::vector<NodeDef> nodes;
    for (const int i : closure) { // std::set: the graph's order
        NodeDef n = mg.graph_def().node(i);
        n.clear_device();
        nodes.push_back(std::move(n));
    }
    return nodes;
}


core::Model readFolder(const fs::path& dir, const ImportOptions& options, Format format)
{
    const std::uint64_t budget = core::memoryBudgetOr(options.maxMemoryBytes);
    std::error_code ec;
    const bool hubV1 = fs::exists(dir / "tfhub_module.pb", ec);
    if (format == Format::TfHub && hubV1) {
        tensorflow::HubModuleDef module;
        std::ifstream in(dir / "tfhub_module.pb", std::ios::binary);
        if (!module.ParseFromIstream(&in))
            fail("tfhub_module.pb", "not a TF Hub ModuleDef (damaged?)");
        if (module.format() != tensorflow::HubModuleDef::FORMAT_V3)
            fail("tfhub_module.pb", "module format " + std::to_string(module.format()) + " is not supported (only format 3)");
        if (module.required_features_size() > 0)
            fail("tfhub_module.pb", "the module requires feature '" + module.required_features(0) + "', which is not supported");
    }
    options.progress ? options.progress(0.05) : void();
    tensorflow::SavedModel sm = parseSavedModel(dir, budget);
    const std::string label = fs::exists(dir / "saved_model.pb", ec) ? "saved_model.pb" : "saved_model.pbtxt";
    // TF1 Hub modules keep their inference graph under the empty tag set; --saved_model_tags does not apply.
    const std::set<std::string> tags = (format == Format::TfHub && hubV1) ? std::set<std::string>{} : parseTags(options.savedModelTags);
    tensorflow::MetaGraphDef& mg = *selectMetaGraph(sm, tags, label);
    const std::string signatureName = !options.signatureName.empty() ? options.signatureName
        : format == Format::TfHub ? "default" : "serving_default";
    const tensorflow::SignatureDef& sig = selectSignature(mg, signatureName, label);
    options.cancel.check();

    std::unique_ptr<TensorBundle> bundle;
    const fs::path prefix = dir / "variables" / "variables";
    if (fs::exists(prefix.string() + ".index", ec))
        bundle = std::make_unique<TensorBundle>(prefix, options.maxMemoryBytes);
    std::unordered_map<int, std::string> objectKeys;
    if (bundle && mg.has_object_graph_def())
        objectKeys = variableKeys(mg.object_graph_def(), *bundle);

    Freezer freezer(mg, sig, signatureName, label, options);
    freezer.build([&](int id) -> std::optional<std::string> {
        auto it = objectKeys.find(id);
        return it == objectKeys.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    freezer.bindTf1Handles(bundle.get());
    options.progress ? options.progress(0.3) : void();
    freezer.freeze(bundle.get());
    options.cancel.check();

    core::Model m;
    m.sourcePath = dir.string();
    m.kind = core::ModelKind::GraphModel;
    m.meta.format = std::string(formatName(format));
    if (!mg.meta_info_def().tensorflow_version().empty())
        m.meta.generatedBy = mg.meta_info_def().tensorflow_version();
    auto& group = m.weightGroups.emplace_back();
    DecodeBudget decode = decodeBudgetFor(dir / label, options.maxMemoryBytes);
    auto& nodes = freezer.nodes();
    // The tables' initializer graph, only when the signature uses one (as the reference, whose
    // resource ids come from the inference function's captures).
    Freezer::Initializer initializer;
    if (!freezer.resourceInputs().empty()) {
        std::unordered_set<std::string> names;
        for (const auto& n : nodes)
            names.insert(n.name());
        initializer = freezer.buildInitializer(names);
    } else {
        initializer.nodes = tf1TableInitializer(mg, nodes, label);
    }
    // The functions still called (functional If / While bodies kept as they are), found before
    // the nodes are moved into the GraphDef below.
    const auto keptFunctions = freezer.keptFunctions();
    std::size_t done = 0;
    for (auto& n : nodes) {
        if (n.op() != "Const")
            continue;
        if (++done % 64 == 0) {
            options.cancel.check();
            if (options.progress)
                options.progress(0.3 + 0.6 * static_cast<double>(done) / static_cast<double>(nodes.size()));
        }
        auto it = n.mutable_attr()->find("value");
        if (it == n.mutable_attr()->end() || !it->second.has_tensor())
            fail(Location::atNode(label, n.name()), "Const has no value");
        if (auto k = freezer.constKeys().find(n.name()); k != freezer.constKeys().end())
            group.weights.push_back(bundle->weight(*bundle->find(k->second), n.name()));
        else
            group.weights.push_back(constToWeight(it->second.tensor(), n.name(), label, decode));
        clearValues(it->second.mutable_tensor());
    }
    tensorflow::GraphDef graph;
    for (auto& n : nodes)
        *graph.add_node() = std::move(n);
    if (mg.graph_def().has_versions())
        *graph.mutable_versions() = mg.graph_def().versions();
    for (const auto& [name, f] : keptFunctions) {
        auto& copy = *graph.mutable_library()->add_function();
        copy = *f;
        // Consts inside a kept function become weights named "<function>/<node>", as the
        // reference's extract_weights names them (CONVERTER.md 3.2, end).
        for (auto& n : *copy.mutable_node_def()) {
            if (n.op() != "Const")
                continue;
            auto it = n.mutable_attr()->find("value");
            if (it == n.mutable_attr()->end() || !it->second.has_tensor())
                fail(Location::atNode(label, name + "/" + n.name()), "Const has no value");
            group.weights.push_back(constToWeight(it->second.tensor(), name + "/" + n.name(), label, decode));
            clearValues(it->second.mutable_tensor());
        }
    }
    m.graph = toGraph(graph, label);
    auto inputs = signatureJson(sig.inputs(), freezer.inputs(), m.inputs);
    auto outputs = signatureJson(sig.outputs(), freezer.outputs(), m.outputs);
    if (!initializer.nodes.empty()) {
        // The tables: modelInitializer builds and fills them, TF.js feeds each handle to the
        // inference input with the same resourceId (FORMATS.md 1.6). Keys in sorted order, as
        // the reference's SignatureDef maps come out.
        // A TF1 graph's tables are linked by their shared name instead, with no resource inputs.
        if (!freezer.resourceInputs().empty()) {
            for (const auto& r : freezer.resourceInputs())
                inputs[r.placeholder + ":0"] = nlohmann::ordered_json{{"name", r.placeholder + ":0"}, {"dtype", "DT_RESOURCE"},
                    {"tensorShape", nlohmann::ordered_json::object()}, {"resourceId", r.objectId}};
            auto sorted = nlohmann::ordered_json::object();
            std::vector<std::string> keys;
            for (const auto& [k, v] : inputs.items())
                keys.push_back(k);
            std::sort(keys.begin(), keys.end());
            for (const auto& k : keys)
                sorted[k] = inputs[k];
            inputs = std::move(sorted);
        }
        tensorflow::GraphDef initGraph;
        for (auto& n : initializer.nodes) {
            if (n.op() == "Const") {
                auto it = n.mutable_attr()->find("value");
                if (it == n.mutable_attr()->end() || !it->second.has_tensor())
                    fail(Location::atNode(label, n.name()), "Const has no value");
                group.weights.push_back(constToWeight(it->second.tensor(), n.name(), label, decode));
                clearValues(it->second.mutable_tensor());
            }
            *initGraph.add_node() = std::move(n);
        }
        if (mg.graph_def().has_versions())
            *initGraph.mutable_versions() = mg.graph_def().versions();
        m.meta.modelInitializer = core::graphToJson(toGraph(initGraph, label));
        if (!initializer.outputs.empty()) {
            auto initOutputs = nlohmann::ordered_json::object();
            for (const auto& [tensor, id] : initializer.outputs)
                initOutputs[tensor] = nlohmann::ordered_json{{"name", tensor}, {"dtype", "DT_RESOURCE"},
                    {"tensorShape", nlohmann::ordered_json::object()}, {"resourceId", id}};
            m.meta.initializerSignature = nlohmann::ordered_json{{"outputs", initOutputs}};
        }
    } else if (!freezer.resourceInputs().empty()) {
        fail(label, "the signature function captures a resource, but the object graph has no resource to initialize");
    }
    m.meta.signature = {{"inputs", inputs}, {"outputs", outputs}};
    options.progress ? options.progress(1.0) : void();
    return m;
}

class SavedModelImporter final : public Importer {
public:
    explicit SavedModelImporter(Format format) : m_format(format) {}
    Format format() const override { return m_format; }
    std::string nameFilter() const override
    {
        return m_format == Format::TfHub ? "tfhub_module.pb *.tar.gz *.tgz" : "saved_model.pb saved_model.pbtxt";
    }
    bool opensFolders() const override { return true; }
    bool canRead(const fs::path& path) const override
    {
        return m_format == Format::TfHub ? isTfHubModule(path) : isSavedModelFolder(path);
    }
    core::Model read(const fs::path& path, const ImportOptions& options) const override
    {
        options.cancel.check();
        return readSavedModel(path, options, m_format);
    }

private:
    Format m_format;
};


// ---- tf.keras SavedModels -> layers model ----

// What the reference does with --input_format=keras_saved_model (CONVERTER.md 1.4 #4: load with
// tf_keras, save a temporary HDF5, convert that), without TensorFlow: the model config and
// versions from keras_metadata.pb, each layer's weights (its `variables` list in the object
// graph: trainable then non-trainable, the order an HDF5 file lists them) from the checkpoint,
// then the HDF5 route's model builder.
// j[key] when it is a string, else `otherwise`.
std::string jsonString(const nlohmann::ordered_json& j, const char* key, const std::string& otherwise = {})
{
    if (j.is_object() && j.contains(key) && j[key].is_string())
        return j[key].get<std::string>();
    return otherwise;
}

// The config as tf_keras's model.to_json() writes it, from the form keras_metadata.pb keeps:
// tuples are lists there, the SavedModel's shared_object_id bookkeeping goes, and initializers,
// regularizers and constraints carry the module and registered_name its serializer adds.
nlohmann::ordered_json plainKerasConfig(const nlohmann::ordered_json& j, const std::string& key = {})
{
    using Json = nlohmann::ordered_json;
    if (j.is_array()) {
        Json out = Json::array();
        for (const auto& v : j)
            out.push_back(plainKerasConfig(v));
        return out;
    }
    if (!j.is_object())
        return j;
    if (j.contains("class_name") && j["class_name"] == "__tuple__" && j.contains("items"))
        return plainKerasConfig(j["items"]);
    Json out = Json::object();
    for (const auto& [k, v] : j.items())
        if (k != "shared_object_id")
            out[k] = plainKerasConfig(v, k);
    auto endsWith = [&](const char* suffix) {
        const std::string s(suffix);
        return key.size() > s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0;
    };
    const char* module = endsWith("_initializer") ? "keras.initializers"
        : endsWith("_regularizer")               ? "keras.regularizers"
        : endsWith("_constraint")                ? "keras.constraints"
                                                 : nullptr;
    if (module && out.contains("class_name") && out.contains("config") && !out.contains("module")) {
        // In the order tf_keras writes them: module first, registered_name last.
        Json ordered = Json::object();
        ordered["module"] = module;
        for (auto& [k, v] : out.items())
            ordered[k] = std::move(v);
        ordered["registered_name"] = nullptr;
        return ordered;
    }
    return out;
}

core::Model readKerasSavedModelFolder(const fs::path& dir, const ImportOptions& options)
{
    const std::uint64_t budget = core::memoryBudgetOr(options.maxMemoryBytes);
    std::error_code ec;
    const fs::path metaFile = dir / "keras_metadata.pb";
    if (!fs::is_regular_file(metaFile, ec))
        fail(dir.string(), "no keras_metadata.pb: not a tf.keras SavedModel (a TF SavedModel converts with "
                           "--input_format=tf_saved_model)");
    const auto metaSize = fs::file_size(metaFile, ec);
    if (ec || metaSize > budget / 3 || metaSize > std::uint64_t(std::numeric_limits<int>::max()))
        fail("keras_metadata.pb", "too large for the memory budget (raise it with --max-memory if the file is trusted)");
    tensorflow::KerasSavedMetadata metadata;
    {
        std::ifstream in(metaFile, std::ios::binary);
        if (!metadata.ParseFromIstream(&in))
            fail("keras_metadata.pb", "not a Keras SavedMetadata protobuf (damaged or truncated?)");
    }
    using Json = nlohmann::ordered_json;
    // node_path -> metadata
    std::map<std::string, Json> byPath;
    for (const auto& n : metadata.nodes())
        if (n.node_path() == "root" || n.node_path().rfind("root.", 0) == 0)
            if (n.node_path().find('.', 5) == std::string::npos) // the model and its direct layers
                byPath[n.node_path()] = core::parseJsonLimited(n.metadata(), Location::atNode("keras_metadata.pb", n.node_path()));
    auto root = byPath.find("root");
    if (root == byPath.end() || !root->second.is_object())
        fail("keras_metadata.pb", "has no metadata for the model ('root')");
    const Json& model = root->second;
    Json config = model.contains("model_config") && model["model_config"].is_object() ? model["model_config"]
        : Json{{"class_name", jsonString(model, "class_name")}, {"config", model.contains("config") ? model["config"] : Json()}};
    if (!config.contains("config") || !config["config"].is_object() || !config["config"].contains("layers")
        || !config["config"]["layers"].is_array())
        fail("keras_metadata.pb", "the model ('" + jsonString(model, "name", "root") + "', "
                + jsonString(model, "class_name", "?") + ") has no layer list in its config; only Sequential and "
                "functional models convert to a layers model");

    tensorflow::SavedModel sm = parseSavedModel(dir, budget);
    tensorflow::MetaGraphDef& mg = *selectMetaGraph(sm, parseTags(options.savedModelTags), "saved_model.pb");
    const auto& og = mg.object_graph_def();
    const fs::path prefix = dir / "variables" / "variables";
    if (!fs::exists(prefix.string() + ".index", ec))
        fail(dir.string(), "no variables/variables.index: the model's weights are missing");
    TensorBundle bundle(prefix, options.maxMemoryBytes);
    const auto keys = variableKeys(og, bundle);
    auto childOf = [&](int id, const std::string& name) -> int {
        if (id < 0 || id >= og.nodes_size())
            return -1;
        for (const auto& c : og.nodes(id).children())
            if (c.local_name() == name)
                return c.node_id();
        return -1;
    };

    KerasH5Contents contents;
    if (const auto v = jsonString(model, "keras_version"); !v.empty())
        contents.kerasVersion = v;
    if (const auto b = jsonString(model, "backend"); !b.empty())
        contents.backend = b;
    contents.modelConfig = plainKerasConfig(config).dump();
    if (model.contains("training_config") && model["training_config"].is_object())
        contents.trainingConfig = model["training_config"].dump();
    // Layer name -> its object in the object graph (keras_metadata.pb names the path to it).
    std::map<std::string, int> layerObject;
    for (const auto& [path, meta] : byPath) {
        const std::string name = jsonString(meta, "name");
        if (path == "root" || name.empty())
            continue;
        layerObject[name] = childOf(0, path.substr(5));
    }
    // An HDF5 file lists the layers' groups by name (the order the reference's manifest has).
    std::vector<std::string> layerNames;
    for (const auto& layer : config["config"]["layers"]) {
        std::string name = jsonString(layer, "name");
        if (layer.is_object() && layer.contains("config"))
            name = jsonString(layer["config"], "name", name);
        layerNames.push_back(name);
    }
    std::sort(layerNames.begin(), layerNames.end());
    for (const auto& name : layerNames) {
        options.cancel.check();
        auto obj = layerObject.find(name);
        if (obj == layerObject.end() || obj->second < 0)
            continue; // no object of its own (an InputLayer): no weights
        const int list = childOf(obj->second, "variables");
        if (list < 0)
            continue;
        for (const auto& v : og.nodes(list).children()) {
            const int id = v.node_id();
            if (id < 0 || id >= og.nodes_size() || og.nodes(id).kind_case() != tensorflow::SavedObject::kVariable)
                fail("saved_model.pb", "layer '" + name + "': entry " + v.local_name() + " of its variables is not a variable");
            const auto& var = og.nodes(id).variable();
            auto key = keys.find(id);
            const BundleEntry* entry = key == keys.end() ? nullptr : bundle.find(key->second);
            if (!entry)
                fail(bundle.indexLabel(), "layer '" + name + "': variable '" + var.name() + "' has no value in the checkpoint");
            if (entry->dtype != tensorflow::DT_FLOAT)
                fail(bundle.indexLabel(), "layer '" + name + "': variable '" + var.name() + "' is " + dtypeText(entry->dtype)
                        + "; only float32 weights are supported in a layers model from a Keras SavedModel");
            H5Weight w;
            w.layer = name;
            w.listedName = var.name().find(':') == std::string::npos ? var.name() + ":0" : var.name();
            w.fullPath = "/model_weights/" + name + "/" + w.listedName;
            w.dims = entry->shape;
            w.kind = H5ElementKind::Float;
            w.typeSize = 4;
            w.byteSize = entry->size;
            w.source = std::make_shared<core::MemorySource>(bundle.weight(*entry, w.listedName).storedBytes());
            w.offset = 0;
            contents.weights.push_back(std::move(w));
        }
    }
    core::Model m = buildKerasModel(contents, dir);
    m.sourcePath = dir.string();
    m.meta.format = std::string(formatName(Format::KerasSavedModel));
    return m;
}

class KerasSavedModelImporter final : public Importer {
public:
    Format format() const override { return Format::KerasSavedModel; }
    std::string nameFilter() const override { return "saved_model.pb"; }
    bool opensFolders() const override { return true; }
    bool canRead(const fs::path& path) const override
    {
        std::error_code ec;
        return isSavedModelFolder(path) && fs::exists(folderOf(path) / "keras_metadata.pb", ec);
    }
    core::Model read(const fs::path& path, const ImportOptions& options) const override
    {
        options.cancel.check();
        std::error_code ec;
        if (!fs::exists(path, ec))
            fail(path.string(), "no such file or folder");
        return readKerasSavedModelFolder(folderOf(path), options);
    }
};

} // namespace

bool isSavedModelFolder(const fs::path& path)
{
    std::error_code ec;
    const fs::path dir = fs::is_directory(path, ec) ? path
        : (path.filename() == "saved_model.pb" || path.filename() == "saved_model.pbtxt") ? path.parent_path() : fs::path();
    return !dir.empty() && (fs::exists(dir / "saved_model.pb", ec) || fs::exists(dir / "saved_model.pbtxt", ec));
}

bool isTfHubModule(const fs::path& path)
{
    std::error_code ec;
    if (fs::is_regular_file(path, ec) && isTarGz(path))
        return true;
    const fs::path dir = fs::is_directory(path, ec) ? path : path.filename() == "tfhub_module.pb" ? path.parent_path() : fs::path();
    return !dir.empty() && fs::exists(dir / "tfhub_module.pb", ec);
}

core::Model readSavedModel(const fs::path& path, const ImportOptions& options, Format format)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        fail(path.string(), "no such file or folder");
    if (format == Format::TfHub && fs::is_regular_file(path, ec) && isTarGz(path)) {
        const std::uint64_t budget = core::memoryBudgetOr(options.maxMemoryBytes);
        TempFolder tmp("tfjs-studio-hub-");
        unpackTarGz(path, tmp.path(), budget);
        core::Model m = readFolder(moduleRoot(tmp.path(), path.filename().string()), options, format);
        // The unpacked files go with the temporary folder: keep the weights' bytes in memory.
        for (auto& g : m.weightGroups)
            for (auto& w : g.weights)
                if (!std::dynamic_pointer_cast<const core::MemorySource>(w.source)) {
                    w.source = std::make_shared<core::MemorySource>(w.storedBytes());
                    w.offset = 0;
                }
        m.sourcePath = path.string();
        return m;
    }
    return readFolder(folderOf(path), options, format);
}

std::vector<SavedModelMetaGraph> describeSavedModel(const fs::path& path, std::uint64_t maxMemoryBytes)
{
    std::error_code ec;
    if (fs::is_regular_file(path, ec) && isTarGz(path))
        return {};
    const fs::path dir = folderOf(path);
    tensorflow::SavedModel sm = parseSavedModel(dir, core::memoryBudgetOr(maxMemoryBytes));
    std::vector<SavedModelMetaGraph> out;
    for (const auto& mg : sm.meta_graphs()) {
        SavedModelMetaGraph m;
        const std::set<std::string> tags(mg.meta_info_def().tags().begin(), mg.meta_info_def().tags().end());
        for (const auto& t : tags)
            m.tags += (m.tags.empty() ? "" : ",") + t;
        for (const auto& [key, sig] : mg.signature_def()) {
            if (key == kInitOpSignature)
                continue;
            std::string summary = signatureSummary(key, sig);
            // "'key' (inputs: ...; outputs: ...)" -> "inputs: ...; outputs: ..."
            if (const auto open = summary.find(" ("); open != std::string::npos && summary.back() == ')')
                summary = summary.substr(open + 2, summary.size() - open - 3);
            m.signatures.push_back({key, summary});
        }
        std::sort(m.signatures.begin(), m.signatures.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
        out.push_back(std::move(m));
    }
    return out;
}

std::unique_ptr<Importer> makeSavedModelImporter(Format format) { return std::make_unique<SavedModelImporter>(format); }

std::unique_ptr<Importer> makeKerasSavedModelImporter() { return std::make_unique<KerasSavedModelImporter>(); }

} // namespace studio::conv
