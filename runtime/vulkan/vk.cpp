// The Vulkan wrappers: instance and device discovery, buffers, pipelines (through the on-disk
// pipeline cache), command buffers, fences and timestamp pools.
#include "runtime/vulkan/vk.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

namespace studio::vk {

namespace {

std::atomic<std::uint64_t> g_validationMessages{0};

VKAPI_ATTR VkBool32 VKAPI_CALL onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
    VkDebugUtilsMessageTypeFlagsEXT, const VkDebugUtilsMessengerCallbackDataEXT* data, void*)
{
    if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        ++g_validationMessages;
        std::cerr << "vulkan validation: " << (data && data->pMessage ? data->pMessage : "(no message)") << "\n";
    }
    return VK_FALSE;
}

bool wantValidation()
{
    if (const char* v = std::getenv("STUDIO_VULKAN_VALIDATION"))
        return std::string(v) != "0" && std::string(v) != "";
#ifndef NDEBUG
    return true;
#else
    return false;
#endif
}

std::string versionText(std::uint32_t v)
{
    return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "."
        + std::to_string(VK_API_VERSION_PATCH(v));
}

int typeRank(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
    }
}

PhysicalDeviceInfo describeDevice(VkPhysicalDevice pd, std::uint32_t index)
{
    PhysicalDeviceInfo d;
    d.index = index;
    d.handle = pd;
    VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES, nullptr, {}, {}, {}, {}};
    VkPhysicalDeviceSubgroupProperties subgroup{};
    subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    subgroup.pNext = &driver;
    VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &subgroup, {}};
    VkPhysicalDeviceProperties plain{};
    vkGetPhysicalDeviceProperties(pd, &plain);
    const bool v12 = plain.apiVersion >= VK_API_VERSION_1_2;
    if (!v12)
        subgroup.pNext = nullptr; // driver properties are core in 1.2 only
    vkGetPhysicalDeviceProperties2(pd, &props);
    d.name = props.properties.deviceName;
    d.type = props.properties.deviceType;
    d.apiVersion = props.properties.apiVersion;
    d.limits = props.properties.limits;
    d.timestampPeriodNs = props.properties.limits.timestampPeriod;
    d.subgroupSize = subgroup.subgroupSize;
    d.driver = v12 ? std::string(driver.driverName) + " " + driver.driverInfo : "driver " + std::to_string(props.properties.driverVersion);

    VkPhysicalDeviceShaderFloat16Int8Features f16{};
    f16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES;
    VkPhysicalDevice16BitStorageFeatures s16{};
    s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
    s16.pNext = v12 ? &f16 : nullptr;
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &s16, {}};
    vkGetPhysicalDeviceFeatures2(pd, &features);
    d.fp16 = f16.shaderFloat16 == VK_TRUE;
    d.int8 = f16.shaderInt8 == VK_TRUE;
    d.int64 = features.features.shaderInt64 == VK_TRUE;
    d.storage16 = s16.storageBuffer16BitAccess == VK_TRUE;

    VkPhysicalDeviceMemoryProperties memory{};
    vkGetPhysicalDeviceMemoryProperties(pd, &memory);
    for (std::uint32_t h = 0; h < memory.memoryHeapCount; ++h)
        if (memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            d.deviceLocalBytes += memory.memoryHeaps[h].size;

    std::uint32_t families = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &families, nullptr);
    std::vector<VkQueueFamilyProperties> fam(families);
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &families, fam.data());
    // Prefer a compute-only family (async compute on GPUs), else any with compute.
    std::optional<std::uint32_t> pick;
    for (std::uint32_t f = 0; f < families; ++f)
        if ((fam[f].queueFlags & VK_QUEUE_COMPUTE_BIT) && !(fam[f].queueFlags & VK_QUEUE_GRAPHICS_BIT))
            pick = f;
    for (std::uint32_t f = 0; f < families && !pick; ++f)
        if (fam[f].queueFlags & VK_QUEUE_COMPUTE_BIT)
            pick = f;
    VkFormatProperties rgba{};
    vkGetPhysicalDeviceFormatProperties(pd, VK_FORMAT_R32G32B32A32_SFLOAT, &rgba);
    d.texelBuffers = (rgba.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT) != 0;
    if (pick) {
        d.hasComputeQueue = true;
        d.computeQueueFamily = *pick;
        d.timestamps = fam[*pick].timestampValidBits > 0 && d.timestampPeriodNs > 0;
    }
    return d;
}

