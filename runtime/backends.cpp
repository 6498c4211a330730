// The backend registry and its table: one line per backend.
#include "runtime/backend.h"

#include "runtime/reference/reference_backend.h"
#include "runtime/vulkan/vulkan_backend.h"

#include <mutex>

namespace studio::rt {

BackendRegistry& BackendRegistry::instance()
{
    static BackendRegistry registry;
    static std::once_flag filled;
    std::call_once(filled, [] {
        registry.add(makeReferenceBackend());
        registry.add(makeVulkanBackend());
    });
    return registry;
}

void BackendRegistry::add(std::unique_ptr<Backend> backend)
{
    const auto name = backend->info().name;
    for (auto& b : m_backends)
        if (b->info().name == name) {
            b = std::move(backend);
            return;
        }
    m_backends.push_back(std::move(backend));
}

std::vector<BackendInfo> BackendRegistry::list() const
{
    std::vector<BackendInfo> out;
    for (const auto& b : m_backends)
        out.push_back(b->info());
    return out;
}

const Backend& BackendRegistry::get(const std::string& name) const
{
    std::string known;
    for (const auto& b : m_backends) {
        const auto info = b->info();
        if (info.name == name) {
            if (!info.available)
                fail("backend '" + name + "'", "not available: " + info.unavailableReason);
            return *b;
        }
        known += (known.empty() ? "" : ", ") + info.name;
    }
    fail("backend '" + name + "'", "unknown backend; known backends: " + known);
}

std::string BackendRegistry::defaultName() const
{
    for (const auto& b : m_backends) {
        const auto info = b->info();
        if (info.name == "vulkan" && info.available)
            return info.name;
    }
    return "reference";
}

std::unique_ptr<Session> compile(const core::Model& model, const std::string& backend, const CompileOptions& options)
{
    auto& registry = BackendRegistry::instance();
    return registry.get(backend.empty() ? registry.defaultName() : backend).compile(model, options);
}

} // namespace studio::rt
