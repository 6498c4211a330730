// Standard base64 (padded), as protobuf's JSON mapping uses for bytes fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace studio::core {

std::string base64Encode(std::string_view bytes);
// nullopt on a character outside the alphabet or a bad length.
std::optional<std::string> base64Decode(std::string_view text);

} // namespace studio::core
