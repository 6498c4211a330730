// Text renderings of IR values (attributes, dtypes, shapes, sizes, JSON) for the widgets.
#pragma once

#include "core/ir/attr.h"
#include "core/ir/dtype.h"
#include "core/ir/shape.h"

#include <QString>

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace studio::ui {

// One line for any attribute kind: "[1, 2, 2, 1]", "\"SAME\"", "DT_FLOAT", "[?,224,224,3]".
QString attrText(const core::AttrValue& value);

// The attribute's kind as TensorFlow's op registry spells it: "int", "list(int)", "type".
QString attrKindName(const core::AttrValue& value);

// "DT_FLOAT"; numbers TensorFlow does not know stay visible as "DataType 1234".
QString tfDtypeText(int tfDtype);

// "float32", as the TF.js manifest names it.
QString dtypeText(core::DType dtype);

// A tensor spec's dtype the way TF.js names it ("float32"), "?" when unknown.
QString specDtypeText(const std::optional<int>& tfDtype);

QString shapeText(const std::optional<core::Shape>& shape);
QString shapeText(const std::vector<std::int64_t>& dims);

// "392.6 KiB"; exact byte counts stay available through bytesExactText.
QString bytesText(std::uint64_t bytes);
QString bytesExactText(std::uint64_t bytes); // "402,048 bytes"

// JSON scalars and short scalar arrays on one line; anything else compact, elided past maxChars.
QString jsonText(const nlohmann::ordered_json& value, int maxChars = 200);

} // namespace studio::ui