std::filesystem::path cacheFolder()
{
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/')
        return std::filesystem::path(x) / "tfjs-studio";
    if (const char* h = std::getenv("HOME"); h && *h)
        return std::filesystem::path(h) / ".cache" / "tfjs-studio";
    return {};
}

} // namespace

const char* resultName(VkResult r)
{
    switch (r) {
#define STUDIO_VK_CASE(x) case x: return #x;
        STUDIO_VK_CASE(VK_SUCCESS)
        STUDIO_VK_CASE(VK_NOT_READY)
        STUDIO_VK_CASE(VK_TIMEOUT)
        STUDIO_VK_CASE(VK_INCOMPLETE)
        STUDIO_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
        STUDIO_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        STUDIO_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
        STUDIO_VK_CASE(VK_ERROR_DEVICE_LOST)
        STUDIO_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
        STUDIO_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
        STUDIO_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
        STUDIO_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
        STUDIO_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
        STUDIO_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
        STUDIO_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
        STUDIO_VK_CASE(VK_ERROR_FRAGMENTED_POOL)
        STUDIO_VK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
        STUDIO_VK_CASE(VK_ERROR_INVALID_SHADER_NV)
        STUDIO_VK_CASE(VK_ERROR_UNKNOWN)
#undef STUDIO_VK_CASE
    default: return "VkResult unknown";
    }
}

void check(VkResult result, const char* call, const std::string& doing)
{
    if (result != VK_SUCCESS)
        throw Error(std::string(call) + " failed (" + resultName(result) + ") " + doing);
}

std::string PhysicalDeviceInfo::typeName() const
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU implementation";
    default: return "other";
    }
}

std::string PhysicalDeviceInfo::apiText() const { return versionText(apiVersion); }

std::string PhysicalDeviceInfo::describe() const
{
    return name + (cpu() ? " [CPU implementation, no GPU]" : " [" + typeName() + "]");
}

std::uint64_t Instance::validationMessages() { return g_validationMessages.load(); }

std::shared_ptr<Instance> Instance::create()
{
    std::shared_ptr<Instance> inst(new Instance());
    std::uint32_t loaderVersion = VK_API_VERSION_1_0;
    // vkEnumerateInstanceVersion is 1.1; a 1.0 loader lacks it.
    if (auto enumerate = reinterpret_cast<PFN_vkEnumerateInstanceVersion>(vkGetInstanceProcAddr(nullptr, "vkEnumerateInstanceVersion")))
        enumerate(&loaderVersion);
    if (loaderVersion < VK_API_VERSION_1_1)
        throw Error("Vulkan loader " + versionText(loaderVersion) + " is too old: the compute runtime needs Vulkan 1.1");

    std::uint32_t count = 0;
    vkEnumerateInstanceLayerProperties(&count, nullptr);
    std::vector<VkLayerProperties> layers(count);
    vkEnumerateInstanceLayerProperties(&count, layers.data());
    std::vector<const char*> enabledLayers;
    if (wantValidation())
        for (const auto& l : layers)
            if (std::strcmp(l.layerName, "VK_LAYER_KHRONOS_validation") == 0) {
                enabledLayers.push_back("VK_LAYER_KHRONOS_validation");
                inst->m_validation = true;
            }
    count = 0;
    vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr);
    std::vector<VkExtensionProperties> exts(count);
    vkEnumerateInstanceExtensionProperties(nullptr, &count, exts.data());
    std::vector<const char*> enabledExts;
    for (const auto& e : exts)
        if (std::strcmp(e.extensionName, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) == 0) {
            enabledExts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
            inst->m_debugUtils = true;
        }

    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO, nullptr, "tfjs-studio", 1, "tfjs-studio", 1, VK_API_VERSION_1_2};
    VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, nullptr, 0, &app,
        static_cast<std::uint32_t>(enabledLayers.size()), enabledLayers.data(), static_cast<std::uint32_t>(enabledExts.size()),
        enabledExts.data()};
    check(vkCreateInstance(&ci, nullptr, &inst->m_instance), "vkCreateInstance", "creating the Vulkan instance (is a Vulkan driver installed?)");

    if (inst->m_validation && inst->m_debugUtils) {
        auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(inst->m_instance, "vkCreateDebugUtilsMessengerEXT"));
        VkDebugUtilsMessengerCreateInfoEXT mi{};
        mi.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
        mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
        mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT
            | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
        mi.pfnUserCallback = onValidationMessage;
        if (create)
            check(create(inst->m_instance, &mi, nullptr, &inst->m_messenger), "vkCreateDebugUtilsMessengerEXT",
                "installing the validation message handler");
    }

    count = 0;
    check(vkEnumeratePhysicalDevices(inst->m_instance, &count, nullptr), "vkEnumeratePhysicalDevices", "listing Vulkan devices");
    std::vector<VkPhysicalDevice> pds(count);
    check(vkEnumeratePhysicalDevices(inst->m_instance, &count, pds.data()), "vkEnumeratePhysicalDevices", "listing Vulkan devices");
    for (std::uint32_t k = 0; k < count; ++k)
        inst->m_devices.push_back(describeDevice(pds[k], k));
    return inst;
}

