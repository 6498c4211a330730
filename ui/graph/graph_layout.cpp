// Graphviz dot through its C library. Graphviz keeps global state (its lexer, its memory pools), so
// one layout runs at a time, under a mutex; the GUI thread never waits on it.
#include "ui/graph/graph_layout.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QObject>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace studio::ui::graph {

namespace {

constexpr double kPointsPerInch = 72.0;
constexpr int kMaxLabelChars = 26; // the view elides longer names; their tooltip has them whole

QMutex& graphvizMutex()
{
    static QMutex m;
    return m;
}

// The cgraph API predates const; it copies every string it is given.
char* cs(const char* s)
{
    return const_cast<char*>(s);
}

void set(void* obj, const char* name, const QByteArray& value)
{
    agsafeset(obj, cs(name), cs(value.constData()), cs(""));
}

QString shortName(const QString& name)
{
    const qsizetype slash = name.lastIndexOf(u'/');
    return slash >= 0 && slash + 1 < name.size() ? name.mid(slash + 1) : name;
}

double textWidth(const QString& text, double charWidth)
{
    return static_cast<double>(std::min<qsizetype>(text.size(), kMaxLabelChars)) * charWidth;
}

QSizeF boxSize(const GraphData& d, const LayoutRequest& r, bool isGroup, int id)
{
    QString a, b;
    double extra = 0;
    if (isGroup) {
        const Group& g = d.groups[static_cast<std::size_t>(id)];
        a = g.label;
        b = g.isLayer() ? g.layerClass : QObject::tr("%1 nodes").arg(g.totalNodes);
        extra = 22; // the expand button
    } else {
        const Node& n = d.nodes[static_cast<std::size_t>(id)];
        a = n.op;
        b = shortName(n.name);
    }
    // The first line is bold: about a tenth wider.
    const double w = std::max(textWidth(a, r.charWidth) * 1.1, textWidth(b, r.charWidth)) + 20 + extra;
    return {std::clamp(w, 76.0, 300.0), 2 * r.lineHeight + (isGroup ? 14 : 10)};
}

std::vector<double> numbers(const char* text)
{
    std::vector<double> out;
    if (!text)
        return out;
    const QList<QByteArray> parts = QByteArray(text).replace(',', ' ').split(' ');
    for (const QByteArray& p : parts) {
        bool ok = false;
        const double v = p.toDouble(&ok);
        if (ok)
            out.push_back(v);
    }
    return out;
}

struct GraphDeleter {
    void operator()(Agraph_t* g) const { agclose(g); }
};
// One Graphviz context for the whole process, used under graphvizMutex(): the text-layout
// plugin caches font data across contexts, and a context freed after one layout left that cache
// pointing at freed memory for the next (AddressSanitizer: heap-use-after-free in textspan_size
// when several layouts ran in one process). Never freed: it lives as long as the plugins.
struct SharedContext {
    GVC_t* get() const
    {
        static GVC_t* const context = gvContext();
        return context;
    }
    explicit operator bool() const { return get() != nullptr; }
};

} // namespace

int representative(const GraphData& data, const std::vector<bool>& expanded, int node)
{
    int rep = node;
    for (int g = data.nodes[static_cast<std::size_t>(node)].group; g > 0; g = data.groups[static_cast<std::size_t>(g)].parent)
        if (static_cast<std::size_t>(g) >= expanded.size() || !expanded[static_cast<std::size_t>(g)])
            rep = -(g + 1);
    return rep;
}

int visibleCount(const GraphData& data, const std::vector<bool>& expanded)
{
    int n = 0;
    std::vector<int> stack{0};
    while (!stack.empty()) {
        const Group& g = data.groups[static_cast<std::size_t>(stack.back())];
        stack.pop_back();
        n += static_cast<int>(g.nodes.size());
        for (int c : g.groups) {
            if (static_cast<std::size_t>(c) < expanded.size() && expanded[static_cast<std::size_t>(c)])
                stack.push_back(c);
            else
                ++n;
        }
    }
    return n;
}

