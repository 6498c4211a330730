// Shared by the Vulkan kernel tests: a small graph model built node by node (ToyModel), attribute
// helpers, and the comparison of the vulkan backend against the reference executor.
#pragma once

#include "core/error.h"
#include "core/io/byte_source.h"
#include "core/ir/model.h"
#include "runtime/backend.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace studio::vktest {

inline core::AttrValue ints(std::vector<std::int64_t> v)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.i = std::move(v);
    return a;
}

inline core::AttrValue strs(std::vector<std::string> v)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.s = std::move(v);
    return a;
}

inline core::AttrValue str(const std::string& s) { return core::AttrValue::ofString(s); }

inline std::string shapeText(const std::vector<std::int64_t>& s) { return core::Shape{s, false}.toString(); }

inline std::int64_t count(const std::vector<std::int64_t>& s)
{
    std::int64_t n = 1;
    for (auto d : s)
        n *= d;
    return n;
}

// A small graph model built node by node, with float / int32 weights in memory.
class ToyModel {
public:
    ToyModel() { m.sourcePath = "toy.json"; m.weightGroups.emplace_back(); }

    std::string input(const std::string& name, std::vector<std::int64_t> shape)
    {
        core::Node n;
        n.name = name;
        n.op = "Placeholder";
        n.attrs = {{"dtype", core::AttrValue::ofType(1)}, {"shape", core::AttrValue::ofShape(core::Shape{shape, false})}};
        m.graph.nodes.push_back(n);
        rt::Tensor t = rt::Tensor::floats(shape);
        for (auto& v : t.f)
            v = m_dist(m_rng);
        feeds[name] = t;
        return name;
    }
    // An int32 placeholder fed with values in [lo, hi].
    std::string intInput(const std::string& name, std::vector<std::int64_t> shape, std::int32_t lo, std::int32_t hi)
    {
        core::Node n;
        n.name = name;
        n.op = "Placeholder";
        n.attrs = {{"dtype", core::AttrValue::ofType(3)}, {"shape", core::AttrValue::ofShape(core::Shape{shape, false})}};
        m.graph.nodes.push_back(n);
        std::uniform_int_distribution<std::int32_t> d(lo, hi);
        std::vector<std::int32_t> v(static_cast<std::size_t>(count(shape)));
        for (auto& x : v)
            x = d(m_rng);
        feeds[name] = rt::Tensor::ints(shape, std::move(v));
        return name;
    }
    std::string weight(const std::string& name, std::vector<std::int64_t> shape, float lo = -1.0f, float hi = 1.0f)
    {
        std::uniform_real_distribution<float> d(lo, hi);
        std::vector<float> v(static_cast<std::size_t>(count(shape)));
        for (auto& x : v)
            x = d(m_rng);
        return constant(name, shape, v);
    }
    std::string constant(const std::string& name, std::vector<std::int64_t> shape, const std::vector<float>& v)
    {
        std::vector<std::uint8_t> bytes(v.size() * 4);
        std::memcpy(bytes.data(), v.data(), bytes.size());
        add(name, core::DType::Float32, std::move(shape), std::move(bytes), 1);
        return name;
    }
    std::string intConstant(const std::string& name, std::vector<std::int64_t> shape, const std::vector<std::int32_t>& v)
    {
        std::vector<std::uint8_t> bytes(v.size() * 4);
        std::memcpy(bytes.data(), v.data(), bytes.size());
        add(name, core::DType::Int32, std::move(shape), std::move(bytes), 3);
        return name;
    }
    std::string op(const std::string& name, const std::string& op, std::vector<std::string> inputs, core::AttrMap attrs = {})
    {
        core::Node n;
        n.name = name;
        n.op = op;
        n.inputs = std::move(inputs);
        n.attrs = std::move(attrs);
        n.attrs.emplace_back("T", core::AttrValue::ofType(1));
        m.graph.nodes.push_back(n);
        return name;
    }
    void output(const std::string& name) { m.outputs.push_back({name, name + ":0", std::nullopt, std::nullopt}); }

