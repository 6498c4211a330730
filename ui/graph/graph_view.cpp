// The graph view. Layout runs on a Job (Graphviz on a worker thread); the GUI thread only builds
// items from the finished layout, so opening or expanding never freezes the window.
#include "ui/graph/graph_view.h"

#include "ui/graph/graph_items.h"

#include <QApplication>
#include <QComboBox>

#include <limits>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QGraphicsSceneHelpEvent>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QProgressBar>
#include <QScrollBar>
#include <QSvgGenerator>
#include <QToolBar>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace studio::ui {

namespace graph {

namespace {

constexpr int kDefaultBudget = 400; // boxes shown before groups stay closed
constexpr int kEdgeLabelLimit = 900; // more boxes than this: dot without edge labels (time)

QColor categoryColour(Category c)
{
    switch (c) {
    case Category::Input: return {0xc9, 0xe7, 0xc0};
    case Category::Const: return {0xe8, 0xe8, 0xe8};
    case Category::Conv: return {0xbd, 0xd7, 0xf2};
    case Category::MatMul: return {0xd6, 0xcd, 0xef};
    case Category::Normalization: return {0xf9, 0xe9, 0xb0};
    case Category::Activation: return {0xfb, 0xd5, 0xb0};
    case Category::Elementwise: return {0xc6, 0xe4, 0xe6};
    case Category::Pooling: return {0xf0, 0xcf, 0xe2};
    case Category::Shape: return {0xe3, 0xe3, 0xc4};
    case Category::ControlFlow: return {0xa9, 0xd3, 0x9e};
    case Category::Other:
    case Category::Count: break;
    }
    return {0xfa, 0xfa, 0xfa};
}

const QColor kSupported(0xdc, 0xee, 0xd6);
const QColor kUnsupported(0xf4, 0xa3, 0xa3);
const QColor kNoData(0xee, 0xee, 0xee);
// Placement: the device, its CPU fallback, and a closed group holding both.
const QColor kOnDevice(0xb3, 0xd1, 0xf5);
const QColor kOnCpu(0xf7, 0xb2, 0x6a);
const QColor kMixed(0xe9, 0xd9, 0x8a);

// Each closed group (or layer) above a node gets merge(so far, node's value), the first node's
// value as it is; a name the map already holds (a node's own entry) keeps its value.
template <typename V, typename Merge>
void foldIntoGroups(const GraphData& d, QHash<QString, V>& values, Merge merge)
{
    QHash<QString, V> groups;
    for (auto it = values.constBegin(); it != values.constEnd(); ++it) {
        const int node = d.nodeByName.value(it.key(), -1);
        if (node < 0)
            continue;
        for (int g : d.ancestors(node)) {
            const QString& name = d.groups[static_cast<std::size_t>(g)].name;
            auto at = groups.find(name);
            if (at == groups.end())
                groups.insert(name, it.value());
            else
                *at = merge(*at, it.value());
        }
    }
    for (auto it = groups.constBegin(); it != groups.constEnd(); ++it)
        if (!values.contains(it.key()))
            values.insert(it.key(), it.value());
}

QColor placementColour(const QString& where)
{
    if (where == QLatin1String("cpu"))
        return kOnCpu;
    if (where == QLatin1String("mixed"))
        return kMixed;
    return where.isEmpty() ? kNoData : kOnDevice;
}

// Pale yellow to red: the usual heat scale, readable with dark text at every step.
QColor heat(double t)
{
    t = std::clamp(t, 0.0, 1.0);
    const QColor a(0xff, 0xf3, 0xc4), b(0xfd, 0xae, 0x61), c(0xe8, 0x4a, 0x3c);
    const auto mix = [](const QColor& x, const QColor& y, double u) {
        const auto f = static_cast<float>(u);
        return QColor::fromRgbF(x.redF() + (y.redF() - x.redF()) * f, x.greenF() + (y.greenF() - x.greenF()) * f,
            x.blueF() + (y.blueF() - x.blueF()) * f);
    };
    return t < 0.5 ? mix(a, b, t * 2) : mix(b, c, (t - 0.5) * 2);
}

std::pair<double, double> latencyRange(const QHash<QString, double>& ms)
{
    const QList<double> values = ms.values();
    if (values.isEmpty())
        return {0, 0};
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    return {*lo, *hi};
}

QString shortName(const QString& name)
{
    const qsizetype slash = name.lastIndexOf(u'/');
    return slash >= 0 && slash + 1 < name.size() ? name.mid(slash + 1) : name;
}

} // namespace

// Asks the view for a box's tooltip when one is wanted.
class Scene : public QGraphicsScene {
public:
    using QGraphicsScene::QGraphicsScene;
    std::function<QString(const BoxItem*)> boxTooltip;

protected:
    void helpEvent(QGraphicsSceneHelpEvent* e) override
    {
        for (QGraphicsItem* item : items(e->scenePos(), Qt::IntersectsItemShape, Qt::DescendingOrder))
            if (item->type() == BoxItemType && boxTooltip) {
                QToolTip::showText(e->screenPos(), boxTooltip(static_cast<BoxItem*>(item)));
                e->accept();
                return;
            }
        QGraphicsScene::helpEvent(e);
    }
};

// The drawing surface: pans by dragging the background, zooms with Ctrl+wheel and +/-/0, and
// hands clicks on items to the GraphView.
class Canvas : public QGraphicsView {
public:
    Canvas(GraphView* owner, QGraphicsScene* scene) : QGraphicsView(scene), m_owner(owner)
    {
        setObjectName(QStringLiteral("graphCanvas"));
        setDragMode(ScrollHandDrag);
        setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
        setTransformationAnchor(AnchorUnderMouse);
        setResizeAnchor(AnchorViewCenter);
        setViewportUpdateMode(SmartViewportUpdate);
        setFrameShape(QFrame::NoFrame);
        setBackgroundBrush(QColor(0xfc, 0xfc, 0xfd));
        setFocusPolicy(Qt::StrongFocus);
    }

    void zoomBy(double factor)
    {
        const double current = transform().m11();
        const double target = std::clamp(current * factor, 0.02, 4.0);
        scale(target / current, target / current);
        emitViewChanged();
    }

    std::function<void()> viewChanged;

protected:
    void wheelEvent(QWheelEvent* e) override
    {
        if (e->modifiers() & Qt::ControlModifier) {
            zoomBy(std::pow(1.0015, e->angleDelta().y()));
            e->accept();
            return;
        }
        QGraphicsView::wheelEvent(e);
        emitViewChanged();
    }

    void keyPressEvent(QKeyEvent* e) override
    {
        switch (e->key()) {
        case Qt::Key_Plus:
        case Qt::Key_Equal: zoomBy(1.25); return;
        case Qt::Key_Minus: zoomBy(0.8); return;
        case Qt::Key_0: m_owner->fitToView(); return;
        default: QGraphicsView::keyPressEvent(e);
        }
    }