Instance::~Instance()
{
    if (m_messenger != VK_NULL_HANDLE)
        if (auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
                vkGetInstanceProcAddr(m_instance, "vkDestroyDebugUtilsMessengerEXT")))
            destroy(m_instance, m_messenger, nullptr);
    if (m_instance != VK_NULL_HANDLE)
        vkDestroyInstance(m_instance, nullptr);
}

std::optional<std::uint32_t> Instance::defaultDevice() const
{
    std::optional<std::uint32_t> best;
    for (const auto& d : m_devices) {
        if (!d.hasComputeQueue || d.apiVersion < VK_API_VERSION_1_1)
            continue;
        if (!best || typeRank(d.type) < typeRank(m_devices[*best].type))
            best = d.index;
    }
    return best;
}

Buffer::~Buffer() = default;

Device::Device(std::shared_ptr<Instance> instance, std::uint32_t index) : m_instance(std::move(instance))
{
    const auto& all = m_instance->devices();
    if (index >= all.size())
        throw Error("Vulkan device " + std::to_string(index) + " does not exist; there are " + std::to_string(all.size())
            + " (see 'tfjs-studio-cli devices')");
    m_info = all[index];
    if (!m_info.hasComputeQueue)
        throw Error("Vulkan device " + std::to_string(index) + " '" + m_info.name + "' has no compute queue");
    if (m_info.apiVersion < VK_API_VERSION_1_1)
        throw Error("Vulkan device " + std::to_string(index) + " '" + m_info.name + "' supports only Vulkan "
            + m_info.apiText() + "; the compute runtime needs 1.1");

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, nullptr, 0, m_info.computeQueueFamily, 1, &priority};
    VkDeviceCreateInfo di{};
    di.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    di.queueCreateInfoCount = 1;
    di.pQueueCreateInfos = &qi;
    VkPhysicalDeviceFeatures enabled{};
    enabled.shaderInt64 = m_info.int64 ? VK_TRUE : VK_FALSE; // the texel-load kernels' 64-bit stores (load_store.glsl)
    di.pEnabledFeatures = &enabled;
    check(vkCreateDevice(m_info.handle, &di, nullptr, &m_device), "vkCreateDevice", "opening the device" + on());
    vkGetDeviceQueue(m_device, m_info.computeQueueFamily, 0, &m_queue);
    if (m_instance->debugNames())
        m_setName = reinterpret_cast<PFN_vkSetDebugUtilsObjectNameEXT>(vkGetDeviceProcAddr(m_device, "vkSetDebugUtilsObjectNameEXT"));

    // One memory type for everything: host-visible and coherent, device-local when there is
    // one (integrated GPUs, CPU implementations, resizable BAR), so uploads are plain copies.
    VkPhysicalDeviceMemoryProperties memory{};
    vkGetPhysicalDeviceMemoryProperties(m_info.handle, &memory);
    std::optional<std::uint32_t> best;
    int bestScore = -1;
    const VkMemoryPropertyFlags need = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (std::uint32_t t = 0; t < memory.memoryTypeCount; ++t) {
        const auto flags = memory.memoryTypes[t].propertyFlags;
        if ((flags & need) != need)
            continue;
        const int score = ((flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) ? 2 : 0) + ((flags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT) ? 1 : 0);
        if (score > bestScore) {
            bestScore = score;
            best = t;
        }
    }
    if (!best) {
        vkDestroyDevice(m_device, nullptr);
        throw Error("Vulkan device '" + m_info.name + "' has no host-visible coherent memory");
    }
    m_hostMemoryType = *best;

    VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, nullptr,
        VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT, m_info.computeQueueFamily};
    VkCommandPool pool = VK_NULL_HANDLE;
    check(vkCreateCommandPool(m_device, &pi, nullptr, &pool), "vkCreateCommandPool", "creating the command pool" + on());
    m_commandPool = CommandPool(m_device, pool);

    // The pipeline cache: one file per device model and driver build.
    std::vector<char> initial;
    if (const auto folder = cacheFolder(); !folder.empty()) {
        VkPhysicalDeviceProperties p{};
        vkGetPhysicalDeviceProperties(m_info.handle, &p);
        char uuid[2 * VK_UUID_SIZE + 1] = {};
        for (unsigned k = 0; k < VK_UUID_SIZE; ++k)
            std::snprintf(uuid + 2 * k, 3, "%02x", p.pipelineCacheUUID[k]);
        m_cachePath = (folder / ("vulkan-pipelines-" + std::to_string(p.vendorID) + "-" + std::to_string(p.deviceID) + "-"
                                    + uuid + ".bin")).string();
        std::error_code ec;
        const auto size = std::filesystem::file_size(m_cachePath, ec);
        std::ifstream in(m_cachePath, std::ios::binary);
        if (!ec && in && size > 0 && size < (std::uint64_t(1) << 30)) {
            initial.resize(static_cast<std::size_t>(size));
            if (!in.read(initial.data(), static_cast<std::streamsize>(size)))
                initial.clear();
        }
    }
    VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO, nullptr, 0, initial.size(), initial.data()};
    VkPipelineCache cache = VK_NULL_HANDLE;
    if (vkCreatePipelineCache(m_device, &ci, nullptr, &cache) != VK_SUCCESS) {
        // A damaged cache file is not an error: start empty.
        ci.initialDataSize = 0;
        ci.pInitialData = nullptr;
        check(vkCreatePipelineCache(m_device, &ci, nullptr, &cache), "vkCreatePipelineCache", "creating the pipeline cache" + on());
    }
    m_pipelineCache = PipelineCacheHandle(m_device, cache);
}

