// Text renderings of IR values for the widgets.
#include "ui/format.h"

#include "core/ir/dtype.h"

#include <QLocale>
#include <QStringList>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace studio::ui {

namespace {

// Long lists (explicit paddings, big shapes) stay readable; the count says what was cut.
constexpr qsizetype kMaxListItems = 32;
constexpr qsizetype kMaxHexBytes = 24;

// TensorFlow attribute floats are float32; printing the float's shortest form shows
// 0.001 rather than the 0.0010000000474974513 the JSON carries.
QString floatText(double value)
{
    const auto f = static_cast<float>(value);
    if (static_cast<double>(f) != value && std::isfinite(value))
        return QString::number(value, 'g', QLocale::FloatingPointShortest);
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, f);
    return QString::fromLatin1(buf, res.ptr - buf);
}

// Strings are raw bytes in TensorFlow; only text that decodes cleanly is shown as text.
QString bytesAttrText(const std::string& s)
{
    bool printable = true;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            printable = false;
            break;
        }
    }
    if (printable) {
        const QString text = QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
        if (!text.contains(QChar::ReplacementCharacter))
            return u'"' + text + u'"';
    }
    QStringList hex;
    const auto n = std::min(static_cast<qsizetype>(s.size()), kMaxHexBytes);
    for (qsizetype i = 0; i < n; ++i)
        hex << QStringLiteral("%1").arg(static_cast<unsigned char>(s[static_cast<std::size_t>(i)]), 2, 16, QChar(u'0'));
    return QStringLiteral("<%1 bytes: %2%3>")
        .arg(s.size())
        .arg(hex.join(u' '))
        .arg(static_cast<qsizetype>(s.size()) > n ? QStringLiteral(" …") : QString());
}

QString tensorText(const core::TensorAttr& t)
{
    QString text = tfDtypeText(t.dtype);
    if (t.hasShape)
        text += u' ' + QString::fromStdString(t.shape.toString());
    if (!t.extra.empty())
        text += u' ' + jsonText(t.extra, 120);
    return text;
}

template <typename T, typename F>
QString listText(const std::vector<T>& items, F&& one)
{
    QStringList parts;
    const auto n = std::min(static_cast<qsizetype>(items.size()), kMaxListItems);
    for (qsizetype i = 0; i < n; ++i)
        parts << one(items[static_cast<std::size_t>(i)]);
    if (static_cast<qsizetype>(items.size()) > n)
        parts << QStringLiteral("… (%1 items)").arg(items.size());
    return u'[' + parts.join(QStringLiteral(", ")) + u']';
}

QString funcText(const core::FuncAttr& f)
{
    const auto n = f.attrs ? f.attrs->size() : 0;
    return n ? QStringLiteral("%1 (%2 attrs)").arg(QString::fromStdString(f.name)).arg(n)
             : QString::fromStdString(f.name);
}

// Which list field a list attribute uses; a TF AttrValue.ListValue fills one of them.
QString listKind(const core::AttrList& l)
{
    if (!l.s.empty()) return QStringLiteral("string");
    if (!l.i.empty()) return QStringLiteral("int");
    if (!l.f.empty()) return QStringLiteral("float");
    if (!l.b.empty()) return QStringLiteral("bool");
    if (!l.type.empty()) return QStringLiteral("type");
    if (!l.shape.empty()) return QStringLiteral("shape");
    if (!l.tensor.empty()) return QStringLiteral("tensor");
    if (!l.func.empty()) return QStringLiteral("func");
    return {};
}

} // namespace

