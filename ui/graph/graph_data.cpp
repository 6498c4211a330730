// The graph view's data: categories, the scope tree, edges with shapes from the op schemas.
#include "ui/graph/graph_data.h"

#include "converter/convert.h"
#include "converter/op_check.h"
#include "core/error.h"
#include "core/ir/model.h"
#include "core/ops/op_table.h"
#include "core/ops/shape_inference.h"

#include <QObject>
#include <QSet>

#include <algorithm>
#include <deque>
#include <map>

namespace studio::ui::graph {

namespace {

bool in(const QString& s, std::initializer_list<const char*> list)
{
    for (const char* x : list)
        if (s == QLatin1String(x))
            return true;
    return false;
}

QString shapeOf(const core::Shape& s)
{
    return s.unknownRank ? QString() : QString::fromStdString(s.toString());
}

// Node names to groups. A scope becomes a group only when it holds two nodes or more: a box around
// one node would be a click that shows nothing new.
void buildScopes(GraphData& g, const std::vector<QString>& scopeOf)
{
    std::map<QString, int> counts; // sorted, so parents come before children
    for (const QString& scope : scopeOf) {
        if (scope.isEmpty())
            continue;
        qsizetype cut = scope.size();
        while (cut > 0) {
            ++counts[scope.left(cut)];
            cut = scope.lastIndexOf(u'/', cut - 1);
        }
    }
    auto groupFor = [&](const QString& scope) {
        qsizetype cut = scope.size();
        while (cut > 0) {
            const int found = g.groupByName.value(scope.left(cut), -1);
            if (found >= 0)
                return found;
            cut = scope.lastIndexOf(u'/', cut - 1);
        }
        return 0;
    };
    // A scope whose nodes all sit in one child scope ("StatefulPartitionedCall" around
    // "StatefulPartitionedCall/functional_1") would be a frame around a frame: the child stands
    // for both, labelled with the joined path.
    std::map<QString, int> largestChild;
    for (const auto& [path, n] : counts) {
        const qsizetype slash = path.lastIndexOf(u'/');
        if (slash > 0) {
            int& m = largestChild[path.left(slash)];
            m = std::max(m, n);
        }
    }
    for (const auto& [path, n] : counts) {
        if (n < 2)
            continue;
        const auto child = largestChild.find(path);
        if (child != largestChild.end() && child->second == n)
            continue;
        const qsizetype slash = path.lastIndexOf(u'/');
        Group grp;
        grp.name = path;
        grp.parent = slash > 0 ? groupFor(path.left(slash)) : 0;
        const QString& parentName = g.groups[static_cast<std::size_t>(grp.parent)].name;
        grp.label = grp.parent > 0 ? path.mid(parentName.size() + 1) : path;
        const int id = static_cast<int>(g.groups.size());
        g.groups[static_cast<std::size_t>(grp.parent)].groups.push_back(id);
        g.groupByName.insert(path, id);
        g.groups.push_back(std::move(grp));
    }
    for (std::size_t i = 0; i < g.nodes.size(); ++i)
        g.nodes[i].group = scopeOf[i].isEmpty() ? 0 : groupFor(scopeOf[i]);
}

void finish(GraphData& g)
{
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        g.groups[static_cast<std::size_t>(n.group)].nodes.push_back(static_cast<int>(i));
        for (int grp = n.group; grp >= 0; grp = g.groups[static_cast<std::size_t>(grp)].parent) {
            ++g.groups[static_cast<std::size_t>(grp)].totalNodes;
            if (n.unsupported)
                ++g.groups[static_cast<std::size_t>(grp)].unsupported;
        }
    }
}

QString scopeOfName(const QString& name)
{
    const qsizetype slash = name.lastIndexOf(u'/');
    return slash > 0 ? name.left(slash) : QString();
}

// Nodes and edges of an op graph; `reasons` from the op check, by node name.
// A lowered layers model is checked by layer class, not by the ops the lowering chose (checkOps false).
void addOpGraph(GraphData& g, const core::Model& model, const QHash<QString, QString>& reasons, bool checkOps = true)
{
    const auto& nodes = model.graph.nodes;
    g.nodes.reserve(nodes.size());
    for (const auto& n : nodes) {
        Node v;
        v.name = QString::fromStdString(n.name);
        v.op = QString::fromStdString(n.op);
        v.category = opCategory(v.op);
        v.unsupported = checkOps && !core::tfjsSupportsOp(n.op);
        if (v.unsupported)
            v.reason = reasons.value(v.name, QObject::tr("not in TensorFlow.js's op list"));
        g.nodeByName.insert(v.name, static_cast<int>(g.nodes.size()));
        g.nodes.push_back(std::move(v));
    }
    core::InferResult shapes;
    try {
        shapes = core::inferShapes(model);
    } catch (const std::exception&) {
        // shapes stay unknown: the labels are a help, not the graph
    }
    const bool haveShapes = shapes.outputs.size() == nodes.size();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (haveShapes && !shapes.outputs[i].empty())
            g.nodes[i].outputShape = shapeOf(shapes.outputs[i][0].shape);
        for (const auto& input : nodes[i].inputs) {
            const auto parsed = core::parseInput(input);
            const int producer = g.nodeByName.value(QString::fromUtf8(parsed.node.data(), static_cast<qsizetype>(parsed.node.size())), -1);
            if (producer < 0)
                continue;
            Edge e{producer, static_cast<int>(i), {}, parsed.control};
            const auto from = static_cast<std::size_t>(producer);
            if (!parsed.control && haveShapes && parsed.output >= 0
                && static_cast<std::size_t>(parsed.output) < shapes.outputs[from].size())
                e.shape = shapeOf(shapes.outputs[from][static_cast<std::size_t>(parsed.output)].shape);
            g.edges.push_back(std::move(e));
        }
    }
}

} // namespace

