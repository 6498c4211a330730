// SavedModel resources on small hand-built SavedModels: a hash table becomes modelInitializer
// (CONVERTER.md 3.1 step 5, FORMATS.md 1.6) in the layout the reference converter writes, and a
// variable read inside a While body is frozen there too (FORMATS.md 7.6 step C). The real
// TensorFlow models are converted by both converters and run in TF.js by converter.tfconv_compare
// (tf2_hash_table, tf2_while_captured).
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "proto/saved_model.pb.h"

#include <QtTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

using namespace studio;
namespace fs = std::filesystem;
using tensorflow::NodeDef;

namespace {

const fs::path kHalfPlusTwo = fs::path(STUDIO_MODELS_DIR) / "savedmodel-tf1-serving-half-plus-two"
    / "saved_model_half_plus_two_cpu" / "00000123";

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-resources-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

NodeDef node(const std::string& name, const std::string& op, std::vector<std::string> inputs = {})
{
    NodeDef n;
    n.set_name(name);
    n.set_op(op);
    for (auto& i : inputs)
        n.add_input(i);
    return n;
}

void setType(NodeDef& n, const std::string& key, tensorflow::DataType t) { (*n.mutable_attr())[key].set_type(t); }

void setTypes(NodeDef& n, const std::string& key, std::vector<tensorflow::DataType> types)
{
    auto* list = (*n.mutable_attr())[key].mutable_list();
    for (auto t : types)
        list->add_type(t);
}

void setFunc(NodeDef& n, const std::string& key, const std::string& f) { (*n.mutable_attr())[key].mutable_func()->set_name(f); }

NodeDef stringConst(const std::string& name, const std::vector<std::string>& values)
{
    NodeDef n = node(name, "Const");
    setType(n, "dtype", tensorflow::DT_STRING);
    auto* t = (*n.mutable_attr())["value"].mutable_tensor();
    t->set_dtype(tensorflow::DT_STRING);
    t->mutable_tensor_shape()->add_dim()->set_size(static_cast<std::int64_t>(values.size()));
    for (const auto& v : values)
        t->add_string_val(v);
    return n;
}

NodeDef int64Const(const std::string& name, const std::vector<std::int64_t>& values, bool scalar = false)
{
    NodeDef n = node(name, "Const");
    setType(n, "dtype", tensorflow::DT_INT64);
    auto* t = (*n.mutable_attr())["value"].mutable_tensor();
    t->set_dtype(tensorflow::DT_INT64);
    if (!scalar)
        t->mutable_tensor_shape()->add_dim()->set_size(static_cast<std::int64_t>(values.size()));
    for (auto v : values)
        t->add_int64_val(v);
    return n;
}

NodeDef floatConst(const std::string& name, float v)
{
    NodeDef n = node(name, "Const");
    setType(n, "dtype", tensorflow::DT_FLOAT);
    auto* t = (*n.mutable_attr())["value"].mutable_tensor();
    t->set_dtype(tensorflow::DT_FLOAT);
    t->add_float_val(v);
    return n;
}

tensorflow::FunctionDef function(const std::string& name, std::vector<std::pair<std::string, tensorflow::DataType>> in,
    std::vector<std::pair<std::string, tensorflow::DataType>> out, std::vector<NodeDef> body,
    std::map<std::string, std::string> ret, std::map<std::string, std::string> controlRet = {})
{
    tensorflow::FunctionDef f;
    f.mutable_signature()->set_name(name);
    for (const auto& [n, t] : in) {
        auto* a = f.mutable_signature()->add_input_arg();
        a->set_name(n);
        a->set_type(t);
    }
    for (const auto& [n, t] : out) {
        auto* a = f.mutable_signature()->add_output_arg();
        a->set_name(n);
        a->set_type(t);
    }
    for (auto& n : body)
        *f.add_node_def() = std::move(n);
    for (const auto& [k, v] : ret)
        (*f.mutable_ret())[k] = v;
    for (const auto& [k, v] : controlRet)
        (*f.mutable_control_ret())[k] = v;
    return f;
}

tensorflow::TensorInfo info(const std::string& name, tensorflow::DataType dtype, std::vector<std::int64_t> dims)
{
    tensorflow::TensorInfo i;
    i.set_name(name);
    i.set_dtype(dtype);
    auto* s = i.mutable_tensor_shape();
    for (auto d : dims)
        s->add_dim()->set_size(d);
    return i;
}

void write(const tensorflow::SavedModel& sm, const fs::path& dir)
{
    fs::create_directories(dir);
    std::ofstream out(dir / "saved_model.pb", std::ios::binary | std::ios::trunc);
    QVERIFY(sm.SerializeToOstream(&out));
}

// What tf.saved_model.save writes for a tf.Module holding a tf.lookup.StaticHashTable (string ->
// int64, default -1) and a serving function `ids = table.lookup(words)`: the table's creator and
// initializer functions, its keys and values as top-level constants, and an object graph linking
// them (the layout of the tfconv case tf2_hash_table, reduced to the table).
tensorflow::SavedModel hashTableModel()
{
    using namespace tensorflow;
    SavedModel sm;
    auto& mg = *sm.add_meta_graphs();
    mg.mutable_meta_info_def()->add_tags("serve");
    auto& g = *mg.mutable_graph_def();
    *g.add_node() = stringConst("Const", {"apple", "banana", "cherry"});
    *g.add_node() = int64Const("Const_1", {3, 1, 4});
    *g.add_node() = int64Const("Const_2", {-1}, true);
    {
        NodeDef t = node("hash_table", "HashTableV2");
        setType(t, "key_dtype", DT_STRING);
        setType(t, "value_dtype", DT_INT64);
        *g.add_node() = t;
        NodeDef p = node("serving_default_words", "Placeholder");
        setType(p, "dtype", DT_STRING);
        (*p.mutable_attr())["shape"].mutable_shape()->add_dim()->set_size(4);
        *g.add_node() = p;
        NodeDef call = node("StatefulPartitionedCall", "StatefulPartitionedCall", {"serving_default_words", "hash_table", "Const_2"});
        setFunc(call, "f", "wrapper");
        setTypes(call, "Tin", {DT_STRING, DT_RESOURCE, DT_INT64});
        setTypes(call, "Tout", {DT_INT64});
        *g.add_node() = call;
        NodeDef init = node("StatefulPartitionedCall_1", "StatefulPartitionedCall", {"hash_table", "Const", "Const_1"});
        setFunc(init, "initializer", "initializer");
        setFunc(init, "f", "initializer");
        setTypes(init, "Tin", {DT_RESOURCE, DT_STRING, DT_INT64});
        setTypes(init, "Tout", {DT_INT32});
        *g.add_node() = init;
    }
    auto& lib = *g.mutable_library();
    {
        NodeDef call = node("StatefulPartitionedCall", "StatefulPartitionedCall", {"words", "unknown", "unknown_0"});
        setFunc(call, "f", "serve");
        setTypes(call, "Tin", {DT_STRING, DT_RESOURCE, DT_INT64});
        setTypes(call, "Tout", {DT_INT64});
        NodeDef id = node("Identity", "Identity", {"StatefulPartitionedCall:output:0", "^NoOp"});
        setType(id, "T", DT_INT64);
        *lib.add_function() = function("wrapper", {{"words", DT_STRING}, {"unknown", DT_RESOURCE}, {"unknown_0", DT_INT64}},
            {{"identity", DT_INT64}}, {call, id, node("NoOp", "NoOp", {"^StatefulPartitionedCall"})},
            {{"identity", "Identity:output:0"}});
    }
    {
        NodeDef find = node("None_Lookup/LookupTableFindV2", "LookupTableFindV2", {"table", "words", "default"});
        setType(find, "Tin", DT_STRING);
        setType(find, "Tout", DT_INT64);
        NodeDef id = node("Identity", "Identity", {"None_Lookup/LookupTableFindV2:values:0", "^NoOp"});
        setType(id, "T", DT_INT64);
        *lib.add_function() = function("serve", {{"words", DT_STRING}, {"table", DT_RESOURCE}, {"default", DT_INT64}},
            {{"identity", DT_INT64}}, {find, id, node("NoOp", "NoOp", {"^None_Lookup/LookupTableFindV2"})},
            {{"identity", "Identity:output:0"}}, {{"NoOp", "NoOp"}});
    }
    {
        NodeDef t = node("hash_table", "HashTableV2");
        setType(t, "key_dtype", DT_STRING);
        setType(t, "value_dtype", DT_INT64);
        NodeDef id = node("Identity", "Identity", {"hash_table:table_handle:0", "^NoOp"});
        setType(id, "T", DT_RESOURCE);
        *lib.add_function() = function("creator", {}, {{"identity", DT_RESOURCE}},
            {t, node("NoOp", "NoOp", {"^hash_table"}), id}, {{"identity", "Identity:output:0"}}, {{"hash_table", "hash_table"}});
    }
    {
        NodeDef imp = node("key_value_init/LookupTableImportV2", "LookupTableImportV2", {"table", "keys", "values"});
        setType(imp, "Tin", DT_STRING);
        setType(imp, "Tout", DT_INT64);
        NodeDef one = node("Const", "Const");
        setType(one, "dtype", DT_INT32);
        (*one.mutable_attr())["value"].mutable_tensor()->set_dtype(DT_INT32);
        (*one.mutable_attr())["value"].mutable_tensor()->add_int_val(1);
        NodeDef id = node("Identity", "Identity", {"Const:output:0", "^NoOp"});
        setType(id, "T", DT_INT32);
        *lib.add_function() = function("initializer", {{"table", DT_RESOURCE}, {"keys", DT_STRING}, {"values", DT_INT64}},
            {{"identity", DT_INT32}}, {imp, one, node("NoOp", "NoOp", {"^key_value_init/LookupTableImportV2"}), id},
            {{"identity", "Identity:output:0"}}, {{"key_value_init/LookupTableImportV2", "key_value_init/LookupTableImportV2"}});
    }
    auto& sig = (*mg.mutable_signature_def())["serving_default"];
    (*sig.mutable_inputs())["words"] = info("serving_default_words:0", DT_STRING, {4});
    (*sig.mutable_outputs())["ids"] = info("StatefulPartitionedCall:0", DT_INT64, {4});

    auto& og = *mg.mutable_object_graph_def();
    auto child = [](SavedObject& o, const std::string& name, int id) {
        auto* c = o.add_children();
        c->set_local_name(name);
        c->set_node_id(id);
    };
    auto& root = *og.add_nodes(); // 0
    root.mutable_user_object();
    child(root, "table", 1);
    child(root, "signatures", 4);
    auto& table = *og.add_nodes(); // 1
    table.mutable_resource();
    child(table, "_create_resource", 2);
    child(table, "_initialize", 3);
    og.add_nodes()->mutable_function()->add_concrete_functions("creator");     // 2
    og.add_nodes()->mutable_function()->add_concrete_functions("initializer"); // 3
    auto& sigs = *og.add_nodes();                                              // 4
    sigs.mutable_user_object();
    child(sigs, "serving_default", 5);
    og.add_nodes()->mutable_bare_concrete_function()->set_concrete_function_name("wrapper"); // 5
    og.add_nodes()->mutable_constant()->set_operation("Const_2");                             // 6
    og.add_nodes()->mutable_constant()->set_operation("Const");                               // 7
    og.add_nodes()->mutable_constant()->set_operation("Const_1");                             // 8
    auto& cf = *og.mutable_concrete_functions();
    for (int b : {1, 6})
        cf["wrapper"].add_bound_inputs(b);
    for (int b : {1, 7, 8})
        cf["initializer"].add_bound_inputs(b);
    cf["creator"];
    return sm;
}

core::Model load(const fs::path& dir)
{
    conv::ImportOptions o;
    o.format = conv::Format::TfSavedModel;
    o.savedModelTags = "serve";
    return conv::importModel(dir, o);
}

std::map<std::string, int> opCounts(const nlohmann::ordered_json& nodes)
{
    std::map<std::string, int> counts;
    for (const auto& n : nodes)
        if (auto op = n.find("op"); op != n.end() && op->is_string())
            ++counts[op->get_ref<const std::string&>()];
    return counts;
}

const core::Weight* findWeight(const core::Model& m, const std::string& name)
{
    for (const auto& g : m.weightGroups)
        for (const auto& w : g.weights)
            if (w.name == name)
                return &w;
    return nullptr;
}

std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

class TestSavedModelResources : public QObject {
    Q_OBJECT

private slots:
    void hashTableBecomesModelInitializer()
    {
        const fs::path dir = scratch("table") / "saved_model";
        write(hashTableModel(), dir);
        const core::Model m = load(dir);

        // The inference graph: the table is a resource placeholder the lookup reads.
        std::map<std::string, std::string> ops;
        for (const auto& n : m.graph.nodes)
            ops[n.name] = n.op;
        QCOMPARE(ops["unknown"], std::string("Placeholder"));
        QCOMPARE(ops["StatefulPartitionedCall/None_Lookup/LookupTableFindV2"], std::string("LookupTableFindV2"));
        for (const auto& [name, op] : ops)
            QVERIFY2(op != "HashTableV2" && op != "LookupTableImportV2" && op != "StatefulPartitionedCall", name.c_str());
        const auto& in = m.meta.signature["inputs"];
        QVERIFY(in.contains("unknown:0") && in.contains("words"));
        QCOMPARE(in["unknown:0"]["dtype"].get<std::string>(), std::string("DT_RESOURCE"));

        // The initializer, as the reference converter writes it for the tfconv case
        // tf2_hash_table: TensorFlow's inliner on the traced resource_initializer function
        // (create, then initialize from the two constants), pruned to its output.
        const auto& init = m.meta.modelInitializer;
        QVERIFY(init.is_object() && init.contains("node"));
        const auto counts = opCounts(init["node"]);
        const std::map<std::string, int> want{{"Const", 2}, {"HashTableV2", 1}, {"Identity", 11}, {"LookupTableImportV2", 1}, {"NoOp", 11}};
        QCOMPARE(counts, want);
        std::set<std::string> names;
        for (const auto& n : init["node"])
            names.insert(n["name"].get<std::string>());
        QVERIFY(names.count("StatefulPartitionedCall/StatefulPartitionedCall/hash_table"));
        QVERIFY(names.count("StatefulPartitionedCall_1/StatefulPartitionedCall/key_value_init/LookupTableImportV2"));
        QVERIFY(names.count("Func/StatefulPartitionedCall_1/input_control_node/_3"));
        QVERIFY(names.count("Func/StatefulPartitionedCall_1/StatefulPartitionedCall/output_control_node/_17"));
        // The import reads the handle that the creator made, through the inliner's Identities.
        for (const auto& n : init["node"])
            if (n["op"] == "LookupTableImportV2")
                QCOMPARE(n["input"][0].get<std::string>(), std::string("Func/StatefulPartitionedCall_1/StatefulPartitionedCall/input/_13"));

        // The table's output and the inference input carry the same resourceId.
        const auto& outs = m.meta.initializerSignature["outputs"];
        QVERIFY(outs.contains("Identity:0"));
        QCOMPARE(outs["Identity:0"]["resourceId"], in["unknown:0"]["resourceId"]);
        QVERIFY(names.count("Identity"));

        // Keys and values are weights with the SavedModel's bytes (int64 stored as int32).
        const core::Weight* keys = findWeight(m, "Const");
        const core::Weight* values = findWeight(m, "Const_1");
        QVERIFY(keys && values);
        QCOMPARE(keys->shape, (std::vector<std::int64_t>{3}));
        const auto kb = keys->storedBytes();
        const std::string expect = std::string("\x05\0\0\0apple\x06\0\0\0banana\x06\0\0\0cherry", 29);
        QCOMPARE(std::string(kb.begin(), kb.end()), expect);
        const auto vb = values->storedBytes();
        QCOMPARE(vb.size(), std::size_t(12));
        std::int32_t v[3];
        std::memcpy(v, vb.data(), 12);
        QCOMPARE(v[0], 3);
        QCOMPARE(v[1], 1);
        QCOMPARE(v[2], 4);
    }