    core::Model m;
    std::map<std::string, rt::Tensor> feeds;
    std::mt19937& rng() { return m_rng; }

private:
    void add(const std::string& name, core::DType dtype, std::vector<std::int64_t> shape, std::vector<std::uint8_t> bytes, int tf)
    {
        core::Weight w;
        w.name = name;
        w.dtype = dtype;
        w.shape = shape;
        w.byteLength = bytes.size();
        w.source = std::make_shared<core::MemorySource>(std::move(bytes));
        m.weightGroups[0].weights.push_back(w);
        core::Node n;
        n.name = name;
        n.op = "Const";
        n.attrs = {{"dtype", core::AttrValue::ofType(tf)}};
        m.graph.nodes.push_back(n);
    }
    std::mt19937 m_rng{20261202};
    std::uniform_real_distribution<float> m_dist{-1.0f, 1.0f};
};

inline bool vulkanAvailable(QString& why)
{
    for (const auto& b : rt::BackendRegistry::instance().list())
        if (b.name == "vulkan") {
            why = QString::fromStdString(b.unavailableReason);
            return b.available;
        }
    why = "the vulkan backend is not registered";
    return false;
}

// Runs both backends and compares every output; returns the max abs error over the outputs,
// relative to each output's range (max |ref|, at least 1). int32 outputs must match exactly.
// With `onDevice`, every node must also have run on the Vulkan device (no CPU fallback). With an
// `oracle`, the reference executor runs that model instead (the same feeds): an equivalent graph
// of ops it has, for an op it lacks (LogSoftmax as Softmax then Log, say).
inline double compare(ToyModel& t, const std::string& what, double tolerance = 1e-5, bool onDevice = false,
    const ToyModel* oracle = nullptr)
{
    auto vulkan = rt::compile(t.m, "vulkan");
    auto reference = rt::compile(oracle ? oracle->m : t.m, "reference");
    rt::RunOptions profile;
    profile.profile = onDevice;
    const auto run = vulkan->run(t.feeds, profile);
    const auto& got = run.outputs;
    const auto want = reference->run(t.feeds).outputs;
    if (got.size() != want.size())
        qFatal("%s: %zu outputs, reference has %zu", what.c_str(), got.size(), want.size());
    double worst = 0;
    for (std::size_t k = 0; k < got.size(); ++k) {
        const auto g = got[k].toHost();
        const auto w = want[k].toHost();
        const std::string where = what + " output " + std::to_string(k) + " (vulkan " + shapeText(g.shape) + ", reference "
            + shapeText(w.shape) + ")";
        if (g.shape != w.shape)
            qFatal("%s: shapes differ", where.c_str());
        if (g.isFloat() != w.isFloat())
            qFatal("%s: dtypes differ (vulkan %s, reference %s)", where.c_str(), g.isFloat() ? "float32" : "int32",
                w.isFloat() ? "float32" : "int32");
        if (!w.isFloat()) {
            for (std::size_t i = 0; i < w.i.size(); ++i)
                if (g.i[i] != w.i[i])
                    qFatal("%s: int32 element %zu differs (vulkan %d, reference %d)", where.c_str(), i, g.i[i], w.i[i]);
            continue;
        }
        double range = 1.0, err = 0;
        std::size_t at = 0;
        for (float v : w.f)
            range = std::max(range, static_cast<double>(std::fabs(v)));
        for (std::size_t i = 0; i < w.f.size(); ++i) {
            const double e = std::fabs(static_cast<double>(g.f[i]) - static_cast<double>(w.f[i]));
            if (!(e <= err))
                at = i;
            err = std::isnan(e) ? std::numeric_limits<double>::infinity() : std::max(err, e);
        }
        err /= range;
        if (!(err <= tolerance))
            qFatal("%s: max error %.3g of range at element %zu (vulkan %.7g, reference %.7g), tolerance %.1g", where.c_str(),
                err, at, static_cast<double>(g.f[at]), static_cast<double>(w.f[at]), tolerance);
        worst = std::max(worst, err);
    }
    if (onDevice) {
        if (run.profile.empty())
            qFatal("%s: the profile names no node", what.c_str());
        for (const auto& n : run.profile)
            if (n.op.find("CPU fallback") != std::string::npos)
                qFatal("%s: node '%s' ran as %s, not on the Vulkan device [%s]", what.c_str(), n.node.c_str(), n.op.c_str(),
                    vulkan->info().device.c_str());
    }
    qInfo("%-58s max error %.2e  [%s]", what.c_str(), worst, vulkan->info().device.c_str());
    return worst;
}

} // namespace studio::vktest
