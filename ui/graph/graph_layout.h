// The graph view's layout: which boxes show for the open groups, placed top-down by Graphviz dot.
// Pure data in, pure data out, so it runs on a worker thread and in the layout benchmark.
#pragma once

#include "core/error.h"
#include "ui/graph/graph_data.h"

#include <QPainterPath>
#include <QPointF>
#include <QRectF>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace studio::ui::graph {

struct LayoutRequest {
    std::shared_ptr<const GraphData> data;
    std::vector<bool> expanded; // per group; [0], the root, is always open
    // Text metrics of the view's font, measured on the GUI thread (fonts belong to it).
    double charWidth = 7;
    double lineHeight = 15;
    bool edgeLabels = true; // tensor shapes as edge labels (dot makes room for them)
};

// One box in the picture: a node, or a closed group standing for everything inside it.
struct LayoutBox {
    bool isGroup = false;
    int id = 0; // node or group index into GraphData
    QRectF rect;
};

// An open group (not the root): a frame around its members.
struct LayoutCluster {
    int group = 0;
    QRectF rect;
};

struct LayoutEdge {
    int from = 0, to = 0; // indexes into LayoutResult::boxes
    QPainterPath path;    // the spline, from the tail box to the arrow's base
    QPointF arrowBase, arrowTip;
    QString label;
    QPointF labelPos; // centre of the label; null when there is none
    int count = 1;    // tensor edges merged into this one (closed groups)
    bool control = false;
};

struct LayoutResult {
    std::vector<LayoutBox> boxes;
    std::vector<LayoutCluster> clusters;
    std::vector<LayoutEdge> edges;
    QRectF bounds;
    double layoutMs = 0; // Graphviz alone
    // The box that stands for each node (-1 for none), and for each group (its own box when closed,
    // else -1), so the view can map names to items.
    std::vector<int> boxOfNode;
    std::vector<int> boxOfGroup;
    std::vector<int> clusterOfGroup;
};

// The box a node shows in: itself when every group around it is open, else the outermost closed
// group around it (as a group index, negated and minus one: -(g + 1)).
int representative(const GraphData& data, const std::vector<bool>& expanded, int node);

// How many boxes the expansion shows.
int visibleCount(const GraphData& data, const std::vector<bool>& expanded);

// Runs dot. Checks the token before and after Graphviz (which cannot be interrupted); progress goes
// 0 -> 0.1 (graph built) -> 0.9 (dot done) -> 1. Throws studio::Cancelled, or studio::Error when
// Graphviz fails.
LayoutResult computeLayout(const LayoutRequest& request, const CancelToken& cancel = {},
    const std::function<void(double)>& progress = {});

} // namespace studio::ui::graph