    void mousePressEvent(QMouseEvent* e) override
    {
        if (e->button() == Qt::LeftButton) {
            const QPointF at = mapToScene(e->position().toPoint());
            for (QGraphicsItem* item : items(e->position().toPoint())) {
                if (item->type() == BoxItemType) {
                    m_owner->clickedBox(static_cast<BoxItem*>(item), at);
                    e->accept();
                    return;
                }
                if (item->type() == ClusterItemType) {
                    m_owner->clickedCluster(static_cast<ClusterItem*>(item), at, false);
                    e->accept();
                    return;
                }
            }
        }
        QGraphicsView::mousePressEvent(e);
    }

    void mouseDoubleClickEvent(QMouseEvent* e) override
    {
        const QPointF at = mapToScene(e->position().toPoint());
        for (QGraphicsItem* item : items(e->position().toPoint())) {
            if (item->type() == BoxItemType) {
                m_owner->doubleClickedBox(static_cast<BoxItem*>(item));
                return;
            }
            if (item->type() == ClusterItemType) {
                m_owner->clickedCluster(static_cast<ClusterItem*>(item), at, true);
                return;
            }
        }
        QGraphicsView::mouseDoubleClickEvent(e);
    }

    void mouseMoveEvent(QMouseEvent* e) override
    {
        QGraphicsView::mouseMoveEvent(e);
        if (e->buttons())
            emitViewChanged();
    }

    void resizeEvent(QResizeEvent* e) override
    {
        QGraphicsView::resizeEvent(e);
        emitViewChanged();
    }

    void scrollContentsBy(int dx, int dy) override
    {
        QGraphicsView::scrollContentsBy(dx, dy);
        emitViewChanged();
    }

private:
    void emitViewChanged()
    {
        if (viewChanged)
            viewChanged();
    }
    GraphView* m_owner;
};

// The whole graph small, with the main view's visible part outlined; click or drag to move there.
// A picture taken once per layout or overlay change, drawn from the items' geometry (filled boxes,
// straight edges, group frames): at this scale text is invisible, and having every item paint
// itself cost 24 ms of GUI thread for 3,000 boxes (bench_graph_layout).
class Overview : public QWidget {
public:
    Overview(QGraphicsScene* scene, Canvas* main, const std::vector<BoxItem*>* boxes,
        const std::vector<ClusterItem*>* clusters, const std::vector<EdgeItem*>* edges, QWidget* parent)
        : QWidget(parent), m_scene(scene), m_main(main), m_boxes(boxes), m_clusters(clusters), m_edges(edges)
    {
        setObjectName(QStringLiteral("graphOverview"));
        setToolTip(QObject::tr("Overview: click or drag to move the view"));
        setCursor(Qt::PointingHandCursor);
    }

    void refit()
    {
        m_picture = QPixmap(size());
        m_picture.fill(QColor(255, 255, 255, 240));
        const QRectF source = m_scene->sceneRect();
        if (source.isEmpty()) {
            update();
            return;
        }
        const double s = std::min((width() - 4) / source.width(), (height() - 4) / source.height());
        m_target = QRectF(0, 0, source.width() * s, source.height() * s);
        m_target.moveCenter(QPointF(width() / 2.0, height() / 2.0));
        const auto map = [&](QPointF at) {
            return QPointF(m_target.left() + (at.x() - source.left()) * s, m_target.top() + (at.y() - source.top()) * s);
        };
        const auto mapRect = [&](const QRectF& r) { return QRectF(map(r.topLeft()), map(r.bottomRight())); };
        QPainter p(&m_picture);
        p.setPen(QPen(QColor(0xb0, 0xb6, 0xc0), 0));
        p.setBrush(QColor(0xf3, 0xf5, 0xf8));
        for (const ClusterItem* c : *m_clusters)
            p.drawRect(mapRect(c->mapRectToScene(c->frameRect())));
        p.setPen(QPen(QColor(0x8a, 0x90, 0x9a), 0));
        for (const EdgeItem* e : *m_edges)
            p.drawLine(map(e->mapToScene(e->start())), map(e->mapToScene(e->tip())));
        for (const BoxItem* b : *m_boxes) {
            // At least a pixel, so that a long graph's boxes do not vanish.
            QRectF r = mapRect(b->mapRectToScene(b->rect()));
            r.setWidth(std::max(1.0, r.width()));
            r.setHeight(std::max(1.0, r.height()));
            p.fillRect(r, b->alert() ? QColor(0xc6, 0x1a, 0x1a) : b->fill().darker(115));
        }
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        p.drawPixmap(0, 0, m_picture);
        p.setPen(QColor(0x9a, 0xa0, 0xaa));
        p.setBrush(Qt::NoBrush);
        p.drawRect(rect().adjusted(0, 0, -1, -1));
        const QRectF source = m_scene->sceneRect();
        if (source.isEmpty())
            return;
        const QRectF visible = m_main->mapToScene(m_main->viewport()->rect()).boundingRect().intersected(source);
        const double s = m_target.width() / source.width();
        const QRectF r(m_target.left() + (visible.left() - source.left()) * s, m_target.top() + (visible.top() - source.top()) * s,
            visible.width() * s, visible.height() * s);
        p.setPen(QColor(0x1a, 0x73, 0xe8));
        p.setBrush(QColor(0x1a, 0x73, 0xe8, 40));
        p.drawRect(r);
    }
    void mousePressEvent(QMouseEvent* e) override { moveTo(e->position()); }
    void mouseMoveEvent(QMouseEvent* e) override
    {
        if (e->buttons() & Qt::LeftButton)
            moveTo(e->position());
    }
    void resizeEvent(QResizeEvent*) override { refit(); }

private:
    void moveTo(QPointF at)
    {
        const QRectF source = m_scene->sceneRect();
        if (source.isEmpty() || m_target.isEmpty())
            return;
        const double s = m_target.width() / source.width();
        m_main->centerOn(source.left() + (at.x() - m_target.left()) / s, source.top() + (at.y() - m_target.top()) / s);
        update();
    }
    QGraphicsScene* m_scene;
    Canvas* m_main;
    const std::vector<BoxItem*>* m_boxes;
    const std::vector<ClusterItem*>* m_clusters;
    const std::vector<EdgeItem*>* m_edges;
    QPixmap m_picture;
    QRectF m_target;
};

// What each colour means, in the view's lower-left corner.
class Legend : public QWidget {
public:
    explicit Legend(QWidget* parent) : QWidget(parent)
    {
        setObjectName(QStringLiteral("graphLegend"));
        setAttribute(Qt::WA_TransparentForMouseEvents);
    }
    struct Entry {
        QColor colour;
        QString text;
        bool border = false; // drawn with the unsupported red border
    };
    void setEntries(std::vector<Entry> entries, QString title, bool gradient = false, QString low = {}, QString high = {})
    {
        m_entries = std::move(entries);
        m_title = std::move(title);
        m_gradient = gradient;
        m_low = std::move(low);
        m_high = std::move(high);
        const QFontMetrics fm(font());
        int w = fm.horizontalAdvance(m_title) + 16;
        for (const auto& e : m_entries)
            w = std::max(w, fm.horizontalAdvance(e.text) + 38);
        const int rows = static_cast<int>(m_entries.size()) + 1 + (m_gradient ? 1 : 0);
        resize(std::max(w, m_gradient ? 170 : 0), rows * (fm.height() + 3) + 10);
        update();
    }
    const std::vector<Entry>& entries() const { return m_entries; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QColor(0x9a, 0xa0, 0xaa));
        p.setBrush(QColor(255, 255, 255, 235));
        p.drawRoundedRect(rect().adjusted(0, 0, -1, -1), 4, 4);
        const QFontMetrics fm(font());
        const int row = fm.height() + 3;
        int y = 6;
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(QColor(0x20, 0x22, 0x26));
        p.drawText(QRect(8, y, width() - 16, row), Qt::AlignLeft | Qt::AlignVCenter, m_title);
        p.setFont(font());
        y += row;
        if (m_gradient) {
            const QRect bar(8, y + 3, width() - 16, row - 8);
            QLinearGradient g(bar.topLeft(), bar.topRight());
            for (int i = 0; i <= 10; ++i)
                g.setColorAt(i / 10.0, heat(i / 10.0));
            p.fillRect(bar, g);
            y += row;
            p.drawText(QRect(8, y - 4, width() - 16, row), Qt::AlignLeft | Qt::AlignVCenter, m_low);
            p.drawText(QRect(8, y - 4, width() - 16, row), Qt::AlignRight | Qt::AlignVCenter, m_high);
            y += row - 4;
        }
        for (const auto& e : m_entries) {
            const QRect swatch(8, y + 3, 22, row - 6);
            p.setPen(e.border ? QPen(QColor(0xc6, 0x1a, 0x1a), 2) : QPen(QColor(0x55, 0x5a, 0x64), 1));
            p.setBrush(e.colour);
            p.drawRoundedRect(swatch, 3, 3);
            p.setPen(QColor(0x20, 0x22, 0x26));
            p.drawText(QRect(36, y, width() - 40, row), Qt::AlignLeft | Qt::AlignVCenter, e.text);
            y += row;
        }
    }

private:
    std::vector<Entry> m_entries;
    QString m_title, m_low, m_high;
    bool m_gradient = false;
};

} // namespace graph

