// Python-compatible JSON serialisation (json.dumps defaults).
#include "core/tfjs/json_writer.h"

#include "core/error.h"
#include "core/tfjs/json_limits.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace studio::core {

namespace {

void appendString(std::string& out, const std::string& s)
{
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        auto hex = [&out](unsigned v) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\u%04x", v);
            out += buf;
        };
        if (c < 0x80) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20)
                    hex(c);
                else
                    out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // Decode one UTF-8 sequence; ensure_ascii writes it as \uXXXX (surrogate pairs above the BMP).
        unsigned cp = 0;
        int extra = 0;
        if ((c & 0xe0) == 0xc0) { cp = c & 0x1f; extra = 1; }
        else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; extra = 2; }
        else if ((c & 0xf8) == 0xf0) { cp = c & 0x07; extra = 3; }
        else { hex(0xfffd); ++i; continue; }
        if (i + static_cast<std::size_t>(extra) >= s.size()) {
            hex(0xfffd);
            break;
        }
        for (int k = 1; k <= extra; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3f);
        i += static_cast<std::size_t>(extra) + 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            hex(0xd800 + (cp >> 10));
            hex(0xdc00 + (cp & 0x3ff));
        } else {
            hex(cp);
        }
    }
    out += '"';
}

// `depth` is the nesting of v's container (1 = outermost). Values built in memory never came
// through parseJsonLimited, so the limit is checked here too, before recursing deeper.
void write(std::string& out, const nlohmann::ordered_json& v, int depth)
{
    using T = nlohmann::ordered_json::value_t;
    if ((v.is_array() || v.is_object()) && depth > kMaxJsonDepth)
        throw Error("cannot write JSON nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    switch (v.type()) {
    case T::null: out += "null"; break;
    case T::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case T::number_integer: out += std::to_string(v.get<std::int64_t>()); break;
    case T::number_unsigned: out += std::to_string(v.get<std::uint64_t>()); break;
    case T::number_float: out += pythonFloatRepr(v.get<double>()); break;
    case T::string: appendString(out, v.get_ref<const std::string&>()); break;
    case T::array: {
        out += '[';
        bool first = true;
        for (const auto& e : v) {
            if (!first)
                out += ", ";
            first = false;
            write(out, e, depth + 1);
        }
        out += ']';
        break;
    }
    case T::object: {
        out += '{';
        bool first = true;
        for (const auto& [key, e] : v.items()) {
            if (!first)
                out += ", ";
            first = false;
            appendString(out, key);
            out += ": ";
            write(out, e, depth + 1);
        }
        out += '}';
        break;
    }
    default: out += "null"; break; // binary / discarded never occur in model.json
    }
}

} // namespace

std::string pythonFloatRepr(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "Infinity" : "-Infinity";
    // Shortest round-trip digits, then Python's layout: scientific when the decimal
    // exponent is < -4 or >= 16, otherwise positional with at least one fractional digit.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const auto ePos = sci.find('e');
    std::string mantissa = sci.substr(0, ePos);
    const int exponent = std::stoi(sci.substr(ePos + 1));
    const bool negative = mantissa[0] == '-';
    if (negative)
        mantissa.erase(0, 1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.')
            digits += c;
    std::string out = negative ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
        out += digits.substr(0, 1);
        if (digits.size() > 1)
            out += "." + digits.substr(1);
        char e[16];
        std::snprintf(e, sizeof e, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
        out += e;
        return out;
    }
    if (exponent < 0) {
        out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
        const auto intDigits = static_cast<std::size_t>(exponent) + 1;
        if (digits.size() <= intDigits)
            out += digits + std::string(intDigits - digits.size(), '0') + ".0";
        else
            out += digits.substr(0, intDigits) + "." + digits.substr(intDigits);
    }
    return out;
}

std::string dumpPythonJson(const nlohmann::ordered_json& value)
{
    std::string out;
    write(out, value, 1);
    return out;
}

} // namespace studio::core
