// Constant evaluation on the reference backend, for the converter's constant folding.
#include "runtime/constant_eval.h"

#include "core/error.h"
#include "runtime/backend.h"

#include <cstring>

namespace studio::rt {

ConstantEvaluatorFn referenceConstantEvaluator()
{
    return [](const core::Model& subgraph, const std::vector<std::string>& outputs) {
        core::Model m = subgraph;
        m.kind = core::ModelKind::GraphModel;
        m.outputs.clear();
        for (const auto& o : outputs) {
            core::TensorSpec spec;
            spec.key = o;
            spec.name = o;
            m.outputs.push_back(spec);
        }
        auto session = BackendRegistry::instance().get("reference").compile(m, CompileOptions{});
        const auto result = session->run({});
        std::vector<core::Weight> out;
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            const Tensor t = result.outputs.at(k).toHost();
            core::Weight w;
            w.name = outputs[k];
            w.shape = t.shape;
            std::vector<std::uint8_t> bytes;
            if (t.isFloat()) {
                w.dtype = core::DType::Float32;
                bytes.resize(t.f.size() * 4);
                if (!bytes.empty())
                    std::memcpy(bytes.data(), t.f.data(), bytes.size());
            } else {
                w.dtype = core::DType::Int32;
                bytes.resize(t.i.size() * 4);
                if (!bytes.empty())
                    std::memcpy(bytes.data(), t.i.data(), bytes.size());
            }
            w.byteLength = bytes.size();
            w.source = std::make_shared<core::MemorySource>(std::move(bytes));
            out.push_back(std::move(w));
        }
        return out;
    };
}

} // namespace studio::rt