Device::~Device()
{
    if (m_device == VK_NULL_HANDLE)
        return;
    vkDeviceWaitIdle(m_device);
    savePipelineCache();
    m_pipelineCache.reset();
    m_commandPool.reset();
    vkDestroyDevice(m_device, nullptr);
}

void Device::savePipelineCache() const
{
    if (m_cachePath.empty() || !m_pipelineCache)
        return;
    std::size_t size = 0;
    if (vkGetPipelineCacheData(m_device, m_pipelineCache.get(), &size, nullptr) != VK_SUCCESS || size == 0)
        return;
    std::vector<char> data(size);
    if (vkGetPipelineCacheData(m_device, m_pipelineCache.get(), &size, data.data()) != VK_SUCCESS)
        return;
    std::error_code ec;
    const std::filesystem::path path(m_cachePath);
    std::filesystem::create_directories(path.parent_path(), ec);
    // Written beside and renamed, so a concurrent reader never sees half a file.
    const auto tmp = path.string() + ".tmp" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            return;
        out.write(data.data(), static_cast<std::streamsize>(size));
        if (!out)
            return;
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec)
        std::filesystem::remove(tmp, ec);
}

void Device::setName(VkObjectType type, std::uint64_t handle, const std::string& name) const
{
    if (!m_setName)
        return;
    VkDebugUtilsObjectNameInfoEXT ni{VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT, nullptr, type, handle, name.c_str()};
    m_setName(m_device, &ni);
}

