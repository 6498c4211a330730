// Typed node attributes, mirroring TensorFlow's AttrValue.
#pragma once

#include "core/ir/shape.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {

// Attribute-side tensor description (TensorProto without its values, which live in weights).
// Fields this IR does not model are kept verbatim in `extra` so nothing is lost.
struct TensorAttr {
    int dtype = 0; // TensorFlow DataType number
    Shape shape;
    bool hasShape = false;
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();

    bool operator==(const TensorAttr&) const = default;
};

struct AttrValue;
using AttrMap = std::vector<std::pair<std::string, AttrValue>>;

// A heap-held value with value semantics: copies are deep, so two nodes that were copied from
// one another never share (and never see each other's edits to) a function's attributes.
template <class T>
class Boxed {
public:
    Boxed() = default;
    Boxed(const Boxed& o) : m_p(o.m_p ? std::make_unique<T>(*o.m_p) : nullptr) {}
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(const Boxed& o) { if (this != &o) m_p = o.m_p ? std::make_unique<T>(*o.m_p) : nullptr; return *this; }
    Boxed& operator=(Boxed&&) noexcept = default;
    ~Boxed() = default;
    static Boxed make() { Boxed b; b.m_p = std::make_unique<T>(); return b; }
    explicit operator bool() const { return static_cast<bool>(m_p); }
    T& operator*() { return *m_p; }
    const T& operator*() const { return *m_p; }
    T* operator->() { return m_p.get(); }
    const T* operator->() const { return m_p.get(); }
    T* get() { return m_p.get(); }
    const T* get() const { return m_p.get(); }

private:
    std::unique_ptr<T> m_p;
};

struct FuncAttr {
    std::string name;
    Boxed<AttrMap> attrs; // may be empty (no "attr" key)
};

struct AttrList {
    std::vector<std::string> s; // raw bytes
    std::vector<std::int64_t> i;
    std::vector<double> f;
    std::vector<bool> b;
    std::vector<int> type;
    std::vector<Shape> shape;
    std::vector<TensorAttr> tensor;
    std::vector<FuncAttr> func;
};

struct AttrValue {
    enum class Kind { Int, Float, Bool, String, Type, Shape, Tensor, List, Func, Placeholder };
    Kind kind = Kind::Int;
    std::int64_t i = 0;
    double f = 0.0;
    bool b = false;
    std::string s; // String: raw bytes; Placeholder: the placeholder name
    int type = 0;
    Shape shape;
    TensorAttr tensor;
    AttrList list;
    FuncAttr func;

    static AttrValue ofInt(std::int64_t v) { AttrValue a; a.kind = Kind::Int; a.i = v; return a; }
    static AttrValue ofFloat(double v) { AttrValue a; a.kind = Kind::Float; a.f = v; return a; }
    static AttrValue ofBool(bool v) { AttrValue a; a.kind = Kind::Bool; a.b = v; return a; }
    static AttrValue ofString(std::string v) { AttrValue a; a.kind = Kind::String; a.s = std::move(v); return a; }
    static AttrValue ofType(int v) { AttrValue a; a.kind = Kind::Type; a.type = v; return a; }
    static AttrValue ofShape(Shape v) { AttrValue a; a.kind = Kind::Shape; a.shape = std::move(v); return a; }
};

inline const AttrValue* findAttr(const AttrMap& attrs, const std::string& name)
{
    for (const auto& [key, value] : attrs)
        if (key == name)
            return &value;
    return nullptr;
}

} // namespace studio::core