QString attrText(const core::AttrValue& v)
{
    using Kind = core::AttrValue::Kind;
    switch (v.kind) {
    case Kind::Int: return QString::number(v.i);
    case Kind::Float: return floatText(v.f);
    case Kind::Bool: return v.b ? QStringLiteral("true") : QStringLiteral("false");
    case Kind::String: return bytesAttrText(v.s);
    case Kind::Type: return tfDtypeText(v.type);
    case Kind::Shape: return QString::fromStdString(v.shape.toString());
    case Kind::Tensor: return tensorText(v.tensor);
    case Kind::Func: return funcText(v.func);
    case Kind::Placeholder: return u'$' + QString::fromStdString(v.s);
    case Kind::List: break;
    }
    const auto& l = v.list;
    QStringList parts;
    if (!l.s.empty()) parts << listText(l.s, bytesAttrText);
    if (!l.i.empty()) parts << listText(l.i, [](std::int64_t x) { return QString::number(x); });
    if (!l.f.empty()) parts << listText(l.f, floatText);
    if (!l.b.empty()) parts << listText(l.b, [](bool x) { return x ? QStringLiteral("true") : QStringLiteral("false"); });
    if (!l.type.empty()) parts << listText(l.type, tfDtypeText);
    if (!l.shape.empty()) parts << listText(l.shape, [](const core::Shape& s) { return QString::fromStdString(s.toString()); });
    if (!l.tensor.empty()) parts << listText(l.tensor, tensorText);
    if (!l.func.empty()) parts << listText(l.func, funcText);
    return parts.isEmpty() ? QStringLiteral("[]") : parts.join(u' ');
}

QString attrKindName(const core::AttrValue& v)
{
    using Kind = core::AttrValue::Kind;
    switch (v.kind) {
    case Kind::Int: return QStringLiteral("int");
    case Kind::Float: return QStringLiteral("float");
    case Kind::Bool: return QStringLiteral("bool");
    case Kind::String: return QStringLiteral("string");
    case Kind::Type: return QStringLiteral("type");
    case Kind::Shape: return QStringLiteral("shape");
    case Kind::Tensor: return QStringLiteral("tensor");
    case Kind::Func: return QStringLiteral("func");
    case Kind::Placeholder: return QStringLiteral("placeholder");
    case Kind::List: break;
    }
    const QString inner = listKind(v.list);
    return inner.isEmpty() ? QStringLiteral("list") : QStringLiteral("list(%1)").arg(inner);
}

QString tfDtypeText(int tfDtype)
{
    if (const auto name = core::tfDataTypeName(tfDtype))
        return QString::fromLatin1(name->data(), static_cast<qsizetype>(name->size()));
    return QStringLiteral("DataType %1").arg(tfDtype);
}

QString dtypeText(core::DType dtype)
{
    const auto name = core::dtypeName(dtype);
    return QString::fromLatin1(name.data(), static_cast<qsizetype>(name.size()));
}

QString specDtypeText(const std::optional<int>& tfDtype)
{
    if (!tfDtype)
        return QStringLiteral("?");
    if (const auto d = core::dtypeFromTf(*tfDtype))
        return dtypeText(*d);
    return tfDtypeText(*tfDtype);
}

QString shapeText(const std::optional<core::Shape>& shape)
{
    return shape ? QString::fromStdString(shape->toString()) : QStringLiteral("?");
}

QString shapeText(const std::vector<std::int64_t>& dims)
{
    return QString::fromStdString(core::Shape{dims, false}.toString());
}

QString bytesText(std::uint64_t n)
{
    const auto d = static_cast<double>(n);
    if (n >= (1ull << 30))
        return QStringLiteral("%1 GiB").arg(d / (1ull << 30), 0, 'f', 2);
    if (n >= (1ull << 20))
        return QStringLiteral("%1 MiB").arg(d / (1ull << 20), 0, 'f', 2);
    if (n >= 1024)
        return QStringLiteral("%1 KiB").arg(d / 1024, 0, 'f', 1);
    return QStringLiteral("%1 B").arg(n);
}

QString bytesExactText(std::uint64_t n)
{
    // The C locale keeps the output the same on every machine (and in tests).
    QLocale c(QLocale::C);
    c.setNumberOptions({});
    return c.toString(static_cast<qulonglong>(n)) + QStringLiteral(" bytes");
}

QString jsonText(const nlohmann::ordered_json& value, int maxChars)
{
    QString text = QString::fromStdString(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (value.is_array()) // "[1,1]" reads better as "[1, 1]"; only safe to respace scalar arrays
        if (std::all_of(value.begin(), value.end(), [](const auto& x) { return x.is_number() || x.is_boolean() || x.is_null(); }))
            text.replace(u',', QStringLiteral(", "));
    if (text.size() > maxChars)
        text = text.left(maxChars) + QStringLiteral(" …");
    return text;
}

} // namespace studio::ui
