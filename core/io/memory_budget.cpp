// The default memory budget and the --max-memory size syntax.
#include "core/io/memory_budget.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>

namespace studio::core {

std::uint64_t defaultMemoryBudget()
{
    constexpr std::uint64_t kFloor = std::uint64_t{1} << 30;
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pageSize <= 0)
        return 4 * kFloor;
    const std::uint64_t physical = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize);
    return std::max(kFloor, physical / 2);
}

std::optional<std::uint64_t> parseByteSize(std::string_view text)
{
    std::size_t i = 0;
    double value = 0;
    bool digits = false, dot = false;
    double scale = 1;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digits = true;
            if (dot) {
                scale /= 10;
                value += (c - '0') * scale;
            } else {
                value = value * 10 + (c - '0');
            }
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!digits)
        return std::nullopt;
    std::string unit;
    for (; i < text.size(); ++i)
        unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    if (unit.size() > 1 && (unit.ends_with("ib")))
        unit.resize(unit.size() - 2);
    else if (unit.size() > 1 && unit.back() == 'b')
        unit.pop_back();
    double multiplier = 1;
    if (unit.empty() || unit == "b")
        multiplier = 1;
    else if (unit == "k")
        multiplier = 1024.0;
    else if (unit == "m")
        multiplier = 1024.0 * 1024;
    else if (unit == "g")
        multiplier = 1024.0 * 1024 * 1024;
    else if (unit == "t")
        multiplier = 1024.0 * 1024 * 1024 * 1024;
    else
        return std::nullopt;
    const double bytes = std::floor(value * multiplier);
    if (!(bytes >= 1) || bytes >= 18446744073709551615.0)
        return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
}

std::string byteSizeText(std::uint64_t bytes)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
    return buf;
}

} // namespace studio::core
