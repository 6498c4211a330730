// Small helpers of the IR that need a definition.
#include "core/ir/model.h"

#include "core/error.h"

namespace studio::core {

std::string_view modelKindName(ModelKind kind)
{
    switch (kind) {
    case ModelKind::LayersModel: return "layers-model";
    case ModelKind::GraphModel: return "graph-model";
    case ModelKind::WeightsOnly: return "weights-only";
    }
    return "?";
}

std::vector<std::uint8_t> Weight::storedBytes() const
{
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(byteLength));
    if (byteLength) {
        if (!source)
            fail("weight '" + name + "'", "has no data");
        source->read(offset, bytes.size(), bytes.data());
    }
    return bytes;
}

} // namespace studio::core
