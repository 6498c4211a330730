// Real graph models on the vulkan backend against the reference executor: same generated inputs
// (seed 1234), every output within 1e-4 of its range. Prints per model where the nodes ran.
// Usage: runtime.vulkan_models MODEL.json [--dim N] ...
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "runtime/backend.h"
#include "runtime/constant_eval.h"
#include "runtime/inputs.h"
#include "runtime/vulkan/vk.h"

#include <cmath>
#include <limits>
#include <cstdio>
#include <string>
#include <vector>

using namespace studio;

int main(int argc, char** argv)
{
    bool vulkan = false;
    std::string why;
    for (const auto& b : rt::BackendRegistry::instance().list())
        if (b.name == "vulkan") {
            vulkan = b.available;
            why = b.unavailableReason;
        }
    if (!vulkan) {
        // setup installs Mesa's lavapipe: no device at all is a broken setup, not a pass.
        std::printf("FAIL: no Vulkan device (setup installs mesa-vulkan-drivers): %s\n", why.c_str());
        return 1;
    }
    int failures = 0;
    for (int a = 1; a < argc; ++a) {
        const std::string path = argv[a];
        std::int64_t dim = 1;
        if (a + 2 < argc + 1 && a + 1 < argc && std::string(argv[a + 1]) == "--dim") {
            dim = std::stoll(argv[a + 2]);
            a += 2;
        }
        try {
            const auto model = conv::graphForRuntime(conv::importModel(path), rt::referenceConstantEvaluator());
            const auto inputs = rt::makeInputs(model, 1234, dim);
            rt::CompileOptions options;
            for (const auto& [name, t] : inputs)
                options.inputShapes[name] = t.shape;
            auto v = rt::compile(model, "vulkan", options);
            auto r = rt::compile(model, "reference", options);
            const auto got = v->run(inputs).outputs;
            const auto want = r->run(inputs).outputs;
            double worst = 0;
            bool ok = got.size() == want.size();
            for (std::size_t k = 0; ok && k < got.size(); ++k) {
                const auto g = got[k].toHost(), w = want[k].toHost();
                if (g.shape != w.shape || g.dtype != w.dtype) {
                    std::printf("  output %zu: vulkan %s, reference %s\n", k, g.shapeText().c_str(), w.shapeText().c_str());
                    ok = false;
                    break;
                }
                double range = 0, err = 0;
                if (w.isFloat()) {
                    for (float x : w.f)
                        range = std::max(range, static_cast<double>(std::fabs(x)));
                    for (std::size_t i = 0; i < w.f.size(); ++i) {
                        const double e = std::fabs(static_cast<double>(g.f[i]) - static_cast<double>(w.f[i]));
                        err = std::isnan(e) ? std::numeric_limits<double>::infinity() : std::max(err, e);
                    }
                } else if (g.i != w.i) {
                    err = std::numeric_limits<double>::infinity();
                }
                const double rel = err / std::max(range, 1e-30);
                worst = std::max(worst, range > 0 ? rel : err);
                if (!(err <= 1e-4 * std::max(range, 1e-6))) {
                    std::printf("  output %zu %s: max error %.3g, range %.3g\n", k, w.shapeText().c_str(), err, range);
                    ok = false;
                }
            }
            std::printf("%s %s: max error %.2e of range; %s\n", ok ? "ok  " : "FAIL", path.c_str(), worst, v->info().device.c_str());
            failures += ok ? 0 : 1;
        } catch (const Error& e) {
            std::printf("FAIL %s: %s\n", path.c_str(), e.what());
            ++failures;
        }
    }
    if (const auto messages = vk::Instance::validationMessages()) {
        std::printf("FAIL: %llu Vulkan validation message(s)\n", static_cast<unsigned long long>(messages));
        ++failures;
    }
    return failures ? 1 : 0;
}
