// libFuzzer target: the HDF5 reader child's reply as the parent parses it (keras_h5_contents.h).
// The child reads a stranger's file with a library that can be made to misbehave, so its reply
// is untrusted too: header, sizes, the Keras config inside, the weights.
#include "converter/importers/keras_h5_contents.h"
#include "converter/inspect.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace studio;
    fuzz::expectErrorsOnly([&] {
        const auto contents = conv::decodeH5Stream(std::vector<std::uint8_t>(data, data + size), "model.h5");
        (void)conv::toText(conv::inspect(conv::buildKerasModel(contents, "model.h5")));
    });
    return 0;
}
