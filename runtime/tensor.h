// A dense host tensor for executors: float32 or int32 values (bool as int32 0/1), row-major.
#pragma once

#include "core/ir/dtype.h"

#include <cstdint>
#include <string>
#include <vector>

namespace studio::rt {

struct Tensor {
    core::DType dtype = core::DType::Float32; // Float32, or Int32 (also used for bool)
    std::vector<std::int64_t> shape;
    std::vector<float> f;        // Float32 data
    std::vector<std::int32_t> i; // Int32 / Bool data

    std::size_t size() const
    {
        std::size_t n = 1;
        for (auto d : shape)
            n *= static_cast<std::size_t>(d);
        return n;
    }
    bool isFloat() const { return dtype == core::DType::Float32; }
    std::string shapeText() const
    {
        std::string s = "[";
        for (std::size_t k = 0; k < shape.size(); ++k)
            s += (k ? "," : "") + std::to_string(shape[k]);
        return s + "]";
    }

    static Tensor floats(std::vector<std::int64_t> shape, std::vector<float> values = {})
    {
        Tensor t;
        t.shape = std::move(shape);
        t.f = values.empty() ? std::vector<float>(t.size(), 0.0f) : std::move(values);
        return t;
    }
    static Tensor ints(std::vector<std::int64_t> shape, std::vector<std::int32_t> values)
    {
        Tensor t;
        t.dtype = core::DType::Int32;
        t.shape = std::move(shape);
        t.i = std::move(values);
        return t;
    }
};

} // namespace studio::rt