Buffer Device::createBuffer(VkDeviceSize bytes, const std::string& name)
{
    Buffer b;
    b.m_name = name;
    b.m_size = std::max<VkDeviceSize>(bytes, 16);
    const std::string doing = "creating buffer '" + name + "' (" + std::to_string(b.m_size) + " bytes)" + on();
    if (b.m_size > m_info.limits.maxStorageBufferRange)
        throw Error(doing + ": larger than the device's maxStorageBufferRange " + std::to_string(m_info.limits.maxStorageBufferRange));
    VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, nullptr, 0, b.m_size,
        VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT
            | (m_info.texelBuffers ? VkBufferUsageFlags(VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT) : VkBufferUsageFlags(0)),
        VK_SHARING_MODE_EXCLUSIVE, 0, nullptr};
    VkBuffer buffer = VK_NULL_HANDLE;
    check(vkCreateBuffer(m_device, &bi, nullptr, &buffer), "vkCreateBuffer", doing);
    b.m_buffer = BufferHandle(m_device, buffer);
    VkMemoryRequirements req{};
    vkGetBufferMemoryRequirements(m_device, buffer, &req);
    if (!(req.memoryTypeBits & (1u << m_hostMemoryType)))
        throw Error(doing + ": the buffer cannot live in host-visible memory");
    VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, nullptr, req.size, m_hostMemoryType};
    VkDeviceMemory memory = VK_NULL_HANDLE;
    check(vkAllocateMemory(m_device, &ai, nullptr, &memory), "vkAllocateMemory", doing);
    b.m_memory = MemoryHandle(m_device, memory);
    check(vkBindBufferMemory(m_device, buffer, memory, 0), "vkBindBufferMemory", doing);
    check(vkMapMemory(m_device, memory, 0, VK_WHOLE_SIZE, 0, &b.m_mapped), "vkMapMemory", doing);
    std::memset(b.m_mapped, 0, static_cast<std::size_t>(b.m_size));
    setName(VK_OBJECT_TYPE_BUFFER, reinterpret_cast<std::uint64_t>(buffer), name);
    return b;
}

Pipeline Device::createPipeline(const std::string& kernel, std::span<const std::uint32_t> spirv,
    const std::vector<VkDescriptorType>& types, std::uint32_t pushBytes,
    const std::vector<std::pair<std::uint32_t, std::int32_t>>& fixed)
{
    const std::string doing = "for kernel '" + kernel + "'" + on();
    if (pushBytes > m_info.limits.maxPushConstantsSize)
        throw Error("kernel '" + kernel + "' needs " + std::to_string(pushBytes) + " bytes of push constants; the device allows "
            + std::to_string(m_info.limits.maxPushConstantsSize));
    Pipeline p;
    p.kernel = kernel;
    p.types = types;
    const auto bindings = static_cast<std::uint32_t>(types.size());
    p.pushBytes = pushBytes;
    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, nullptr, 0, spirv.size_bytes(), spirv.data()};
    VkShaderModule module = VK_NULL_HANDLE;
    check(vkCreateShaderModule(m_device, &mi, nullptr, &module), "vkCreateShaderModule", doing);
    p.module = ShaderModule(m_device, module);

    std::vector<VkDescriptorSetLayoutBinding> b(bindings);
    for (std::uint32_t k = 0; k < bindings; ++k)
        b[k] = VkDescriptorSetLayoutBinding{k, types[k], 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo li{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, nullptr, 0, bindings, b.data()};
    VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
    check(vkCreateDescriptorSetLayout(m_device, &li, nullptr, &setLayout), "vkCreateDescriptorSetLayout", doing);
    p.setLayout = DescriptorSetLayout(m_device, setLayout);

    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, pushBytes};
    VkPipelineLayoutCreateInfo pli{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, nullptr, 0, 1, &setLayout,
        pushBytes ? 1u : 0u, pushBytes ? &range : nullptr};
    VkPipelineLayout layout = VK_NULL_HANDLE;
    check(vkCreatePipelineLayout(m_device, &pli, nullptr, &layout), "vkCreatePipelineLayout", doing);
    p.layout = PipelineLayout(m_device, layout);

    VkComputePipelineCreateInfo ci{};
    ci.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
    std::vector<VkSpecializationMapEntry> entries;
    std::vector<std::int32_t> values;
    for (const auto& [id, value] : fixed) {
        entries.push_back({id, static_cast<std::uint32_t>(values.size() * sizeof(std::int32_t)), sizeof(std::int32_t)});
        values.push_back(value);
    }
    const VkSpecializationInfo spec{static_cast<std::uint32_t>(entries.size()), entries.data(), values.size() * sizeof(std::int32_t),
        values.data()};
    ci.stage = VkPipelineShaderStageCreateInfo{VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, nullptr, 0,
        VK_SHADER_STAGE_COMPUTE_BIT, module, "main", entries.empty() ? nullptr : &spec};
    ci.layout = layout;
    VkPipeline pipeline = VK_NULL_HANDLE;
    check(vkCreateComputePipelines(m_device, m_pipelineCache.get(), 1, &ci, nullptr, &pipeline), "vkCreateComputePipelines", doing);
    p.pipeline = PipelineHandle(m_device, pipeline);
    setName(VK_OBJECT_TYPE_PIPELINE, reinterpret_cast<std::uint64_t>(pipeline), kernel);
    return p;
}

