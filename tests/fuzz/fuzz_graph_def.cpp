// libFuzzer target: a frozen GraphDef (.pb) through our protobuf import, then inspect, the op
// check and static shape inference.
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "converter/op_check.h"
#include "core/ops/shape_inference.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace studio;
    const auto path = fuzz::writeInput("frozen.pb", data, size);
    fuzz::expectErrorsOnly([&] {
        conv::ImportOptions o;
        o.format = conv::Format::TfFrozenModel;
        o.maxMemoryBytes = std::uint64_t{256} << 20;
        const auto model = conv::importModel(path, o);
        (void)conv::toText(conv::inspect(model));
        (void)conv::checkOps(model);
        (void)core::inferShapes(model);
    });
    return 0;
}
