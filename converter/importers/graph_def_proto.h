// The GraphDef import steps that other protobuf-based importers (SavedModel, TF Hub) share: Const
// values to weights, and a GraphDef proto to the IR graph. Private to the converter (protobuf).
#pragma once

#include "core/ir/graph.h"
#include "core/ir/weights.h"
#include "proto/graph.pb.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace studio::conv {

// What the Consts of one file may decode to in all. A typed value list widens at most 4x (a
// 1-byte varint in int_val becomes an int32), so a real file decodes to at most four times its
// size plus splat fills; kMaxDecodedTensorBytes is the allowance for those fills.
// The memory budget (--max-memory) caps that further.
struct DecodeBudget {
    std::uint64_t left = 0;
    bool memoryBudget = false; // the memory budget is the tighter limit
};

DecodeBudget decodeBudgetFor(const std::filesystem::path& path, std::uint64_t maxMemoryBytes);

// A Const's TensorProto as TF.js weight bytes, narrowed as the converter narrows; `label` names
// the file in errors.
core::Weight constToWeight(const tensorflow::TensorProto& t, const std::string& name, const std::string& label,
    DecodeBudget& budget);

// Clears the value fields of a TensorProto, keeping dtype and shape (what model.json holds).
void clearValues(tensorflow::TensorProto* t);

// The GraphDef through protobuf's JSON mapping into the IR (what model.json embeds).
core::Graph toGraph(const tensorflow::GraphDef& graph, const std::string& label);

} // namespace studio::conv
