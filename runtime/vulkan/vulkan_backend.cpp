// The "vulkan" backend: one Vulkan instance per process, shared by sessions; the device from
// CompileOptions::device or the default choice (discrete > integrated > virtual > CPU).
#include "runtime/vulkan/vulkan_backend.h"

#include "runtime/vulkan/devices.h"
#include "runtime/vulkan/vk.h"
#include "runtime/vulkan/vulkan_session.h"

#include <mutex>

namespace studio::rt {

namespace {

// The process's instance, or the error that prevented it; created on first use.
struct SharedInstance {
    std::shared_ptr<vk::Instance> instance;
    std::string error;
};

const SharedInstance& sharedInstance()
{
    static SharedInstance shared;
    static std::once_flag once;
    std::call_once(once, [] {
        try {
            shared.instance = vk::Instance::create();
        } catch (const Error& e) {
            shared.error = e.what();
        }
    });
    return shared;
}

class VulkanBackend final : public Backend {
public:
    BackendInfo info() const override
    {
        BackendInfo b{"vulkan", "Vulkan compute (GLSL kernels, one recorded command buffer; CPU fallback per node)", false, {}};
        const auto& shared = sharedInstance();
        if (!shared.instance)
            b.unavailableReason = "no Vulkan loader or driver: " + shared.error;
        else if (!shared.instance->defaultDevice())
            b.unavailableReason = "no Vulkan 1.1 device with a compute queue";
        else {
            b.available = true;
            const auto& d = shared.instance->devices()[*shared.instance->defaultDevice()];
            b.description += "; default device " + std::to_string(d.index) + ": " + d.describe();
        }
        return b;
    }

    std::unique_ptr<Session> compile(const core::Model& model, const CompileOptions& options) const override
    {
        const auto& shared = sharedInstance();
        if (!shared.instance)
            fail("vulkan backend", "no Vulkan loader or driver: " + shared.error);
        std::uint32_t index = 0;
        if (options.device) {
            if (*options.device < 0 || static_cast<std::size_t>(*options.device) >= shared.instance->devices().size())
                fail("vulkan backend", "device " + std::to_string(*options.device) + " does not exist; this machine has "
                        + std::to_string(shared.instance->devices().size()) + " Vulkan device(s) (tfjs-studio-cli devices)");
            index = static_cast<std::uint32_t>(*options.device);
        } else if (const auto d = shared.instance->defaultDevice()) {
            index = *d;
        } else {
            fail("vulkan backend", "no Vulkan 1.1 device with a compute queue");
        }
        return std::make_unique<vk::VulkanSession>(shared.instance, index, model, options);
    }
};

} // namespace

std::unique_ptr<Backend> makeVulkanBackend()
{
    return std::make_unique<VulkanBackend>();
}

VulkanDeviceList listVulkanDevices()
{
    VulkanDeviceList list;
    const auto& shared = sharedInstance();
    if (!shared.instance) {
        list.error = shared.error;
        return list;
    }
    list.validation = shared.instance->validation();
    list.defaultDevice = shared.instance->defaultDevice();
    for (const auto& d : shared.instance->devices()) {
        VulkanDevice v;
        v.index = d.index;
        v.name = d.name;
        v.type = d.typeName();
        v.driver = d.driver;
        v.apiVersion = d.apiText();
        v.memoryBytes = d.deviceLocalBytes;
        v.subgroupSize = d.subgroupSize;
        v.fp16 = d.fp16;
        v.int8 = d.int8;
        v.cpu = d.cpu();
        v.usable = d.hasComputeQueue && d.apiVersion >= VK_API_VERSION_1_1;
        list.devices.push_back(v);
    }
    return list;
}

} // namespace studio::rt
