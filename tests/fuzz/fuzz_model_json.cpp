// libFuzzer target: a TF.js model.json (graph or layers model) through the importer, then what
// the studio does with a model it opened: inspect, the op check and static shape inference.
// The folder also holds weights.bin of a real model, so manifests that match it read weights.
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "converter/op_check.h"
#include "core/ops/shape_inference.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    const auto& dir = studio::fuzz::scratchDir();
    const char* models = std::getenv("TFJS_STUDIO_MODELS");
    if (models) {
        std::error_code ec;
        std::filesystem::copy_file(std::filesystem::path(models) / "golden-tfjs-e2e-load-predict/graph_model/weights.bin",
            dir / "weights.bin", std::filesystem::copy_options::overwrite_existing, ec);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace studio;
    const auto path = fuzz::writeInput("model.json", data, size);
    fuzz::expectErrorsOnly([&] {
        conv::ImportOptions o;
        o.maxMemoryBytes = std::uint64_t{256} << 20;
        const auto model = conv::importModel(path, o);
        (void)conv::toText(conv::inspect(model));
        if (model.kind == core::ModelKind::GraphModel) {
            (void)conv::checkOps(model);
            (void)core::inferShapes(model);
        }
    });
    return 0;
}