using namespace graph;

GraphView::GraphView(QWidget* parent) : QWidget(parent), m_scene(new Scene(this))
{
    // Tooltips are written when asked for: 3,000 HTML strings per layout would cost the GUI thread.
    static_cast<Scene*>(m_scene)->boxTooltip = [this](const BoxItem* box) { return tooltipFor(box); };
    setObjectName(QStringLiteral("graphView"));
    m_canvas = new Canvas(this, m_scene);
    m_scene->setFont(font());
    m_scene->setItemIndexMethod(QGraphicsScene::BspTreeIndex);

    auto* bar = new QToolBar;
    bar->setObjectName(QStringLiteral("graphToolBar"));
    bar->setIconSize(QSize(16, 16));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);

    m_overlayBox = new QComboBox;
    m_overlayBox->setObjectName(QStringLiteral("graphOverlay"));
    m_overlayBox->addItem(tr("Op category"), static_cast<int>(Overlay::Categories));
    m_overlayBox->addItem(tr("TF.js support"), static_cast<int>(Overlay::Support));
    m_overlayBox->addItem(tr("Latency"), static_cast<int>(Overlay::Latency));
    m_overlayBox->addItem(tr("Backend placement"), static_cast<int>(Overlay::Placement));
    m_overlayBox->addItem(tr("Quantization error"), static_cast<int>(Overlay::Quantization));
    m_overlayBox->setToolTip(tr("What the colours show"));
    connect(m_overlayBox, &QComboBox::currentIndexChanged, this,
        [this](int i) { setOverlay(static_cast<Overlay>(m_overlayBox->itemData(i).toInt())); });
    bar->addWidget(m_overlayBox);
    bar->addSeparator();

    m_findEdit = new QLineEdit;
    m_findEdit->setObjectName(QStringLiteral("graphFind"));
    m_findEdit->setPlaceholderText(tr("Find name or op"));
    m_findEdit->setClearButtonEnabled(true);
    m_findEdit->setMinimumWidth(110);
    m_findEdit->setMaximumWidth(200);
    connect(m_findEdit, &QLineEdit::textChanged, this, [this] { updateFindMatches(); });
    connect(m_findEdit, &QLineEdit::returnPressed, this, [this] {
        if (QApplication::keyboardModifiers() & Qt::ShiftModifier)
            findPrevious();
        else
            findNext();
    });
    bar->addWidget(m_findEdit);
    QAction* prev = bar->addAction(QStringLiteral("▲"), this, &GraphView::findPrevious);
    prev->setToolTip(tr("Previous match (Shift+F3)"));
    prev->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F3));
    prev->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    prev->setObjectName(QStringLiteral("graphFindPrevious"));
    QAction* next = bar->addAction(QStringLiteral("▼"), this, &GraphView::findNext);
    next->setToolTip(tr("Next match (F3, Enter)"));
    next->setShortcut(QKeySequence(Qt::Key_F3));
    next->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    next->setObjectName(QStringLiteral("graphFindNext"));
    m_findCount = new QLabel;
    m_findCount->setObjectName(QStringLiteral("graphFindCount"));
    m_findCount->setMinimumWidth(48);
    bar->addWidget(m_findCount);
    bar->addSeparator();
    bar->addAction(QStringLiteral("−"), this, &GraphView::zoomOut)->setToolTip(tr("Zoom out (-, Ctrl+wheel)"));
    bar->addAction(QStringLiteral("+"), this, &GraphView::zoomIn)->setToolTip(tr("Zoom in (+, Ctrl+wheel)"));
    bar->addAction(tr("Fit"), this, &GraphView::fitToView)->setToolTip(tr("Show the whole graph (0)"));
    auto* exportButton = new QToolButton;
    exportButton->setObjectName(QStringLiteral("graphExport"));
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    exportMenu->addAction(tr("PNG Image…"), this, [this] { exportDialog(false); });
    exportMenu->addAction(tr("SVG Drawing…"), this, [this] { exportDialog(true); });
    exportButton->setMenu(exportMenu);
    bar->addWidget(exportButton);

    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("graphLayoutProgress"));
    m_progress->setRange(0, 100);
    m_progress->setTextVisible(false);
    m_progress->setMaximumSize(90, 12);
    m_cancel = new QToolButton;
    m_cancel->setObjectName(QStringLiteral("graphLayoutCancel"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setAutoRaise(true);
    m_cancel->setToolTip(tr("Stop laying out; the picture shown stays"));
    connect(m_cancel, &QToolButton::clicked, this, &GraphView::cancelLayout);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("graphStatus"));
    m_status->setContentsMargins(10, 0, 6, 0);
    m_status->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
    auto* spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    // A toolbar shows its widgets through actions: hiding the widget itself does nothing.
    m_busyActions = {bar->addWidget(m_progress), bar->addWidget(m_cancel)};
    bar->addWidget(m_status);
    setBusy(false);

    m_overview = new Overview(m_scene, m_canvas, &m_boxes, &m_clusters, &m_edges, m_canvas);
    m_overview->resize(150, 110);
    m_legend = new Legend(m_canvas);
    m_message = new QLabel(m_canvas);
    m_message->setObjectName(QStringLiteral("graphMessage"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
    m_canvas->viewChanged = [this] {
        m_overview->update();
        const QSize vp = m_canvas->viewport()->size();
        m_overview->move(vp.width() - m_overview->width() - 8, vp.height() - m_overview->height() - 8);
        m_legend->move(8, vp.height() - m_legend->height() - 8);
        m_message->setGeometry(20, 20, std::max(0, vp.width() - 40), std::max(0, vp.height() - 40));
        // The map is in the way when everything fits anyway, or the view is too small for both.
        const QRectF visible = m_canvas->mapToScene(m_canvas->viewport()->rect()).boundingRect();
        m_overview->setVisible(!m_boxes.empty() && !visible.contains(m_scene->sceneRect()) && vp.width() > 360
            && vp.height() > 260);
        m_legend->setVisible(m_legendWanted && !m_boxes.empty() && vp.height() > m_legend->height() + 140);
    };

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_canvas, 1);

    m_job.setProgressHandler([this](const std::vector<double>& p) { m_progress->setValue(static_cast<int>(p.back() * 100)); });
    connect(&m_job, &JobBase::finished, this, &GraphView::onLayoutFinished);
    setMessage(tr("Open a model to see its graph."));
    updateLegend();
}

// The canvas outlives this body (children go in ~QWidget): its callback into this object, and
// the layout worker, must end here.
GraphView::~GraphView()
{
    if (m_canvas)
        m_canvas->viewChanged = nullptr;
    m_job.cancel();
}

QGraphicsView* GraphView::canvas() const
{
    return m_canvas;
}

void GraphView::setLegendVisible(bool visible)
{
    m_legendWanted = visible;
    m_canvas->viewChanged();
}

void GraphView::setBusy(bool busy)
{
    for (QAction* a : m_busyActions)
        a->setVisible(busy);
}

void GraphView::setMessage(const QString& message)
{
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
    m_message->raise();
}

void GraphView::setGraph(std::shared_ptr<const GraphData> graphData, const QString& message)
{
    m_data = std::move(graphData);
    m_selectedName.clear();
    m_selectedNode = m_selectedGroup = -1;
    m_matches.clear();
    m_matchIndex = -1;
    m_findEdit->blockSignals(true);
    m_findEdit->clear();
    m_findEdit->blockSignals(false);
    m_findCount->clear();
    m_latency.clear();
    m_placement.clear();
    m_quantError.clear();
    m_anchorGroup = -1;
    if (m_overlay == Overlay::Latency || m_overlay == Overlay::Placement || m_overlay == Overlay::Quantization)
        setOverlay(Overlay::Categories);
    m_layout = {};
    m_scene->clear();
    m_boxes.clear();
    m_clusters.clear();
    m_edges.clear();
    m_status->clear();
    if (!m_data || m_data->nodes.empty()) {
        m_expanded.clear();
        m_job.cancel();
        setMessage(message.isEmpty() ? tr("Open a model to see its graph.") : message);
        updateLegend();
        m_canvas->viewChanged();
        return;
    }
    setMessage(tr("Laying out %1 nodes…").arg(m_data->nodes.size()));
    m_expanded = m_data->defaultExpansion(kDefaultBudget);
    startLayout();
}

void GraphView::startLayout()
{
    if (!m_data)
        return;
    if (m_job.isRunning()) {
        // dot cannot be interrupted: drop its result and lay out again when it returns.
        m_job.cancel();
        m_relayoutWaiting = true;
        return;
    }
    m_relayoutWaiting = false;
    LayoutRequest request;
    request.data = m_data;
    request.expanded = m_expanded;
    const QFontMetricsF fm(m_scene->font());
    request.charWidth = fm.horizontalAdvance(QStringLiteral("abcdefghijklmnopqrstuvwxyz_0123456789")) / 37.0 * 1.04;
    request.lineHeight = fm.height();
    request.edgeLabels = visibleCount(*m_data, m_expanded) <= kEdgeLabelLimit;
    m_progress->setValue(0);
    setBusy(true);
    m_status->clear();
    m_job.start([request](const CancelToken& cancel, const auto& report) { return computeLayout(request, cancel, report); });
}

bool GraphView::isLayingOut() const
{
    return m_job.isRunning() || m_relayoutWaiting;
}

void GraphView::cancelLayout()
{
    m_relayoutWaiting = false;
    m_job.cancel();
}

void GraphView::onLayoutFinished(JobStatus status)
{
    if (m_relayoutWaiting) {
        startLayout();
        return;
    }
    setBusy(false);
    switch (status) {
    case JobStatus::Succeeded:
        m_layout = m_job.takeValue();
        buildScene();
        break;
    case JobStatus::Failed:
        setMessage(tr("The graph could not be laid out: %1").arg(m_job.failure().message));
        break;
    case JobStatus::Cancelled:
        m_status->setText(tr("layout cancelled"));
        if (m_boxes.empty())
            setMessage(tr("Layout cancelled. Open or expand a group to try again."));
        break;
    case JobStatus::Idle:
    case JobStatus::Running: break;
    }
    emit layoutFinished();
}

QString GraphView::tooltipFor(const BoxItem* box) const
{
    const GraphData& d = *m_data;
    QString tip;
    if (box->isGroup()) {
        const Group& g = d.groups[static_cast<std::size_t>(box->id())];
        if (g.isLayer()) {
            tip = tr("<b>%1</b><br>layer class: %2<br>%3 ops").arg(g.name.toHtmlEscaped(), g.layerClass).arg(g.totalNodes);
            tip += tr("<br>Double-click to show its ops.");
        } else {
            tip = tr("<b>%1</b><br>%2 nodes").arg(g.name.toHtmlEscaped()).arg(g.totalNodes);
            tip += tr("<br>Double-click or + to open.");
        }
        if (g.unsupported > 0)
            tip += tr("<br><span style='color:#c61a1a'>%1 node(s) TensorFlow.js cannot run</span>").arg(g.unsupported);
    } else {
        const Node& n = d.nodes[static_cast<std::size_t>(box->id())];
        tip = tr("<b>%1</b><br>%2 %3").arg(n.name.toHtmlEscaped(), d.layersModel && !d.note.isEmpty() ? tr("class") : tr("op"), n.op);
        if (!n.outputShape.isEmpty())
            tip += tr("<br>output: %1").arg(n.outputShape);
        if (n.unsupported)
            tip += tr("<br><span style='color:#c61a1a'>TensorFlow.js cannot run this: %1</span>").arg(n.reason.toHtmlEscaped());
        if (d.layersModel && !d.note.isEmpty())
            tip += QStringLiteral("<br><i>%1</i>").arg(d.note.toHtmlEscaped());
    }
    const QString key = box->isGroup() ? d.groups[static_cast<std::size_t>(box->id())].name
                                       : d.nodes[static_cast<std::size_t>(box->id())].name;
    if (m_latency.contains(key))
        tip += tr("<br>latency: %1 ms").arg(m_latency.value(key), 0, 'f', 3);
    if (const auto q = m_quantError.find(key); q != m_quantError.end())
        tip += tr("<br>quantization error: max %1 (%2 % of the weight's RMS)").arg(q->maxAbs, 0, 'g', 3).arg(q->relative * 100, 0, 'g', 3);
    if (const QString where = m_placement.value(key); !where.isEmpty())
        tip += where == QLatin1String("cpu") ? tr("<br>ran on: the CPU fallback (no device kernel)")
            : where == QLatin1String("mixed") ? tr("<br>ran on: the device and the CPU fallback")
                                              : tr("<br>ran on: the device (%1)").arg(where);
    return tip;
}

void GraphView::buildScene()
{
    // Thousands of inserts into the BSP tree cost more than one rebuild after them.
    m_scene->setItemIndexMethod(QGraphicsScene::NoIndex);
    m_scene->clear();
    m_boxes.clear();
    m_clusters.clear();
    m_edges.clear();
    const GraphData& d = *m_data;
    for (const LayoutCluster& c : m_layout.clusters) {
        const Group& g = d.groups[static_cast<std::size_t>(c.group)];
        QString title = g.isLayer() ? QStringLiteral("%1 (%2)").arg(g.label, g.layerClass) : g.label;
        auto* item = new ClusterItem(c.group, c.rect, title, g.unsupported > 0);
        item->setToolTip(tr("%1: %2 nodes. Double-click the title or press − to close.").arg(g.name).arg(g.totalNodes));
        m_scene->addItem(item);
        m_clusters.push_back(item);
    }
    for (const LayoutBox& b : m_layout.boxes) {
        BoxItem* item;
        if (b.isGroup) {
            const Group& g = d.groups[static_cast<std::size_t>(b.id)];
            item = new BoxItem(true, b.id, b.rect, g.label,
                g.isLayer() ? g.layerClass : tr("%1 nodes").arg(g.totalNodes));
            item->setAlert(g.unsupported > 0);
        } else {
            const Node& n = d.nodes[static_cast<std::size_t>(b.id)];
            item = new BoxItem(false, b.id, b.rect, n.op, shortName(n.name));
            item->setAlert(n.unsupported);
        }
        m_scene->addItem(item);
        m_boxes.push_back(item);
    }
    for (const LayoutEdge& e : m_layout.edges) {
        auto* item = new EdgeItem(e.path, e.arrowBase, e.arrowTip, e.label, e.labelPos, e.count, e.control);
        m_scene->addItem(item);
        m_edges.push_back(item);
    }
    m_scene->setSceneRect(m_layout.bounds.adjusted(-30, -30, 30, 30));
    m_scene->setItemIndexMethod(QGraphicsScene::BspTreeIndex);
    setMessage({});
    applyOverlay();
    updateLegend();
    m_status->setText(tr("%1 boxes · dot %2 ms").arg(m_boxes.size()).arg(m_layout.layoutMs, 0, 'f', 0));
    m_status->setToolTip(tr("%1 of %2 nodes in closed groups").arg(d.nodes.size() - static_cast<std::size_t>(
        std::count_if(m_boxes.begin(), m_boxes.end(), [](const BoxItem* b) { return !b->isGroup(); }))).arg(d.nodes.size()));

    // Where to look: the toggled group, the selection, or (first layout) the top of the graph at a
    // readable scale rather than a 3,000-node postage stamp.
    if (m_anchorGroup >= 0) {
        const int box = m_layout.boxOfGroup[static_cast<std::size_t>(m_anchorGroup)];
        const int cluster = m_layout.clusterOfGroup[static_cast<std::size_t>(m_anchorGroup)];
        if (cluster >= 0)
            m_canvas->centerOn(m_layout.clusters[static_cast<std::size_t>(cluster)].rect.center());
        else if (box >= 0)
            m_canvas->centerOn(m_boxes[static_cast<std::size_t>(box)]);
        m_anchorGroup = -1;
    } else if (m_selectedNode < 0 && m_selectedGroup < 0) {
        m_canvas->resetTransform();
        const QRectF all = m_scene->sceneRect();
        const QSize vp = m_canvas->viewport()->size();
        const double fit = std::min(vp.width() / all.width(), vp.height() / all.height());
        const double s = std::clamp(fit, 0.7, 1.0);
        m_canvas->scale(s, s);
        // The inputs are at the top: start there, over the middle of the boxes the first screen
        // holds (a lone input off to one side would leave the view half empty).
        std::vector<double> xs;
        for (const LayoutBox& b : m_layout.boxes)
            if (b.rect.top() < all.top() + vp.height() / s)
                xs.push_back(b.rect.center().x());
        double x = all.center().x();
        if (!xs.empty()) {
            std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(xs.size() / 2), xs.end());
            x = xs[xs.size() / 2];
        }
        m_canvas->centerOn(x, all.top() + vp.height() / s / 2);
    }
    updateFindMatches();
    applySelection(m_pendingCentre);
    m_pendingCentre = false;
    m_canvas->viewChanged();
}

