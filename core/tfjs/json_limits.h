// Reading JSON from untrusted model files: a nesting limit enforced while parsing, and a
// skipped UTF-8 byte order mark.
#pragma once

#include "core/error.h"

#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace studio::core {

// The deepest nesting of arrays and objects we read or write. Real model files stay below 20
// levels. Every walk over a JSON value (ours, and nlohmann's copy, compare and dump) recurses once
// per level, so a file nested 100,000 deep would exhaust the stack instead of being refused.
inline constexpr int kMaxJsonDepth = 512;

// The text without a leading UTF-8 byte order mark (Windows editors write one).
std::string_view skipUtf8Bom(std::string_view text);

// Parses JSON read from a model file. A leading byte order mark is skipped. Throws studio::Error
// at `where` for invalid JSON (with line and column) and for nesting deeper than kMaxJsonDepth;
// the nesting is refused as the parser reaches it, so nothing deeper is ever built.
nlohmann::ordered_json parseJsonLimited(std::string_view text, const Location& where);
nlohmann::ordered_json parseJsonLimited(std::string_view text, const std::string& file);
nlohmann::ordered_json parseJsonLimited(std::istream& in, const std::string& file);

// For recursive walks over JSON: throws studio::Error at `where` when `depth` (1 = the outermost
// array or object) is past kMaxJsonDepth.
void checkJsonDepth(int depth, const std::string& where);

// The same for a whole value, without recursing: for JSON that may not have come through
// parseJsonLimited, before a recursive walk or copy of it.
void checkJsonValueDepth(const nlohmann::ordered_json& value, const std::string& where);

} // namespace studio::core