Category opCategory(const QString& op)
{
    if (in(op, {"Placeholder", "PlaceholderWithDefault", "_Arg", "_Retval"}))
        return Category::Input;
    if (in(op, {"Const", "VarHandleOp", "VariableV2", "ReadVariableOp", "HashTableV2"}))
        return Category::Const;
    if (op.contains(QLatin1String("Pool")) || in(op, {"Mean", "Sum", "Max", "Min", "Prod", "ArgMax", "ArgMin", "All", "Any"}))
        return Category::Pooling;
    if (op.contains(QLatin1String("Conv")))
        return Category::Conv;
    if (op.contains(QLatin1String("MatMul")) || in(op, {"Einsum"}))
        return Category::MatMul;
    if (op.contains(QLatin1String("BatchNorm")) || in(op, {"LRN"}))
        return Category::Normalization;
    if (in(op, {"Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Prelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
            "Softplus", "Softsign", "Swish", "HardSigmoid", "Gelu"}))
        return Category::Activation;
    if (in(op, {"Reshape", "Transpose", "Squeeze", "ExpandDims", "ConcatV2", "Concat", "Pack", "Unpack", "Slice",
            "StridedSlice", "Split", "SplitV", "Pad", "PadV2", "MirrorPad", "Shape", "ShapeN", "Tile", "Gather",
            "GatherV2", "GatherNd", "ResizeBilinear", "ResizeNearestNeighbor", "BroadcastTo", "DepthToSpace",
            "SpaceToDepth", "SpaceToBatchND", "BatchToSpaceND", "Reverse", "ReverseV2", "OneHot", "Cast"}))
        return Category::Shape;
    const auto cat = core::tfjsOpCategory(op.toStdString());
    if (!cat)
        return Category::Other;
    if (*cat == "control")
        return Category::ControlFlow;
    if (*cat == "arithmetic" || *cat == "basic_math" || *cat == "logical")
        return Category::Elementwise;
    if (*cat == "slice_join" || *cat == "transformation")
        return Category::Shape;
    if (*cat == "reduction")
        return Category::Pooling;
    if (*cat == "normalization")
        return Category::Normalization;
    if (*cat == "matrices")
        return Category::MatMul;
    if (*cat == "convolution")
        return Category::Conv;
    return Category::Other;
}

