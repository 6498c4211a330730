// Weights: name, logical dtype, shape, and where their stored (possibly quantized) bytes are.
#pragma once

#include "core/io/byte_source.h"
#include "core/ir/dtype.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {

// How stored bytes encode the logical values (FORMATS.md section 2).
struct Quantization {
    DType dtype = DType::UInt8; // storage dtype: UInt8, UInt16 or Float16
    std::optional<double> min;  // affine only
    std::optional<double> scale;
    std::optional<std::string> originalDtype; // the converter writes "float32"
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
    std::vector<std::string> keyOrder; // as read, so a kept entry is written back the same way
};

struct Weight {
    std::string name;
    DType dtype = DType::Float32; // logical dtype after dequantization
    std::vector<std::int64_t> shape;
    std::optional<Quantization> quantization;
    std::optional<std::string> group; // TF.js-saved layers models: "model" / "optimizer"
    std::string layer; // Keras layer the weight belongs to (for --split_weights_by_layer); not written
    nlohmann::ordered_json extra = nlohmann::ordered_json::object(); // unmodelled manifest keys

    // Stored bytes: [offset, offset + byteLength) of source.
    std::shared_ptr<const ByteSource> source;
    std::uint64_t offset = 0;
    std::uint64_t byteLength = 0;

    std::int64_t elementCount() const
    {
        std::int64_t n = 1;
        for (auto d : shape)
            n *= d;
        return n;
    }
    std::vector<std::uint8_t> storedBytes() const;
};

struct WeightGroup {
    std::vector<Weight> weights;
    std::vector<std::string> paths; // shard file names as read (empty for new models)
};

// Decoding stored bytes into values is the format's job: core/tfjs/decode.h.

} // namespace studio::core