void GraphView::applyOverlay()
{
    if (!m_data)
        return;
    const GraphData& d = *m_data;
    const auto [lo, hi] = m_overlay == Overlay::Latency ? latencyRange(m_latency) : std::pair<double, double>{0, 0};
    // Latency spreads over orders of magnitude: a log scale keeps the small ones apart.
    const auto heatOf = [&](double ms) {
        if (hi <= lo)
            return heat(1.0);
        return heat((std::log1p(ms) - std::log1p(lo)) / (std::log1p(hi) - std::log1p(lo)));
    };
    // Quantization error: relative to each weight's RMS, over orders of magnitude too (log scale).
    double qlo = 0, qhi = 0;
    if (m_overlay == Overlay::Quantization && !m_quantError.isEmpty()) {
        qlo = std::numeric_limits<double>::max();
        for (const auto& e : m_quantError)
            if (e.relative > 0) {
                qlo = std::min(qlo, e.relative);
                qhi = std::max(qhi, e.relative);
            }
    }
    const auto quantFill = [&](const QString& key) {
        const auto it = m_quantError.find(key);
        if (it == m_quantError.end())
            return kNoData;
        if (qhi <= qlo || it->relative <= 0)
            return heat(it->relative > 0 ? 1.0 : 0.0);
        return heat((std::log10(it->relative) - std::log10(qlo)) / (std::log10(qhi) - std::log10(qlo)));
    };
    for (BoxItem* box : m_boxes) {
        QColor fill;
        if (box->isGroup()) {
            const Group& g = d.groups[static_cast<std::size_t>(box->id())];
            switch (m_overlay) {
            case Overlay::Categories: fill = g.isLayer() ? categoryColour(g.category) : QColor(0xf2, 0xf4, 0xf7); break;
            case Overlay::Support: fill = g.unsupported > 0 ? kUnsupported : kSupported; break;
            case Overlay::Latency: {
                fill = m_latency.contains(g.name) ? heatOf(m_latency.value(g.name)) : kNoData;
                break;
            }
            case Overlay::Placement: fill = placementColour(m_placement.value(g.name)); break;
            case Overlay::Quantization: fill = quantFill(g.name); break;
            }
        } else {
            const Node& n = d.nodes[static_cast<std::size_t>(box->id())];
            switch (m_overlay) {
            case Overlay::Categories: fill = categoryColour(n.category); break;
            case Overlay::Support: fill = n.unsupported ? kUnsupported : kSupported; break;
            case Overlay::Latency: {
                fill = m_latency.contains(n.name) ? heatOf(m_latency.value(n.name)) : kNoData;
                break;
            }
            case Overlay::Placement: fill = placementColour(m_placement.value(n.name)); break;
            case Overlay::Quantization: fill = quantFill(n.name); break;
            }
        }
        box->setFill(fill);
    }
    m_overview->refit(); // the map shows the overlay's colours too
}

