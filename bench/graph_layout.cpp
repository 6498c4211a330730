// Graph view layout: the largest graph model in ../shared/models and a generated 3,000-node graph,
// laid out by a real GraphView (offscreen) as the studio does it. Prints the layout time and the
// longest time the GUI thread was blocked, measured by a 2 ms QTimer heartbeat that runs while the
// layout works on its worker thread (target: never more than 50 ms).
//
//   bench_graph_layout [MODELS_DIR]
#include "core/ir/model.h"
#include "core/tfjs/artifacts.h"
#include "ui/graph/graph_data.h"
#include "ui/graph/graph_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using namespace studio;

namespace {

// Blocks of a MobileNet-like network in name scopes: block_k/{expand,depthwise,project}/... with a
// residual Add, which is what real converted graphs look like to the layout.
core::Model generatedGraph(int targetNodes)
{
    core::Model m;
    m.kind = core::ModelKind::GraphModel;
    auto add = [&](const std::string& name, const std::string& op, std::vector<std::string> inputs) {
        core::Node n;
        n.name = name;
        n.op = op;
        n.inputs = std::move(inputs);
        m.graph.nodes.push_back(std::move(n));
        return name;
    };
    std::string x = add("input", "Placeholder", {});
    for (int b = 0; static_cast<int>(m.graph.nodes.size()) < targetNodes; ++b) {
        const std::string block = "block_" + std::to_string(b) + "/";
        const std::string in = x;
        for (const char* stage : {"expand", "depthwise", "project"}) {
            const std::string s = block + stage + "/";
            const std::string w = add(s + "weights", "Const", {});
            const std::string bias = add(s + "bias", "Const", {});
            const std::string conv = add(s + "conv", std::string(stage) == "depthwise" ? "DepthwiseConv2dNative" : "Conv2D", {x, w});
            x = add(s + "BiasAdd", "BiasAdd", {conv, bias});
            const std::string scale = add(s + "bn/scale", "Const", {});
            x = add(s + "bn/mul", "Mul", {x, scale});
            if (std::string(stage) != "project")
                x = add(s + "Relu6", "Relu6", {x});
        }
        x = add(block + "add", "AddV2", {x, in});
    }
    add("output", "Identity", {x});
    return m;
}

struct Measured {
    double layoutMs = 0;  // from asking to seeing the finished scene
    double dotMs = 0;     // Graphviz alone
    double blockedMs = 0; // the longest gap between heartbeats on the GUI thread
    int boxes = 0;
};

// Runs `start` (which asks the view for a layout) and waits for the scene, watching the GUI thread.
template <typename Start>
Measured measure(ui::GraphView& view, Start start)
{
    Measured r;
    QElapsedTimer clock, beat;
    QTimer heartbeat;
    heartbeat.setInterval(2);
    double worst = 0;
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        worst = std::max(worst, static_cast<double>(beat.nsecsElapsed()) / 1e6);
        beat.restart();
    });
    QEventLoop loop;
    QObject::connect(&view, &ui::GraphView::layoutFinished, &loop, [&] {
        if (!view.isLayingOut())
            loop.quit();
    });
    heartbeat.start();
    beat.start();
    clock.start();
    start();
    loop.exec();
    r.layoutMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    // One more beat after the scene was built, so that building it counts.
    QEventLoop settle;
    QTimer::singleShot(20, &settle, &QEventLoop::quit);
    settle.exec();
    heartbeat.stop();
    r.blockedMs = worst;
    r.dotMs = view.layout().layoutMs;
    r.boxes = view.boxCount();
    return r;
}

void report(const std::string& name, const ui::graph::GraphData& data, const char* what, const Measured& m)
{
    std::printf("%-44s %5zu nodes %-14s %4d boxes  layout %8.1f ms (dot %8.1f ms)  GUI blocked max %6.1f ms%s\n",
        name.c_str(), data.nodes.size(), what, m.boxes, m.layoutMs, m.dotMs, m.blockedMs,
        m.blockedMs > 50 ? "  OVER 50 ms" : "");
}

void run(const std::string& name, const core::Model& model, bool expandAll)
{
    ui::GraphView view;
    view.resize(1000, 700);
    view.show();
    // The window's first paint (fonts, style) is start-up, not layout: let it happen first.
    {
        QEventLoop settle;
        QTimer::singleShot(200, &settle, &QEventLoop::quit);
        settle.exec();
    }
    QElapsedTimer t;
    t.start();
    const auto data = ui::graph::buildGraphData(model); // on the loader's worker thread in the studio
    const double buildMs = static_cast<double>(t.nsecsElapsed()) / 1e6;
    std::printf("%-44s graph data built in %.1f ms (worker thread in the studio)\n", name.c_str(), buildMs);
    report(name, *data, "(default)", measure(view, [&] { view.setGraph(data); }));
    if (!expandAll)
        return;
    report(name, *data, "(all open)", measure(view, [&] {
        for (std::size_t g = 1; g < data->groups.size(); ++g)
            view.setGroupExpanded(data->groups[g].name, true);
    }));
}

} // namespace

int main(int argc, char** argv)
{
    if (!std::getenv("QT_QPA_PLATFORM"))
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    QApplication app(argc, argv);
    const fs::path models = argc > 1 ? fs::path(argv[1]) : fs::path(STUDIO_MODELS_DIR);

    // The largest graph model: the model.json with the most nodes anywhere under models/.
    fs::path largest;
    std::size_t most = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(models, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().extension() != ".json" || it->file_size(ec) < 1000)
            continue;
        try {
            const auto m = core::readTfjsModel(it->path());
            if (m.kind == core::ModelKind::GraphModel && m.graph.nodes.size() > most) {
                most = m.graph.nodes.size();
                largest = it->path();
            }
        } catch (const std::exception&) {
            // not a TF.js model
        }
    }
    if (largest.empty()) {
        std::fprintf(stderr, "bench_graph_layout: no graph model under %s\n", models.string().c_str());
        return 1;
    }
    run(fs::relative(largest, models).string(), core::readTfjsModel(largest), true);
    run("generated 3,000-node graph", generatedGraph(3000), true);
    return 0;
}
