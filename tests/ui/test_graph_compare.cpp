// The Compare tab driven offscreen through the main window: a Keras file as read against what the
// converter's passes make of it (the reference converter's own graph-model of the file is the
// oracle for the optimized side), selections followed across by mouse clicks, groups opened on
// both sides; the float32 sample against the Convert panel's uint8 quantization; a TF.js graph
// model, which has no passes to show; and the tab reset by the next model.
#include "ui/format.h"
#include "ui/graph/graph_compare.h"
#include "ui/graph/graph_items.h"
#include "ui/graph/graph_view.h"
#include "ui/main_window.h"
#include "ui/panels/convert_panel.h"

#include <QFile>
#include <QGraphicsView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTest>

#include <map>

using studio::ui::GraphCompare;
using studio::ui::GraphView;
using studio::ui::MainWindow;
using studio::ui::graph::BoxItem;

namespace {

const QString kSample = QStringLiteral(STUDIO_SOURCE_DIR "/resources/samples/blazeface/model.json");
const QString kPair = QStringLiteral(STUDIO_MODELS_DIR "/pair-keras205-gender-minixception-graph");

// The oracle: op counts of a model.json as the reference converter wrote it.
std::map<QString, int> jsonOpCounts(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    std::map<QString, int> counts;
    for (const auto& n : QJsonDocument::fromJson(f.readAll()).object()["modelTopology"].toObject()["node"].toArray())
        ++counts[n.toObject()["op"].toString()];
    return counts;
}

std::map<QString, int> viewOpCounts(const GraphView* g)
{
    std::map<QString, int> counts;
    for (const auto& n : g->graphData()->nodes)
        ++counts[n.op];
    return counts;
}

QString text(const std::map<QString, int>& counts)
{
    QStringList parts;
    for (const auto& [op, n] : counts)
        parts << QStringLiteral("%1=%2").arg(op).arg(n);
    return parts.join(u' ');
}

bool settled(const GraphCompare* c)
{
    return QTest::qWaitFor([c] { return !c->isComputing() && !c->left()->isLayingOut() && !c->right()->isLayingOut(); }, 90000);
}

QString opOf(const GraphView* g, const QString& name)
{
    const int k = g->graphData()->nodeByName.value(name, -1);
    return k < 0 ? QString() : g->graphData()->nodes[static_cast<std::size_t>(k)].op;
}

QString messageOf(const GraphView* g)
{
    const auto* label = g->findChild<QLabel*>(QStringLiteral("graphMessage"));
    return label && label->isVisible() ? label->text() : QString();
}

// Brings a node's own box into view (opening the groups around it) and clicks it as a user would.
bool clickNode(GraphView* g, const QString& name)
{
    if (!g->selectNode(name, true))
        return false;
    if (!QTest::qWaitFor([g, name] {
            const BoxItem* box = g->boxForNode(name);
            return !g->isLayingOut() && box && !box->isGroup();
        }, 60000))
        return false;
    BoxItem* box = g->boxForNode(name);
    g->canvas()->centerOn(box);
    QTest::mouseClick(g->canvas()->viewport(), Qt::LeftButton, {}, g->canvas()->mapFromScene(box->sceneBoundingRect().center()));
    return true;
}

// The window as the tests use it: no dialogs, a fixed size, on screen.
bool showWindow(MainWindow& w)
{
    w.setInteractive(false);
    w.resize(1400, 900);
    w.show();
    return QTest::qWaitForWindowExposed(&w);
}

void saveShot(QWidget* w, const QString& file)
{
    if (const QString dir = qEnvironmentVariable("STUDIO_UI_SHOTS"); !dir.isEmpty()) {
        QTest::qWait(100);
        QVERIFY(w->grab().save(dir + u'/' + file));
    }
}

} // namespace

