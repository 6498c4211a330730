// A graph model compiled for one Vulkan device: weights uploaded once (pre-packed), one buffer
// per tensor from the statically inferred shapes, the graph recorded once into command buffers
// and replayed on each run. Nodes without a Vulkan kernel run on the CPU fallback (the reference
// kernels, reading and writing the same mapped buffers) between command buffers.
#pragma once

#include "runtime/backend.h"
#include "runtime/vulkan/kernels/ops.h"
#include "runtime/vulkan/vk.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace studio::vk {

class VulkanSession final : public rt::Session, private Planner {
public:
    VulkanSession(std::shared_ptr<Instance> instance, std::uint32_t device, const core::Model& model,
        const rt::CompileOptions& options);
    ~VulkanSession() override;
    const rt::SessionInfo& info() const override { return m_info; }
    rt::RunResult run(const std::map<std::string, rt::Tensor>& inputs, const rt::RunOptions& options = {}) override;

    // Node name -> "vulkan" or "cpu" for every node that runs (folded constants excluded).
    const std::vector<std::pair<std::string, bool>>& placement() const { return m_placement; }

private:
    struct Ref {
        std::size_t node = 0;
        std::size_t output = 0;
    };
    // A buffer as planned: weights and host-initialized values keep their own memory, as do the
    // inputs and outputs; the others (activations, scratch) share memory with values whose uses
    // do not overlap theirs (first..last, in execution positions).
    struct Logical {
        VkDeviceSize bytes = 0;
        std::string name;
        bool pinned = false;
        std::vector<std::uint8_t> init;
        std::int64_t first = -1, last = -1;
    };
    struct DispatchRec {
        const Pipeline* pipeline = nullptr;
        std::vector<int> buffers;
        std::vector<bool> texel;
        std::vector<std::int32_t> push;
        std::array<std::uint32_t, 3> groups{};
        std::size_t step = 0;
    };
    struct Step {
        std::size_t node = 0;
        std::vector<Ref> inputs;
        bool gpu = false;
        std::size_t firstDispatch = 0;
        std::size_t dispatchCount = 0;
    };
    struct Segment {
        bool gpu = false;
        std::size_t begin = 0, end = 0; // steps
        std::size_t firstDispatch = 0, dispatchCount = 0;
        VkCommandBuffer commands = VK_NULL_HANDLE;
        QueryPool queries;
    };

    // Planner
    int inputBuffer(std::size_t k) override;
    int outputBuffer(std::size_t k) override;
    int constantBuffer(const std::vector<float>& words, const std::string& what) override;
    int scratchBuffer(std::int64_t floats, const std::string& what) override;
    void dispatch(const std::string& kernel, const std::vector<Binding>& bindings, const Push& push,
        std::array<std::uint32_t, 3> groups) override;
    bool preferTexelLoads() const override;

    int bufferOf(const Ref& r);
    int newLogical(VkDeviceSize bytes, std::string name, bool pinned, const void* init);
    void allocate();
    Buffer& physical(int logical) { return m_buffers[static_cast<std::size_t>(m_physical[static_cast<std::size_t>(logical)])]; }
    const Buffer& physical(int logical) const
    {
        return m_buffers[static_cast<std::size_t>(m_physical[static_cast<std::size_t>(logical)])];
    }
    void record();
    rt::Tensor readValue(const ValueInfo& v) const;
    void writeValue(const ValueInfo& v, const rt::Tensor& t, const core::Node& node);

    std::unique_ptr<Device> m_device;
    std::string m_source;
    std::vector<core::Node> m_nodes;
    std::vector<std::vector<rt::Tensor>> m_constants; // per node: decoded weights and load-time folds
    std::vector<std::vector<ValueInfo>> m_values;
    std::vector<Logical> m_logical;        // as planned (ValueInfo::buffer, DispatchRec::buffers)
    std::vector<int> m_physical;           // logical -> index into m_buffers
    std::vector<Buffer> m_buffers;         // device memory
    std::map<int, BufferView> m_texelViews; // by index into m_buffers
    std::map<std::string, std::unique_ptr<Pipeline>> m_pipelines;
    std::vector<DispatchRec> m_dispatches;
    std::vector<Step> m_steps;
    std::vector<Segment> m_segments;
    DescriptorPool m_descriptors;
    Fence m_fence;
    std::vector<std::size_t> m_placeholders;
    std::vector<Ref> m_outputs;
    std::vector<std::pair<std::string, bool>> m_placement;
    rt::SessionInfo m_info;
    std::unique_ptr<rt::Session> m_whole; // every node on the CPU when shapes are not static

    // The node being planned.
    std::size_t m_callNode = 0;
    std::vector<Ref> m_callInputs;
};

} // namespace studio::vk