void GraphView::updateLegend()
{
    std::vector<Legend::Entry> entries;
    const auto alert = Legend::Entry{QColor(0xfa, 0xfa, 0xfa), tr("TF.js cannot run it"), true};
    switch (m_overlay) {
    case Overlay::Categories: {
        std::vector<bool> present(static_cast<std::size_t>(Category::Count), false);
        bool anyUnsupported = false;
        if (m_data) {
            for (const BoxItem* b : m_boxes) {
                if (b->isGroup()) {
                    const Group& g = m_data->groups[static_cast<std::size_t>(b->id())];
                    if (g.isLayer())
                        present[static_cast<std::size_t>(g.category)] = true;
                    anyUnsupported = anyUnsupported || g.unsupported > 0;
                } else {
                    const Node& n = m_data->nodes[static_cast<std::size_t>(b->id())];
                    present[static_cast<std::size_t>(n.category)] = true;
                    anyUnsupported = anyUnsupported || n.unsupported;
                }
            }
        }
        for (int c = 0; c < static_cast<int>(Category::Count); ++c)
            if (present[static_cast<std::size_t>(c)])
                entries.push_back({categoryColour(static_cast<Category>(c)), categoryName(static_cast<Category>(c))});
        if (std::any_of(m_boxes.begin(), m_boxes.end(), [this](const BoxItem* b) {
                return b->isGroup() && !m_data->groups[static_cast<std::size_t>(b->id())].isLayer();
            }))
            entries.push_back({QColor(0xf2, 0xf4, 0xf7), tr("closed scope (double-click)")});
        if (anyUnsupported)
            entries.push_back(alert);
        m_legend->setEntries(std::move(entries), tr("Op category"));
        break;
    }
    case Overlay::Support:
        entries.push_back({kSupported, tr("TF.js runs it")});
        entries.push_back({kUnsupported, tr("TF.js cannot run it")});
        m_legend->setEntries(std::move(entries), tr("TF.js support"));
        break;
    case Overlay::Latency: {
        const auto [lo, hi] = latencyRange(m_latency);
        entries.push_back({kNoData, tr("not in the profile")});
        m_legend->setEntries(std::move(entries), tr("Latency, last profile (log scale)"), true,
            QStringLiteral("%1 ms").arg(lo, 0, 'g', 3), QStringLiteral("%1 ms").arg(hi, 0, 'g', 3));
        break;
    }
    case Overlay::Placement: {
        entries.push_back({kOnDevice, tr("on the device")});
        entries.push_back({kOnCpu, tr("CPU fallback (no device kernel)")});
        if (std::any_of(m_placement.cbegin(), m_placement.cend(), [](const QString& w) { return w == QLatin1String("mixed"); }))
            entries.push_back({kMixed, tr("closed group with both")});
        entries.push_back({kNoData, tr("not run (folded, constant or a view)")});
        m_legend->setEntries(std::move(entries),
            m_placementBackend.isEmpty() ? tr("Placement, last benchmark") : tr("Placement: %1").arg(m_placementBackend));
        break;
    }
    case Overlay::Quantization: {
        double lo = std::numeric_limits<double>::max(), hi = 0;
        for (const auto& e : m_quantError)
            if (e.relative > 0) {
                lo = std::min(lo, e.relative);
                hi = std::max(hi, e.relative);
            }
        if (hi <= 0)
            lo = 0;
        entries.push_back({kNoData, tr("not quantized")});
        m_legend->setEntries(std::move(entries),
            tr("Max |error| / RMS, %1").arg(m_quantPlan.isEmpty() ? tr("chosen quantization") : m_quantPlan),
            true, QStringLiteral("%1 %").arg(lo * 100, 0, 'g', 2), QStringLiteral("%1 %").arg(hi * 100, 0, 'g', 2));
        break;
    }
    }
    m_canvas->viewChanged();
}