Category layerCategory(const QString& c)
{
    if (c == QLatin1String("InputLayer"))
        return Category::Input;
    if (c.contains(QLatin1String("Pool")))
        return Category::Pooling;
    if (c.contains(QLatin1String("Conv")))
        return Category::Conv;
    if (in(c, {"Dense", "Dot", "Embedding"}))
        return Category::MatMul;
    if (c.contains(QLatin1String("Normalization")))
        return Category::Normalization;
    if (in(c, {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax"}))
        return Category::Activation;
    if (in(c, {"Add", "Multiply", "Average", "Maximum", "Minimum", "Subtract", "Rescaling"}))
        return Category::Elementwise;
    if (in(c, {"Reshape", "Flatten", "Permute", "Concatenate", "ZeroPadding2D", "Cropping2D", "UpSampling2D",
            "RepeatVector", "Resizing", "CenterCrop"}))
        return Category::Shape;
    if (in(c, {"LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "TimeDistributed", "ConvLSTM2D"}))
        return Category::ControlFlow;
    return Category::Other;
}

QString categoryName(Category c)
{
    switch (c) {
    case Category::Input: return QObject::tr("input");
    case Category::Const: return QObject::tr("constant / weight");
    case Category::Conv: return QObject::tr("convolution");
    case Category::MatMul: return QObject::tr("matmul / dense");
    case Category::Normalization: return QObject::tr("normalization");
    case Category::Activation: return QObject::tr("activation");
    case Category::Elementwise: return QObject::tr("elementwise");
    case Category::Pooling: return QObject::tr("pooling / reduction");
    case Category::Shape: return QObject::tr("shape / layout");
    case Category::ControlFlow: return QObject::tr("control flow / recurrent");
    case Category::Other:
    case Category::Count: break;
    }
    return QObject::tr("other");
}

std::vector<int> GraphData::ancestors(int node) const
{
    std::vector<int> out;
    if (node < 0 || static_cast<std::size_t>(node) >= nodes.size())
        return out;
    for (int g = nodes[static_cast<std::size_t>(node)].group; g > 0; g = groups[static_cast<std::size_t>(g)].parent)
        out.push_back(g);
    return out;
}

std::vector<bool> GraphData::defaultExpansion(int budget) const
{
    std::vector<bool> open(groups.size(), false);
    if (groups.empty())
        return open;
    open[0] = true;
    const Group& root = groups[0];
    int visible = static_cast<int>(root.groups.size() + root.nodes.size());
    std::deque<int> queue(root.groups.begin(), root.groups.end());
    while (!queue.empty()) {
        const int id = queue.front();
        queue.pop_front();
        const Group& grp = groups[static_cast<std::size_t>(id)];
        if (grp.isLayer())
            continue; // a layers model reads as layers; their ops are one double-click away
        const int delta = static_cast<int>(grp.groups.size() + grp.nodes.size()) - 1;
        if (visible + delta > budget)
            continue;
        visible += delta;
        open[static_cast<std::size_t>(id)] = true;
        queue.insert(queue.end(), grp.groups.begin(), grp.groups.end());
    }
    return open;
}

std::shared_ptr<const GraphData> buildGraphData(const core::Model& model)
{
    auto g = std::make_shared<GraphData>();
    g->groups.push_back(Group{});
    if (model.kind == core::ModelKind::WeightsOnly)
        return g;
    const auto check = conv::checkOps(model);
    QHash<QString, QString> reasons;
    for (const auto& u : check.unsupported)
        for (const auto& n : u.nodes)
            reasons.insert(QString::fromStdString(n), QString::fromStdString(u.reason));

    if (model.kind == core::ModelKind::GraphModel) {
        addOpGraph(*g, model, reasons);
        std::vector<QString> scopes;
        scopes.reserve(g->nodes.size());
        for (const auto& n : g->nodes)
            scopes.push_back(scopeOfName(n.name));
        buildScopes(*g, scopes);
        finish(*g);
        return g;
    }

    // A layers model: each layer is a group around the ops the lowering makes of it.
    g->layersModel = true;
    std::optional<core::Model> lowered;
    try {
        lowered = conv::graphForRuntime(model);
    } catch (const std::exception& e) {
        g->note = QObject::tr("The ops of each layer cannot be shown: %1").arg(QString::fromUtf8(e.what()));
    }
    // Path scopes of nested models first, then the layers inside them.
    std::vector<QString> layerScopes;
    for (const auto& l : model.layers)
        layerScopes.push_back(scopeOfName(QString::fromStdString(l.path.empty() ? l.name : l.path)));

    if (!lowered) {
        for (const auto& l : model.layers) {
            Node v;
            v.name = QString::fromStdString(l.name);
            v.op = QString::fromStdString(l.className);
            v.category = layerCategory(v.op);
            v.unsupported = !conv::tfjsSupportsLayerClass(l.className);
            if (v.unsupported)
                v.reason = reasons.value(QString::fromStdString(l.path.empty() ? l.name : l.path));
            g->nodeByName.insert(v.name, static_cast<int>(g->nodes.size()));
            g->nodes.push_back(std::move(v));
        }
        for (std::size_t i = 0; i < model.layers.size(); ++i)
            for (const auto& in : model.layers[i].inboundLayers) {
                const int producer = g->nodeByName.value(QString::fromStdString(in), -1);
                if (producer >= 0)
                    g->edges.push_back({producer, static_cast<int>(i), {}, false});
            }
        buildScopes(*g, layerScopes);
        finish(*g);
        return g;
    }

    addOpGraph(*g, *lowered, {}, false);
    // Scopes of nested models (two layers or more), then one group per layer.
    {
        // buildScopes assigns nodes too; give it the layers' scopes by running it on a stand-in.
        GraphData scopesOnly;
        scopesOnly.groups.push_back(Group{});
        scopesOnly.nodes.resize(model.layers.size());
        buildScopes(scopesOnly, layerScopes);
        g->groups = std::move(scopesOnly.groups);
        g->groupByName = std::move(scopesOnly.groupByName);
        for (auto& grp : g->groups)
            grp.nodes.clear();
        std::vector<int> layerParent(model.layers.size());
        for (std::size_t i = 0; i < model.layers.size(); ++i)
            layerParent[i] = scopesOnly.nodes[i].group;
        QHash<QString, int> layerGroup;
        for (std::size_t i = 0; i < model.layers.size(); ++i) {
            const auto& l = model.layers[i];
            Group grp;
            grp.name = QString::fromStdString(l.name);
            grp.label = grp.name;
            grp.parent = layerParent[i];
            grp.layerClass = QString::fromStdString(l.className);
            grp.category = layerCategory(grp.layerClass);
            const int id = static_cast<int>(g->groups.size());
            g->groups[static_cast<std::size_t>(grp.parent)].groups.push_back(id);
            layerGroup.insert(grp.name, id);
            // A layer and a scope of a nested model cannot share a name the table uses for the layer.
            g->groupByName.insert(grp.name, id);
            g->groups.push_back(std::move(grp));
        }
        // Each op goes to the layer whose name is its own or a prefix of it ("conv1/BiasAdd").
        for (auto& n : g->nodes) {
            QString key = n.name;
            n.group = 0;
            while (!key.isEmpty()) {
                const int layer = layerGroup.value(key, -1);
                if (layer >= 0) {
                    n.group = layer;
                    break;
                }
                const qsizetype slash = key.lastIndexOf(u'/');
                key = slash > 0 ? key.left(slash) : QString();
            }
        }
        // The lowering shares small constants (Relu6's 6, a reshape's target) between layers, named
        // after the first layer that needed them: drawn, they would tie that layer to all the others.
        std::erase_if(g->edges, [&](const Edge& e) {
            const Node& from = g->nodes[static_cast<std::size_t>(e.from)];
            return from.op == QLatin1String("Const") && from.group != g->nodes[static_cast<std::size_t>(e.to)].group;
        });
    }
    finish(*g);
    return g;
}

} // namespace studio::ui::graph