BufferView Device::createTexelView(const Buffer& buffer)
{
    VkBufferViewCreateInfo vi{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO, nullptr, 0, buffer.get(), VK_FORMAT_R32G32B32A32_SFLOAT, 0,
        buffer.size() / 16 * 16};
    VkBufferView view = VK_NULL_HANDLE;
    check(vkCreateBufferView(m_device, &vi, nullptr, &view), "vkCreateBufferView", "viewing buffer '" + buffer.name() + "' as rgba32f texels" + on());
    return BufferView(m_device, view);
}

DescriptorPool Device::createDescriptorPool(std::uint32_t sets, std::uint32_t storage, std::uint32_t texel, const std::string& what)
{
    VkDescriptorPoolSize sizes[2] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max(storage, 1u)},
        {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, std::max(texel, 1u)}};
    VkDescriptorPoolCreateInfo ci{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, nullptr, 0, std::max(sets, 1u), 2, sizes};
    VkDescriptorPool pool = VK_NULL_HANDLE;
    check(vkCreateDescriptorPool(m_device, &ci, nullptr, &pool), "vkCreateDescriptorPool", "creating descriptors for " + what + on());
    return DescriptorPool(m_device, pool);
}

VkDescriptorSet Device::allocateSet(VkDescriptorPool pool, const Pipeline& pipeline)
{
    VkDescriptorSetLayout layout = pipeline.setLayout.get();
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, nullptr, pool, 1, &layout};
    VkDescriptorSet set = VK_NULL_HANDLE;
    check(vkAllocateDescriptorSets(m_device, &ai, &set), "vkAllocateDescriptorSets", "for kernel '" + pipeline.kernel + "'" + on());
    return set;
}

VkCommandBuffer Device::allocateCommandBuffer(const std::string& what)
{
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, nullptr, m_commandPool.get(),
        VK_COMMAND_BUFFER_LEVEL_PRIMARY, 1};
    VkCommandBuffer cb = VK_NULL_HANDLE;
    check(vkAllocateCommandBuffers(m_device, &ai, &cb), "vkAllocateCommandBuffers", "for " + what + on());
    return cb;
}

Fence Device::createFence(const std::string& what)
{
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO, nullptr, 0};
    VkFence fence = VK_NULL_HANDLE;
    check(vkCreateFence(m_device, &fi, nullptr, &fence), "vkCreateFence", "for " + what + on());
    return Fence(m_device, fence);
}

QueryPool Device::createTimestampPool(std::uint32_t count, const std::string& what)
{
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO, nullptr, 0, VK_QUERY_TYPE_TIMESTAMP, std::max(count, 1u), 0};
    VkQueryPool pool = VK_NULL_HANDLE;
    check(vkCreateQueryPool(m_device, &qi, nullptr, &pool), "vkCreateQueryPool", "for " + what + on());
    return QueryPool(m_device, pool);
}

void Device::submitAndWait(VkCommandBuffer commands, VkFence fence, const std::string& what)
{
    VkSubmitInfo si{};
    si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    si.commandBufferCount = 1;
    si.pCommandBuffers = &commands;
    check(vkQueueSubmit(m_queue, 1, &si, fence), "vkQueueSubmit", what + on());
    check(vkWaitForFences(m_device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences", what + on());
    check(vkResetFences(m_device, 1, &fence), "vkResetFences", what + on());
}

} // namespace studio::vk
