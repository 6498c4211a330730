// TensorList kernels for the dataflow interpreter, with TensorFlow's checks: indices inside the
// list, items of the list's element dtype and shape, unwritten items read as zeros only when the
// element shape is fully known.
#include "runtime/reference/tensor_list.h"

#include "runtime/reference/kernels.h"

#include <algorithm>

namespace studio::rt::ref {

namespace {

struct ElementShape {
    bool known = false;
    std::vector<std::int64_t> dims;

    bool fullyKnown() const
    {
        return known && std::all_of(dims.begin(), dims.end(), [](std::int64_t d) { return d >= 0; });
    }
    std::string text() const
    {
        if (!known)
            return "<unknown rank>";
        std::string s = "[";
        for (std::size_t k = 0; k < dims.size(); ++k)
            s += (k ? "," : "") + (dims[k] < 0 ? std::string("?") : std::to_string(dims[k]));
        return s + "]";
    }
};

const Tensor& tensorInput(const core::Node& node, const std::vector<const FlowValue*>& in, std::size_t k)
{
    if (in.size() <= k)
        fail(node, "missing input " + std::to_string(k));
    if (!in[k]->tensor)
        fail(node, "input " + std::to_string(k) + " must be a tensor, got a TensorList");
    return *in[k]->tensor;
}

const TensorList& listInput(const core::Node& node, const std::vector<const FlowValue*>& in, std::size_t k)
{
    if (in.size() <= k)
        fail(node, "missing input " + std::to_string(k));
    if (!in[k]->list)
        fail(node, "input " + std::to_string(k) + " must be a TensorList, got a tensor");
    return *in[k]->list;
}

std::int64_t scalarInt(const core::Node& node, const std::vector<const FlowValue*>& in, std::size_t k, const char* what)
{
    const Tensor& t = tensorInput(node, in, k);
    if (t.isFloat() || t.size() != 1)
        fail(node, std::string(what) + " must be an int32 scalar, got " + t.shapeText());
    return t.i[0];
}

// An element_shape input: -1 (scalar) for an unknown rank, else a list with -1 for unknown sizes.
ElementShape shapeInput(const core::Node& node, const std::vector<const FlowValue*>& in, std::size_t k)
{
    const Tensor& t = tensorInput(node, in, k);
    if (t.isFloat() || t.shape.size() > 1)
        fail(node, "element_shape must be an int32 scalar or list, got " + t.shapeText());
    if (t.shape.empty()) {
        if (t.i[0] != -1)
            fail(node, "a scalar element_shape must be -1 (unknown rank), got " + std::to_string(t.i[0]));
        return {};
    }
    return ElementShape{true, {t.i.begin(), t.i.end()}};
}

ElementShape listShape(const TensorList& l)
{
    return ElementShape{l.shapeKnown, l.elementShape};
}

// The two shapes' common refinement; fails naming the node when they disagree.
ElementShape merge(const core::Node& node, const ElementShape& a, const ElementShape& b)
{
    if (!a.known)
        return b;
    if (!b.known)
        return a;
    if (a.dims.size() != b.dims.size())
        fail(node, "element shapes " + a.text() + " and " + b.text() + " differ in rank");
    ElementShape m = a;
    for (std::size_t k = 0; k < m.dims.size(); ++k) {
        if (m.dims[k] < 0)
            m.dims[k] = b.dims[k];
        else if (b.dims[k] >= 0 && b.dims[k] != m.dims[k])
            fail(node, "element shapes " + a.text() + " and " + b.text() + " disagree");
    }
    return m;
}

bool elementFloat(const core::Node& node)
{
    const auto* a = core::findAttr(node.attrs, "element_dtype");
    if (!a || a->kind != core::AttrValue::Kind::Type)
        fail(node, "needs an element_dtype type attribute");
    return a->type == 1 || a->type == 2 || a->type == 19; // float, double, half
}

void checkItem(const core::Node& node, const TensorList& l, const Tensor& item)
{
    if (item.isFloat() != l.elementFloat)
        fail(node, std::string("the item is ") + (item.isFloat() ? "float" : "integer") + " but the list holds "
                + (l.elementFloat ? "float" : "integer") + " elements");
    merge(node, listShape(l), ElementShape{true, item.shape});
}

FlowValue ofList(TensorList l)
{
    FlowValue v;
    v.list = std::make_shared<const TensorList>(std::move(l));
    return v;
}

FlowValue ofTensor(Tensor t)
{
    FlowValue v;
    v.tensor = std::make_shared<const Tensor>(std::move(t));
    return v;
}

Tensor zeros(const core::Node& node, const ElementShape& shape, bool isFloat, std::size_t index)
{
    if (!shape.fullyKnown())
        fail(node, "item " + std::to_string(index) + " was never written and the element shape " + shape.text()
                + " is not fully known, so it cannot be read as zeros");
    Tensor t;
    t.dtype = isFloat ? core::DType::Float32 : core::DType::Int32;
    t.shape = shape.dims;
    if (isFloat)
        t.f.assign(t.size(), 0.0f);
    else
        t.i.assign(t.size(), 0);
    return t;
}

std::size_t indexIn(const core::Node& node, const TensorList& l, std::int64_t index)
{
    if (index < 0 || static_cast<std::size_t>(index) >= l.items.size())
        fail(node, "index " + std::to_string(index) + " is outside the list of " + std::to_string(l.items.size()) + " items");
    return static_cast<std::size_t>(index);
}

// Items `which` of the list stacked along a new first axis.
Tensor stackItems(const core::Node& node, const TensorList& l, const ElementShape& requested, const std::vector<std::size_t>& which)
{
    ElementShape shape = merge(node, listShape(l), requested);
    for (const auto k : which)
        if (l.items[k])
            shape = merge(node, shape, ElementShape{true, l.items[k]->shape});
    if (!shape.fullyKnown())
        fail(node, "the element shape " + shape.text() + " is not fully known");
    Tensor y;
    y.dtype = l.elementFloat ? core::DType::Float32 : core::DType::Int32;
    y.shape.push_back(static_cast<std::int64_t>(which.size()));
    for (const auto d : shape.dims)
        y.shape.push_back(d);
    for (const auto k : which) {
        const Tensor item = l.items[k] ? *l.items[k] : zeros(node, shape, l.elementFloat, k);
        y.f.insert(y.f.end(), item.f.begin(), item.f.end());
        y.i.insert(y.i.end(), item.i.begin(), item.i.end());
    }
    return y;
}

std::vector<FlowValue> reserve(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    const auto shape = shapeInput(node, in, 0);
    const auto n = scalarInt(node, in, 1, "num_elements");
    if (n < 0)
        fail(node, "num_elements is negative");
    TensorList l;
    l.items.resize(static_cast<std::size_t>(n));
    l.shapeKnown = shape.known;
    l.elementShape = shape.dims;
    l.elementFloat = elementFloat(node);
    return {ofList(std::move(l))};
}

std::vector<FlowValue> fromTensor(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    const Tensor& x = tensorInput(node, in, 0);
    if (x.shape.empty())
        fail(node, "the tensor must have at least one dimension");
    const ElementShape itemShape{true, {x.shape.begin() + 1, x.shape.end()}};
    const auto shape = merge(node, shapeInput(node, in, 1), itemShape);
    TensorList l;
    l.shapeKnown = shape.known;
    l.elementShape = shape.dims;
    l.elementFloat = elementFloat(node);
    if (x.isFloat() != l.elementFloat)
        fail(node, "the tensor's dtype does not match element_dtype");
    const auto rows = static_cast<std::size_t>(x.shape[0]);
    const std::size_t step = rows ? x.size() / rows : 0;
    for (std::size_t r = 0; r < rows; ++r) {
        Tensor item;
        item.dtype = x.dtype;
        item.shape = itemShape.dims;
        if (x.isFloat())
            item.f.assign(x.f.begin() + static_cast<std::ptrdiff_t>(r * step), x.f.begin() + static_cast<std::ptrdiff_t>((r + 1) * step));
        else
            item.i.assign(x.i.begin() + static_cast<std::ptrdiff_t>(r * step), x.i.begin() + static_cast<std::ptrdiff_t>((r + 1) * step));
        l.items.push_back(std::make_shared<const Tensor>(std::move(item)));
    }
    return {ofList(std::move(l))};
}

std::vector<FlowValue> setItem(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    TensorList l = listInput(node, in, 0); // shares the items; only the written one changes
    const auto index = scalarInt(node, in, 1, "index");
    if (boolAttr(node, "resize_if_index_out_of_bounds", false) && index >= 0 && static_cast<std::size_t>(index) >= l.items.size())
        l.items.resize(static_cast<std::size_t>(index) + 1);
    const auto k = indexIn(node, l, index);
    if (in.size() < 3 || !in[2]->tensor)
        fail(node, "input 2 (the item) must be a tensor");
    checkItem(node, l, *in[2]->tensor);
    l.items[k] = in[2]->tensor;
    return {ofList(std::move(l))};
}

std::vector<FlowValue> getItem(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    const TensorList& l = listInput(node, in, 0);
    const auto k = indexIn(node, l, scalarInt(node, in, 1, "index"));
    const auto shape = merge(node, listShape(l), shapeInput(node, in, 2));
    if (l.items[k]) {
        FlowValue v;
        v.tensor = l.items[k];
        return {v};
    }
    return {ofTensor(zeros(node, shape, l.elementFloat, k))};
}

std::vector<FlowValue> stack(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    const TensorList& l = listInput(node, in, 0);
    const auto expected = intAttr(node, "num_elements", -1);
    if (expected != -1 && static_cast<std::size_t>(expected) != l.items.size())
        fail(node, "num_elements is " + std::to_string(expected) + " but the list has " + std::to_string(l.items.size())
                + " items");
    if (elementFloat(node) != l.elementFloat)
        fail(node, "element_dtype does not match the list's");
    std::vector<std::size_t> all(l.items.size());
    for (std::size_t k = 0; k < all.size(); ++k)
        all[k] = k;
    return {ofTensor(stackItems(node, l, shapeInput(node, in, 1), all))};
}

std::vector<FlowValue> length(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    const TensorList& l = listInput(node, in, 0);
    return {ofTensor(Tensor::ints({}, {static_cast<std::int32_t>(l.items.size())}))};
}

std::vector<FlowValue> gather(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    const TensorList& l = listInput(node, in, 0);
    const Tensor& indices = tensorInput(node, in, 1);
    if (indices.isFloat() || indices.shape.size() != 1)
        fail(node, "indices must be an int32 list, got " + indices.shapeText());
    std::vector<std::size_t> which;
    for (const auto i : indices.i)
        which.push_back(indexIn(node, l, i));
    return {ofTensor(stackItems(node, l, shapeInput(node, in, 2), which))};
}

// Items joined along their first axis; output 1 holds each item's length along it.
std::vector<FlowValue> concat(const core::Node& node, const std::vector<const FlowValue*>& in)
{
    const TensorList& l = listInput(node, in, 0);
    const auto requested = merge(node, listShape(l), shapeInput(node, in, 1));
    Tensor y;
    y.dtype = l.elementFloat ? core::DType::Float32 : core::DType::Int32;
    std::vector<std::int32_t> lengths;
    std::vector<std::int64_t> inner;
    bool first = true;
    for (std::size_t k = 0; k < l.items.size(); ++k) {
        if (!l.items[k])
            fail(node, "item " + std::to_string(k) + " was never written");
        const Tensor& item = *l.items[k];
        if (item.shape.empty())
            fail(node, "item " + std::to_string(k) + " is a scalar; concatenation needs at least one dimension");
        const std::vector<std::int64_t> rest(item.shape.begin() + 1, item.shape.end());
        if (!first && rest != inner)
            fail(node, "item " + std::to_string(k) + " " + item.shapeText() + " does not match the others' trailing dimensions");
        inner = rest;
        first = false;
        lengths.push_back(static_cast<std::int32_t>(item.shape[0]));
        y.f.insert(y.f.end(), item.f.begin(), item.f.end());
        y.i.insert(y.i.end(), item.i.begin(), item.i.end());
    }
    if (first) {
        if (!requested.fullyKnown() || requested.dims.empty())
            fail(node, "the list is empty and the element shape " + requested.text() + " is not fully known");
        inner.assign(requested.dims.begin() + 1, requested.dims.end());
    }
    std::int64_t total = 0;
    for (const auto n : lengths)
        total += n;
    y.shape.push_back(total);
    for (const auto d : inner)
        y.shape.push_back(d);
    const auto count = static_cast<std::int64_t>(lengths.size());
    return {ofTensor(std::move(y)), ofTensor(Tensor::ints({count}, std::move(lengths)))};
}

} // namespace

const std::map<std::string, ListKernel>& listKernels()
{
    static const std::map<std::string, ListKernel> kTable{
        {"TensorListConcatV2", concat},
        {"TensorListFromTensor", fromTensor},
        {"TensorListGather", gather},
        {"TensorListGetItem", getItem},
        {"TensorListLength", length},
        {"TensorListReserve", reserve},
        {"TensorListSetItem", setItem},
        {"TensorListStack", stack},
    };
    return kTable;
}

} // namespace studio::rt::ref
