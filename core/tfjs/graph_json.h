// GraphDef / NodeDef / AttrValue in protobuf's JSON mapping (FORMATS.md 1.5) <-> core::Graph.
#pragma once

#include "core/ir/graph.h"

#include <string>

#include <nlohmann/json.hpp>

namespace studio::core {

// `where` prefixes error messages ("model.json: modelTopology").
Graph graphFromJson(const nlohmann::ordered_json& topology, const std::string& where);
nlohmann::ordered_json graphToJson(const Graph& graph);

Node nodeFromJson(const nlohmann::ordered_json& node, const std::string& where);
nlohmann::ordered_json nodeToJson(const Node& node);

AttrValue attrFromJson(const nlohmann::ordered_json& value, const std::string& where);
nlohmann::ordered_json attrToJson(const AttrValue& value);

Shape shapeFromJson(const nlohmann::ordered_json& shape, const std::string& where);
nlohmann::ordered_json shapeToJson(const Shape& shape);

// DataType given as "DT_FLOAT" or as its number.
int dataTypeFromJson(const nlohmann::ordered_json& value, const std::string& where);

} // namespace studio::core