void GraphView::setOverlay(Overlay overlay)
{
    if ((overlay == Overlay::Latency && m_latency.isEmpty()) || (overlay == Overlay::Placement && m_placement.isEmpty())
        || (overlay == Overlay::Quantization && m_quantError.isEmpty()))
        overlay = Overlay::Categories;
    m_overlay = overlay;
    const int index = m_overlayBox->findData(static_cast<int>(overlay));
    if (m_overlayBox->currentIndex() != index) {
        m_overlayBox->blockSignals(true);
        m_overlayBox->setCurrentIndex(index);
        m_overlayBox->blockSignals(false);
    }
    applyOverlay();
    updateLegend();
}

void GraphView::setLatencyProfile(const QHash<QString, double>& msByNode)
{
    m_latency = msByNode;
    // Closed groups (and layers) show the sum of what is inside them.
    if (m_data)
        foldIntoGroups(*m_data, m_latency, [](double a, double b) { return a + b; });
    overlayDataChanged(Overlay::Latency, m_latency.isEmpty());
}

// After an overlay's data changed: drawn again, or back to categories when it has no data left.
void GraphView::overlayDataChanged(Overlay overlay, bool empty)
{
    if (empty && m_overlay == overlay) {
        setOverlay(Overlay::Categories);
        return;
    }
    applyOverlay();
    updateLegend();
}

void GraphView::setPlacement(const QHash<QString, QString>& deviceByNode, const QString& backend)
{
    m_placement = deviceByNode;
    m_placementBackend = backend;
    // A closed group (or a layer) shows where its nodes ran: one place, or "mixed".
    if (m_data)
        foldIntoGroups(*m_data, m_placement,
            [](const QString& a, const QString& b) { return a == b ? a : QStringLiteral("mixed"); });
    overlayDataChanged(Overlay::Placement, m_placement.isEmpty());
}