LayoutResult computeLayout(const LayoutRequest& r, const CancelToken& cancel, const std::function<void(double)>& progress)
{
    if (!r.data)
        throw Error("graph layout: no graph");
    const GraphData& d = *r.data;
    std::vector<bool> open = r.expanded;
    open.resize(d.groups.size(), false);
    if (!open.empty())
        open[0] = true;
    cancel.check();

    LayoutResult out;
    out.boxOfNode.assign(d.nodes.size(), -1);
    out.boxOfGroup.assign(d.groups.size(), -1);
    out.clusterOfGroup.assign(d.groups.size(), -1);

    // Which boxes show, and in which open group each sits (its Graphviz cluster).
    std::vector<int> boxParent;
    std::vector<int> openGroups; // open non-root groups that hold something visible
    {
        std::vector<int> stack{0};
        while (!stack.empty()) {
            const int gi = stack.back();
            stack.pop_back();
            const Group& g = d.groups[static_cast<std::size_t>(gi)];
            if (gi != 0)
                openGroups.push_back(gi);
            for (int n : g.nodes) {
                out.boxOfNode[static_cast<std::size_t>(n)] = static_cast<int>(out.boxes.size());
                out.boxes.push_back({false, n, {}});
                boxParent.push_back(gi);
            }
            for (int c : g.groups) {
                if (open[static_cast<std::size_t>(c)]) {
                    stack.push_back(c);
                } else {
                    out.boxOfGroup[static_cast<std::size_t>(c)] = static_cast<int>(out.boxes.size());
                    out.boxes.push_back({true, c, {}});
                    boxParent.push_back(gi);
                }
            }
        }
    }
    // Nodes inside closed groups take their group's box.
    for (std::size_t n = 0; n < d.nodes.size(); ++n) {
        if (out.boxOfNode[n] >= 0)
            continue;
        const int rep = representative(d, open, static_cast<int>(n));
        if (rep < 0)
            out.boxOfNode[n] = out.boxOfGroup[static_cast<std::size_t>(-rep - 1)];
    }

    // Edges between boxes, merged: a closed group's many inputs read as one arrow per neighbour.
    struct Merged {
        QString label;
        int count = 0;
        bool control = true;
    };
    std::map<std::pair<int, int>, Merged> merged;
    for (const Edge& e : d.edges) {
        const int a = out.boxOfNode[static_cast<std::size_t>(e.from)], b = out.boxOfNode[static_cast<std::size_t>(e.to)];
        if (a < 0 || b < 0 || a == b)
            continue;
        Merged& m = merged[{a, b}];
        if (m.count == 0 || (m.control && !e.control))
            m.label = e.shape;
        else if (m.label != e.shape)
            m.label.clear(); // different tensors: no one shape is right
        ++m.count;
        m.control = m.control && e.control;
    }

    QMutexLocker lock(&graphvizMutex());
    const SharedContext gvc;
    std::unique_ptr<Agraph_t, GraphDeleter> g(agopen(cs("g"), Agdirected, nullptr));
    if (!gvc || !g)
        throw Error("graph layout: Graphviz could not start");
    agattr(g.get(), AGRAPH, cs("rankdir"), cs("TB"));
    agattr(g.get(), AGRAPH, cs("nodesep"), cs("0.3"));
    agattr(g.get(), AGRAPH, cs("ranksep"), cs("0.32"));
    agattr(g.get(), AGRAPH, cs("margin"), cs("0"));
    agattr(g.get(), AGRAPH, cs("label"), cs(""));
    agattr(g.get(), AGRAPH, cs("fontsize"), cs("11"));
    agattr(g.get(), AGRAPH, cs("labeljust"), cs("l"));
    agattr(g.get(), AGNODE, cs("shape"), cs("box"));
    agattr(g.get(), AGNODE, cs("fixedsize"), cs("true"));
    agattr(g.get(), AGNODE, cs("label"), cs(""));
    agattr(g.get(), AGNODE, cs("width"), cs("1"));
    agattr(g.get(), AGNODE, cs("height"), cs("0.5"));
    agattr(g.get(), AGEDGE, cs("label"), cs(""));
    agattr(g.get(), AGEDGE, cs("fontsize"), cs("9"));
    agattr(g.get(), AGEDGE, cs("fontname"), cs("Helvetica"));
    agattr(g.get(), AGEDGE, cs("weight"), cs("1"));

    // Clusters nest like the groups (parents first: openGroups came from a walk down the tree).
    QHash<int, Agraph_t*> subgraphOf;
    subgraphOf.insert(0, g.get());
    for (int gi : openGroups) {
        const Group& grp = d.groups[static_cast<std::size_t>(gi)];
        Agraph_t* parent = subgraphOf.value(grp.parent, g.get());
        Agraph_t* sub = agsubg(parent, cs(QByteArray("cluster_" + QByteArray::number(gi)).constData()), 1);
        // A label gives the frame room at the top for the title the view draws there.
        set(sub, "label", grp.label.left(kMaxLabelChars).toUtf8());
        set(sub, "margin", "10");
        subgraphOf.insert(gi, sub);
    }
    std::vector<Agnode_t*> gvNodes(out.boxes.size());
    for (std::size_t i = 0; i < out.boxes.size(); ++i) {
        const LayoutBox& b = out.boxes[i];
        const QSizeF size = boxSize(d, r, b.isGroup, b.id);
        out.boxes[i].rect.setSize(size);
        Agraph_t* parent = subgraphOf.value(boxParent[i], g.get());
        Agnode_t* n = agnode(parent, cs(QByteArray("n" + QByteArray::number(static_cast<qulonglong>(i))).constData()), 1);
        set(n, "width", QByteArray::number(size.width() / kPointsPerInch, 'f', 3));
        set(n, "height", QByteArray::number(size.height() / kPointsPerInch, 'f', 3));
        gvNodes[i] = n;
    }
    std::vector<Agedge_t*> gvEdges;
    gvEdges.reserve(merged.size());
    for (const auto& [ends, m] : merged) {
        Agedge_t* e = agedge(g.get(), gvNodes[static_cast<std::size_t>(ends.first)], gvNodes[static_cast<std::size_t>(ends.second)], nullptr, 1);
        if (r.edgeLabels && !m.label.isEmpty())
            set(e, "label", m.label.toUtf8());
        if (m.control)
            set(e, "weight", "0"); // control edges should not pull the data flow out of line
        gvEdges.push_back(e);
        LayoutEdge le;
        le.from = ends.first;
        le.to = ends.second;
        le.label = m.label;
        le.count = m.count;
        le.control = m.control;
        out.edges.push_back(std::move(le));
    }
    if (progress)
        progress(0.1);
    cancel.check();

    QElapsedTimer timer;
    timer.start();
    if (gvLayout(gvc.get(), g.get(), "dot") != 0)
        throw Error("graph layout: Graphviz dot failed on " + std::to_string(out.boxes.size()) + " boxes");
    // Rendering to the "dot" format writes every position back as attributes (pos, bb, lp), which
    // reads without reaching into Graphviz's structs.
    char* text = nullptr;
    unsigned int length = 0;
    gvRenderData(gvc.get(), g.get(), "dot", &text, &length);
    gvFreeRenderData(text);
    out.layoutMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    if (progress)
        progress(0.9);

    const auto bb = numbers(agget(g.get(), cs("bb")));
    const double top = bb.size() == 4 ? bb[3] : 0;
    auto flip = [top](double x, double y) { return QPointF(x, top - y); };
    for (std::size_t i = 0; i < out.boxes.size(); ++i) {
        const auto pos = numbers(agget(gvNodes[i], cs("pos")));
        if (pos.size() >= 2) {
            QRectF& rect = out.boxes[i].rect;
            rect.moveCenter(flip(pos[0], pos[1]));
        }
    }
    for (int gi : openGroups) {
        const auto cb = numbers(agget(subgraphOf.value(gi), cs("bb")));
        if (cb.size() != 4)
            continue;
        out.clusterOfGroup[static_cast<std::size_t>(gi)] = static_cast<int>(out.clusters.size());
        out.clusters.push_back({gi, QRectF(flip(cb[0], cb[3]), flip(cb[2], cb[1]))});
    }
    for (std::size_t i = 0; i < gvEdges.size(); ++i) {
        LayoutEdge& le = out.edges[i];
        QByteArray pos(agget(gvEdges[i], cs("pos")));
        const qsizetype semi = pos.indexOf(';');
        if (semi >= 0)
            pos.truncate(semi);
        std::vector<QPointF> points;
        QPointF tip;
        bool haveTip = false;
        for (const QByteArray& token : pos.split(' ')) {
            if (token.isEmpty())
                continue;
            const bool end = token.startsWith("e,"), start = token.startsWith("s,");
            const auto xy = numbers((end || start ? token.mid(2) : token).constData());
            if (xy.size() != 2)
                continue;
            if (end) {
                tip = flip(xy[0], xy[1]);
                haveTip = true;
            } else if (!start) {
                points.push_back(flip(xy[0], xy[1]));
            }
        }
        if (points.empty())
            continue;
        le.path.moveTo(points[0]);
        for (std::size_t k = 1; k + 2 < points.size(); k += 3)
            le.path.cubicTo(points[k], points[k + 1], points[k + 2]);
        le.arrowBase = points.back();
        le.arrowTip = haveTip ? tip : points.back();
        const auto lp = numbers(agget(gvEdges[i], cs("lp")));
        if (lp.size() >= 2)
            le.labelPos = flip(lp[0], lp[1]);
    }
    gvFreeLayout(gvc.get(), g.get());
    out.bounds = bb.size() == 4 ? QRectF(0, 0, bb[2] - bb[0], bb[3] - bb[1]) : QRectF();
    if (progress)
        progress(1.0);
    cancel.check();
    return out;
}

} // namespace studio::ui::graph