class TestGraphCompare : public QObject {
    Q_OBJECT
private slots:
    void keras_asReadAgainstOptimized()
    {
        MainWindow w;
        QVERIFY(showWindow(w));
        QVERIFY(w.openModel(kPair + QStringLiteral("/keras/gender_mini_XCEPTION.21-0.95.hdf5")));
        w.showCompareTab();
        GraphCompare* c = w.compareView();
        QVERIFY(c->isVisible());
        QVERIFY(settled(c));
        QVERIFY(c->left()->graphData() && c->right()->graphData());

        // The optimized side has the reference converter's ops, one for one.
        const auto reference = jsonOpCounts(kPair + QStringLiteral("/tfjs_graph_model/gender.json"));
        QCOMPARE(text(viewOpCounts(c->right())), text(reference));
        int referenceNodes = 0;
        for (const auto& [op, n] : reference)
            referenceNodes += n;
        const auto* rightTitle = c->findChild<QLabel*>(QStringLiteral("compareRightTitle"));
        QVERIFY2(rightTitle->text().contains(QStringLiteral("%1 nodes").arg(referenceNodes)), qPrintable(rightTitle->text()));
        // The left side is the lowering: Conv2D and FusedBatchNormV3 there, none on the right.
        const auto before = viewOpCounts(c->left());
        QVERIFY(before.contains(QStringLiteral("Conv2D")) && before.contains(QStringLiteral("FusedBatchNormV3")));

        // A convolution clicked on the left selects the fused convolution that took it in.
        QString conv;
        for (const auto& n : c->left()->graphData()->nodes)
            if (n.op == QLatin1String("Conv2D") && c->trace().fates.at(n.name.toStdString()).kind == studio::conv::NodeFate::Kind::Merged) {
                conv = n.name;
                break;
            }
        QVERIFY(!conv.isEmpty());
        QVERIFY(clickNode(c->left(), conv));
        QTRY_COMPARE(c->left()->selectedName(), conv);
        const QString into = QString::fromStdString(c->trace().fates.at(conv.toStdString()).into);
        QTRY_COMPARE(c->right()->selectedName(), into);
        QCOMPARE(opOf(c->right(), into), QStringLiteral("_FusedConv2D"));
        QVERIFY2(c->selectionText().contains(QStringLiteral("merged into")), qPrintable(c->selectionText()));
        QTRY_VERIFY(c->right()->boxForNode(into) && c->right()->boxForNode(into)->isSelected());
        saveShot(c, QStringLiteral("compare-optimized.png"));

        // A fused convolution clicked on the right selects a node it took in on the left.
        QString fused;
        for (const auto& n : c->right()->graphData()->nodes)
            if (n.op == QLatin1String("_FusedConv2D") && n.name != into) {
                fused = n.name;
                break;
            }
        QVERIFY(clickNode(c->right(), fused));
        QTRY_COMPARE(c->right()->selectedName(), fused);
        QTRY_VERIFY(!c->left()->selectedName().isEmpty());
        const auto& fate = c->trace().fates.at(c->left()->selectedName().toStdString());
        QVERIFY(c->left()->selectedName() == fused || QString::fromStdString(fate.into) == fused);
        QVERIFY2(c->selectionText().contains(QStringLiteral("took in")), qPrintable(c->selectionText()));

        // A group open on both sides, closed with its "−" button on the left, closes on the right
        // too; opened again with a double-click, it opens on both.
        QString group;
        for (auto* item : c->left()->scene()->items()) {
            if (item->type() != studio::ui::graph::ClusterItemType)
                continue;
            auto* cluster = static_cast<studio::ui::graph::ClusterItem*>(item);
            const QString name = c->left()->graphData()->groups[static_cast<std::size_t>(cluster->group())].name;
            if (!c->right()->graphData()->groupByName.contains(name) || !c->right()->isGroupExpanded(name))
                continue;
            group = name;
            const QPointF button = cluster->mapToScene(cluster->buttonRect().center());
            c->left()->canvas()->centerOn(button);
            QTest::mouseClick(c->left()->canvas()->viewport(), Qt::LeftButton, {}, c->left()->canvas()->mapFromScene(button));
            break;
        }
        QVERIFY(!group.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!c->left()->isGroupExpanded(group) && !c->right()->isGroupExpanded(group), 60000);
        QVERIFY(settled(c));
        BoxItem* closed = nullptr;
        for (auto* item : c->left()->scene()->items())
            if (item->type() == studio::ui::graph::BoxItemType && static_cast<BoxItem*>(item)->isGroup()
                && c->left()->graphData()->groups[static_cast<std::size_t>(static_cast<BoxItem*>(item)->id())].name == group)
                closed = static_cast<BoxItem*>(item);
        QVERIFY(closed);
        c->left()->canvas()->centerOn(closed);
        QTest::mouseDClick(c->left()->canvas()->viewport(), Qt::LeftButton, {},
            c->left()->canvas()->mapFromScene(closed->sceneBoundingRect().center()));
        QTRY_VERIFY_WITH_TIMEOUT(c->left()->isGroupExpanded(group) && c->right()->isGroupExpanded(group), 60000);
    }