void GraphView::setQuantizationErrors(const QHash<QString, WeightError>& byWeight, const QString& plan)
{
    m_quantError.clear();
    m_quantPlan = plan;
    if (m_data) {
        // The weight's own node (a graph model's Const), or else the innermost layer or scope
        // its name falls in ("block_1/conv/kernel" -> "block_1/conv"); every group above it
        // takes the largest error inside.
        auto keep = [this](const QString& key, const WeightError& e) {
            auto it = m_quantError.find(key);
            if (it == m_quantError.end() || it->relative < e.relative)
                m_quantError.insert(key, e);
        };
        for (auto it = byWeight.constBegin(); it != byWeight.constEnd(); ++it) {
            std::vector<int> groups;
            if (const int node = m_data->nodeByName.value(it.key(), -1); node >= 0) {
                keep(it.key(), it.value());
                groups = m_data->ancestors(node);
            } else {
                QString scope = it.key();
                int group = -1;
                while (group <= 0 && scope.contains(u'/')) {
                    scope = scope.left(scope.lastIndexOf(u'/'));
                    group = m_data->groupByName.value(scope, -1);
                }
                for (; group > 0; group = m_data->groups[static_cast<std::size_t>(group)].parent)
                    groups.push_back(group);
                if (groups.empty())
                    continue;
            }
            for (int g : groups)
                keep(m_data->groups[static_cast<std::size_t>(g)].name, it.value());
        }
    }
    overlayDataChanged(Overlay::Quantization, m_quantError.isEmpty());
}

bool GraphView::setGroupExpanded(const QString& group, bool open)
{
    if (!m_data)
        return false;
    const int g = m_data->groupByName.value(group, -1);
    if (g <= 0)
        return false;
    if (m_expanded[static_cast<std::size_t>(g)] == open)
        return true;
    m_expanded[static_cast<std::size_t>(g)] = open;
    if (open) // opening an inner group opens the ones around it
        for (int p = m_data->groups[static_cast<std::size_t>(g)].parent; p > 0; p = m_data->groups[static_cast<std::size_t>(p)].parent)
            m_expanded[static_cast<std::size_t>(p)] = true;
    m_anchorGroup = g;
    startLayout();
    return true;
}

bool GraphView::isGroupExpanded(const QString& group) const
{
    const int g = m_data ? m_data->groupByName.value(group, -1) : -1;
    return g >= 0 && m_expanded[static_cast<std::size_t>(g)];
}

bool GraphView::selectNode(const QString& name, bool centre)
{
    if (!m_data)
        return false;
    int node = m_data->nodeByName.value(name, -1);
    int group = -1;
    // A layers model's table names layers: their groups, not the op that shares the name.
    if (m_data->layersModel) {
        const int g = m_data->groupByName.value(name, -1);
        if (g > 0 && m_data->groups[static_cast<std::size_t>(g)].isLayer()) {
            group = g;
            node = -1;
        }
    }
    if (node < 0 && group < 0)
        return false;
    m_selectedName = name;
    m_selectedNode = node;
    m_selectedGroup = group;
    // Open what hides it; the selection is shown when the new layout arrives.
    bool reopened = false;
    const std::vector<int> around = node >= 0 ? m_data->ancestors(node) : [&] {
        std::vector<int> v;
        for (int p = m_data->groups[static_cast<std::size_t>(group)].parent; p > 0; p = m_data->groups[static_cast<std::size_t>(p)].parent)
            v.push_back(p);
        return v;
    }();
    for (int g : around) {
        if (!m_expanded[static_cast<std::size_t>(g)]) {
            m_expanded[static_cast<std::size_t>(g)] = true;
            reopened = true;
        }
    }
    if (reopened || isLayingOut()) {
        m_pendingCentre = centre;
        if (reopened)
            startLayout();
        return true;
    }
    applySelection(centre);
    return true;
}

void GraphView::applySelection(bool centre)
{
    for (EdgeItem* e : m_edges)
        e->setHighlighted(false);
    m_scene->clearSelection();
    if (!m_data || (m_selectedNode < 0 && m_selectedGroup < 0))
        return;
    BoxItem* item = nullptr;
    ClusterItem* cluster = nullptr;
    int boxIndex = -1;
    if (m_selectedNode >= 0) {
        boxIndex = m_layout.boxOfNode.empty() ? -1 : m_layout.boxOfNode[static_cast<std::size_t>(m_selectedNode)];
    } else {
        boxIndex = m_layout.boxOfGroup.empty() ? -1 : m_layout.boxOfGroup[static_cast<std::size_t>(m_selectedGroup)];
        const int c = m_layout.clusterOfGroup.empty() ? -1 : m_layout.clusterOfGroup[static_cast<std::size_t>(m_selectedGroup)];
        if (c >= 0)
            cluster = m_clusters[static_cast<std::size_t>(c)];
    }
    if (boxIndex >= 0 && static_cast<std::size_t>(boxIndex) < m_boxes.size())
        item = m_boxes[static_cast<std::size_t>(boxIndex)];
    if (item) {
        item->setSelected(true);
        // Its edges in the selection colour, so where the data comes from and goes is easy to follow.
        for (std::size_t i = 0; i < m_layout.edges.size(); ++i)
            if (m_layout.edges[i].from == boxIndex || m_layout.edges[i].to == boxIndex)
                m_edges[i]->setHighlighted(true);
        if (centre) {
            if (m_canvas->transform().m11() < 0.5)
                m_canvas->setTransform(QTransform::fromScale(0.8, 0.8));
            m_canvas->centerOn(item);
        } else {
            m_canvas->ensureVisible(item, 40, 40);
        }
    } else if (cluster && centre) {
        m_canvas->centerOn(cluster->boundingRect().center());
    }
    m_canvas->viewChanged();
}

void GraphView::clickedBox(BoxItem* box, QPointF scenePos)
{
    if (box->isGroup() && box->buttonRect().contains(scenePos)) {
        doubleClickedBox(box);
        return;
    }
    const GraphData& d = *m_data;
    if (box->isGroup()) {
        const Group& g = d.groups[static_cast<std::size_t>(box->id())];
        m_selectedNode = -1;
        m_selectedGroup = box->id();
        m_selectedName = g.name;
        applySelection(false);
        if (g.isLayer())
            emit nodeSelected(g.name);
        return;
    }
    m_selectedNode = box->id();
    m_selectedGroup = -1;
    m_selectedName = d.nodes[static_cast<std::size_t>(box->id())].name;
    applySelection(false);
    emit nodeSelected(m_selectedName);
}

void GraphView::doubleClickedBox(BoxItem* box)
{
    if (!box->isGroup())
        return;
    const QString name = m_data->groups[static_cast<std::size_t>(box->id())].name;
    if (setGroupExpanded(name, true))
        emit groupToggled(name, true);
}

void GraphView::clickedCluster(ClusterItem* cluster, QPointF scenePos, bool doubleClick)
{
    if (!doubleClick && !cluster->buttonRect().contains(scenePos))
        return;
    const QString name = m_data->groups[static_cast<std::size_t>(cluster->group())].name;
    if (setGroupExpanded(name, false))
        emit groupToggled(name, false);
}

void GraphView::focusFind()
{
    m_findEdit->setFocus(Qt::ShortcutFocusReason);
    m_findEdit->selectAll();
}

void GraphView::setFindText(const QString& text)
{
    m_findEdit->setText(text);
}

