// Parsing untrusted JSON with a nesting limit and readable error positions.
#include "core/tfjs/json_limits.h"

#include <algorithm>
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

Json parseJsonLimited(std::string_view text, const Location& where)
{
    text = skipUtf8Bom(text);
    // nlohmann's parser keeps its own stack on the heap; the callback stops it at the limit, before
    // the value under construction (and every recursive walk after it) gets any deeper.
    const Json::parser_callback_t limit = [&where](int depth, Json::parse_event_t event, Json&) {
        // `depth` counts the containers around the one starting here: 0 for the outermost.
        if ((event == Json::parse_event_t::array_start || event == Json::parse_event_t::object_start)
            && depth >= kMaxJsonDepth)
            fail(where, depthProblem());
        return true;
    };
    try {
        return Json::parse(text.data(), text.data() + text.size(), limit);
    } catch (const nlohmann::json::parse_error& e) {
        std::string why = e.what();
        const auto pos = why.find("syntax error");
        fail(where, "invalid JSON at " + linePosition(text, e.byte ? e.byte - 1 : 0) + ": "
                + (pos == std::string::npos ? why : why.substr(pos)));
    } catch (const nlohmann::json::exception& e) {
        // A number out of range and the like.
        fail(where, std::string("invalid JSON: ") + e.what());
    }
}

Json parseJsonLimited(std::string_view text, const std::string& file)
{
    Location where;
    where.file = file;
    return parseJsonLimited(text, where);
}

Json parseJsonLimited(std::istream& in, const std::string& file)
{
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    return parseJsonLimited(std::string_view(text), file);
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
