// Tensor shapes with unknown dimensions (-1) and unknown rank.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio::core {

struct Shape {
    std::vector<std::int64_t> dims; // -1 = unknown dimension
    bool unknownRank = false;

    bool operator==(const Shape&) const = default;

    // Number of elements, or nullopt when a dimension or the rank is unknown.
    std::optional<std::int64_t> elementCount() const
    {
        if (unknownRank)
            return std::nullopt;
        std::int64_t n = 1;
        for (auto d : dims) {
            if (d < 0)
                return std::nullopt;
            n *= d;
        }
        return n;
    }

    // "[?,224,224,3]", "<unknown rank>", "[]" for scalars.
    std::string toString() const
    {
        if (unknownRank)
            return "<unknown rank>";
        std::string s = "[";
        for (std::size_t i = 0; i < dims.size(); ++i) {
            if (i)
                s += ",";
            s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
        }
        return s + "]";
    }
};

} // namespace studio::core
