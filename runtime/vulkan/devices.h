// The Vulkan devices of this machine, for `tfjs-studio-cli devices` and reports. Plain data: no
// Vulkan header reaches the callers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio::rt {

struct VulkanDevice {
    std::uint32_t index = 0;
    std::string name;
    std::string type;   // "discrete GPU", "integrated GPU", "virtual GPU", "CPU implementation", "other"
    std::string driver; // driver name and build
    std::string apiVersion;
    std::uint64_t memoryBytes = 0; // device-local heaps
    std::uint32_t subgroupSize = 0;
    bool fp16 = false;
    bool int8 = false;
    bool cpu = false;
    bool usable = false; // Vulkan 1.1 and a compute queue
};

struct VulkanDeviceList {
    std::vector<VulkanDevice> devices;
    std::optional<std::uint32_t> defaultDevice; // discrete > integrated > virtual > CPU
    std::string error;  // no loader, no driver: why the list is empty
    bool validation = false; // the Khronos validation layer is on
};

// Never throws: a machine without Vulkan gets an empty list and the reason.
VulkanDeviceList listVulkanDevices();

} // namespace studio::rt
