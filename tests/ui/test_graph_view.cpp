// The graph view and the Issues panel driven offscreen through the main window: items for every
// node of real models (names read from their model.json, not from our importer), find, the
// op check in the graph and the Issues panel, scopes and layers that open, selection kept in step
// with the node table and the inspector, export, and panels reset by the next model.
#include "converter/op_check.h"
#include "ui/graph/graph_items.h"
#include "ui/graph/graph_layout.h"
#include "ui/graph/graph_view.h"
#include "ui/main_window.h"
#include "ui/panels/benchmark_panel.h"
#include "ui/panels/convert_panel.h"
#include "core/tfjs/artifacts.h"
#include "core/tfjs/decode.h"
#include "ui/models/node_table_model.h"
#include "ui/panels/issues_panel.h"
#include "ui/panels/node_panel.h"

#include <QCheckBox>
#include <QDockWidget>
#include <QFile>
#include <QGraphicsView>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

using studio::ui::GraphView;
using studio::ui::IssuesPanel;
using studio::ui::MainWindow;
using studio::ui::graph::BoxItem;

namespace {

const QString kSample = QStringLiteral(STUDIO_SOURCE_DIR "/resources/samples/blazeface/model.json");
const QString kLayers = QStringLiteral(STUDIO_MODELS_DIR "/tfjs-layers-mobilenetv2-float32-seeded/model.json");
const QString kCustomLayer = QStringLiteral(STUDIO_MODELS_DIR "/keras-custom-layer-hyperscale-layers/tfjs_layers_model/model.json");
const QString kLargest = QStringLiteral(STUDIO_MODELS_DIR "/tfjs-graph-handtrack-ssd-uint8-controlflow/handtrack.json");
const QString kGolden = QStringLiteral(STUDIO_MODELS_DIR "/golden-tfjs-e2e-load-predict/graph_model/");

struct JsonNode {
    QString name, op;
};

// The oracle: node names and ops straight from model.json, as the reference converter wrote them.
QList<JsonNode> jsonNodes(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<JsonNode> out;
    const auto nodes = QJsonDocument::fromJson(f.readAll()).object()["modelTopology"].toObject()["node"].toArray();
    for (const auto& n : nodes)
        out.push_back({n.toObject()["name"].toString(), n.toObject()["op"].toString()});
    return out;
}

QJsonArray jsonLayers(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    // Keras writes {"model_config": {"config": ...}}; tfjs-layers saves the config one level up.
    QJsonObject topology = QJsonDocument::fromJson(f.readAll()).object()["modelTopology"].toObject();
    if (topology.contains("model_config"))
        topology = topology["model_config"].toObject();
    return topology["config"].toObject()["layers"].toArray();
}

GraphView* graphOf(const MainWindow& w)
{
    return w.graphView();
}

// True once the worker's layout is in the scene (within a minute: dot on 2 shared cores).
bool waitLayout(GraphView* g)
{
    return QTest::qWaitFor([g] { return !g->isLayingOut() && g->boxCount() > 0; }, 60000);
}

QString currentTableName(const MainWindow& w)
{
    auto* table = w.findChild<QTableView*>(QStringLiteral("nodeTable"));
    const QModelIndex i = table->currentIndex();
    return i.isValid() ? i.siblingAtColumn(0).data().toString() : QString();
}

// The golden graph model with its MatMul renamed to an op TF.js does not have.
QString writeUnsupportedModel(const QTemporaryDir& dir, QString* matmulNode)
{
    QFile::copy(kGolden + "weights.bin", dir.filePath(QStringLiteral("weights.bin")));
    QFile in(kGolden + "model.json");
    if (!in.open(QIODevice::ReadOnly))
        return {};
    QByteArray text = in.readAll();
    for (const auto& n : jsonNodes(kGolden + "model.json"))
        if (n.op == QLatin1String("MatMul"))
            *matmulNode = n.name;
    text.replace("\"op\": \"MatMul\"", "\"op\": \"SentencepieceOp\"");
    QFile out(dir.filePath(QStringLiteral("model.json")));
    if (!out.open(QIODevice::WriteOnly))
        return {};
    out.write(text);
    return out.fileName();
}

QPoint viewPointOf(GraphView* g, const QRectF& sceneRect)
{
    return g->canvas()->mapFromScene(sceneRect.center());
}

} // namespace

