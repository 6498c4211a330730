// What the graph view draws, taken out of a core::Model once per load (off the GUI thread): nodes
// with their op category and TF.js verdict, edges with tensor shapes, and the name-scope tree that
// the view collapses and expands.
#pragma once

#include <QHash>
#include <QString>

#include <memory>
#include <vector>

namespace studio::core {
struct Model;
}

namespace studio::ui::graph {

// Colours in the view and rows in the legend; the order is the legend's.
enum class Category {
    Input,
    Const,
    Conv,
    MatMul,
    Normalization,
    Activation,
    Elementwise,
    Pooling,
    Shape,
    ControlFlow,
    Other,
    Count,
};

Category opCategory(const QString& op);
Category layerCategory(const QString& className);
QString categoryName(Category c);

struct Node {
    QString name;   // full name: what the node table, the inspector and find use
    QString op;     // op, or a layer's class when the node is a layer
    int group = 0;  // innermost group holding it (0: the root)
    Category category = Category::Other;
    bool unsupported = false;
    QString reason; // why TF.js cannot run it
    QString outputShape; // first output, "[?,7,7,96]"; empty when unknown
};

// A name scope ("block_3/expand") or, in a layers model, one layer holding its lowered ops.
struct Group {
    QString name;  // full path; empty for the root
    QString label; // last path segment
    int parent = -1;
    std::vector<int> groups; // child groups
    std::vector<int> nodes;  // nodes directly inside
    int totalNodes = 0;      // nodes anywhere below
    int unsupported = 0;     // unsupported nodes anywhere below
    // Layers models: the layer's class, and the node the table knows it by (its inputs become the
    // group's when collapsed). Empty for name scopes.
    QString layerClass;
    Category category = Category::Other;
    bool isLayer() const { return !layerClass.isEmpty(); }
};

struct Edge {
    int from = 0, to = 0; // node indexes
    QString shape;        // the tensor's shape when inference knows it
    bool control = false;
};

struct GraphData {
    std::vector<Node> nodes;
    std::vector<Group> groups; // [0] is the root
    std::vector<Edge> edges;
    QHash<QString, int> nodeByName;
    QHash<QString, int> groupByName;
    bool layersModel = false;
    QString note; // "ops of the layers not shown: ..." when the lowering failed

    // The ancestors of a node, innermost first, the root excluded.
    std::vector<int> ancestors(int node) const;
    // Groups open by default: breadth first from the root while at most `budget` boxes show
    // (a layers model keeps its layers closed).
    std::vector<bool> defaultExpansion(int budget = 400) const;
};

// Builds the view's data. Layers models show their layers, each holding the ops the lowering
// makes of it when the model can be lowered. Throws nothing: what it cannot work out stays unknown.
std::shared_ptr<const GraphData> buildGraphData(const core::Model& model);

} // namespace studio::ui::graph
