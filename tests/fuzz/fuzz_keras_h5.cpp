// libFuzzer target: a Keras .h5 through the isolated importer. libhdf5 runs in the reader child
// (tfjs-studio-h5-reader, from TFJS_STUDIO_HELPERS), so its crashes are errors here by design;
// what is fuzzed is everything of ours: the child's extraction, the parent's process handling,
// its parsing of the reply, the Keras config and the weights.
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace studio;
    const auto path = fuzz::writeInput("model.h5", data, size);
    fuzz::expectErrorsOnly([&] {
        conv::ImportOptions o;
        o.format = conv::Format::Keras;
        o.maxMemoryBytes = std::uint64_t{256} << 20;
        o.readerCpuSeconds = 3; // libhdf5 spins forever on some files: a limit, not a finding
        (void)conv::toText(conv::inspect(conv::importModel(path, o)));
    });
    return 0;
}
