// Move-only RAII wrappers over the Vulkan objects the compute runtime uses, made by factories on
// Instance and Device that check every VkResult into a studio::Error naming the call and what we
// were doing ("vkCreateBuffer failed (VK_ERROR_OUT_OF_DEVICE_MEMORY) creating buffer 'conv/kernel' on 'llvmpipe'").
#pragma once

#include "core/error.h"

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace studio::vk {

const char* resultName(VkResult result);

// Throws studio::Error("<call> failed (<VK_...>) <doing>") unless result is VK_SUCCESS.
void check(VkResult result, const char* call, const std::string& doing);

// A handle owned together with the device that destroys it. Move-only.
template <class T, void (*Destroy)(VkDevice, T, const VkAllocationCallbacks*)>
class DeviceHandle {
public:
    DeviceHandle() = default;
    DeviceHandle(VkDevice device, T handle) : m_device(device), m_handle(handle) {}
    DeviceHandle(DeviceHandle&& o) noexcept : m_device(o.m_device), m_handle(std::exchange(o.m_handle, VK_NULL_HANDLE)) {}
    DeviceHandle& operator=(DeviceHandle&& o) noexcept
    {
        if (this != &o) {
            reset();
            m_device = o.m_device;
            m_handle = std::exchange(o.m_handle, VK_NULL_HANDLE);
        }
        return *this;
    }
    DeviceHandle(const DeviceHandle&) = delete;
    DeviceHandle& operator=(const DeviceHandle&) = delete;
    ~DeviceHandle() { reset(); }
    void reset()
    {
        if (m_handle != VK_NULL_HANDLE)
            Destroy(m_device, m_handle, nullptr);
        m_handle = VK_NULL_HANDLE;
    }
    T get() const { return m_handle; }
    explicit operator bool() const { return m_handle != VK_NULL_HANDLE; }

private:
    VkDevice m_device = VK_NULL_HANDLE;
    T m_handle = VK_NULL_HANDLE;
};

using ShaderModule = DeviceHandle<VkShaderModule, vkDestroyShaderModule>;
using DescriptorSetLayout = DeviceHandle<VkDescriptorSetLayout, vkDestroyDescriptorSetLayout>;
using PipelineLayout = DeviceHandle<VkPipelineLayout, vkDestroyPipelineLayout>;
using PipelineHandle = DeviceHandle<VkPipeline, vkDestroyPipeline>;
using PipelineCacheHandle = DeviceHandle<VkPipelineCache, vkDestroyPipelineCache>;
using DescriptorPool = DeviceHandle<VkDescriptorPool, vkDestroyDescriptorPool>;
using CommandPool = DeviceHandle<VkCommandPool, vkDestroyCommandPool>;
using Fence = DeviceHandle<VkFence, vkDestroyFence>;
using QueryPool = DeviceHandle<VkQueryPool, vkDestroyQueryPool>;
using BufferHandle = DeviceHandle<VkBuffer, vkDestroyBuffer>;
using MemoryHandle = DeviceHandle<VkDeviceMemory, vkFreeMemory>;
using BufferView = DeviceHandle<VkBufferView, vkDestroyBufferView>;

// What `devices` prints and reports name: one physical device.
struct PhysicalDeviceInfo {
    std::uint32_t index = 0;
    VkPhysicalDevice handle = VK_NULL_HANDLE;
    std::string name;
    VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
    std::string driver;      // driver name and info ("llvmpipe", "Mesa 22.3.6 (LLVM 15.0.6)")
    std::uint32_t apiVersion = 0;
    std::uint64_t deviceLocalBytes = 0;
    std::uint32_t subgroupSize = 0;
    bool fp16 = false;       // shaderFloat16 arithmetic
    bool int8 = false;       // shaderInt8 arithmetic
    bool int64 = false;      // shaderInt64, enabled on the device when present (64-bit stores)
    bool storage16 = false;  // 16-bit storage buffers
    bool timestamps = false; // the compute queue can write timestamps
    bool texelBuffers = false; // rgba32f uniform texel buffers
    float timestampPeriodNs = 1.0f;
    std::uint32_t computeQueueFamily = 0;
    bool hasComputeQueue = false;
    VkPhysicalDeviceLimits limits{};

    bool cpu() const { return type == VK_PHYSICAL_DEVICE_TYPE_CPU; }
    std::string typeName() const;
    std::string apiText() const;
    // "llvmpipe (LLVM 15.0.6, 256 bits) [CPU implementation]": what reports print.
    std::string describe() const;
};

// The Vulkan instance. Validation is enabled when asked (STUDIO_VULKAN_VALIDATION=1 or debug
// builds) and the Khronos layer is installed; its messages are counted and printed.
class Instance {
public:
    // Throws studio::Error when no Vulkan loader or driver answers.
    static std::shared_ptr<Instance> create();
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    VkInstance get() const { return m_instance; }
    const std::vector<PhysicalDeviceInfo>& devices() const { return m_devices; }
    bool validation() const { return m_validation; }
    bool debugNames() const { return m_debugUtils; }
    // Validation messages of severity warning or error seen so far (process-wide).
    static std::uint64_t validationMessages();
    // discrete > integrated > virtual > CPU > other; nullopt when there is no usable device.
    std::optional<std::uint32_t> defaultDevice() const;
    // How this instance differs from the default one, for reports ("" when it does not).
    const std::string& note() const { return m_note; }
    void setNote(std::string note) { m_note = std::move(note); }

private:
    Instance() = default;
    VkInstance m_instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT m_messenger = VK_NULL_HANDLE;
    bool m_validation = false;
    bool m_debugUtils = false;
    std::vector<PhysicalDeviceInfo> m_devices;
    std::string m_note;
};

class Device;

// A buffer with its own memory, host-visible and coherent, mapped for its whole life.
class Buffer {
public:
    Buffer() = default;
    Buffer(Buffer&&) noexcept = default;
    Buffer& operator=(Buffer&&) noexcept = default;
    ~Buffer();
    VkBuffer get() const { return m_buffer.get(); }
    VkDeviceSize size() const { return m_size; }
    void* mapped() const { return m_mapped; }
    const std::string& name() const { return m_name; }

private:
    friend class Device;
    MemoryHandle m_memory;
    BufferHandle m_buffer;
    VkDeviceSize m_size = 0;
    void* m_mapped = nullptr;
    std::string m_name;
};

// A compute pipeline with its layout: set 0 holds one descriptor per entry of `types` (storage
// buffers, or uniform texel buffers read as rgba32f), bindings 0..n-1, and `pushBytes` of push
// constants.
struct Pipeline {
    std::string kernel;
    std::vector<VkDescriptorType> types;
    std::uint32_t pushBytes = 0;
    ShaderModule module;
    DescriptorSetLayout setLayout;
    PipelineLayout layout;
    PipelineHandle pipeline;
};

// A logical device with one compute queue; owns the command pool and the pipeline cache (kept
// on disk between runs, in the XDG cache folder).
class Device {
public:
    // Throws studio::Error naming the device when it cannot be opened.
    Device(std::shared_ptr<Instance> instance, std::uint32_t index);
    ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    const PhysicalDeviceInfo& info() const { return m_info; }
    VkDevice get() const { return m_device; }
    VkQueue queue() const { return m_queue; }
    VkCommandPool commandPool() const { return m_commandPool.get(); }

    Buffer createBuffer(VkDeviceSize bytes, const std::string& name);
    // SPIR-V words of an embedded kernel, compiled through the on-disk pipeline cache.
    // `fixed`: values of the kernel's int specialization constants, by constant id.
    Pipeline createPipeline(const std::string& kernel, std::span<const std::uint32_t> spirv,
        const std::vector<VkDescriptorType>& types, std::uint32_t pushBytes,
        const std::vector<std::pair<std::uint32_t, std::int32_t>>& fixed = {});
    // An rgba32f view of a whole buffer (its size rounded down to 16 bytes).
    BufferView createTexelView(const Buffer& buffer);
    DescriptorPool createDescriptorPool(std::uint32_t sets, std::uint32_t storage, std::uint32_t texel, const std::string& what);
    VkDescriptorSet allocateSet(VkDescriptorPool pool, const Pipeline& pipeline);
    VkCommandBuffer allocateCommandBuffer(const std::string& what);
    Fence createFence(const std::string& what);
    QueryPool createTimestampPool(std::uint32_t count, const std::string& what);
    // Submits one command buffer and waits for it.
    void submitAndWait(VkCommandBuffer commands, VkFence fence, const std::string& what);
    // Writes the pipeline cache back to disk (also done by the destructor); errors are ignored.
    void savePipelineCache() const;
    std::string cachePath() const { return m_cachePath; }
    void setName(VkObjectType type, std::uint64_t handle, const std::string& name) const;

    // The instance's note for reports ("" for the default instance).
    const std::string& instanceNote() const { return m_instance->note(); }
    // "... on 'llvmpipe (...)'" for error messages.
    std::string on() const { return " on '" + m_info.name + "'"; }

private:
    std::shared_ptr<Instance> m_instance;
    PhysicalDeviceInfo m_info;
    VkDevice m_device = VK_NULL_HANDLE;
    VkQueue m_queue = VK_NULL_HANDLE;
    std::uint32_t m_hostMemoryType = 0;
    CommandPool m_commandPool;
    PipelineCacheHandle m_pipelineCache;
    std::string m_cachePath;
    PFN_vkSetDebugUtilsObjectNameEXT m_setName = nullptr;
};

} // namespace studio::vk
