// The op table, generated at build time from core/ops/tfjs-ops.tsv.
#include "core/ops/op_table.h"

#include <algorithm>

namespace studio::core {

namespace {
#include "core/ops/tfjs_ops.inc" // kTfjsOps[]: {category, name}
}

const std::vector<TfjsOp>& tfjsOps()
{
    static const std::vector<TfjsOp> kOps(std::begin(kTfjsOps), std::end(kTfjsOps));
    return kOps;
}

std::optional<std::string_view> tfjsOpCategory(std::string_view op)
{
    for (const auto& o : tfjsOps())
        if (o.name == op)
            return o.category;
    return std::nullopt;
}

bool tfjsSupportsOp(std::string_view op, bool stripDebugOps)
{
    if (stripDebugOps && (op == "Assert" || op == "CheckNumerics" || op == "Print"))
        return true;
    return tfjsOpCategory(op).has_value();
}

} // namespace studio::core
