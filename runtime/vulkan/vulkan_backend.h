// The "vulkan" backend's factory, for the registry table in runtime/backends.cpp.
#pragma once

#include "runtime/backend.h"

#include <memory>

namespace studio::rt {

std::unique_ptr<Backend> makeVulkanBackend();

} // namespace studio::rt
