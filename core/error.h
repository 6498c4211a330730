// The one error type of the project: a message that already says where (file, weight, node, field).
#pragma once

#include <stdexcept>
#include <string>

namespace studio {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Prefixes an error with a location ("model.json: ...") while keeping the type.
[[noreturn]] inline void fail(const std::string& where, const std::string& what)
{
    throw Error(where.empty() ? what : where + ": " + what);
}

} // namespace studio
