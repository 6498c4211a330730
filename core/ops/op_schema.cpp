// The op schema registry and InferContext's attribute access.
#include "core/ops/op_schema.h"

#include "core/error.h"
#include "core/ops/schemas/common.h"

#include <algorithm>
#include <map>

namespace studio::core {

namespace {

const char* kindName(AttrValue::Kind kind)
{
    switch (kind) {
    case AttrValue::Kind::Int: return "an integer";
    case AttrValue::Kind::Float: return "a float";
    case AttrValue::Kind::Bool: return "a bool";
    case AttrValue::Kind::String: return "a string";
    case AttrValue::Kind::Type: return "a type";
    case AttrValue::Kind::Shape: return "a shape";
    case AttrValue::Kind::Tensor: return "a tensor";
    case AttrValue::Kind::List: return "a list";
    case AttrValue::Kind::Func: return "a function";
    case AttrValue::Kind::Placeholder: return "a placeholder";
    }
    return "unknown";
}

// Built once; the family files own their schemas' logic, this owns the lookup.
struct Registry {
    std::vector<OpSchema> schemas;
    std::map<std::string_view, const OpSchema*> byName;

    Registry()
    {
        schema::addConvSchemas(schemas);
        schema::addDynamicSchemas(schemas);
        schema::addElementwiseSchemas(schemas);
        schema::addImageSchemas(schemas);
        schema::addNnSchemas(schemas);
        schema::addReduceSchemas(schemas);
        schema::addShapeSchemas(schemas);
        schema::addSliceSchemas(schemas);
        for (const auto& s : schemas)
            if (!byName.emplace(s.op, &s).second)
                throw Error("op schema registry: two schemas for " + std::string(s.op));
    }
};

const Registry& registry()
{
    static const Registry r;
    return r;
}

} // namespace

const TensorType& InferContext::input(std::size_t k) const
{
    if (k >= m_inputs.size() || !m_inputs[k])
        fail("missing input " + std::to_string(k) + " (has " + std::to_string(m_inputs.size()) + ")");
    return *m_inputs[k];
}

bool InferContext::has(const std::string& attr) const
{
    return findAttr(m_node.attrs, attr) != nullptr;
}

namespace {
const AttrValue* typed(const InferContext& ctx, const std::string& attr, AttrValue::Kind kind)
{
    const auto* a = findAttr(ctx.node().attrs, attr);
    if (a && a->kind != kind)
        ctx.fail("attribute '" + attr + "' is " + kindName(a->kind) + ", expected " + kindName(kind));
    return a;
}
} // namespace

std::int64_t InferContext::intAttr(const std::string& attr, std::int64_t fallback) const
{
    const auto* a = typed(*this, attr, AttrValue::Kind::Int);
    return a ? a->i : fallback;
}

double InferContext::floatAttr(const std::string& attr, double fallback) const
{
    const auto* a = typed(*this, attr, AttrValue::Kind::Float);
    return a ? a->f : fallback;
}

bool InferContext::boolAttr(const std::string& attr, bool fallback) const
{
    const auto* a = typed(*this, attr, AttrValue::Kind::Bool);
    return a ? a->b : fallback;
}

std::string InferContext::stringAttr(const std::string& attr, const std::string& fallback) const
{
    const auto* a = typed(*this, attr, AttrValue::Kind::String);
    return a ? a->s : fallback;
}

std::vector<std::int64_t> InferContext::intList(const std::string& attr, std::vector<std::int64_t> fallback) const
{
    const auto* a = typed(*this, attr, AttrValue::Kind::List);
    return a ? a->list.i : fallback;
}

std::vector<std::string> InferContext::stringList(const std::string& attr) const
{
    const auto* a = typed(*this, attr, AttrValue::Kind::List);
    return a ? a->list.s : std::vector<std::string>{};
}

std::optional<DType> InferContext::typeAttr(const std::string& attr) const
{
    const auto* a = typed(*this, attr, AttrValue::Kind::Type);
    if (!a)
        return std::nullopt;
    const auto d = dtypeFromTf(a->type);
    if (!d)
        return std::nullopt;
    return schema::tfjsDType(*d);
}

void InferContext::fail(const std::string& what) const
{
    Location where;
    where.node = m_node.name;
    throw Error("node '" + m_node.name + "' (" + m_node.op + "): " + what, where);
}

const OpSchema* findSchema(std::string_view op)
{
    const auto& r = registry();
    const auto it = r.byName.find(op);
    return it == r.byName.end() ? nullptr : it->second;
}

std::vector<const OpSchema*> allSchemas()
{
    std::vector<const OpSchema*> out;
    for (const auto& [name, s] : registry().byName)
        out.push_back(s);
    return out;
}

} // namespace studio::core
