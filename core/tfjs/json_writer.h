// Writes JSON the way Python's json.dump does with default arguments, so that our
// model.json is byte-for-byte what tensorflowjs_converter writes: ", " and ": "
// separators, non-ASCII escaped as \uXXXX, floats in Python repr (shortest round trip).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace studio::core {

// Throws studio::Error for a value nested deeper than kMaxJsonDepth (core/tfjs/json_limits.h).
std::string dumpPythonJson(const nlohmann::ordered_json& value);

// Python repr of a double: "0.1", "1e-05", "1.0", "NaN", "Infinity".
std::string pythonFloatRepr(double value);

} // namespace studio::core