    void hashTableConvertsToModelJson()
    {
        // Through the whole route: the passes keep the resource input, the initializer and its
        // weights (after the graph's, as the reference orders them).
        const fs::path dir = scratch("table-convert");
        write(hashTableModel(), dir / "saved_model");
        conv::ConvertOptions o;
        o.inputFormat = "tf_saved_model";
        o.outputFormat = "tfjs_graph_model";
        o.inputPath = (dir / "saved_model").string();
        o.outputPath = (dir / "out").string();
        conv::convert(o, {});
        std::ifstream in(dir / "out" / "model.json");
        const auto doc = nlohmann::ordered_json::parse(in);
        QVERIFY(doc.contains("modelInitializer") && doc.contains("initializerSignature"));
        std::vector<std::string> weights;
        for (const auto& w : doc["weightsManifest"][0]["weights"])
            weights.push_back(w["name"]);
        QVERIFY(weights.size() >= 2);
        QCOMPARE(weights[weights.size() - 2], std::string("Const"));
        QCOMPARE(weights.back(), std::string("Const_1"));
        const auto& sig = doc["signature"]["inputs"];
        QCOMPARE(sig["unknown:0"]["resourceId"], doc["initializerSignature"]["outputs"]["Identity:0"]["resourceId"]);
        bool lookup = false;
        for (const auto& n : doc["modelTopology"]["node"])
            lookup = lookup || (n["op"] == "LookupTableFindV2" && n["input"][0] == "unknown");
        QVERIFY(lookup);
    }

