// The "vulkan" backend: one Vulkan instance per process, shared by sessions; the device from
// CompileOptions::device or the default choice (discrete > integrated > virtual > CPU).
#include "runtime/vulkan/vulkan_backend.h"

#include "runtime/benchmark.h"
#include "runtime/vulkan/devices.h"
#include "runtime/vulkan/vk.h"
#include "runtime/vulkan/vulkan_session.h"

#include <cstdlib>
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

// Mesa's lavapipe runs each dispatch on its own thread pool (LP_NUM_THREADS, read when the
// instance enumerates its devices). For small graphs the hand-over costs more than the second
// core gives (spec/LAVAPIPE.md: 15-45 us per dispatch with the pool, under 1 us inline), so they
// run on a second instance made with LP_NUM_THREADS=0: the work runs on the queue's thread.
const SharedInstance& inlineInstance()
{
    static SharedInstance shared;
    static std::once_flag once;
    std::call_once(once, [] {
        const char* old = std::getenv("LP_NUM_THREADS");
        const std::string saved = old ? old : "";
        ::setenv("LP_NUM_THREADS", "0", 1);
        try {
            shared.instance = vk::Instance::create();
            shared.instance->setNote("lavapipe threads: none (LP_NUM_THREADS=0, small graph)");
        } catch (const Error& e) {
            shared.error = e.what();
        }
        if (old)
            ::setenv("LP_NUM_THREADS", saved.c_str(), 1);
        else
            ::unsetenv("LP_NUM_THREADS");
    });
    return shared;
}

// Below this many FLOPs per run a graph runs inline on lavapipe. With the kernels specialized
// for their op and shape (Push::fixed), BlazeFace (0.06 GFLOP) runs faster inline: median 8.4 ms
// against 11.0 ms with the pool; MobileNetV2 (0.6 GFLOP) the other way: 49.5 ms inline against
// 32.9 ms (bench_vulkan_variants MODEL STUDIO_LAVAPIPE_INLINE 0 1, interleaved in one process).
// STUDIO_LAVAPIPE_INLINE=0/1 overrides (to measure both).
constexpr double kInlineFlops = 0.2e9;

bool runInline(const vk::PhysicalDeviceInfo& device, const core::Model& model, const CompileOptions& options)
{
    if (!device.cpu() || device.driver.find("llvmpipe") == std::string::npos)
        return false;
    if (const char* force = std::getenv("STUDIO_LAVAPIPE_INLINE"); force && *force)
        return std::string(force) != "0";
    if (std::getenv("LP_NUM_THREADS"))
        return false; // the user chose the thread count
    double flops = 0;
    for (const auto& [node, f] : nodeFlops(model, options.inputShapes))
        flops += f;
    return flops > 0 && flops < kInlineFlops;
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
        if (runInline(shared.instance->devices()[index], model, options)) {
            const auto& small = inlineInstance();
            if (small.instance && index < small.instance->devices().size()
                && small.instance->devices()[index].name == shared.instance->devices()[index].name)
                return std::make_unique<vk::VulkanSession>(small.instance, index, model, options);
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
