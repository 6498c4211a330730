// Protobuf-JSON codec for the TensorFlow graph messages that model.json embeds.
#include "core/tfjs/graph_json.h"

#include "core/error.h"
#include "core/io/base64.h"
#include "core/ir/dtype.h"

#include <cmath>
#include <limits>

namespace studio::core {

using Json = nlohmann::ordered_json;

namespace {

std::int64_t int64FromJson(const Json& v, const std::string& where)
{
    if (v.is_number_integer())
        return v.get<std::int64_t>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        try {
            std::size_t used = 0;
            const long long n = std::stoll(s, &used);
            if (used == s.size())
                return n;
        } catch (const std::exception&) {
        }
        fail(where, "expected a 64-bit integer, got \"" + s + "\"");
    }
    if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())
        return static_cast<std::int64_t>(v.get<double>());
    fail(where, "expected an integer, got " + v.dump());
}

double floatFromJson(const Json& v, const std::string& where)
{
    if (v.is_number())
        return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s == "NaN")
            return std::numeric_limits<double>::quiet_NaN();
        if (s == "Infinity")
            return std::numeric_limits<double>::infinity();
        if (s == "-Infinity")
            return -std::numeric_limits<double>::infinity();
        try {
            return std::stod(s);
        } catch (const std::exception&) {
        }
    }
    fail(where, "expected a number, got " + v.dump());
}

Json floatToJson(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "Infinity" : "-Infinity";
    return v;
}

std::string bytesFromJson(const Json& v, const std::string& where)
{
    if (v.is_array()) { // pre-1.0 converters wrote bytes as arrays of numbers
        std::string out;
        for (const auto& b : v) {
            if (!b.is_number_integer() || b.get<int>() < 0 || b.get<int>() > 255)
                fail(where, "byte array holds a value that is not a byte: " + b.dump());
            out += static_cast<char>(b.get<int>());
        }
        return out;
    }
    if (!v.is_string())
        fail(where, "expected a base64 string, got " + v.dump());
    auto decoded = base64Decode(v.get_ref<const std::string&>());
    if (!decoded)
        fail(where, "invalid base64 \"" + v.get<std::string>() + "\"");
    return *decoded;
}

Json dataTypeToJson(int type)
{
    if (auto name = tfDataTypeName(type))
        return std::string(*name);
    return type;
}

TensorAttr tensorFromJson(const Json& v, const std::string& where)
{
    if (!v.is_object())
        fail(where, "tensor attribute must be an object");
    TensorAttr t;
    for (const auto& [key, value] : v.items()) {
        if (key == "dtype") {
            t.dtype = dataTypeFromJson(value, where + ".dtype");
        } else if (key == "tensorShape") {
            t.shape = shapeFromJson(value, where + ".tensorShape");
            t.hasShape = true;
        } else {
            t.extra[key] = value;
        }
    }
    return t;
}

Json tensorToJson(const TensorAttr& t)
{
    Json j = Json::object();
    if (t.dtype != 0)
        j["dtype"] = dataTypeToJson(t.dtype);
    if (t.hasShape)
        j["tensorShape"] = shapeToJson(t.shape);
    for (const auto& [key, value] : t.extra.items())
        j[key] = value;
    return j;
}

FuncAttr funcFromJson(const Json& v, const std::string& where)
{
    if (!v.is_object())
        fail(where, "func attribute must be an object");
    FuncAttr f;
    f.name = v.value("name", "");
    if (v.contains("attr")) {
        f.attrs = Boxed<AttrMap>::make();
        for (const auto& [key, value] : v["attr"].items())
            f.attrs->emplace_back(key, attrFromJson(value, where + ".attr." + key));
    }
    return f;
}

Json funcToJson(const FuncAttr& f)
{
    Json j = Json::object();
    if (!f.name.empty())
        j["name"] = f.name;
    if (f.attrs) {
        Json attrs = Json::object();
        for (const auto& [key, value] : *f.attrs)
            attrs[key] = attrToJson(value);
        j["attr"] = attrs;
    }
    return j;
}

const Json& requireArray(const Json& v, const std::string& where)
{
    if (!v.is_array())
        fail(where, "expected an array, got " + std::string(v.type_name()));
    return v;
}

} // namespace

int dataTypeFromJson(const Json& value, const std::string& where)
{
    if (value.is_number_integer())
        return value.get<int>();
    if (value.is_string()) {
        if (auto t = tfDataTypeFromName(value.get_ref<const std::string&>()))
            return *t;
        fail(where, "unknown TensorFlow dtype \"" + value.get<std::string>() + "\"");
    }
    fail(where, "expected a dtype, got " + value.dump());
}

Shape shapeFromJson(const Json& shape, const std::string& where)
{
    if (!shape.is_object())
        fail(where, "shape must be an object");
    Shape s;
    s.unknownRank = shape.value("unknownRank", false);
    if (shape.contains("dim"))
        for (const auto& d : requireArray(shape["dim"], where + ".dim"))
            s.dims.push_back(d.contains("size") ? int64FromJson(d["size"], where + ".dim.size") : 0);
    return s;
}

