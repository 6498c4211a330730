// Parsing untrusted JSON with a nesting limit and readable error positions.
#include "core/tfjs/json_limits.h"

#include <algorithm>
#include <functional>
#include <istream>
#include <sstream>
#include <utility>
#include <vector>

namespace studio::core {

using Json = nlohmann::ordered_json;

namespace {

std::string depthProblem()
{
    return "JSON nests arrays and objects more than " + std::to_string(kMaxJsonDepth)
        + " levels deep; refusing to read it (damaged or hostile file?)";
}

// A byte offset as the line:column an editor shows.
std::string linePosition(std::string_view text, std::size_t byte)
{
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < std::min(byte, text.size()); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

} // namespace

std::string_view skipUtf8Bom(std::string_view text)
{
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    return text.substr(0, kBom.size()) == kBom ? text.substr(kBom.size()) : text;
}

namespace {

// Builds the value from nlohmann's SAX events, with the nesting limit checked as each container
// opens. Strings are moved out of the lexer's buffer instead of copied (its DOM parser copies
// them, which had made a 100 MB string peak at five times its size).
class LimitedBuilder {
public:
    // `where(byte)` says where a byte offset is, for messages ("line 3, column 7").
    LimitedBuilder(Json& root, const Location& where, std::function<std::string(std::size_t)> position)
        : m_root(root), m_where(where), m_position(std::move(position)) {}

    bool null() { put(Json(nullptr)); return true; }
    bool boolean(bool v) { put(Json(v)); return true; }
    bool number_integer(Json::number_integer_t v) { put(Json(v)); return true; }
    bool number_unsigned(Json::number_unsigned_t v) { put(Json(v)); return true; }
    bool number_float(Json::number_float_t v, const Json::string_t&) { put(Json(v)); return true; }
    bool string(Json::string_t& v) { put(Json(std::move(v))); return true; }
    bool binary(Json::binary_t& v) { put(Json(Json::binary_t(std::move(v)))); return true; }
    bool key(Json::string_t& k) { m_key = std::move(k); return true; }
    bool start_object(std::size_t) { open(Json::object()); return true; }
    bool start_array(std::size_t) { open(Json::array()); return true; }
    bool end_object() { m_stack.pop_back(); return true; }
    bool end_array() { m_stack.pop_back(); return true; }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e)
    {
        std::string why = e.what();
        const auto pos = why.find("syntax error");
        fail(m_where, "invalid JSON at " + m_position(position ? position - 1 : 0) + ": "
                + (pos == std::string::npos ? why : why.substr(pos)));
    }

private:
    Json* put(Json&& v)
    {
        if (m_stack.empty()) {
            m_root = std::move(v);
            return &m_root;
        }
        Json& top = *m_stack.back();
        if (top.is_array()) {
            auto& a = top.get_ref<Json::array_t&>();
            a.push_back(std::move(v));
            return &a.back();
        }
        Json& slot = top[m_key]; // a repeated key keeps its first place and takes the last value
        slot = std::move(v);
        return &slot;
    }
    void open(Json&& container)
    {
        // The containers around this one: 0 for the outermost.
        if (m_stack.size() >= static_cast<std::size_t>(kMaxJsonDepth))
            fail(m_where, depthProblem());
        m_stack.push_back(put(std::move(container)));
    }

    Json& m_root;
    const Location& m_where;
    std::function<std::string(std::size_t)> m_position;
    std::vector<Json*> m_stack; // the open containers; only the innermost one grows
    std::string m_key;
};

} // namespace

Json parseJsonLimited(std::string_view text, const Location& where)
{
    text = skipUtf8Bom(text);
    Json result;
    LimitedBuilder builder(result, where, [text](std::size_t byte) { return linePosition(text, byte); });
    try {
        if (!Json::sax_parse(text.data(), text.data() + text.size(), &builder))
            fail(where, "invalid JSON");
    } catch (const nlohmann::json::exception& e) {
        // A number out of range and the like.
        fail(where, std::string("invalid JSON: ") + e.what());
    }
    return result;
}

Json parseJsonLimited(std::string_view text, const std::string& file)
{
    Location where;
    where.file = file;
    return parseJsonLimited(text, where);
}

Json parseJsonLimited(std::istream& in, const std::string& file)
{
    // Parsed from the stream, never held whole as text: with the strings moved out of the lexer,
    // a model.json with a 100 MB string peaks at about three times its size (it had been six).
    Location where;
    where.file = file;
    const auto start = in.tellg();
    char bom[3] = {};
    in.read(bom, 3);
    if (!(in.gcount() == 3 && bom[0] == '\xEF' && bom[1] == '\xBB' && bom[2] == '\xBF')) {
        in.clear();
        in.seekg(start);
    }
    const auto begin = in.tellg();
    // Up to 16 MiB (every real model.json) the text is read whole: parsing from memory is about
    // three times faster than through the stream, and the extra copy is small.
    if (begin >= 0 && in.seekg(0, std::ios::end)) {
        const auto end = in.tellg();
        in.seekg(begin);
        if (end >= begin && end - begin <= (std::streamoff{16} << 20)) {
            std::string text(static_cast<std::size_t>(end - begin), '\0');
            in.read(text.data(), static_cast<std::streamsize>(text.size()));
            text.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
            return parseJsonLimited(std::string_view(text), where);
        }
    }
    in.clear();
    in.seekg(begin);
    Json result;
    // Messages give a line and column; the stream is read again up to the error to count them.
    LimitedBuilder builder(result, where, [&in, begin](std::size_t byte) {
        if (begin < 0)
            return "byte " + std::to_string(byte);
        in.clear();
        in.seekg(begin);
        std::string head(byte, '\0');
        in.read(head.data(), static_cast<std::streamsize>(byte));
        head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
        return linePosition(head, byte);
    });
    try {
        if (!Json::sax_parse(in, &builder))
            fail(where, "invalid JSON");
    } catch (const nlohmann::json::exception& e) {
        fail(where, std::string("invalid JSON: ") + e.what());
    }
    return result;
}

void checkJsonDepth(int depth, const std::string& where)
{
    if (depth > kMaxJsonDepth)
        fail(where, depthProblem());
}

void checkJsonValueDepth(const Json& value, const std::string& where)
{
    std::vector<std::pair<const Json*, int>> pending{{&value, 1}};
    while (!pending.empty()) {
        const auto [v, depth] = pending.back();
        pending.pop_back();
        if (!v->is_structured())
            continue;
        checkJsonDepth(depth, where);
        for (const auto& child : *v)
            pending.emplace_back(&child, depth + 1);
    }
}

} // namespace studio::core
