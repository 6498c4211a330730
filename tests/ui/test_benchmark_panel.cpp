// The Benchmark panel driven offscreen through its real widgets: the run chart with the first run
// and warm-ups marked apart, the histogram, the per-op profile table and chart, the backend and
// device pickers, the session history and its comparison, exports, the palette, and the main
// window at 900x600. Numbers are checked against the benchmark result itself and against
// statistics recomputed here (core::percentile), never against constants.
#include "converter/importers/importer.h"
#include "core/ir/model.h"
#include "core/stats/stats.h"
#include "core/version.h"
#include "runtime/backend.h"
#include "runtime/vulkan/devices.h"
#include "ui/main_window.h"
#include "ui/panels/benchmark_export.h"
#include "ui/panels/benchmark_history.h"
#include "ui/panels/benchmark_panel.h"
#include "ui/panels/benchmark_profile.h"

#include <QAbstractBarSeries>
#include <QApplication>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QSet>
#include <QHeaderView>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QXYSeries>

#include <cmath>
#include <map>
#include <set>
#include <thread>

using studio::ui::BenchmarkHistoryView;
using studio::ui::BenchmarkPanel;
using studio::ui::BenchmarkProfileView;
using studio::ui::MainWindow;

namespace {

const QString kSample = QStringLiteral(STUDIO_SOURCE_DIR "/resources/samples/blazeface/model.json");
// A second model, small and quantized, for "a new model keeps the history".
const QString kUint8Model = QStringLiteral(STUDIO_MODELS_DIR "/quantization-pair-bodypix-mobilenet050/quantized/uint8/model-stride16.json");
const QString kGoldenGraphModel = QStringLiteral(STUDIO_MODELS_DIR "/golden-tfjs-e2e-load-predict/graph_model/model.json");

std::shared_ptr<const studio::core::Model> load(const QString& path)
{
    return std::make_shared<const studio::core::Model>(studio::conv::importModel(path.toStdString()));
}

QChart* chartOf(const QWidget& root, const QString& viewName)
{
    auto* view = root.findChild<QChartView*>(viewName);
    return view ? view->chart() : nullptr;
}

QAbstractSeries* seriesOf(const QWidget& root, const QString& viewName, const QString& seriesName)
{
    QChart* chart = chartOf(root, viewName);
    for (auto* s : chart ? chart->series() : QList<QAbstractSeries*>{})
        if (s->objectName() == seriesName)
            return s;
    return nullptr;
}

// Runs a benchmark by clicking Run; true when it finished with a result.
bool runThroughPanel(BenchmarkPanel& panel, int warmups, int runs, int profileRuns = 1, int timeoutMs = 90000)
{
    auto* warmup = panel.findChild<QSpinBox*>(QStringLiteral("benchmarkWarmup"));
    auto* timed = panel.findChild<QSpinBox*>(QStringLiteral("benchmarkRuns"));
    auto* profile = panel.findChild<QSpinBox*>(QStringLiteral("benchmarkProfileRuns"));
    auto* run = panel.findChild<QPushButton*>(QStringLiteral("benchmarkRunButton"));
    if (!warmup || !timed || !profile || !run || !run->isEnabled())
        return false;
    warmup->setValue(warmups);
    timed->setValue(runs);
    profile->setValue(profileRuns);
    QSignalSpy finished(&panel, &BenchmarkPanel::finished);
    QTest::mouseClick(run, Qt::LeftButton);
    return (finished.count() == 1 || finished.wait(timeoutMs)) && finished.first().first().toBool();
}

// Column index by header text, -1 when absent.
int column(const QAbstractItemModel* model, const QString& header)
{
    for (int c = 0; c < model->columnCount(); ++c)
        if (model->headerData(c, Qt::Horizontal).toString() == header)
            return c;
    return -1;
}

// Clicks a history row; with Ctrl it is added to the selection.
void clickHistoryRow(QTableWidget* list, int row, Qt::KeyboardModifiers modifiers = {})
{
    const QRect rect = list->visualRect(list->model()->index(row, 1));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, modifiers, rect.center());
}