Json shapeToJson(const Shape& shape)
{
    Json j = Json::object();
    if (!shape.dims.empty()) {
        Json dims = Json::array();
        for (auto d : shape.dims) {
            Json dim = Json::object();
            if (d != 0) // proto3 JSON omits the default 0
                dim["size"] = std::to_string(d);
            dims.push_back(dim);
        }
        j["dim"] = dims;
    }
    if (shape.unknownRank)
        j["unknownRank"] = true;
    return j;
}

AttrValue attrFromJson(const Json& value, const std::string& where)
{
    if (!value.is_object() || value.size() != 1)
        fail(where, "attribute must be an object with exactly one key, got " + value.dump().substr(0, 80));
    const auto first = value.begin();
    const std::string& key = first.key();
    const Json& v = first.value();
    AttrValue a;
    if (key == "i") {
        a.kind = AttrValue::Kind::Int;
        a.i = int64FromJson(v, where);
    } else if (key == "f") {
        a.kind = AttrValue::Kind::Float;
        a.f = floatFromJson(v, where);
    } else if (key == "b") {
        if (!v.is_boolean())
            fail(where, "expected true or false");
        a.kind = AttrValue::Kind::Bool;
        a.b = v.get<bool>();
    } else if (key == "s") {
        a.kind = AttrValue::Kind::String;
        a.s = bytesFromJson(v, where);
    } else if (key == "type") {
        a.kind = AttrValue::Kind::Type;
        a.type = dataTypeFromJson(v, where);
    } else if (key == "shape") {
        a.kind = AttrValue::Kind::Shape;
        a.shape = shapeFromJson(v, where);
    } else if (key == "tensor") {
        a.kind = AttrValue::Kind::Tensor;
        a.tensor = tensorFromJson(v, where);
    } else if (key == "func") {
        a.kind = AttrValue::Kind::Func;
        a.func = funcFromJson(v, where);
    } else if (key == "placeholder") {
        a.kind = AttrValue::Kind::Placeholder;
        a.s = v.is_string() ? v.get<std::string>() : "";
    } else if (key == "list") {
        a.kind = AttrValue::Kind::List;
        if (!v.is_object())
            fail(where, "list attribute must be an object");
        for (const auto& [lk, lv] : v.items()) {
            const auto w = where + ".list." + lk;
            requireArray(lv, w);
            for (const auto& e : lv) {
                if (lk == "s") a.list.s.push_back(bytesFromJson(e, w));
                else if (lk == "i") a.list.i.push_back(int64FromJson(e, w));
                else if (lk == "f") a.list.f.push_back(floatFromJson(e, w));
                else if (lk == "b") a.list.b.push_back(e.is_boolean() && e.get<bool>());
                else if (lk == "type") a.list.type.push_back(dataTypeFromJson(e, w));
                else if (lk == "shape") a.list.shape.push_back(shapeFromJson(e, w));
                else if (lk == "tensor") a.list.tensor.push_back(tensorFromJson(e, w));
                else if (lk == "func") a.list.func.push_back(funcFromJson(e, w));
                else fail(w, "unknown list member \"" + lk + "\"");
            }
        }
    } else {
        fail(where, "unknown attribute kind \"" + key + "\"");
    }
    return a;
}

Json attrToJson(const AttrValue& a)
{
    Json j = Json::object();
    switch (a.kind) {
    case AttrValue::Kind::Int: j["i"] = std::to_string(a.i); break;
    case AttrValue::Kind::Float: j["f"] = floatToJson(a.f); break;
    case AttrValue::Kind::Bool: j["b"] = a.b; break;
    case AttrValue::Kind::String: j["s"] = base64Encode(a.s); break;
    case AttrValue::Kind::Type: j["type"] = dataTypeToJson(a.type); break;
    case AttrValue::Kind::Shape: j["shape"] = shapeToJson(a.shape); break;
    case AttrValue::Kind::Tensor: j["tensor"] = tensorToJson(a.tensor); break;
    case AttrValue::Kind::Func: j["func"] = funcToJson(a.func); break;
    case AttrValue::Kind::Placeholder: j["placeholder"] = a.s; break;
    case AttrValue::Kind::List: {
        Json l = Json::object();
        const auto& L = a.list;
        auto put = [&l](const char* k, Json arr) {
            if (!arr.empty())
                l[k] = std::move(arr);
        };
        Json arr = Json::array();
        for (const auto& s : L.s) arr.push_back(base64Encode(s));
        put("s", std::move(arr));
        arr = Json::array();
        for (auto i : L.i) arr.push_back(std::to_string(i));
        put("i", std::move(arr));
        arr = Json::array();
        for (auto f : L.f) arr.push_back(floatToJson(f));
        put("f", std::move(arr));
        arr = Json::array();
        for (bool b : L.b) arr.push_back(b);
        put("b", std::move(arr));
        arr = Json::array();
        for (auto t : L.type) arr.push_back(dataTypeToJson(t));
        put("type", std::move(arr));
        arr = Json::array();
        for (const auto& s : L.shape) arr.push_back(shapeToJson(s));
        put("shape", std::move(arr));
        arr = Json::array();
        for (const auto& t : L.tensor) arr.push_back(tensorToJson(t));
        put("tensor", std::move(arr));
        arr = Json::array();
        for (const auto& f : L.func) arr.push_back(funcToJson(f));
        put("func", std::move(arr));
        j["list"] = l;
        break;
    }
    }
    return j;
}