    void tableFilledFromAVariableIsRefused()
    {
        // An initializer that captures anything but constants: a clear error naming the table.
        auto sm = hashTableModel();
        auto& og = *sm.mutable_meta_graphs(0)->mutable_object_graph_def();
        og.mutable_nodes(8)->mutable_variable();
        const fs::path dir = scratch("table-variable") / "saved_model";
        write(sm, dir);
        const auto e = errorOf([&] { load(dir); });
        QVERIFY2(e.starts_with("saved_model.pb: resource 'table': its _initialize function captures object 8") , e.c_str());
    }

    void whileBodyVariableIsFrozen()
    {
        // TF1 layout with a resource variable 'a' (0.5 in half_plus_two's checkpoint) that a While
        // hands to its body, which reads it: x = x + a while x < 2.
        using namespace tensorflow;
        const fs::path dir = scratch("while") / "saved_model";
        fs::create_directories(dir);
        fs::copy(kHalfPlusTwo / "variables", dir / "variables", fs::copy_options::recursive);
        SavedModel sm;
        auto& mg = *sm.add_meta_graphs();
        mg.mutable_meta_info_def()->add_tags("serve");
        auto& g = *mg.mutable_graph_def();
        NodeDef x = node("x", "Placeholder");
        setType(x, "dtype", DT_FLOAT);
        (*x.mutable_attr())["shape"].mutable_shape();
        *g.add_node() = x;
        NodeDef a = node("a", "VarHandleOp");
        setType(a, "dtype", DT_FLOAT);
        (*a.mutable_attr())["shape"].mutable_shape();
        *g.add_node() = a;
        NodeDef w = node("while", "While", {"x", "a"});
        setTypes(w, "T", {DT_FLOAT, DT_RESOURCE});
        setFunc(w, "cond", "cond");
        setFunc(w, "body", "body");
        *g.add_node() = w;
        NodeDef y = node("y", "Identity", {"while"});
        setType(y, "T", DT_FLOAT);
        *g.add_node() = y;
        NodeDef less = node("Less", "Less", {"x", "limit:output:0"});
        setType(less, "T", DT_FLOAT);
        *g.mutable_library()->add_function() = function("cond", {{"x", DT_FLOAT}, {"a", DT_RESOURCE}}, {{"out", DT_BOOL}},
            {floatConst("limit", 2.0f), less}, {{"out", "Less:z:0"}});
        NodeDef read = node("ReadVariableOp", "ReadVariableOp", {"a"});
        setType(read, "dtype", DT_FLOAT);
        NodeDef add = node("add", "AddV2", {"x", "ReadVariableOp:value:0"});
        setType(add, "T", DT_FLOAT);
        *g.mutable_library()->add_function() = function("body", {{"x", DT_FLOAT}, {"a", DT_RESOURCE}},
            {{"x_out", DT_FLOAT}, {"a_out", DT_RESOURCE}}, {read, add}, {{"x_out", "add:z:0"}, {"a_out", "a"}});
        auto& sig = (*mg.mutable_signature_def())["serving_default"];
        (*sig.mutable_inputs())["x"] = info("x:0", DT_FLOAT, {});
        (*sig.mutable_outputs())["y"] = info("y:0", DT_FLOAT, {});
        write(sm, dir);

        const core::Model m = load(dir);
        const core::Node* loop = m.graph.find("while");
        QVERIFY(loop);
        QCOMPARE(loop->inputs, (std::vector<std::string>{"x", "a"}));
        const core::Node* value = m.graph.find("a");
        QVERIFY(value && value->op == "Const");
        const core::Weight* weight = findWeight(m, "a");
        QVERIFY(weight);
        float av = 0;
        const auto bytes = weight->storedBytes();
        QCOMPARE(bytes.size(), sizeof av);
        std::memcpy(&av, bytes.data(), sizeof av);
        QCOMPARE(av, 0.5f); // the checkpoint's value
        const auto* types = core::findAttr(loop->attrs, "T");
        QVERIFY(types && types->list.type == (std::vector<int>{DT_FLOAT, DT_FLOAT}));
        // In both functions the argument is a float now; the read is an Identity of it.
        for (const auto& f : m.graph.functions) {
            QCOMPARE(f.signature["inputArg"][1]["type"].get<std::string>(), std::string("DT_FLOAT"));
            for (const auto& n : f.nodes) {
                QVERIFY2(n.op != "ReadVariableOp", (f.name + "/" + n.name).c_str());
                if (n.name == "add")
                    QCOMPARE(n.inputs[1], std::string("ReadVariableOp:output:0"));
            }
            if (f.name == "body")
                QCOMPARE(f.signature["outputArg"][1]["type"].get<std::string>(), std::string("DT_FLOAT"));
        }

        // Converted (the loop lowered): nothing TF.js cannot run is left.
        conv::ConvertOptions o;
        o.inputFormat = "tf_saved_model";
        o.outputFormat = "tfjs_graph_model";
        o.inputPath = dir.string();
        o.outputPath = (dir.parent_path() / "out").string();
        const auto r = conv::convert(o, {});
        QVERIFY(r.opCheck && r.opCheck->ok());
        const core::Model out = core::readTfjsModel(dir.parent_path() / "out" / "model.json");
        for (const auto& n : out.graph.nodes)
            QVERIFY2(n.op != "ReadVariableOp" && n.op != "VarHandleOp" && n.op != "While", n.name.c_str());
    }

    void cleanupTestCase()
    {
        fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-resources-test-" + std::to_string(::getpid())));
    }
};

QTEST_GUILESS_MAIN(TestSavedModelResources)
#include "test_saved_model_resources.moc"