// STUDIO_UI_SHOTS=DIR saves pictures of the panel for scripts/screenshot.sh --benchmark-set.
// Grabs the widget as drawn and checks the picture is not blank (a panel that paints nothing, or
// one flat colour, fails); saves it under STUDIO_UI_SHOTS when set (scripts/screenshot.sh).
void maybeShoot(QWidget& w, const QString& name)
{
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTest::qWait(200); // deferred chart layouts
    const QImage picture = w.grab().toImage();
    QVERIFY2(!picture.isNull(), qPrintable(name));
    QSet<QRgb> colours;
    for (int y = 0; y < picture.height() && colours.size() < 16; y += 7)
        for (int x = 0; x < picture.width() && colours.size() < 16; x += 7)
            colours.insert(picture.pixel(x, y));
    QVERIFY2(colours.size() >= 16, qPrintable(name + QStringLiteral(": a blank picture")));
    const QString dir = qEnvironmentVariable("STUDIO_UI_SHOTS");
    if (!dir.isEmpty())
        QVERIFY(picture.save(QDir(dir).filePath(name + QStringLiteral(".png"))));
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Mid, QColor(0x40, 0x40, 0x40));
    p.setColor(QPalette::Highlight, QColor(0x2a, 0x82, 0xda));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
    p.setColor(QPalette::Light, QColor(0x50, 0x50, 0x50));
    p.setColor(QPalette::Dark, QColor(0x18, 0x18, 0x18));
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x70, 0x70, 0x70));
    return p;
}

} // namespace

class TestBenchmarkPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("tfjs-studio-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("test_benchmark_panel"));
        for (const QString& path : {kSample, kUint8Model, kGoldenGraphModel})
            QVERIFY2(QFile::exists(path), qPrintable(path + " is missing (bundled sample or ../shared/models)"));
    }

    // 2 warm-ups and 5 runs: five timed points, the first run and two warm-ups marked apart, a
    // histogram of five, and a profile whose shares add up to the whole run.
    void runChartHistogramAndProfile()
    {
        BenchmarkPanel panel;
        panel.setInteractive(false);
        panel.resize(520, 820);
        panel.show();
        panel.setModel(load(kSample), kSample);
        QVERIFY(panel.setBackend(QStringLiteral("reference")));
        QVERIFY(runThroughPanel(panel, 2, 5));
        const auto& result = panel.result();
        QVERIFY(result.has_value());
        QCOMPARE(result->samplesMs.size(), std::size_t(5));
        QCOMPARE(result->warmupMs.size(), std::size_t(2));

        auto* timed = qobject_cast<QXYSeries*>(seriesOf(panel, QStringLiteral("benchmarkChart"), QStringLiteral("benchmarkLatency")));
        auto* discarded = qobject_cast<QScatterSeries*>(seriesOf(panel, QStringLiteral("benchmarkChart"), QStringLiteral("benchmarkDiscarded")));
        QVERIFY(timed && discarded);
        QCOMPARE(timed->count(), 5);
        QCOMPARE(discarded->count(), 3); // the first run and 2 warm-ups
        QCOMPARE(discarded->at(0), QPointF(1, result->firstRunMs));
        QCOMPARE(discarded->at(1), QPointF(2, result->warmupMs[0]));
        QCOMPARE(discarded->at(2), QPointF(3, result->warmupMs[1]));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(timed->at(i), QPointF(4 + i, result->samplesMs[static_cast<std::size_t>(i)]));
        QVERIFY2(discarded->name().contains(QStringLiteral("excluded")), qPrintable(discarded->name()));

        // The histogram counts the timed runs only; every run lands in the bin that holds it.
        auto* bars = qobject_cast<QAbstractBarSeries*>(seriesOf(panel, QStringLiteral("benchmarkHistogram"),
            QStringLiteral("benchmarkHistogramBars")));
        QVERIFY(bars);
        QCOMPARE(bars->barSets().size(), 1);
        const QBarSet* set = bars->barSets().front();
        double total = 0;
        for (int i = 0; i < set->count(); ++i)
            total += set->at(i);
        QCOMPARE(total, 5.0);
        QVERIFY(set->count() >= 2); // five distinct wall-clock times spread over more than one bin
        const auto [lo, hi] = std::minmax_element(result->samplesMs.begin(), result->samplesMs.end());
        const double width = (*hi - *lo) / set->count();
        std::vector<int> expected(static_cast<std::size_t>(set->count()), 0);
        for (const double ms : result->samplesMs)
            ++expected[static_cast<std::size_t>(std::min<int>(set->count() - 1, static_cast<int>((ms - *lo) / width)))];
        for (int i = 0; i < set->count(); ++i)
            QCOMPARE(set->at(i), double(expected[static_cast<std::size_t>(i)]));

        // The profile per node: every node, slowest first, shares summing to 100 %.
        QVERIFY(!result->profile.empty());
        auto* table = panel.findChild<QTableView*>(QStringLiteral("benchmarkProfileTable"));
        QVERIFY(table);
        const QAbstractItemModel* rows = table->model();
        QCOMPARE(rows->rowCount(), static_cast<int>(result->profile.size()));
        const int meanCol = column(rows, QStringLiteral("Mean ms"));
        const int shareCol = column(rows, QStringLiteral("Share %"));
        const int gflopsCol = column(rows, QStringLiteral("GFLOP/s"));
        QVERIFY(meanCol >= 0 && shareCol >= 0);
        double shares = 0;
        for (int r = 0; r < rows->rowCount(); ++r)
            shares += rows->index(r, shareCol).data(BenchmarkProfileView::kSortRole).toDouble();
        QVERIFY2(std::abs(shares - 100) < 1e-6, qPrintable(QString::number(shares)));
        double slowest = 0, fastest = 1e300;
        for (const auto& t : result->profile) {
            slowest = std::max(slowest, t.meanMs);
            fastest = std::min(fastest, t.meanMs);
        }
        QCOMPARE(rows->index(0, meanCol).data(BenchmarkProfileView::kSortRole).toDouble(), slowest);
        // The sample's convolutions are counted: GFLOP/s from the result's own FLOPs and time.
        bool anyFlops = false;
        for (const auto& t : result->profile)
            anyFlops = anyFlops || t.flops > 0;
        QCOMPARE(gflopsCol >= 0, anyFlops);
        if (anyFlops) {
            const int nodeCol = column(rows, QStringLiteral("Node"));
            int checked = 0;
            for (int r = 0; r < rows->rowCount(); ++r) {
                const QString node = rows->index(r, nodeCol).data().toString();
                for (const auto& t : result->profile)
                    if (QString::fromStdString(t.node) == node && t.flops > 0 && t.meanMs > 0) {
                        QCOMPARE(rows->index(r, gflopsCol).data(BenchmarkProfileView::kSortRole).toDouble(),
                            t.flops / t.meanMs / 1e6);
                        ++checked;
                    }
            }
            QVERIFY(checked > 0);
        }
        // Sortable by clicking a header: Mean ms ascending puts the fastest node first.
        table->sortByColumn(meanCol, Qt::AscendingOrder);
        QCOMPARE(rows->index(0, meanCol).data(BenchmarkProfileView::kSortRole).toDouble(), fastest);

        // Per op type: one row per op, their totals the sum of the node means.
        panel.showTab(BenchmarkPanel::Tab::Profile);
        QTest::mouseClick(panel.findChild<QToolButton*>(QStringLiteral("benchmarkProfileByOp")), Qt::LeftButton);
        std::map<std::string, double> byOp;
        for (const auto& t : result->profile)
            byOp[t.op] += t.meanMs;
        QCOMPARE(rows->rowCount(), static_cast<int>(byOp.size()));
        const int opCol = column(rows, QStringLiteral("Op type"));
        const int totalCol = column(rows, QStringLiteral("Total ms"));
        QVERIFY(opCol >= 0 && totalCol >= 0);
        shares = 0;
        for (int r = 0; r < rows->rowCount(); ++r) {
            const std::string op = rows->index(r, opCol).data().toString().toStdString();
            QVERIFY2(byOp.count(op), op.c_str());
            QVERIFY(std::abs(rows->index(r, totalCol).data(BenchmarkProfileView::kSortRole).toDouble() - byOp[op]) < 1e-9);
            shares += rows->index(r, column(rows, QStringLiteral("Share %"))).data(BenchmarkProfileView::kSortRole).toDouble();
        }
        QVERIFY2(std::abs(shares - 100) < 1e-6, qPrintable(QString::number(shares)));

        // The bar chart: the top op types, the slowest as the last (topmost) bar.
        auto* opBars = qobject_cast<QAbstractBarSeries*>(seriesOf(panel, QStringLiteral("benchmarkProfileChart"),
            QStringLiteral("benchmarkProfileBars")));
        QVERIFY(opBars && opBars->barSets().size() == 1);
        const QBarSet* opSet = opBars->barSets().front();
        QCOMPARE(opSet->count(), std::min<int>(BenchmarkProfileView::kTopOpTypes, static_cast<int>(byOp.size())));
        double slowestOp = 0;
        for (const auto& [op, ms] : byOp)
            slowestOp = std::max(slowestOp, ms);
        QVERIFY(std::abs(opSet->at(opSet->count() - 1) - slowestOp) <= 0.0005 + 1e-12);
    }

    // Backends from the registry and, for Vulkan, the machine's devices with CPU ones marked; the
    // chosen device index reaches the backend.
    void backendAndDevicePickers()
    {
        BenchmarkPanel panel;
        panel.setInteractive(false);
        auto* backends = panel.findChild<QComboBox*>(QStringLiteral("benchmarkBackend"));
        auto* devices = panel.findChild<QComboBox*>(QStringLiteral("benchmarkDevice"));
        QVERIFY(backends && devices);
        const auto registered = studio::rt::BackendRegistry::instance().list();
        QCOMPARE(backends->count(), static_cast<int>(registered.size()));

        QVERIFY(panel.setBackend(QStringLiteral("reference")));
        QCOMPARE(devices->count(), 1);
        QVERIFY(!devices->isEnabled());
        QVERIFY(!panel.device().has_value());
        QVERIFY2(devices->currentText().contains(QStringLiteral("CPU implementation, no GPU")), qPrintable(devices->currentText()));

        bool vulkanAvailable = false;
        for (const auto& b : registered)
            vulkanAvailable = vulkanAvailable || (b.name == "vulkan" && b.available);
        if (!vulkanAvailable) {
            QVERIFY(!panel.setBackend(QStringLiteral("vulkan")));
            qWarning("No Vulkan device on this machine: the device list is not exercised");
            return;
        }
        QVERIFY(panel.setBackend(QStringLiteral("vulkan")));
        const auto list = studio::rt::listVulkanDevices();
        QCOMPARE(devices->count(), static_cast<int>(list.devices.size()));
        for (int i = 0; i < devices->count(); ++i) {
            const auto& d = list.devices[static_cast<std::size_t>(i)];
            QCOMPARE(devices->itemData(i).toInt(), static_cast<int>(d.index));
            QVERIFY(devices->itemText(i).contains(QString::fromStdString(d.name)));
            QCOMPARE(devices->itemText(i).contains(QStringLiteral("CPU implementation, no GPU")), d.cpu);
        }
        QVERIFY(list.defaultDevice.has_value());
        QCOMPARE(panel.device(), std::optional<int>(static_cast<int>(*list.defaultDevice)));
        QVERIFY(!panel.setDevice(static_cast<int>(list.devices.size()) + 3));

        // The chosen device runs the benchmark: the result names it.
        const auto& chosen = list.devices.back();
        QVERIFY(panel.setDevice(static_cast<int>(chosen.index)));
        panel.setModel(load(kSample), kSample);
        QVERIFY2(runThroughPanel(panel, 0, 2, 0), "a Vulkan benchmark of the sample failed");
        QVERIFY2(QString::fromStdString(panel.result()->device).contains(QString::fromStdString(chosen.name)),
            qPrintable(QString::fromStdString(panel.result()->device)));
        QCOMPARE(panel.result()->backend, std::string("vulkan"));
        QCOMPARE(panel.result()->cpuDevice, chosen.cpu);
    }

    // Two runs in the history, compared with ratios from their real medians; a new model keeps
    // the history and wipes only the result shown; exports record machine, backend and version.
    void historyComparisonAndExports()
    {
        BenchmarkPanel panel;
        panel.setInteractive(false);
        panel.resize(560, 860);
        panel.show();
        panel.setModel(load(kSample), kSample);
        QVERIFY(panel.setBackend(QStringLiteral("reference")));
        QVERIFY(runThroughPanel(panel, 2, 5));
        const auto first = *panel.result();
        QVERIFY(runThroughPanel(panel, 1, 6));
        const auto second = *panel.result();
        BenchmarkHistoryView* history = panel.history();
        QCOMPARE(history->count(), 2);

        auto* list = panel.findChild<QTableWidget*>(QStringLiteral("benchmarkHistory"));
        QVERIFY(list);
        QCOMPARE(list->rowCount(), 2);
        panel.showTab(BenchmarkPanel::Tab::History);
        QVERIFY(list->isVisible());
        // Ratios refer to the first one selected: select the second run first.
        clickHistoryRow(list, 1);
        clickHistoryRow(list, 0, Qt::ControlModifier);
        const auto selected = history->selected();
        QCOMPARE(selected.size(), std::size_t(2));
        QCOMPARE(selected[0]->id, 2);
        QCOMPARE(selected[1]->id, 1);

        auto* compare = panel.findChild<QTableWidget*>(QStringLiteral("benchmarkCompareTable"));
        QVERIFY(compare);
        QCOMPARE(compare->columnCount(), 2);
        int medianRow = -1;
        for (int r = 0; r < compare->rowCount(); ++r)
            if (compare->verticalHeaderItem(r)->text() == QStringLiteral("median ms"))
                medianRow = r;
        QVERIFY(medianRow >= 0);
        const double median1 = studio::core::percentile(first.samplesMs, 50);
        const double median2 = studio::core::percentile(second.samplesMs, 50);
        QCOMPARE(compare->item(medianRow, 0)->data(BenchmarkHistoryView::kValueRole).toDouble(), median2);
        QCOMPARE(compare->item(medianRow, 1)->data(BenchmarkHistoryView::kValueRole).toDouble(), median1);
        QCOMPARE(compare->item(medianRow, 1)->data(BenchmarkHistoryView::kRatioRole).toDouble(), median1 / median2);
        QVERIFY2(compare->item(medianRow, 1)->text().contains(QString::number(median1 / median2, 'f', 2) + QStringLiteral("×")),
            qPrintable(compare->item(medianRow, 1)->text()));
        // One chart with both runs' series.
        auto* s1 = qobject_cast<QXYSeries*>(seriesOf(panel, QStringLiteral("benchmarkCompareChart"), QStringLiteral("benchmarkCompare1")));
        auto* s2 = qobject_cast<QXYSeries*>(seriesOf(panel, QStringLiteral("benchmarkCompareChart"), QStringLiteral("benchmarkCompare2")));
        QVERIFY(s1 && s2);
        QCOMPARE(s1->count(), 5);
        QCOMPARE(s2->count(), 6);
        QCOMPARE(s2->at(5).y(), second.samplesMs[5]);

        // Exports of the result shown, its chart and the comparison.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto& machine = studio::ui::currentMachine();
        QVERIFY(!machine.cpu.isEmpty() && !machine.os.isEmpty());
        QCOMPARE(machine.cores, static_cast<int>(std::thread::hardware_concurrency()));

        QVERIFY(panel.exportTo(dir.filePath(QStringLiteral("bench.json"))));
        QFile json(dir.filePath(QStringLiteral("bench.json")));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(doc.value(QStringLiteral("backend")).toString(), QStringLiteral("reference"));
        QCOMPARE(doc.value(QStringLiteral("device")).toString(), QString::fromStdString(second.device));
        QCOMPARE(doc.value(QStringLiteral("studioVersion")).toString(), QStringLiteral(STUDIO_VERSION));
        QCOMPARE(doc.value(QStringLiteral("weights")).toString(), QStringLiteral("float32"));
        const QJsonObject m = doc.value(QStringLiteral("machine")).toObject();
        QCOMPARE(m.value(QStringLiteral("cpu")).toString(), machine.cpu);
        QCOMPARE(m.value(QStringLiteral("cores")).toInt(), machine.cores);
        QCOMPARE(m.value(QStringLiteral("os")).toString(), machine.os);
        const QJsonArray samples = doc.value(QStringLiteral("samplesMs")).toArray();
        QCOMPARE(samples.size(), 6);
        for (int i = 0; i < 6; ++i) {
            const double v = samples[i].toDouble();
            QVERIFY(std::abs(v - second.samplesMs[static_cast<std::size_t>(i)]) <= 0.0005 + 1e-12);
            QVERIFY2(std::abs(v * 1000 - std::round(v * 1000)) < 1e-6, qPrintable(QString::number(v, 'g', 17)));
        }
        QVERIFY(std::abs(doc.value(QStringLiteral("summary")).toObject().value(QStringLiteral("median")).toDouble() - median2) <= 0.0005 + 1e-12);

        QFile csv(dir.filePath(QStringLiteral("bench.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.first(), QStringLiteral("section,name,detail,ms,flops,gflop_per_s"));
        QVERIFY(lines.contains(QStringLiteral("info,backend,reference,,,")));
        QVERIFY(lines.contains(QStringLiteral("info,studioVersion,%1,,,").arg(QStringLiteral(STUDIO_VERSION))));
        QVERIFY(lines.filter(QRegularExpression(QStringLiteral("^info,cpu,.+,,,$"))).size() == 1);
        const QStringList timedRows = lines.filter(QRegularExpression(QStringLiteral("^run,timed-\\d+,")));
        QCOMPARE(timedRows.size(), 6);
        QCOMPARE(timedRows[0].section(u',', 3, 3), QString::number(std::round(second.samplesMs[0] * 1000) / 1000, 'f', 3));
        QCOMPARE(lines.filter(QRegularExpression(QStringLiteral("^node,"))).size(), static_cast<int>(second.profile.size()));

        // The chart shown (the comparison, on the History tab) as PNG with its facts as text.
        const QString png = dir.filePath(QStringLiteral("compare.png"));
        QVERIFY(panel.exportChartTo(png));
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() > 100 && image.height() > 100);
        QVERIFY2(image.text(QStringLiteral("Backend")).contains(QStringLiteral("reference")), qPrintable(image.text(QStringLiteral("Backend"))));
        QCOMPARE(image.text(QStringLiteral("Machine")), machine.text());
        QVERIFY(image.text(QStringLiteral("Software")).contains(QStringLiteral(STUDIO_VERSION)));
        std::set<QRgb> colours;
        for (int y = 0; y < image.height(); y += 4)
            for (int x = 0; x < image.width(); x += 4)
                colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 10, "the exported chart is blank");
        // The run chart of the result shown.
        panel.showTab(BenchmarkPanel::Tab::Runs);
        const QString runsPng = dir.filePath(QStringLiteral("runs.png"));
        QVERIFY(panel.exportChartTo(runsPng));
        QImage runsImage(runsPng);
        QVERIFY(!runsImage.isNull());
        QCOMPARE(runsImage.text(QStringLiteral("Backend")), QStringLiteral("reference"));
        QCOMPARE(runsImage.text(QStringLiteral("Model")), QFileInfo(kSample).absoluteFilePath());

        QVERIFY(panel.exportComparisonTo(dir.filePath(QStringLiteral("compare.json"))));
        QFile cjson(dir.filePath(QStringLiteral("compare.json")));
        QVERIFY(cjson.open(QIODevice::ReadOnly));
        const QJsonObject cdoc = QJsonDocument::fromJson(cjson.readAll()).object();
        QCOMPARE(cdoc.value(QStringLiteral("machine")).toObject().value(QStringLiteral("cpu")).toString(), machine.cpu);
        const QJsonArray entries = cdoc.value(QStringLiteral("benchmarks")).toArray();
        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries[0].toObject().value(QStringLiteral("id")).toInt(), 2);
        QCOMPARE(entries[1].toObject().value(QStringLiteral("backend")).toString(), QStringLiteral("reference"));
        const double ratio = entries[1].toObject().value(QStringLiteral("ratio")).toObject().value(QStringLiteral("median")).toDouble();
        QVERIFY2(std::abs(ratio - median1 / median2) <= 0.0005 + 1e-12, qPrintable(QString::number(ratio)));
        QFile ccsv(dir.filePath(QStringLiteral("compare.csv")));
        QVERIFY(ccsv.open(QIODevice::ReadOnly));
        const QStringList crows = QString::fromUtf8(ccsv.readAll()).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(crows.size(), 3);
        QVERIFY(crows[0].startsWith(QStringLiteral("id,model,backend,device")) && crows[0].contains(QStringLiteral("median_ratio")));

        // A new model: the result shown goes, the history stays.
        panel.setModel(load(kUint8Model), kUint8Model);
        QVERIFY(!panel.result().has_value());
        QCOMPARE(qobject_cast<QXYSeries*>(seriesOf(panel, QStringLiteral("benchmarkChart"), QStringLiteral("benchmarkLatency")))->count(), 0);
        QCOMPARE(history->count(), 2);
        QCOMPARE(list->rowCount(), 2);
        QCOMPARE(history->selected().size(), std::size_t(2));
        QVERIFY(!panel.exportTo(dir.filePath(QStringLiteral("none.json")))); // nothing shown to export
        QVERIFY(panel.exportComparisonTo(dir.filePath(QStringLiteral("compare2.json")))); // the comparison still is
        // A run of another model joins the history under its own name and weights.
        panel.setModel(load(kGoldenGraphModel), kGoldenGraphModel);
        QVERIFY(runThroughPanel(panel, 0, 3));
        QCOMPARE(history->count(), 3);
        QCOMPARE(history->records().back().modelName, QStringLiteral("graph_model/model.json"));
        QCOMPARE(history->records().front().modelName, QStringLiteral("blazeface/model.json"));
    }

    // The weights column says what a quantized model stores.
    void weightsTextNamesQuantization()
    {
        QCOMPARE(studio::ui::weightsText(*load(kSample)), QStringLiteral("float32"));
        const QString uint8 = studio::ui::weightsText(*load(kUint8Model));
        QVERIFY2(uint8.startsWith(QStringLiteral("uint8")), qPrintable(uint8));
    }

    // Charts follow the palette: a dark one gives a dark plot with light labels.
    void chartsFollowADarkPalette()
    {
        BenchmarkPanel panel;
        const QPalette dark = darkPalette();
        panel.setPalette(dark);
        for (const char* name : {"benchmarkChart", "benchmarkHistogram", "benchmarkProfileChart", "benchmarkCompareChart"}) {
            QChart* chart = chartOf(panel, QLatin1String(name));
            QVERIFY2(chart, name);
            QCOMPARE(chart->plotAreaBackgroundBrush().color(), dark.color(QPalette::Base));
            for (QAbstractAxis* axis : chart->axes())
                QCOMPARE(axis->labelsBrush().color(), dark.color(QPalette::WindowText));
        }
        auto* timed = qobject_cast<QXYSeries*>(seriesOf(panel, QStringLiteral("benchmarkChart"), QStringLiteral("benchmarkLatency")));
        QVERIFY(timed->pen().color().lightnessF() > 0.5f); // a light line on the dark plot
        const QPalette light = QApplication::style()->standardPalette();
        panel.setPalette(light);
        QCOMPARE(chartOf(panel, QStringLiteral("benchmarkChart"))->plotAreaBackgroundBrush().color(), light.color(QPalette::Base));
    }

    // At 900x600 the panel keeps its controls whole and leaves the results room.
    void mainWindowAt900x600()
    {
        MainWindow w;
        w.setInteractive(false);
        w.resize(900, 600);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openModel(kSample));
        w.showBenchmarkPanel();
        BenchmarkPanel* panel = w.benchmarkPanel();
        QVERIFY(panel->setBackend(QStringLiteral("reference")));
        QVERIFY(runThroughPanel(*panel, 2, 5));
        QVERIFY(runThroughPanel(*panel, 2, 5));
        QCOMPARE(panel->history()->count(), 2);
        panel->showTab(BenchmarkPanel::Tab::History);
        panel->history()->select({1, 2});
        QCOMPARE(panel->findChild<QTableWidget*>(QStringLiteral("benchmarkCompareTable"))->columnCount(), 2);
        QTest::qWait(50);
        maybeShoot(w, QStringLiteral("benchmark-window-900x600"));
        // Nothing forces either dimension beyond 900x600; the panel takes at most a quarter of the width (the
        // centre keeps the rest) and the height left by the menu, the log and the status bar.
        QCOMPARE(w.height(), 600);
        // Both dimensions: no pane's minimum (a header row, a filter box) widens the window.
        QCOMPARE(w.width(), 900);
        QVERIFY2(w.minimumSizeHint().width() <= 900, qPrintable(QString::number(w.minimumSizeHint().width())));
        QVERIFY2(panel->minimumSizeHint().width() <= 225, qPrintable(QString::number(panel->minimumSizeHint().width())));
        QVERIFY2(panel->minimumSizeHint().height() <= 400, qPrintable(QString::number(panel->minimumSizeHint().height())));
        auto* settings = panel->findChild<QScrollArea*>(QStringLiteral("benchmarkSettings"));
        QVERIFY(settings);
        for (const char* name : {"benchmarkRunButton", "benchmarkWarmup", "benchmarkRuns", "benchmarkBackend", "benchmarkDevice",
                 "benchmarkExportButton"}) {
            auto* control = panel->findChild<QWidget*>(QLatin1String(name));
            QVERIFY2(control && control->isVisible(), name);
            // Reachable whole: a short dock scrolls the settings to it, never cuts it.
            // (A margin: Qt measures the style's layout rectangle, a few pixels inside the widget.)
            settings->ensureWidgetVisible(control, 0, control->height() / 2);
            QTest::qWait(20); // the scroll is applied on the next event-loop turn
            QVERIFY2(control->visibleRegion().boundingRect().size() == control->size(),
                qPrintable(QStringLiteral("%1: %2x%3 of %4x%5 (settings %6 high)")
                        .arg(QLatin1String(name))
                        .arg(control->visibleRegion().boundingRect().width())
                        .arg(control->visibleRegion().boundingRect().height())
                        .arg(control->width())
                        .arg(control->height())
                        .arg(settings->viewport()->height())));
            QVERIFY2(control->width() >= control->minimumSizeHint().width(), name);
        }
        // The results keep room for a chart.
        auto* tabs = panel->findChild<QTabWidget*>(QStringLiteral("benchmarkTabs"));
        QVERIFY2(tabs->height() >= 150, qPrintable(QString::number(tabs->height())));
        auto* compareChart = panel->findChild<QChartView*>(QStringLiteral("benchmarkCompareChart"));
        QVERIFY(compareChart->isVisible() && compareChart->height() >= 100);
    }

    // Every tab painted after two benchmarks with the comparison, in the default palette and in a
    // dark one set before the panel is made, as a dark desktop does; the pictures of
    // scripts/screenshot.sh when STUDIO_UI_SHOTS names a folder.
    void screenshots()
    {
        const QPalette original = QApplication::palette();
        for (const bool dark : {false, true}) {
            if (dark)
                QApplication::setPalette(darkPalette());
            const QString suffix = dark ? QStringLiteral("-dark") : QString();
            BenchmarkPanel panel;
            panel.setInteractive(false);
            panel.resize(560, 900);
            panel.show();
            panel.setModel(load(kSample), kSample);
            QVERIFY(panel.setBackend(QStringLiteral("reference")));
            QVERIFY(runThroughPanel(panel, 2, 20));
            bool vulkan = false;
            for (const auto& b : studio::rt::BackendRegistry::instance().list())
                vulkan = vulkan || (b.name == "vulkan" && b.available);
            // Reference against Vulkan where a device exists, else the same backend twice.
            if (!vulkan || !panel.setBackend(QStringLiteral("vulkan")) || !runThroughPanel(panel, 2, 20)) {
                QVERIFY(panel.setBackend(QStringLiteral("reference")));
                QVERIFY(runThroughPanel(panel, 2, 20));
            }
            maybeShoot(panel, QStringLiteral("benchmark-runs") + suffix);
            panel.showTab(BenchmarkPanel::Tab::Histogram);
            maybeShoot(panel, QStringLiteral("benchmark-histogram") + suffix);
            panel.showTab(BenchmarkPanel::Tab::Profile);
            maybeShoot(panel, QStringLiteral("benchmark-profile") + suffix);
            panel.findChild<BenchmarkProfileView*>()->setGrouping(BenchmarkProfileView::Grouping::OpType);
            maybeShoot(panel, QStringLiteral("benchmark-profile-op-types") + suffix);
            panel.showTab(BenchmarkPanel::Tab::History);
            panel.history()->select({1, 2});
            maybeShoot(panel, QStringLiteral("benchmark-history-compare") + suffix);
            panel.history()->showComparisonTable(true);
            maybeShoot(panel, QStringLiteral("benchmark-history-table") + suffix);
        }
        QApplication::setPalette(original);
    }
};

QTEST_MAIN(TestBenchmarkPanel)
#include "test_benchmark_panel.moc"