    void sample_float32AgainstUint8()
    {
        MainWindow w;
        QVERIFY(showWindow(w));
        QVERIFY(w.openModel(kSample));
        w.showCompareTab();
        GraphCompare* c = w.compareView();
        // A TF.js graph model has no passes to show: the right side says why.
        QVERIFY(settled(c));
        QVERIFY(c->right()->graphData() == nullptr);
        QVERIFY2(messageOf(c->right()).contains(QStringLiteral("TensorFlow.js graph model")), qPrintable(messageOf(c->right())));
        QVERIFY(c->left()->graphData());

        c->setMode(GraphCompare::Mode::Quantized);
        QVERIFY(settled(c));
        QVERIFY(c->right()->graphData() == nullptr);
        QVERIFY2(messageOf(c->right()).contains(QStringLiteral("Choose a quantization")), qPrintable(messageOf(c->right())));
        w.convertPanel()->setQuantization(studio::ui::ConvertPanel::Quantization::UInt8);
        QTRY_VERIFY_WITH_TIMEOUT(c->right()->graphData() != nullptr && c->right()->overlay() == GraphView::Overlay::Quantization, 30000);
        QVERIFY(settled(c));
        const auto* rightTitle = c->findChild<QLabel*>(QStringLiteral("compareRightTitle"));
        QVERIFY2(rightTitle->text().contains(studio::ui::bytesText(w.convertPanel()->previewWeightBytes())), qPrintable(rightTitle->text()));

        // A weight clicked on the left: the same node on the right, with its error as the main
        // graph's quantization overlay has it.
        QString weight;
        for (const auto& n : c->left()->graphData()->nodes)
            if (c->right()->quantizationError(n.name)) {
                weight = n.name;
                break;
            }
        QVERIFY(!weight.isEmpty());
        QVERIFY(clickNode(c->left(), weight));
        QTRY_COMPARE(c->right()->selectedName(), weight);
        QTRY_VERIFY(w.graphView()->quantizationError(weight).has_value());
        QCOMPARE(c->right()->quantizationError(weight)->maxAbs, w.graphView()->quantizationError(weight)->maxAbs);
        QVERIFY2(c->selectionText().contains(QStringLiteral("RMS")), qPrintable(c->selectionText()));
        saveShot(c, QStringLiteral("compare-quantized.png"));

        // Float16 lowers every error; None empties the right side again.
        const double uint8Error = c->right()->quantizationError(weight)->maxAbs;
        w.convertPanel()->setQuantization(studio::ui::ConvertPanel::Quantization::Float16);
        QTRY_VERIFY(c->right()->quantizationError(weight) && c->right()->quantizationError(weight)->maxAbs < uint8Error);
        w.convertPanel()->setQuantization(studio::ui::ConvertPanel::Quantization::None);
        QTRY_VERIFY(c->right()->graphData() == nullptr);
    }

    // The next model replaces both sides; nothing of the last one's selection or result stays.
    void nextModelResets()
    {
        MainWindow w;
        QVERIFY(showWindow(w));
        QVERIFY(w.openModel(kPair + QStringLiteral("/keras/gender_mini_XCEPTION.21-0.95.hdf5")));
        w.showCompareTab();
        GraphCompare* c = w.compareView();
        QVERIFY(settled(c));
        QVERIFY(c->right()->graphData());
        QVERIFY(!c->trace().fates.empty());
        QVERIFY(w.openModel(kSample));
        QVERIFY(settled(c));
        QVERIFY(c->trace().fates.empty());
        QVERIFY(c->right()->graphData() == nullptr);
        QCOMPARE(c->left()->graphData(), w.graphView()->graphData());
        QVERIFY(c->left()->selectedName().isEmpty());
        QVERIFY(!c->selectionText().contains(QStringLiteral("merged")));
    }
};

QTEST_MAIN(TestGraphCompare)
#include "test_graph_compare.moc"