class TestGraphView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        for (const QString& f : {kSample, kLayers, kCustomLayer, kLargest, kGolden + "model.json"})
            QVERIFY2(QFile::exists(f), qPrintable(f + " is missing: the shared models are part of the test setup"));
    }

    // Every node of the sample's model.json has a box (the sample is small enough to open whole),
    // and the input's edge carries the Placeholder's declared shape.
    void sampleDrawsEveryNode()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        const auto nodes = jsonNodes(kSample);
        QCOMPARE(nodes.size(), 165);
        int own = 0;
        for (const auto& n : nodes) {
            BoxItem* box = g->boxForNode(n.name);
            QVERIFY2(box, qPrintable(n.name));
            own += box->isGroup() ? 0 : 1;
        }
        QCOMPARE(own, 165); // under the 400-box budget nothing stays closed
        const auto boxes = g->scene()->items();
        int boxItems = 0, edges = 0;
        QStringList labels;
        for (auto* item : boxes) {
            boxItems += item->type() == studio::ui::graph::BoxItemType;
            if (item->type() == studio::ui::graph::EdgeItemType) {
                ++edges;
                labels << static_cast<studio::ui::graph::EdgeItem*>(item)->label();
            }
        }
        QCOMPARE(boxItems, 165);
        QVERIFY(edges >= 164); // a connected DAG of 165 nodes has at least 164 edges
        // model.json declares the input as [1,128,128,3]; shape inference carries it to the edge.
        QVERIFY2(labels.contains(QStringLiteral("[1,128,128,3]")), qPrintable(labels.mid(0, 10).join(u' ')));
        // Boxes do not overlap: dot placed them.
        const auto& layout = g->layout();
        for (std::size_t i = 0; i < layout.boxes.size(); ++i)
            for (std::size_t k = i + 1; k < layout.boxes.size(); ++k)
                QVERIFY(!layout.boxes[i].rect.intersects(layout.boxes[k].rect));
    }

    // Ctrl+F reaches the graph's find box; the count matches model.json; Enter and F3 walk the hits.
    void findWithCtrlF()
    {
        MainWindow w;
        w.setInteractive(false);
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openModel(kSample));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        w.showGraphTab();
        w.activateWindow();
        QTest::keyClick(&w, Qt::Key_F, Qt::ControlModifier);
        auto* find = g->findChild<QLineEdit*>(QStringLiteral("graphFind"));
        QVERIFY(find);
        QTRY_VERIFY(find->hasFocus());
        QTest::keyClicks(find, QStringLiteral("depthwise"));
        int expected = 0;
        QStringList order;
        for (const auto& n : jsonNodes(kSample))
            if (n.name.contains("depthwise", Qt::CaseInsensitive) || n.op.contains("depthwise", Qt::CaseInsensitive)) {
                ++expected;
                order << n.name;
            }
        QVERIFY(expected > 2);
        QCOMPARE(g->matchCount(), expected);
        QTest::keyClick(find, Qt::Key_Return);
        QTRY_COMPARE(g->selectedName(), order[0]);
        QCOMPARE(currentTableName(w), order[0]);
        QVERIFY(g->boxForNode(order[0])->isSelected());
        QTest::keyClick(find, Qt::Key_F3);
        QTRY_COMPARE(g->selectedName(), order[1]);
        QCOMPARE(g->findChild<QLabel*>(QStringLiteral("graphFindCount"))->text(), QStringLiteral("2 of %1").arg(expected));
        QTest::keyClick(find, Qt::Key_F3, Qt::ShiftModifier);
        QTRY_COMPARE(g->selectedName(), order[0]);
    }

    // The renamed op is red in the graph, listed in the Issues panel with its node, counted on the
    // summary's badge, red in the histogram; clicking the Issues entry selects it in the graph.
    void unsupportedOpInGraphAndIssues()
    {
        QTemporaryDir dir;
        QString bad;
        const QString path = writeUnsupportedModel(dir, &bad);
        QVERIFY(!path.isEmpty());
        QVERIFY(!bad.isEmpty());
        MainWindow w;
        w.setInteractive(false);
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openModel(path));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        int alerts = 0;
        for (const auto& n : jsonNodes(path)) {
            BoxItem* box = g->boxForNode(n.name);
            QVERIFY2(box, qPrintable(n.name));
            QCOMPARE(box->alert(), n.name == bad);
            alerts += box->alert() ? 1 : 0;
        }
        QCOMPARE(alerts, 1);
        QVERIFY(g->boxToolTip(g->boxForNode(bad)).contains(QStringLiteral("cannot run")));

        auto* issues = w.findChild<QTreeWidget*>(QStringLiteral("issues"));
        QVERIFY(issues);
        QCOMPARE(issues->topLevelItemCount(), 1);
        QTreeWidgetItem* top = issues->topLevelItem(0);
        QVERIFY2(top->text(0).contains(QStringLiteral("SentencepieceOp")), qPrintable(top->text(0)));
        QCOMPARE(top->childCount(), 1);
        QCOMPARE(top->child(0)->text(0), bad);
        auto* badge = w.findChild<QToolButton*>(QStringLiteral("issuesBadge"));
        QVERIFY(badge && badge->isVisible());
        QCOMPARE(badge->text(), QStringLiteral("1 issue"));

        auto* histogram = w.findChild<QTableWidget*>(QStringLiteral("histogram"));
        int redRows = 0;
        for (int r = 0; r < histogram->rowCount(); ++r) {
            const bool red = histogram->item(r, 0)->foreground().color() == QColor(0xc0, 0x20, 0x20);
            QCOMPARE(red, histogram->item(r, 0)->text() == QStringLiteral("SentencepieceOp"));
            redRows += red;
        }
        QCOMPARE(redRows, 1);

        // Click the node's entry, as a user would.
        w.findChild<QDockWidget*>(QStringLiteral("issuesDock"))->raise();
        QTRY_VERIFY(issues->isVisible());
        issues->scrollToItem(top->child(0));
        QTest::mouseClick(issues->viewport(), Qt::LeftButton, {}, issues->visualItemRect(top->child(0)).center());
        QTRY_COMPARE(g->selectedName(), bad);
        QVERIFY(g->boxForNode(bad)->isSelected());
        QCOMPARE(currentTableName(w), bad);
        // Centred: the box is inside the visible part of the canvas.
        const QRectF visible = g->canvas()->mapToScene(g->canvas()->viewport()->rect()).boundingRect();
        QVERIFY(visible.contains(g->boxForNode(bad)->sceneBoundingRect().center()));

        // "Unsupported only" leaves one row in the node table.
        auto* only = w.findChild<QCheckBox*>(QStringLiteral("unsupportedOnly"));
        QVERIFY(only);
        only->setChecked(true);
        auto* table = w.findChild<QTableView*>(QStringLiteral("nodeTable"));
        QCOMPARE(table->model()->rowCount(), 1);
        QCOMPARE(table->model()->index(0, 0).data().toString(), bad);
        QCOMPARE(g->overlay(), GraphView::Overlay::Categories);
        g->setOverlay(GraphView::Overlay::Support);
        QCOMPARE(g->boxForNode(bad)->fill(), QColor(0xf4, 0xa3, 0xa3));

        // The next model resets the Issues panel, the badge, the filter and the graph.
        QVERIFY(w.openModel(kSample));
        QVERIFY(waitLayout(g));
        QCOMPARE(issues->topLevelItemCount(), 1);
        QCOMPARE(issues->topLevelItem(0)->childCount(), 0);
        QVERIFY(issues->topLevelItem(0)->text(0).startsWith(QStringLiteral("No issues")));
        QVERIFY(!badge->isVisible());
        QVERIFY(!only->isChecked());
        QCOMPARE(table->model()->rowCount(), 165);
        QVERIFY(g->boxForNode(bad) == nullptr);
        QVERIFY(g->selectedName().isEmpty());
        QVERIFY(g->boxForNode(jsonNodes(kSample).first().name));
    }

    // A custom Keras layer class is an issue too: the op check flags it, the Issues panel lists it.
    void customLayerClassListed()
    {
        const auto layers = jsonLayers(kCustomLayer);
        QString customName;
        for (const auto& l : layers)
            if (l.toObject()["class_name"].toString() == QLatin1String("HyperScale"))
                customName = l.toObject()["config"].toObject()["name"].toString();
        QVERIFY(!customName.isEmpty());
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kCustomLayer));
        auto* issues = w.findChild<QTreeWidget*>(QStringLiteral("issues"));
        QCOMPARE(issues->topLevelItemCount(), 1);
        QVERIFY(issues->topLevelItem(0)->text(0).contains(QStringLiteral("HyperScale")));
        QCOMPARE(issues->topLevelItem(0)->child(0)->text(0), customName);
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        QVERIFY(g->boxForNode(customName));
        QVERIFY(g->boxForNode(customName)->alert());
    }

    // The largest corpus model opens with its scopes closed; double-clicking one opens it and every
    // node whose name is under that scope (per model.json) gets a box of its own or an inner group's.
    void largestModelScopesExpand()
    {
        MainWindow w;
        w.setInteractive(false);
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openModel(kLargest));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        const auto nodes = jsonNodes(kLargest);
        QCOMPARE(nodes.size(), 1185);
        QVERIFY2(g->boxCount() <= 400, qPrintable(QString::number(g->boxCount())));
        // A closed group to open: the first box that stands for several nodes.
        BoxItem* group = nullptr;
        for (auto* item : g->scene()->items())
            if (item->type() == studio::ui::graph::BoxItemType && static_cast<BoxItem*>(item)->isGroup()) {
                group = static_cast<BoxItem*>(item);
                break;
            }
        QVERIFY(group);
        const QString scope = g->graphData()->groups[static_cast<std::size_t>(group->id())].name;
        QStringList inside;
        for (const auto& n : nodes)
            if (n.name.startsWith(scope + u'/'))
                inside << n.name;
        QVERIFY(inside.size() >= 2);
        for (const QString& n : inside)
            QCOMPARE(g->boxForNode(n), group);
        g->canvas()->centerOn(group);
        QTest::mouseDClick(g->canvas()->viewport(), Qt::LeftButton, {}, viewPointOf(g, group->sceneBoundingRect()));
        QTRY_VERIFY_WITH_TIMEOUT(g->isGroupExpanded(scope) && !g->isLayingOut(), 60000);
        QVERIFY(g->clusterForGroup(scope));
        for (const QString& n : inside) {
            BoxItem* box = g->boxForNode(n);
            QVERIFY2(box, qPrintable(n));
            // Its own box, or an inner scope's, inside the opened frame.
            if (box->isGroup())
                QVERIFY(g->graphData()->groups[static_cast<std::size_t>(box->id())].name.startsWith(scope + u'/'));
            else
                QCOMPARE(g->graphData()->nodes[static_cast<std::size_t>(box->id())].name, n);
            QVERIFY(g->clusterForGroup(scope)->boundingRect().contains(box->sceneBoundingRect().center()));
        }

        // The overview map: shown because the graph does not fit, drawn in the overlay's colours
        // (the support overlay's green appears only once that overlay is chosen).
        auto* overview = g->findChild<QWidget*>(QStringLiteral("graphOverview"));
        QVERIFY(overview);
        QTRY_VERIFY(overview->isVisible());
        const auto pixelsOf = [&](const QColor& colour) {
            const QImage image = overview->grab().toImage().convertToFormat(QImage::Format_RGB32);
            int count = 0;
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width(); ++x)
                    count += image.pixelColor(x, y).rgb() == colour.rgb();
            return count;
        };
        const QColor supported = QColor(0xdc, 0xee, 0xd6).darker(115);
        QCOMPARE(pixelsOf(supported), 0);
        g->setOverlay(GraphView::Overlay::Support);
        QVERIFY2(pixelsOf(supported) > 200, qPrintable(QString::number(pixelsOf(supported))));
        g->setOverlay(GraphView::Overlay::Categories);
        QCOMPARE(pixelsOf(supported), 0);
    }

    // A layers model shows its layers (names from model.json); a layer opens into its ops.
    void layersModelOpensALayer()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kLayers));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        const auto layers = jsonLayers(kLayers);
        QVERIFY(layers.size() > 100);
        QString conv;
        for (const auto& l : layers) {
            const QString name = l.toObject()["config"].toObject()["name"].toString();
            QVERIFY2(g->boxForNode(name), qPrintable(name));
            if (conv.isEmpty() && l.toObject()["class_name"].toString() == QLatin1String("Conv2D"))
                conv = name;
        }
        QCOMPARE(g->boxCount(), static_cast<int>(layers.size()));
        QVERIFY(!conv.isEmpty());
        QVERIFY(g->boxForNode(conv)->isGroup());
        QVERIFY(g->setGroupExpanded(conv, true));
        QTRY_VERIFY_WITH_TIMEOUT(!g->isLayingOut() && g->clusterForGroup(conv), 60000);
        // Keras's Conv2D runs as a TensorFlow Conv2D op (plus its bias): one of the ops shown is one.
        bool sawConvOp = false;
        for (auto* item : g->scene()->items()) {
            if (item->type() != studio::ui::graph::BoxItemType)
                continue;
            auto* box = static_cast<BoxItem*>(item);
            if (box->isGroup())
                continue;
            const auto& node = g->graphData()->nodes[static_cast<std::size_t>(box->id())];
            if (node.name.startsWith(conv + u'/') && node.op.contains(QStringLiteral("Conv2D")))
                sawConvOp = true;
        }
        QVERIFY(sawConvOp);
        QCOMPARE(g->boxCount(), static_cast<int>(layers.size()) - 1 + g->graphData()->groups[static_cast<std::size_t>(
            g->graphData()->groupByName.value(conv))].totalNodes);
    }

    // Clicking a box selects its row and fills the inspector; picking a row selects the box; an
    // inspector link moves the selection to the producer.
    void selectionFollowsBothWays()
    {
        MainWindow w;
        w.setInteractive(false);
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openModel(kSample));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        w.showGraphTab();
        // A node with a producer: the first non-Const node with an input.
        QString target;
        for (const auto& n : jsonNodes(kSample))
            if (n.op == QLatin1String("Relu")) {
                target = n.name;
                break;
            }
        QVERIFY(!target.isEmpty());
        BoxItem* box = g->boxForNode(target);
        g->canvas()->centerOn(box);
        QTest::mouseClick(g->canvas()->viewport(), Qt::LeftButton, {}, viewPointOf(g, box->sceneBoundingRect()));
        QTRY_COMPARE(currentTableName(w), target);
        QVERIFY(box->isSelected());
        auto* inspector = w.findChild<QTreeWidget*>(QStringLiteral("inspector"));
        QVERIFY(inspector->findItems(target, Qt::MatchExactly | Qt::MatchRecursive, 1).size() == 1);

        // The table drives the graph.
        QString other = jsonNodes(kSample).at(20).name;
        QVERIFY(w.selectNode(other));
        QTRY_COMPARE(g->selectedName(), other);
        QVERIFY(g->boxForNode(other)->isSelected());
        QVERIFY(!box->isSelected());

        // Back to the Relu: its input row is a link to the producer.
        QVERIFY(w.selectNode(target));
        const auto inputs = inspector->findItems(QStringLiteral("Inputs"), Qt::MatchStartsWith, 0);
        QCOMPARE(inputs.size(), 1);
        QTreeWidgetItem* link = inputs.first()->child(0);
        QVERIFY(link);
        const QString producer = link->text(1).section(u':', 0, 0);
        inspector->scrollToItem(link);
        QTest::mouseClick(inspector->viewport(), Qt::LeftButton, {}, inspector->visualItemRect(link).center());
        QTRY_COMPARE(g->selectedName(), producer);
        QCOMPARE(currentTableName(w), producer);
    }

    // A benchmark with a profile run colours the graph by latency: the overlay can be chosen only
    // then, and a node's tooltip gives the time the profile measured for it.
    void latencyOverlayFromBenchmark()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        g->setOverlay(GraphView::Overlay::Latency);
        QCOMPARE(g->overlay(), GraphView::Overlay::Categories); // no profile yet
        auto* bench = w.benchmarkPanel();
        bench->setRuns(1, 2);
        QSignalSpy profiled(bench, &studio::ui::BenchmarkPanel::profileReady);
        QSignalSpy finished(bench, &studio::ui::BenchmarkPanel::finished);
        QVERIFY(bench->start());
        QVERIFY(finished.count() == 1 || finished.wait(120000));
        QVERIFY(finished.first().first().toBool());
        QCOMPARE(profiled.count(), 1);
        const auto byNode = profiled.first().first().value<QHash<QString, double>>();
        QVERIFY(!byNode.isEmpty());
        g->setOverlay(GraphView::Overlay::Latency);
        QCOMPARE(g->overlay(), GraphView::Overlay::Latency);
        // Every profiled node of the sample has a box whose tooltip carries its time.
        int checked = 0;
        for (auto it = byNode.constBegin(); it != byNode.constEnd() && checked < 5; ++it) {
            const BoxItem* box = g->boxForNode(it.key());
            if (!box)
                continue;
            const QString tip = g->boxToolTip(box);
            QVERIFY2(tip.contains(QStringLiteral("latency: %1 ms").arg(it.value(), 0, 'f', 3)), qPrintable(tip));
            ++checked;
        }
        QVERIFY(checked > 0);
    }

    // A Vulkan benchmark tells where each node ran; the placement overlay colours the device's
    // nodes and the CPU fallback's apart, a closed group holding both as mixed, and says so in
    // the tooltip. Chosen before any run, it falls back to op categories.
    void placementOverlayFromBenchmark()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        g->setOverlay(GraphView::Overlay::Placement);
        QCOMPARE(g->overlay(), GraphView::Overlay::Categories); // no run yet
        auto* bench = w.benchmarkPanel();
        QVERIFY(bench->setBackend(QStringLiteral("vulkan"))); // lavapipe in CI: a run that finds no device fails
        bench->setRuns(1, 2);
        QSignalSpy placed(bench, &studio::ui::BenchmarkPanel::placementReady);
        QSignalSpy finished(bench, &studio::ui::BenchmarkPanel::finished);
        QVERIFY(bench->start());
        QVERIFY(finished.count() == 1 || finished.wait(180000));
        QVERIFY(finished.first().first().toBool());
        QCOMPARE(placed.count(), 1);
        const auto where = placed.first().first().value<QHash<QString, QString>>();
        QVERIFY(!where.isEmpty());
        QVERIFY(placed.first().at(1).toString().startsWith(QStringLiteral("vulkan on ")));
        g->setOverlay(GraphView::Overlay::Placement);
        QCOMPARE(g->overlay(), GraphView::Overlay::Placement);
        int device = 0;
        QColor deviceFill;
        for (auto it = where.constBegin(); it != where.constEnd(); ++it) {
            const BoxItem* box = g->boxForNode(it.key());
            if (!box || box->isGroup() || it.value() != QLatin1String("vulkan"))
                continue;
            QVERIFY2(g->boxToolTip(box).contains(QStringLiteral("ran on: the device")), qPrintable(g->boxToolTip(box)));
            if (deviceFill.isValid())
                QCOMPARE(box->fill(), deviceFill);
            deviceFill = box->fill();
            ++device;
        }
        QVERIFY(device > 0);
        // A picture of the overlay with its legend, when asked for (scripts/screenshot.sh reads it).
        if (const QString dir = qEnvironmentVariable("STUDIO_UI_SHOTS"); !dir.isEmpty()) {
            g->resize(1000, 700);
            QTest::qWait(50);
            QVERIFY(g->grab().save(dir + QStringLiteral("/graph-placement.png")));
        }
        // One node moved to the CPU: its own colour, and its closed group turns mixed.
        QHash<QString, QString> moved = where;
        const QString first = where.constBegin().key();
        moved[first] = QStringLiteral("cpu");
        g->setPlacement(moved, QStringLiteral("vulkan on test"));
        if (const BoxItem* box = g->boxForNode(first)) {
            QVERIFY(box->fill() != deviceFill);
            QVERIFY(g->boxToolTip(box).contains(QStringLiteral("CPU fallback")));
        }
        // Another model clears it.
        QVERIFY(w.openModel(kSample));
        QVERIFY(waitLayout(g));
        QCOMPARE(g->overlay(), GraphView::Overlay::Categories);
        g->setOverlay(GraphView::Overlay::Placement);
        QCOMPARE(g->overlay(), GraphView::Overlay::Categories);
    }

    // Choosing a quantization in the Convert panel colours every weight by what it loses. The
    // figure for a weight equals what the written model gives back: the sample written with
    // uint8 weights by the artifact writer, read again and dequantized as TF.js does.
    void quantizationOverlayFromConvertPanel()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        g->setOverlay(GraphView::Overlay::Quantization);
        QCOMPARE(g->overlay(), GraphView::Overlay::Categories); // none chosen
        w.convertPanel()->setQuantization(studio::ui::ConvertPanel::Quantization::UInt8);
        QTRY_VERIFY_WITH_TIMEOUT((g->setOverlay(GraphView::Overlay::Quantization), g->overlay() == GraphView::Overlay::Quantization), 20000);
        if (const QString shots = qEnvironmentVariable("STUDIO_UI_SHOTS"); !shots.isEmpty())
            QVERIFY(g->grab().save(shots + QStringLiteral("/graph-quantization.png")));

        const auto& original = *w.model();
        QTemporaryDir dir;
        studio::core::WriteOptions options;
        options.quantization.add(studio::core::DType::UInt8, {});
        const auto out = std::filesystem::path(dir.path().toStdString()) / "uint8";
        studio::core::writeTfjsModel(original, out, options);
        const auto written = studio::core::readTfjsModel(out);
        int checked = 0;
        for (std::size_t i = 0; i < original.weightGroups.at(0).weights.size() && checked < 8; ++i) {
            const auto& before = original.weightGroups[0].weights[i];
            if (before.dtype != studio::core::DType::Float32 || before.elementCount() < 2)
                continue;
            const auto& after = written.weightGroups.at(0).weights.at(i);
            QCOMPARE(after.name, before.name);
            std::vector<float> a(static_cast<std::size_t>(before.elementCount())), b(a.size());
            studio::core::decodeFloat32Into(before, a.data());
            studio::core::decodeFloat32Into(after, b.data());
            double maxAbs = 0;
            for (std::size_t k = 0; k < a.size(); ++k)
                maxAbs = std::max(maxAbs, std::abs(static_cast<double>(a[k]) - static_cast<double>(b[k])));
            const auto shown = g->quantizationError(QString::fromStdString(before.name));
            QVERIFY2(shown, before.name.c_str());
            QVERIFY2(std::abs(shown->maxAbs - maxAbs) <= 1e-12, qPrintable(QStringLiteral("%1: %2 vs %3")
                .arg(QString::fromStdString(before.name)).arg(shown->maxAbs, 0, 'g', 12).arg(maxAbs, 0, 'g', 12)));
            if (const BoxItem* box = g->boxForNode(QString::fromStdString(before.name)); box && !box->isGroup())
                QVERIFY2(g->boxToolTip(box).contains(QStringLiteral("quantization error")), qPrintable(g->boxToolTip(box)));
            ++checked;
        }
        QVERIFY(checked > 0);
        // float16 loses less than uint8; no quantization turns the overlay off.
        const double uint8Error = g->quantizationError(QString::fromStdString(original.weightGroups[0].weights[0].name))->relative;
        w.convertPanel()->setQuantization(studio::ui::ConvertPanel::Quantization::Float16);
        QTRY_VERIFY_WITH_TIMEOUT(g->quantizationError(QString::fromStdString(original.weightGroups[0].weights[0].name))->relative < uint8Error, 20000);
        w.convertPanel()->setQuantization(studio::ui::ConvertPanel::Quantization::None);
        QTRY_COMPARE(g->overlay(), GraphView::Overlay::Categories);
    }

    void exportWritesFiles()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        GraphView* g = graphOf(w);
        QVERIFY(waitLayout(g));
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("g.png")), svg = dir.filePath(QStringLiteral("g.svg"));
        QString error;
        QVERIFY2(g->exportPng(png, &error), qPrintable(error));
        QVERIFY2(g->exportSvg(svg, &error), qPrintable(error));
        const QImage image(png);
        QVERIFY(!image.isNull());
        // Scaled from the laid-out scene: as wide as the layout says, not a thumbnail.
        QVERIFY(image.width() >= std::min(g->layout().bounds.width(), 2000.0));
        QFile s(svg);
        QVERIFY(s.open(QIODevice::ReadOnly));
        const QByteArray text = s.readAll();
        QVERIFY(text.contains("<svg"));
        // The ops are written as text, so the drawing is searchable.
        QVERIFY(text.contains("DepthwiseConv2dNative"));
        // Nothing to export before a model is open.
        MainWindow empty;
        QVERIFY(!empty.graphView()->exportPng(dir.filePath(QStringLiteral("none.png")), &error));
        QVERIFY(!error.isEmpty());
    }
};

QTEST_MAIN(TestGraphView)
#include "test_graph_view.moc"
