// The graph view: the model drawn as boxes and arrows, laid out top-down by Graphviz on a worker
// thread, with name scopes that open and close, find, overlays, an overview map and export.
#pragma once

#include "ui/graph/graph_data.h"
#include "ui/graph/graph_layout.h"
#include "ui/job.h"

#include <QHash>
#include <QList>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QAction;
class QComboBox;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QLineEdit;
class QProgressBar;
class QToolButton;

namespace studio::ui {

namespace graph {
class BoxItem;
class ClusterItem;
class EdgeItem;
class Canvas;
class Legend;
class Overview;
class Scene;
} // namespace graph

class GraphView : public QWidget {
    Q_OBJECT
public:
    enum class Overlay { Categories, Support, Latency, Placement, Quantization };

    explicit GraphView(QWidget* parent = nullptr);
    ~GraphView() override;

    // Shows a model's graph: groups open as far as ~400 boxes allow, laid out off the GUI thread.
    // Null clears the view; `message` says why there is nothing to draw.
    void setGraph(std::shared_ptr<const graph::GraphData> graphData, const QString& message = {});
    const graph::GraphData* graphData() const { return m_data.get(); }

    // Selects a node or (layers models) a layer by name, opening the groups around it first
    // (the selection then follows the new layout). Emits nothing: it is how others tell the view.
    bool selectNode(const QString& name, bool centre = true);
    QString selectedName() const { return m_selectedName; }

    // Opens or closes the group with this full name ("block_3/expand", or a layer) and lays the
    // graph out again. False when there is no such group.
    bool setGroupExpanded(const QString& group, bool open);
    bool isGroupExpanded(const QString& group) const;

    void setOverlay(Overlay overlay);
    // The legend in the lower-left corner (on by default; a view beside another may do without).
    void setLegendVisible(bool visible);
    Overlay overlay() const { return m_overlay; }
    // Milliseconds per node name from the last benchmark's per-op profile; empty: none. Enables
    // the latency overlay.
    void setLatencyProfile(const QHash<QString, double>& msByNode);
    // Where the last benchmark ran each node ("vulkan", "cpu") on a backend that splits a graph
    // between its device and a CPU fallback; empty: none. Enables the placement overlay. `backend`
    // names the run for the legend ("vulkan on llvmpipe").
    void setPlacement(const QHash<QString, QString>& deviceByNode, const QString& backend = {});
    // Per weight: what the chosen quantization loses (largest |error|, and that over the weight's
    // RMS), by weight name; `plan` names it ("uint8 for all weights"). Empty: no quantization
    // chosen. Enables the quantization overlay; a weight colours its Const node, or in a layers
    // model its layer.
    struct WeightError {
        double maxAbs = 0;
        double relative = 0;
    };
    void setQuantizationErrors(const QHash<QString, WeightError>& byWeight, const QString& plan = {});
    // What the overlay holds for a node or group; nullopt when it has no quantized weight.
    std::optional<WeightError> quantizationError(const QString& name) const
    {
        const auto it = m_quantError.find(name);
        return it == m_quantError.end() ? std::nullopt : std::optional<WeightError>(*it);
    }

    // Find: by name (substring) or op (exact, or substring), case-insensitive; every node counts,
    // also those inside closed groups.
    void focusFind();
    void setFindText(const QString& text);
    void findNext();
    void findPrevious();
    int matchCount() const { return static_cast<int>(m_matches.size()); }
    int currentMatch() const { return m_matchIndex; }

    void zoomIn();
    void zoomOut();
    void fitToView();

    // The whole scene; false with *error set when there is nothing to write or writing fails.
    bool exportPng(const QString& path, QString* error = nullptr) const;
    bool exportSvg(const QString& path, QString* error = nullptr) const;

    bool isLayingOut() const;
    void cancelLayout();
    // The box that shows a node now (its own, or the closed group's around it); null when none.
    graph::BoxItem* boxForNode(const QString& name) const;
    graph::ClusterItem* clusterForGroup(const QString& group) const;
    int boxCount() const { return static_cast<int>(m_boxes.size()); }
    // The tooltip a box shows on hover (written when asked for).
    QString boxToolTip(const graph::BoxItem* box) const { return tooltipFor(box); }
    const graph::LayoutResult& layout() const { return m_layout; }
    QGraphicsScene* scene() const { return m_scene; }
    QGraphicsView* canvas() const;

signals:
    // The user picked a node (or a layer) in the view.
    void nodeSelected(const QString& name);
    // The user opened or closed a group (a view shown beside this one follows).
    void groupToggled(const QString& group, bool open);
    void layoutFinished();

private:
    friend class graph::Canvas;
    void startLayout();
    void onLayoutFinished(JobStatus status);
    void buildScene();
    void applyOverlay();
    void overlayDataChanged(Overlay overlay, bool empty);
    void updateLegend();
    void updateFindMatches();
    void showMatch();
    void applySelection(bool centre);
    void clickedBox(graph::BoxItem* box, QPointF scenePos);
    void doubleClickedBox(graph::BoxItem* box);
    void clickedCluster(graph::ClusterItem* cluster, QPointF scenePos, bool doubleClick);
    void exportDialog(bool svg);
    QString tooltipFor(const graph::BoxItem* box) const;
    void setMessage(const QString& message);
    void setBusy(bool busy);

    std::shared_ptr<const graph::GraphData> m_data;
    std::vector<bool> m_expanded;
    graph::LayoutResult m_layout;
    Job<graph::LayoutResult, double> m_job;
    bool m_relayoutWaiting = false; // a request came while dot was busy: run once it returns
    int m_anchorGroup = -1;         // the group just toggled: the view keeps it in sight

    QGraphicsScene* m_scene;
    graph::Canvas* m_canvas;
    graph::Overview* m_overview;
    graph::Legend* m_legend;
    QLabel* m_message;
    std::vector<graph::BoxItem*> m_boxes;
    std::vector<graph::ClusterItem*> m_clusters;
    std::vector<graph::EdgeItem*> m_edges;

    QComboBox* m_overlayBox;
    QLineEdit* m_findEdit;
    QLabel* m_findCount;
    QLabel* m_status;
    QProgressBar* m_progress;
    QToolButton* m_cancel;
    QList<QAction*> m_busyActions;

    Overlay m_overlay = Overlay::Categories;
    bool m_legendWanted = true;
    QHash<QString, double> m_latency;
    QHash<QString, QString> m_placement; // node or group -> "vulkan", "cpu" or "mixed" (groups)
    QString m_placementBackend;
    QHash<QString, WeightError> m_quantError; // node or group -> its (largest) weight error
    QString m_quantPlan;

    QString m_selectedName;
    int m_selectedNode = -1;  // node index, or
    int m_selectedGroup = -1; // a layer's group (layers models)
    bool m_pendingCentre = false;

    std::vector<int> m_matches; // node indexes
    int m_matchIndex = -1;
};

} // namespace studio::ui