Node nodeFromJson(const Json& node, const std::string& where)
{
    if (!node.is_object())
        fail(where, "node must be an object");
    Node n;
    if (node.contains("name") && !node["name"].is_string())
        fail(where, "a node name is not a string: " + node["name"].dump());
    n.name = node.value("name", "");
    const auto w = where + " node '" + n.name + "'";
    for (const auto& [key, value] : node.items()) {
        if (key == "name") {
            if (!value.is_string())
                fail(where, "node name must be a string");
        } else if (key == "op") {
            if (!value.is_string())
                fail(w, "op must be a string");
            n.op = value.get<std::string>();
        } else if (key == "input") {
            for (const auto& in : requireArray(value, w + ".input")) {
                if (!in.is_string())
                    fail(w, "inputs must be strings");
                n.inputs.push_back(in.get<std::string>());
            }
            if (value.empty())
                n.extra["input"] = value; // old layouts write empty lists; keep them
        } else if (key == "device") {
            n.device = value.is_string() ? value.get<std::string>() : "";
        } else if (key == "attr") {
            if (!value.is_object())
                fail(w, "attr must be an object");
            for (const auto& [ak, av] : value.items())
                n.attrs.emplace_back(ak, attrFromJson(av, w + " attr '" + ak + "'"));
        } else {
            n.extra[key] = value;
        }
    }
    if (n.name.empty())
        fail(where, "a node has no name");
    if (n.op.empty())
        fail(w, "has no op");
    return n;
}

Json nodeToJson(const Node& n)
{
    Json j = Json::object();
    j["name"] = n.name;
    j["op"] = n.op;
    if (!n.inputs.empty())
        j["input"] = n.inputs;
    if (!n.device.empty())
        j["device"] = n.device;
    if (!n.attrs.empty()) {
        Json attrs = Json::object();
        for (const auto& [key, value] : n.attrs)
            attrs[key] = attrToJson(value);
        j["attr"] = attrs;
    }
    for (const auto& [key, value] : n.extra.items())
        if (!(key == "input" && !n.inputs.empty()))
            j[key] = value;
    return j;
}

Graph graphFromJson(const Json& topology, const std::string& where)
{
    if (!topology.is_object())
        fail(where, "GraphDef must be an object");
    Graph g;
    for (const auto& [key, value] : topology.items()) {
        if (key == "node") {
            for (const auto& n : requireArray(value, where + ".node"))
                g.nodes.push_back(nodeFromJson(n, where));
        } else if (key == "versions") {
            g.versions = value;
        } else if (key == "library") {
            g.hasLibrary = true;
            if (!value.is_object())
                fail(where, "library must be an object");
            for (const auto& [lk, lv] : value.items()) {
                if (lk != "function") {
                    g.libraryExtra[lk] = lv;
                    continue;
                }
                for (const auto& f : requireArray(lv, where + ".library.function")) {
                    Function fn;
                    fn.signature = f.value("signature", Json::object());
                    fn.name = fn.signature.value("name", "");
                    const auto fw = where + " function '" + fn.name + "'";
                    for (const auto& [fk, fv] : f.items()) {
                        if (fk == "signature")
                            continue;
                        if (fk == "nodeDef") {
                            for (const auto& n : requireArray(fv, fw + ".nodeDef"))
                                fn.nodes.push_back(nodeFromJson(n, fw));
                        } else {
                            fn.rest[fk] = fv;
                        }
                    }
                    g.functions.push_back(std::move(fn));
                }
                if (lv.empty())
                    g.libraryExtra["function"] = lv;
            }
        } else {
            g.extra[key] = value;
        }
    }
    return g;
}

Json graphToJson(const Graph& g)
{
    Json j = Json::object();
    Json nodes = Json::array();
    for (const auto& n : g.nodes)
        nodes.push_back(nodeToJson(n));
    j["node"] = nodes;
    if (g.hasLibrary) {
        Json lib = Json::object();
        if (!g.functions.empty()) {
            Json fns = Json::array();
            for (const auto& f : g.functions) {
                Json fj = Json::object();
                fj["signature"] = f.signature;
                if (!f.nodes.empty()) {
                    Json body = Json::array();
                    for (const auto& n : f.nodes)
                        body.push_back(nodeToJson(n));
                    fj["nodeDef"] = body;
                }
                for (const auto& [k, v] : f.rest.items())
                    fj[k] = v;
                fns.push_back(fj);
            }
            lib["function"] = fns;
        }
        for (const auto& [k, v] : g.libraryExtra.items())
            if (!(k == "function" && !g.functions.empty()))
                lib[k] = v;
        j["library"] = lib;
    }
    if (!g.versions.is_null())
        j["versions"] = g.versions;
    for (const auto& [k, v] : g.extra.items())
        j[k] = v;
    return j;
}

} // namespace studio::core
