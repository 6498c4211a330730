// What the libhdf5 helper programs (tfjs-studio-h5-reader, tfjs-studio-h5-writer) share on the
// child side of the trust boundary: their resource limits and how they report an error to the
// parent (one JSON object on stderr, read by child_process.cpp).
#pragma once

#include "core/error.h"

#include <sys/resource.h>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace studio::conv::child {

inline constexpr int kExitError = 1; // a clear error is on stderr
inline constexpr int kExitUsage = 2;

inline void limit(int resource, rlim_t value, rlim_t hardExtra = 0)
{
    rlimit r{value, value + hardExtra};
    setrlimit(resource, &r);
}

inline void reportError(const std::string& message, const Location& where)
{
    nlohmann::json j = {{"error", message}, {"file", where.file}, {"node", where.node}, {"weight", where.weight},
        {"layer", where.layer}, {"field", where.field}};
    const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

} // namespace studio::conv::child
