// Backends and sessions: compile(model, options) gives a session whose run() returns outputs and,
// when asked, per-node timings from the backend's own clock. Backends register by name in one
// table (runtime/backends.cpp); nothing above runtime/ names a concrete executor.
#pragma once

#include "core/error.h"
#include "core/ir/model.h"
#include "runtime/tensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace studio::rt {

// A tensor resident in a backend's memory (a Vulkan buffer, say). Downloading is explicit, so a
// caller that chains sessions or only wants timings never pays for the copy.
class DeviceStorage {
public:
    virtual ~DeviceStorage() = default;
    virtual Tensor download() const = 0;
    virtual std::size_t byteSize() const = 0;
};

// One output value: on the host, or on a device until toHost() is asked for.
class Value {
public:
    Value() = default;
    explicit Value(Tensor host) : m_host(std::move(host)) {}
    explicit Value(std::shared_ptr<const DeviceStorage> device) : m_device(std::move(device)) {}
    bool onDevice() const { return m_device != nullptr; }
    Tensor toHost() const { return m_device ? m_device->download() : m_host; }
    // The host tensor without a copy; only valid when !onDevice().
    const Tensor& host() const { return m_host; }

private:
    Tensor m_host;
    std::shared_ptr<const DeviceStorage> m_device;
};

struct CompileOptions {
    // Concrete shapes for placeholders with unknown dimensions, by placeholder name.
    std::map<std::string, std::vector<std::int64_t>> inputShapes;
    std::optional<int> device; // backend-specific device index (--device N)
    // --max-memory: no single tensor of the model (an input, a constant, an intermediate value)
    // may need more bytes; checked against the statically inferred shapes before any run.
    // 0: core::defaultMemoryBudget().
    std::uint64_t maxMemoryBytes = 0;
    CancelToken cancel;
};

struct RunOptions {
    bool profile = false;      // collect per-node timings
    bool keepOnDevice = false; // leave outputs on the device (Value::onDevice())
};

struct NodeTiming {
    std::string node;
    std::string op;
    double ms = 0;
};

struct RunResult {
    std::vector<Value> outputs; // in the model's output order
    std::vector<NodeTiming> profile; // when RunOptions::profile, in execution order
    std::optional<double> deviceMs;  // the whole run on the backend's own clock, when it has one
};

struct SessionInfo {
    std::string backend;       // registry name: "reference"
    std::string device;        // "C++ CPU", "llvmpipe (LLVM 15.0.6, 256 bits)"
    bool cpuDevice = true;     // a CPU implementation, named as such in every report
    std::string clock;         // what per-node and device times are measured with
    std::vector<std::string> inputs;  // placeholder names, in model order
    std::vector<std::string> outputs; // output tensor names
    // Device memory the session holds (weights, activations, scratch), in bytes; 0 when the
    // backend keeps everything in host memory.
    std::uint64_t deviceMemoryBytes = 0;
    // Node name -> where it runs ("vulkan", "cpu"), in execution order; empty for single-device
    // backends.
    std::vector<std::pair<std::string, std::string>> placement;
    // What the backend changed while planning that a reader of its figures should know (channels
    // widened, say), a line each; empty when nothing.
    std::vector<std::string> planNotes;
};

class Session {
public:
    virtual ~Session() = default;
    virtual const SessionInfo& info() const = 0;
    // Inputs by placeholder name ("input" or "input:0"). Throws studio::Error naming the
    // missing or mismatched input.
    virtual RunResult run(const std::map<std::string, Tensor>& inputs, const RunOptions& options = {}) = 0;
};

struct BackendInfo {
    std::string name;        // "reference", "vulkan"
    std::string description; // one line for lists
    bool available = true;
    std::string unavailableReason; // when !available: "no Vulkan device"
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual BackendInfo info() const = 0;
    // Prepares a graph model (weights decoded or uploaded, shapes inferred, work planned). Throws
    // studio::Error naming the node it cannot run, or studio::Cancelled.
    virtual std::unique_ptr<Session> compile(const core::Model& model, const CompileOptions& options) const = 0;
};

class BackendRegistry {
public:
    // The process-wide registry, filled from runtime/backends.cpp on first use.
    static BackendRegistry& instance();

    void add(std::unique_ptr<Backend> backend); // replaces a backend of the same name
    std::vector<BackendInfo> list() const;
    // Throws studio::Error listing the known names when `name` is unknown or unavailable.
    const Backend& get(const std::string& name) const;
    // "vulkan" when a device exists, else "reference".
    std::string defaultName() const;

private:
    std::vector<std::unique_ptr<Backend>> m_backends;
};

// Shorthand: BackendRegistry::instance().get(name).compile(model, options); an empty name is the default.
std::unique_ptr<Session> compile(const core::Model& model, const std::string& backend = {}, const CompileOptions& options = {});

} // namespace studio::rt
