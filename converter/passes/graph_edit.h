// Small graph-editing helpers the optimization passes share: name lookups, consumer lists,
// rewiring readers to another tensor, removing nodes together with their Const weights, and
// reading / writing Const values, which live in the model's weights (the importers move them
// out of the node attributes).
#pragma once

#include "core/ir/model.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace studio::conv::edit {

// Top-level node names -> index. Rebuild after adding or removing nodes.
std::unordered_map<std::string, std::size_t> indexByName(const core::Graph& graph);

// For each node name, the indexes of the nodes that read it: data readers and control readers.
struct Readers {
    std::unordered_map<std::string, std::vector<std::size_t>> data;
    std::unordered_map<std::string, std::vector<std::size_t>> control;
    std::size_t dataCount(const std::string& name) const;
    std::size_t controlCount(const std::string& name) const;
};
Readers readersOf(const core::Graph& graph);

// "x" and "x:0" are the same tensor; "^x" is not a tensor.
std::string canonicalTensor(const std::string& input);

// Node names the model must keep: its outputs (signature outputs / fetch nodes).
std::set<std::string> fetchNodes(const core::Model& model);

// Every data input that reads `from` (as "from" or "from:0" when `from` has no slot) now reads
// `to`; control inputs "^fromNode" become "^toNode" unless the reader already has it.
// Returns the number of inputs changed.
std::size_t redirect(core::Graph& graph, const std::string& from, const std::string& to);

// Removes node `name`: its readers read `input` instead and inherit its control inputs (so the
// order it enforced still holds).
void bypass(core::Model& model, const std::string& name, const std::string& input);

// Removes the named top-level nodes and the weights of removed Const nodes; inputs that named
// a removed node are dropped from the remaining nodes when they are control inputs (data
// inputs must have been rewired first).
void removeNodes(core::Model& model, const std::set<std::string>& names);

// Control inputs last and each once, as GraphDef requires.
void tidyInputs(core::Node& node);

// Data inputs only (control inputs dropped).
std::vector<std::string> dataInputs(const core::Node& node);

// Const values, through the model's weights.
core::Weight* findWeight(core::Model& model, const std::string& name);
const core::Weight* findWeight(const core::Model& model, const std::string& name);
bool isConst(const core::Model& model, const core::Node* node);
// Float values of a Const (float32 / int32 weights); empty when the node is not a Const with
// a weight of that kind.
std::optional<std::vector<float>> floatValues(const core::Model& model, const std::string& constName);

// A Const node of the given TensorFlow dtype and shape (its value lives in the weight).
core::Node makeConstNode(const std::string& name, int tfDtype, const std::vector<std::int64_t>& shape);
core::Weight makeWeight(const std::string& name, core::DType dtype, const std::vector<std::int64_t>& shape,
    std::vector<std::uint8_t> bytes);
core::Weight makeFloatWeight(const std::string& name, const std::vector<std::int64_t>& shape, const std::vector<float>& values);
// Puts `weight` into the model's first weight group, replacing one of the same name.
void putWeight(core::Model& model, core::Weight weight);

// The weights re-ordered as the reference writes them: one entry per top-level Const, in node
// order, then the Consts of each library function (named "<function>/<node>", see
// nameFunctionConsts), then those of modelInitializer, in a single group; weights no Const names
// are dropped.
void weightsInConstOrder(core::Model& model);

// Renames every Const inside a library function to "<function>/<node>" and the body inputs and
// results that read it, as the reference's extract_weights does (the importers name those
// Consts' weights so).
void nameFunctionConsts(core::Graph& graph);

// An attribute by name, or null; and set (replacing).
core::AttrValue* attr(core::Node& node, const std::string& name);
void setAttr(core::Node& node, const std::string& name, core::AttrValue value);
void eraseAttr(core::Node& node, const std::string& name);
std::string stringAttr(const core::Node& node, const std::string& name, const std::string& fallback = {});

} // namespace studio::conv::edit
