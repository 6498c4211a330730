// What the HDF5 reader child extracts from a Keras .h5 file, and how it crosses the process
// boundary. The child (tfjs-studio-h5-reader) is the only code that touches libhdf5; the parent
// parses this stream itself, with limits, and builds the model from it. No HDF5 types here.
#pragma once

#include "core/io/byte_source.h"
#include "core/ir/model.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace studio::conv {

// The element type of a dataset as stored in the file.
enum class H5ElementKind { Float, SignedInt, UnsignedInt, Bool /* h5py's 1-byte enum */, Other };

struct H5Weight {
    std::string layer;      // the group holding weight_names: the layer (or nested model) name
    std::string listedName; // as in weight_names: "dense/kernel:0"
    std::string fullPath;   // "/model_weights/dense/dense/kernel:0", for messages
    std::vector<std::int64_t> dims;
    H5ElementKind kind = H5ElementKind::Other;
    std::uint32_t typeSize = 0; // bytes per element in the file
    std::uint64_t byteSize = 0; // dims product * typeSize, checked
    // Set by the reader when the elements lie in the .h5 file itself, contiguous and in
    // little-endian order (hdf5_file.h): their bytes are not in the stream, and the parent reads
    // them from the file at this offset.
    std::optional<std::uint64_t> fileOffset;
    // Parent side, after decoding: the elements in native byte order at [offset, offset +
    // byteSize) of the stream the parent read from the child, or of the .h5 file itself (float32
    // weights keep pointing there: no copy).
    std::shared_ptr<const core::ByteSource> source;
    std::uint64_t offset = 0;
};

struct KerasH5Contents {
    std::optional<std::string> kerasVersion;
    std::optional<std::string> backend;
    std::optional<std::string> modelConfig;    // JSON text, parsed by the parent with limits
    std::optional<std::string> trainingConfig; // JSON text
    bool weightsOnly = false;                  // layer_names at the root: model.save_weights()
    std::vector<H5Weight> weights;             // in the order TF.js's converter lists them
    std::uint64_t fileBytes = 0;               // the .h5 file's size as the reader saw it
    // Writing only (parent -> tfjs-studio-h5-writer): model_weights' layer_names, every layer
    // in model.layers order, with or without weights. Absent from the reader's stream.
    std::vector<std::string> layerNames;
    // Parent only (not in the stream): the weights already carry their TF.js names (a .keras
    // archive's, named from its config); a Keras 3 .h5's are renamed by buildKerasModel.
    bool keras3Named = false;
};

// The stream: "TFJSSTUDIO-H5\n", a little-endian uint64 header size, the JSON header (every
// field above but the bytes), then each weight's bytes in header order.
inline constexpr char kH5StreamMagic[] = "TFJSSTUDIO-H5\n";

// Child side: the header for contents whose bytes follow (weights' buffers are not read).
std::string encodeH5Header(const KerasH5Contents& contents);

// Parses a whole stream; every size is checked against the bytes that back it. `label` names
// the .h5 file in errors. The parent reads the reader's stream with it, the writer child the
// parent's. `file` is the .h5 the reader read: weights it left in the file are read from there
// (opened now; a file that changed size since is an error). Without it such weights are refused.
KerasH5Contents decodeH5Stream(std::vector<std::uint8_t> stream, const std::string& label,
    const std::filesystem::path* file = nullptr);

// The stream's first bytes: magic and header size, for a header made by encodeH5Header (the
// weights' bytes follow it in header order).
std::string h5StreamPrefix(const std::string& header);

// Parent side: the layers model (topology parsed with depth limits, weights converted to what
// TF.js loads, kernel shapes checked against the layer configs). A Keras 3 config (a .keras
// archive's, or an .h5 that Keras 3 wrote, told by its content) is translated to the Keras 2
// layout TF.js reads (keras3.h).
core::Model buildKerasModel(const KerasH5Contents& contents, const std::filesystem::path& path);

} // namespace studio::conv
