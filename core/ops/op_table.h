// Which TensorFlow ops TensorFlow.js can run (tfjs-converter 4.22 op lists, core/ops/tfjs-ops.tsv).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace studio::core {

struct TfjsOp {
    std::string_view category; // op list file: "convolution", "graph", ...
    std::string_view name;     // TensorFlow op name
};

const std::vector<TfjsOp>& tfjsOps();
std::optional<std::string_view> tfjsOpCategory(std::string_view op);

// Whether the converter's op check accepts an op. With strip_debug_ops (the CLI default)
// Assert, CheckNumerics and Print are accepted too: they are removed before conversion.
bool tfjsSupportsOp(std::string_view op, bool stripDebugOps = true);

} // namespace studio::core