void GraphView::updateFindMatches()
{
    for (BoxItem* b : m_boxes)
        b->setMatch(false);
    m_matches.clear();
    m_matchIndex = -1;
    const QString text = m_findEdit->text().trimmed();
    if (!m_data || text.isEmpty()) {
        m_findCount->clear();
        return;
    }
    for (std::size_t i = 0; i < m_data->nodes.size(); ++i) {
        const Node& n = m_data->nodes[i];
        if (n.name.contains(text, Qt::CaseInsensitive) || n.op.compare(text, Qt::CaseInsensitive) == 0
            || n.op.contains(text, Qt::CaseInsensitive))
            m_matches.push_back(static_cast<int>(i));
    }
    for (int n : m_matches) {
        const int box = m_layout.boxOfNode.empty() ? -1 : m_layout.boxOfNode[static_cast<std::size_t>(n)];
        if (box >= 0)
            m_boxes[static_cast<std::size_t>(box)]->setMatch(true);
    }
    // Keep the place in the list when the layout changes under a running search.
    for (std::size_t i = 0; i < m_matches.size(); ++i)
        if (m_matches[i] == m_selectedNode)
            m_matchIndex = static_cast<int>(i);
    m_findCount->setText(m_matches.empty() ? tr("no match")
            : m_matchIndex >= 0            ? tr("%1 of %2").arg(m_matchIndex + 1).arg(m_matches.size())
                                           : tr("%1 found").arg(m_matches.size()));
    m_findEdit->setStyleSheet(m_matches.empty() ? QStringLiteral("QLineEdit { background: #fbe3e3; }") : QString());
}

void GraphView::showMatch()
{
    if (m_matches.empty())
        return;
    const int node = m_matches[static_cast<std::size_t>(m_matchIndex)];
    const QString name = m_data->nodes[static_cast<std::size_t>(node)].name;
    m_findCount->setText(tr("%1 of %2").arg(m_matchIndex + 1).arg(m_matches.size()));
    // Find moves to the node itself, not its layer: select the op and tell the others.
    m_selectedName = name;
    m_selectedNode = node;
    m_selectedGroup = -1;
    bool reopened = false;
    for (int g : m_data->ancestors(node))
        if (!m_expanded[static_cast<std::size_t>(g)]) {
            m_expanded[static_cast<std::size_t>(g)] = true;
            reopened = true;
        }
    if (reopened) {
        m_pendingCentre = true;
        startLayout();
    } else {
        applySelection(true);
    }
    emit nodeSelected(name);
}

void GraphView::findNext()
{
    if (m_matches.empty())
        return;
    m_matchIndex = (m_matchIndex + 1) % static_cast<int>(m_matches.size());
    showMatch();
}

void GraphView::findPrevious()
{
    if (m_matches.empty())
        return;
    m_matchIndex = m_matchIndex <= 0 ? static_cast<int>(m_matches.size()) - 1 : m_matchIndex - 1;
    showMatch();
}

void GraphView::zoomIn()
{
    m_canvas->zoomBy(1.25);
}

void GraphView::zoomOut()
{
    m_canvas->zoomBy(0.8);
}

void GraphView::fitToView()
{
    if (m_scene->sceneRect().isEmpty())
        return;
    m_canvas->fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
    m_canvas->viewChanged();
}

bool GraphView::exportPng(const QString& path, QString* error) const
{
    const QRectF source = m_scene->sceneRect();
    if (m_boxes.empty() || source.isEmpty()) {
        if (error)
            *error = tr("There is no graph to export.");
        return false;
    }
    // Twice the scene's size where that fits: crisp text. Big graphs get less: 30 megapixels at most
    // (Qt's own image reader refuses more than 128 MB) and sides under 32,767 pixels.
    double scale = 2.0;
    scale = std::min(scale, 32000.0 / std::max(source.width(), source.height()));
    scale = std::min(scale, std::sqrt(3.0e7 / (source.width() * source.height())));
    QImage image(QSize(static_cast<int>(std::ceil(source.width() * scale)), static_cast<int>(std::ceil(source.height() * scale))),
        QImage::Format_RGB32);
    if (image.isNull()) {
        if (error)
            *error = tr("Not enough memory for a %1 × %2 image.").arg(source.width() * scale).arg(source.height() * scale);
        return false;
    }
    image.fill(Qt::white);
    {
        QPainter p(&image);
        p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
        m_scene->render(&p, QRectF(image.rect()), source);
    }
    if (!image.save(path, "PNG")) {
        if (error)
            *error = tr("Cannot write %1.").arg(path);
        return false;
    }
    return true;
}

bool GraphView::exportSvg(const QString& path, QString* error) const
{
    const QRectF source = m_scene->sceneRect();
    if (m_boxes.empty() || source.isEmpty()) {
        if (error)
            *error = tr("There is no graph to export.");
        return false;
    }
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(source.size().toSize());
    svg.setViewBox(QRectF(QPointF(0, 0), source.size()));
    svg.setTitle(m_data && !m_data->nodes.empty() ? tr("Model graph") : QString());
    svg.setDescription(tr("Drawn by tfjs-studio"));
    {
        QPainter p;
        if (!p.begin(&svg)) {
            if (error)
                *error = tr("Cannot write %1.").arg(path);
            return false;
        }
        p.fillRect(QRectF(QPointF(0, 0), source.size()), Qt::white);
        m_scene->render(&p, QRectF(QPointF(0, 0), source.size()), source);
    }
    const QFileInfo written(path);
    if (!written.exists() || written.size() == 0) {
        if (error)
            *error = tr("Cannot write %1.").arg(path);
        return false;
    }
    return true;
}

void GraphView::exportDialog(bool svg)
{
    const QString filter = svg ? tr("SVG drawing (*.svg)") : tr("PNG image (*.png)");
    QString path = QFileDialog::getSaveFileName(this, svg ? tr("Export Graph as SVG") : tr("Export Graph as PNG"),
        svg ? QStringLiteral("graph.svg") : QStringLiteral("graph.png"), filter);
    if (path.isEmpty())
        return;
    QString error;
    if (!(svg ? exportSvg(path, &error) : exportPng(path, &error)))
        QMessageBox::warning(this, tr("Export Graph"), error);
}

BoxItem* GraphView::boxForNode(const QString& name) const
{
    if (!m_data || m_layout.boxOfNode.empty())
        return nullptr;
    int box = -1;
    const int g = m_data->groupByName.value(name, -1);
    const int n = m_data->nodeByName.value(name, -1);
    if (m_data->layersModel && g > 0 && m_data->groups[static_cast<std::size_t>(g)].isLayer())
        box = m_layout.boxOfGroup[static_cast<std::size_t>(g)];
    else if (n >= 0)
        box = m_layout.boxOfNode[static_cast<std::size_t>(n)];
    else if (g > 0)
        box = m_layout.boxOfGroup[static_cast<std::size_t>(g)];
    return box >= 0 && static_cast<std::size_t>(box) < m_boxes.size() ? m_boxes[static_cast<std::size_t>(box)] : nullptr;
}

ClusterItem* GraphView::clusterForGroup(const QString& group) const
{
    const int g = m_data ? m_data->groupByName.value(group, -1) : -1;
    if (g < 0 || m_layout.clusterOfGroup.empty())
        return nullptr;
    const int c = m_layout.clusterOfGroup[static_cast<std::size_t>(g)];
    return c >= 0 ? m_clusters[static_cast<std::size_t>(c)] : nullptr;
}

} // namespace studio::ui
