// The main window driven offscreen: loading the sample (blocking and on a worker), the node
// table and its filter, the inspector, errors that must not crash, Keras .h5 files, real
// conversions through the Convert panel and benchmarks through the Benchmark panel.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/ir/model.h"
#include "core/stats/stats.h"
#include "runtime/backend.h"
#include "ui/main_window.h"
#include "ui/panels/benchmark_panel.h"
#include "ui/panels/convert_panel.h"
#include "ui/panels/log_panel.h"
#include "ui/panels/node_panel.h"
#include "tests/support/damaged_files.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QTreeWidget>

#include <set>

using studio::ui::BenchmarkPanel;
using studio::ui::ConvertPanel;
using studio::ui::MainWindow;

namespace {

const QString kSample = QStringLiteral(STUDIO_SOURCE_DIR "/resources/samples/blazeface/model.json");
const QString kLayersModel = QStringLiteral(STUDIO_MODELS_DIR "/tfjs-layers-mobilenetv2-float32-seeded/model.json");
constexpr int kSampleNodes = 165;
const QString kKerasH5 = QStringLiteral(STUDIO_MODELS_DIR "/pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5");
const QString kWeightsOnlyH5
    = QStringLiteral(STUDIO_MODELS_DIR "/tensorspace-mnist-lenet-multiformat/keras_2.2.2_weights_only/weights.h5");
const QString kXceptionH5
    = QStringLiteral(STUDIO_MODELS_DIR "/pair-keras205-gender-minixception-graph/keras/gender_mini_XCEPTION.21-0.95.hdf5");

QTableView* nodeTable(const MainWindow& w)
{
    return w.findChild<QTableView*>(QStringLiteral("nodeTable"));
}

QString logText(const MainWindow& w)
{
    return w.findChild<QPlainTextEdit*>(QStringLiteral("logView"))->toPlainText();
}

// The log's lines at one level ("info", "warn", "error"), without the time stamp and tag.
QStringList logLines(const MainWindow& w, const QString& tag)
{
    QStringList out;
    for (const QString& line : logText(w).split(u'\n')) {
        // "HH:mm:ss  warn   message"
        if (line.mid(10, 5).trimmed() == tag)
            out << line.mid(17);
    }
    return out;
}

// All values of a tree widget, "key=value" per row, for "does it show X" checks.
QStringList treeTexts(const MainWindow& w, const QString& objectName)
{
    QStringList out;
    QTreeWidgetItemIterator it(w.findChild<QTreeWidget*>(objectName));
    for (; *it; ++it)
        out << (*it)->text(0) + u'=' + (*it)->text(1);
    return out;
}

// Converts the loaded model through the panel's widgets; returns the written model.json.
QJsonObject convertThroughPanel(MainWindow& w, const QString& out)
{
    auto* folder = w.findChild<QLineEdit*>(QStringLiteral("outputFolder"));
    auto* convert = w.findChild<QPushButton*>(QStringLiteral("convertButton"));
    if (!folder || !convert || !convert->isEnabled())
        return {};
    folder->setText(out);
    QSignalSpy finished(w.convertPanel(), &ConvertPanel::finished);
    QTest::mouseClick(convert, Qt::LeftButton);
    if ((finished.count() == 0 && !finished.wait(60000)) || !finished.first().first().toBool())
        return {};
    QFile json(out + QStringLiteral("/model.json"));
    if (!json.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(json.readAll()).object();
}

const QString kGoldenGraphModel = QStringLiteral(STUDIO_MODELS_DIR "/golden-tfjs-e2e-load-predict/graph_model");

// The Benchmark table's cells as "name=value" (two statistics per row).
QMap<QString, QString> benchmarkStats(const MainWindow& w)
{
    QMap<QString, QString> out;
    auto* table = w.findChild<QTableWidget*>(QStringLiteral("benchmarkStats"));
    for (int r = 0; table && r < table->rowCount(); ++r)
        for (int c = 0; c + 1 < table->columnCount(); c += 2)
            out[table->item(r, c)->text()] = table->item(r, c + 1)->text();
    return out;
}

QXYSeries* benchmarkSeries(const MainWindow& w, const QString& objectName)
{
    auto* view = w.findChild<QChartView*>(QStringLiteral("benchmarkChart"));
    for (auto* series : view ? view->chart()->series() : QList<QAbstractSeries*>{})
        if (series->objectName() == objectName)
            return qobject_cast<QXYSeries*>(series);
    return nullptr;
}

// A backend that is registered but cannot run here, as Vulkan is on a machine without a device.
class UnavailableBackend final : public studio::rt::Backend {
public:
    studio::rt::BackendInfo info() const override
    {
        return {"test-unavailable", "a backend for the tests", false, "no test device here"};
    }
    std::unique_ptr<studio::rt::Session> compile(const studio::core::Model&, const studio::rt::CompileOptions&) const override
    {
        throw studio::Error("test-unavailable: cannot compile");
    }
};

// Runs a benchmark through the panel's widgets; returns whether it finished with a result.
bool benchmarkThroughPanel(MainWindow& w, int warmupRuns, int timedRuns, int timeoutMs = 60000)
{
    auto* warmup = w.findChild<QSpinBox*>(QStringLiteral("benchmarkWarmup"));
    auto* runs = w.findChild<QSpinBox*>(QStringLiteral("benchmarkRuns"));
    auto* run = w.findChild<QPushButton*>(QStringLiteral("benchmarkRunButton"));
    if (!warmup || !runs || !run || !run->isEnabled())
        return false;
    warmup->setValue(warmupRuns);
    runs->setValue(timedRuns);
    QSignalSpy finished(w.benchmarkPanel(), &BenchmarkPanel::finished);
    QTest::mouseClick(run, Qt::LeftButton);
    return (finished.count() == 1 || finished.wait(timeoutMs)) && finished.first().first().toBool();
}

// All visible values of the inspector, for "does it show X" checks.
QStringList inspectorTexts(const MainWindow& w)
{
    QStringList out;
    auto* tree = w.findChild<QTreeWidget*>(QStringLiteral("inspector"));
    QTreeWidgetItemIterator it(tree);
    for (; *it; ++it)
        out << (*it)->text(0) + u'=' + (*it)->text(1);
    return out;
}

// STUDIO_UI_SHOTS=DIR saves the window at interesting moments, to look at states that
// scripts/screenshot.sh cannot reach (a finished conversion).
void maybeShoot(MainWindow& w, const QString& name)
{
    const QString dir = qEnvironmentVariable("STUDIO_UI_SHOTS");
    if (dir.isEmpty())
        return;
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.grab().save(QDir(dir).filePath(name + QStringLiteral(".png"))));
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        // Keeps the recent-files list and window state out of the user's real settings.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("tfjs-studio-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("test_main_window"));
    }

    void opensSampleWithEveryNode()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        const auto model = studio::conv::importModel(kSample.toStdString());
        QCOMPARE(static_cast<std::size_t>(nodeTable(w)->model()->rowCount()), model.graph.nodes.size());
        QCOMPARE(nodeTable(w)->model()->rowCount(), kSampleNodes);
        QVERIFY(w.windowTitle().contains(QStringLiteral("blazeface/model.json")));
        QVERIFY(logText(w).contains(QStringLiteral("Opened")));
    }

    void filterKeepsOnlyMatchingRows()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        auto* filter = w.findChild<QLineEdit*>(QStringLiteral("nodeFilter"));
        QVERIFY(filter);
        QTest::keyClicks(filter, QStringLiteral("Conv"));
        const auto* rows = nodeTable(w)->model();

        const auto model = studio::conv::importModel(kSample.toStdString());
        int expected = 0;
        for (const auto& n : model.graph.nodes)
            if (QString::fromStdString(n.name).contains(QStringLiteral("Conv"), Qt::CaseInsensitive)
                || QString::fromStdString(n.op).contains(QStringLiteral("Conv"), Qt::CaseInsensitive))
                ++expected;
        QVERIFY(expected > 0 && expected < kSampleNodes);
        QCOMPARE(rows->rowCount(), expected);
        for (int r = 0; r < rows->rowCount(); ++r) {
            const QString name = rows->index(r, 0).data().toString(), op = rows->index(r, 1).data().toString();
            QVERIFY2(name.contains(QStringLiteral("Conv"), Qt::CaseInsensitive)
                    || op.contains(QStringLiteral("Conv"), Qt::CaseInsensitive),
                qPrintable(name + u' ' + op));
        }

        filter->clear();
        QCOMPARE(rows->rowCount(), kSampleNodes);
    }

    void exactOpFilterMatchesHistogram()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        w.nodePanel()->setFilterText(QStringLiteral("op:_FusedConv2D"));
        const auto* rows = nodeTable(w)->model();
        QCOMPARE(rows->rowCount(), 21); // the sample's histogram: 21 _FusedConv2D
        for (int r = 0; r < rows->rowCount(); ++r)
            QCOMPARE(rows->index(r, 1).data().toString(), QStringLiteral("_FusedConv2D"));
    }

    void selectingANodeShowsItsAttributes()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        QVERIFY(w.selectNode(QStringLiteral("StatefulPartitionedCall/functional_1/conv2d_1/BiasAdd")));
        const QStringList texts = inspectorTexts(w);
        QVERIFY2(texts.contains(QStringLiteral("Op=_FusedConv2D")), qPrintable(texts.join(u'\n')));
        QVERIFY2(texts.contains(QStringLiteral("T=DT_FLOAT")), qPrintable(texts.join(u'\n')));
        QVERIFY2(texts.contains(QStringLiteral("strides=[1, 1, 1, 1]")), qPrintable(texts.join(u'\n')));
        QVERIFY2(texts.contains(QStringLiteral("padding=\"VALID\"")), qPrintable(texts.join(u'\n')));
        QVERIFY(!w.selectNode(QStringLiteral("no such node")));
    }

    // A panel's failure that names a node selects it, so the inspector shows the cause.
    void failureLocationSelectsTheNode()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        emit w.benchmarkPanel()->failedAt(studio::Location::atNode("model.json", "StatefulPartitionedCall/functional_1/conv2d_1/BiasAdd"));
        QVERIFY2(inspectorTexts(w).contains(QStringLiteral("Op=_FusedConv2D")), qPrintable(inspectorTexts(w).join(u'\n')));
        QVERIFY(logText(w).contains(QStringLiteral("named by the error")));
    }

    void missingFileReportsErrorWithoutCrashing()
    {
        MainWindow w;
        w.setInteractive(false);
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QVERIFY(!w.openModel(QStringLiteral("/nonexistent/tfjs-studio/model.json")));
        QCOMPARE(errors.count(), 1);
        const QString detail = errors.first().at(1).toString();
        QVERIFY2(detail.contains(QStringLiteral("/nonexistent/tfjs-studio/model.json")), qPrintable(detail));
        QVERIFY(logText(w).contains(detail));
        QVERIFY(w.model() == nullptr);
        QCOMPARE(nodeTable(w)->model()->rowCount(), 0);
    }

    void brokenFileKeepsThePreviousModel()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile broken(dir.filePath(QStringLiteral("model.json")));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{\"format\": \"graph-model\", \"modelTopology\": {\"node\": [");
        broken.close();

        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QVERIFY(!w.openModel(broken.fileName()));
        QCOMPARE(errors.count(), 1);
        QCOMPARE(w.modelPath(), kSample);
        QCOMPARE(nodeTable(w)->model()->rowCount(), kSampleNodes);
    }

    // A node whose op TensorFlow.js cannot run is red in the table and named in the summary.
    void unsupportedOpsStandOut()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString src = QStringLiteral(STUDIO_MODELS_DIR "/golden-tfjs-e2e-load-predict/graph_model/");
        QVERIFY(QFile::copy(src + "weights.bin", dir.filePath(QStringLiteral("weights.bin"))));
        QFile in(src + "model.json");
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray text = in.readAll();
        QVERIFY(text.contains("\"op\": \"MatMul\""));
        text.replace("\"op\": \"MatMul\"", "\"op\": \"SentencepieceOp\"");
        QFile out(dir.filePath(QStringLiteral("model.json")));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(text);
        out.close();

        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(out.fileName()));
        auto* table = nodeTable(w)->model();
        int red = 0;
        for (int row = 0; row < table->rowCount(); ++row) {
            const bool bad = table->index(row, 1).data().toString() == QStringLiteral("SentencepieceOp");
            const QVariant fg = table->index(row, 0).data(Qt::ForegroundRole);
            QCOMPARE(fg.isValid(), bad);
            red += bad ? 1 : 0;
        }
        QCOMPARE(red, 1);
        auto* summary = w.findChild<QTreeWidget*>(QStringLiteral("modelSummary"));
        QVERIFY(summary);
        const auto hits = summary->findItems(QStringLiteral("unsupported: SentencepieceOp"), Qt::MatchExactly | Qt::MatchRecursive, 1);
        QCOMPARE(hits.size(), 1);
    }

    void layersModelListsLayers()
    {
        // The shared models are part of the test setup: missing ones fail, never skip.
        QVERIFY2(QFile::exists(kLayersModel), qPrintable(kLayersModel + " is missing (../shared/models)"));
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kLayersModel));
        const auto model = studio::conv::importModel(kLayersModel.toStdString());
        QCOMPARE(static_cast<std::size_t>(nodeTable(w)->model()->rowCount()), model.layers.size());
        QCOMPARE(nodeTable(w)->model()->headerData(1, Qt::Horizontal).toString(), QStringLiteral("Class"));
        QVERIFY(w.selectNode(QStringLiteral("block_1_expand")));
        const QStringList texts = inspectorTexts(w);
        QVERIFY2(texts.contains(QStringLiteral("Class=Conv2D")), qPrintable(texts.join(u'\n')));
        QVERIFY2(texts.contains(QStringLiteral("filters=96")), qPrintable(texts.join(u'\n')));
    }

    // The UI path: openModelAsync returns before the model is read, shows a busy indicator,
    // and modelLoaded says when the model is in the panels.
    void opensAsynchronouslyAndSignalsModelLoaded()
    {
        QVERIFY2(QFile::exists(kKerasH5), qPrintable(kKerasH5 + " is missing (../shared/models)"));
        MainWindow w;
        w.setInteractive(false);
        const QString shots = qEnvironmentVariable("STUDIO_UI_SHOTS");
        if (!shots.isEmpty()) {
            w.resize(1400, 900);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
        }
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        QSignalSpy loading(&w, &MainWindow::loadingChanged);
        w.openModelAsync(kKerasH5);
        QVERIFY(w.isLoading());
        QVERIFY(w.model() == nullptr); // the result comes back through the event loop, never earlier
        auto* busy = w.findChild<QProgressBar*>(QStringLiteral("openingProgress"));
        QVERIFY(busy && !busy->isHidden());
        QVERIFY(w.findChild<QLabel*>(QStringLiteral("openingLabel"))->text().contains(QStringLiteral("tiny_mnist.h5")));
        if (!shots.isEmpty()) {
            // Only layout requests: the load's result must not arrive before the grab.
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            QVERIFY(w.grab().save(QDir(shots).filePath(QStringLiteral("opening-async.png"))));
        }

        QVERIFY(loaded.count() == 1 || loaded.wait(30000));
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.first().first().toString(), kKerasH5);
        QVERIFY(!w.isLoading());
        QVERIFY(busy->isHidden());
        QCOMPARE(loading.count(), 2);
        QCOMPARE(loading.at(0).first().toBool(), true);
        QCOMPARE(loading.at(1).first().toBool(), false);
        QVERIFY(w.model() != nullptr);
        QCOMPARE(w.modelPath(), kKerasH5);
        const auto model = studio::conv::importModel(kKerasH5.toStdString());
        QCOMPARE(static_cast<std::size_t>(nodeTable(w)->model()->rowCount()), model.layers.size());
    }

    // A second open while one runs: the older result is dropped, only the newest shows.
    void newestAsyncOpenWins()
    {
        QVERIFY2(QFile::exists(kKerasH5), qPrintable(kKerasH5 + " is missing (../shared/models)"));
        MainWindow w;
        w.setInteractive(false);
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModelAsync(kSample);
        w.openModelAsync(kKerasH5);
        QVERIFY(w.isLoading());
        QVERIFY(loaded.wait(30000));
        QTRY_VERIFY(!w.isLoading());
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.first().first().toString(), kKerasH5);
        QCOMPARE(w.modelPath(), kKerasH5);
        QCOMPARE(nodeTable(w)->model()->headerData(0, Qt::Horizontal).toString(), QStringLiteral("Layer"));
    }

    void asyncErrorKeepsThePreviousModel()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModelAsync(QStringLiteral("/nonexistent/tfjs-studio/model.h5"));
        QVERIFY(errors.wait(30000));
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.first().at(1).toString().contains(QStringLiteral("/nonexistent/tfjs-studio/model.h5")),
            qPrintable(errors.first().at(1).toString()));
        QCOMPARE(loaded.count(), 0);
        QVERIFY(!w.isLoading());
        QCOMPARE(w.modelPath(), kSample);
        QCOMPARE(nodeTable(w)->model()->rowCount(), kSampleNodes);
    }

    // libhdf5 crashes on some damaged files (this one: SIGSEGV inside the library). It runs in
    // the reader child process, so the crash is an error message here: the studio stays up and
    // the open model stays open.
    void importerCrashKeepsThePreviousModel()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto crasher = studio::test::writeHdf5Crasher(dir.path().toStdString(), STUDIO_MODELS_DIR);
        QVERIFY2(!crasher.empty(), "hyper.h5 in ../shared/models is missing or changed");
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModelAsync(QString::fromStdString(crasher.string()));
        QVERIFY(errors.wait(30000));
        QCOMPARE(errors.count(), 1);
        const QString detail = errors.first().at(1).toString();
        QVERIFY2(detail.contains(QStringLiteral("crashes-libhdf5.h5")) && detail.contains(QStringLiteral("HDF5 library crashed"))
                && detail.contains(QStringLiteral("the file is damaged")), qPrintable(detail));
        QCOMPARE(loaded.count(), 0);
        QVERIFY(!w.isLoading());
        QCOMPARE(w.modelPath(), kSample);
        QCOMPARE(nodeTable(w)->model()->rowCount(), kSampleNodes);
        // The studio goes on opening files, .h5 included.
        QVERIFY(w.openModel(kKerasH5));
        QCOMPARE(w.modelPath(), kKerasH5);
    }

    // openModel while a worker still reads an older request: the blocking open wins, and the
    // worker's late result must not replace it.
    void blockingOpenSupersedesARunningLoad()
    {
        QVERIFY2(QFile::exists(kXceptionH5), "a shared model this test needs is missing (../shared/models)");
        MainWindow w;
        w.setInteractive(false);
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModelAsync(kXceptionH5);
        QVERIFY(w.openModel(kSample));
        QVERIFY(!w.isLoading());
        // Let the worker finish and its result arrive.
        QThreadPool::globalInstance()->waitForDone();
        QCoreApplication::processEvents();
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(w.modelPath(), kSample);
        QCOMPARE(nodeTable(w)->model()->rowCount(), kSampleNodes);
    }

    // A Keras .h5: layers from its config, weights inside the file, a keras route with the
    // per-layer option, and an output folder named after the file.
    void kerasH5ShowsLayersAndWhereItsWeightsAre()
    {
        QVERIFY2(QFile::exists(kKerasH5), qPrintable(kKerasH5 + " is missing (../shared/models)"));
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kKerasH5));
        const auto model = studio::conv::importModel(kKerasH5.toStdString());
        QCOMPARE(model.meta.format, std::string("keras"));
        QCOMPARE(static_cast<std::size_t>(nodeTable(w)->model()->rowCount()), model.layers.size());
        QCOMPARE(nodeTable(w)->model()->headerData(1, Qt::Horizontal).toString(), QStringLiteral("Class"));
        QVERIFY(w.selectNode(QStringLiteral("conv2d_1")));
        QVERIFY2(inspectorTexts(w).contains(QStringLiteral("Class=Conv2D")), qPrintable(inspectorTexts(w).join(u'\n')));

        const QStringList summary = treeTexts(w, QStringLiteral("modelSummary"));
        QVERIFY2(summary.contains(QStringLiteral("Layers=%1").arg(model.layers.size())), qPrintable(summary.join(u'\n')));
        QVERIFY2(summary.contains(QStringLiteral("Weights=inside the .h5 file")), qPrintable(summary.join(u'\n')));
        QVERIFY(!summary.contains(QStringLiteral("Shards (0)=")));

        auto* route = w.findChild<QLabel*>(QStringLiteral("convertRoute"));
        auto* split = w.findChild<QCheckBox*>(QStringLiteral("splitWeightsByLayer"));
        QVERIFY(route && split);
        QCOMPARE(route->text(), QStringLiteral("keras → tfjs_layers_model"));
        QVERIFY(!split->isHidden());
        QVERIFY(w.convertPanel()->outputFolder().endsWith(QStringLiteral("/tiny_mnist-tfjs")));

        // Not a Keras input: no per-layer option, and it does not leak into the options.
        split->setChecked(true);
        QVERIFY(w.openModel(kSample));
        QCOMPARE(route->text(), QStringLiteral("tfjs_graph_model → tfjs_graph_model"));
        QVERIFY(split->isHidden());
        QVERIFY(!w.convertPanel()->options().splitWeightsByLayer);
    }

    // Dots inside a Keras file name stay; generic names take the folder's name.
    void defaultOutputFolderForH5Files()
    {
        QVERIFY2(QFile::exists(kXceptionH5) && QFile::exists(kWeightsOnlyH5), "a shared model this test needs is missing (../shared/models)");
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kXceptionH5));
        QVERIFY2(w.convertPanel()->outputFolder().endsWith(QStringLiteral("/gender_mini_XCEPTION.21-0.95-tfjs")),
            qPrintable(w.convertPanel()->outputFolder()));
        QVERIFY(w.openModel(kWeightsOnlyH5));
        QVERIFY2(w.convertPanel()->outputFolder().endsWith(QStringLiteral("/keras_2.2.2_weights_only-tfjs")),
            qPrintable(w.convertPanel()->outputFolder()));
        // A folder the user typed survives the next model.
        w.convertPanel()->setOutputFolder(QStringLiteral("/tmp/mine"));
        QVERIFY(w.openModel(kXceptionH5));
        QCOMPARE(w.convertPanel()->outputFolder(), QStringLiteral("/tmp/mine"));
    }

    void kerasConversionSplitsWeightsByLayer()
    {
        QVERIFY2(QFile::exists(kKerasH5), qPrintable(kKerasH5 + " is missing (../shared/models)"));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kKerasH5));
        auto* split = w.findChild<QCheckBox*>(QStringLiteral("splitWeightsByLayer"));
        QVERIFY(split && !split->isChecked());
        QTest::keyClick(split, Qt::Key_Space); // the window is never shown, so the box has no geometry to click
        QVERIFY(split->isChecked());
        QVERIFY(w.convertPanel()->options().splitWeightsByLayer);

        const QJsonObject doc = convertThroughPanel(w, dir.filePath(QStringLiteral("tiny_mnist-split")));
        QVERIFY2(!doc.isEmpty(), qPrintable(logText(w)));
        QCOMPARE(doc.value(QStringLiteral("format")).toString(), QStringLiteral("layers-model"));
        const QJsonArray groups = doc.value(QStringLiteral("weightsManifest")).toArray();
        // Conv2D x3, BatchNormalization x3, Dense: the layers that have weights.
        const auto model = studio::conv::importModel(kKerasH5.toStdString());
        std::set<std::string> layersWithWeights;
        int weights = 0;
        for (const auto& g : model.weightGroups)
            for (const auto& wt : g.weights) {
                layersWithWeights.insert(wt.layer);
                ++weights;
            }
        QCOMPARE(static_cast<std::size_t>(groups.size()), layersWithWeights.size());
        QCOMPARE(groups.size(), 7);
        int written = 0;
        for (const auto& g : groups)
            written += static_cast<int>(g.toObject().value(QStringLiteral("weights")).toArray().size());
        QCOMPARE(written, weights);
        QVERIFY2(logLines(w, QStringLiteral("warn")).isEmpty(), qPrintable(logText(w)));
        QVERIFY(logText(w).contains(QStringLiteral("one weight group per layer")));
        maybeShoot(w, QStringLiteral("converted-h5-split"));
    }

    // A weights-only .h5 lists its weights, says it has no topology, and converting it logs
    // the converter's warning as a warning line.
    void weightsOnlyH5WarnsInTheLog()
    {
        QVERIFY2(QFile::exists(kWeightsOnlyH5), "a shared model this test needs is missing (../shared/models)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kWeightsOnlyH5));
        const auto model = studio::conv::importModel(kWeightsOnlyH5.toStdString());
        QCOMPARE(model.kind, studio::core::ModelKind::WeightsOnly);
        QCOMPARE(static_cast<std::size_t>(nodeTable(w)->model()->rowCount()), model.weightCount());
        QCOMPARE(nodeTable(w)->model()->headerData(0, Qt::Horizontal).toString(), QStringLiteral("Weight"));
        QVERIFY(w.selectNode(QString::fromStdString(model.weightGroups.front().weights.front().name)));
        const QStringList summary = treeTexts(w, QStringLiteral("modelSummary"));
        QVERIFY2(summary.contains(QStringLiteral("Topology=none")), qPrintable(summary.join(u'\n')));
        QVERIFY2(summary.contains(QStringLiteral("Weights=inside the .h5 file")), qPrintable(summary.join(u'\n')));
        QVERIFY(w.findChild<QLabel*>(QStringLiteral("convertRoute"))->text().contains(QStringLiteral("weights only")));

        // What the converter itself says, to compare with the log.
        studio::conv::ConvertOptions o;
        o.inputPath = kWeightsOnlyH5.toStdString();
        o.outputPath = dir.filePath(QStringLiteral("reference")).toStdString();
        const auto expected = studio::conv::convert(o).warnings;
        QCOMPARE(expected.size(), std::size_t{1});

        QVERIFY2(logLines(w, QStringLiteral("warn")).isEmpty(), qPrintable(logText(w)));
        const QJsonObject doc = convertThroughPanel(w, dir.filePath(QStringLiteral("weights-only")));
        QVERIFY2(!doc.isEmpty(), qPrintable(logText(w)));
        QVERIFY(doc.value(QStringLiteral("modelTopology")).isNull());
        const QStringList warnings = logLines(w, QStringLiteral("warn"));
        QCOMPARE(warnings.size(), static_cast<qsizetype>(expected.size()));
        QCOMPARE(warnings.first(), QString::fromStdString(expected.front()));
        maybeShoot(w, QStringLiteral("weights-only-warning"));
    }

    void uint8ConversionWritesModelJson()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(QStringLiteral("blazeface-uint8"));

        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        // Through the widgets, as a user would set it up.
        auto* folder = w.findChild<QLineEdit*>(QStringLiteral("outputFolder"));
        auto* quantization = w.findChild<QComboBox*>(QStringLiteral("quantization"));
        auto* convert = w.findChild<QPushButton*>(QStringLiteral("convertButton"));
        QVERIFY(folder && quantization && convert);
        folder->setText(out);
        quantization->setCurrentIndex(quantization->findText(QStringLiteral("uint8"), Qt::MatchStartsWith));
        QVERIFY(quantization->currentIndex() > 0);
        QVERIFY(convert->isEnabled());

        QSignalSpy finished(w.convertPanel(), &ConvertPanel::finished);
        QTest::mouseClick(convert, Qt::LeftButton);
        QVERIFY(w.convertPanel()->isRunning() || finished.count() == 1);
        QVERIFY(finished.count() == 1 || finished.wait(60000));
        QCOMPARE(finished.first().first().toBool(), true);
        QVERIFY(!w.convertPanel()->isRunning());
        QVERIFY(convert->isEnabled());

        QFile json(out + QStringLiteral("/model.json"));
        QVERIFY2(json.open(QIODevice::ReadOnly), qPrintable(json.fileName()));
        const QJsonObject doc = QJsonDocument::fromJson(json.readAll()).object();
        int uint8Weights = 0;
        for (const auto& group : doc.value(QStringLiteral("weightsManifest")).toArray())
            for (const auto& weight : group.toObject().value(QStringLiteral("weights")).toArray())
                if (weight.toObject().value(QStringLiteral("quantization")).toObject().value(QStringLiteral("dtype"))
                    == QStringLiteral("uint8"))
                    ++uint8Weights;
        QVERIFY(uint8Weights > 0);
        QVERIFY(logText(w).contains(QStringLiteral("Converted into")));
        QVERIFY(logText(w).contains(QStringLiteral("model.json")));
        maybeShoot(w, QStringLiteral("converted-uint8"));

        // And the studio can open what it wrote.
        QVERIFY(w.openModel(json.fileName()));
        QCOMPARE(nodeTable(w)->model()->rowCount(), kSampleNodes);
    }

    void conversionErrorIsReportedNotThrown()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // The output "folder" is a file: the converter refuses, the panel reports.
        const QString blocker = dir.filePath(QStringLiteral("not-a-folder"));
        QFile f(blocker);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();

        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        w.convertPanel()->setOutputFolder(blocker);
        QSignalSpy finished(w.convertPanel(), &ConvertPanel::finished);
        QSignalSpy errors(&w, &MainWindow::errorReported);
        w.convertPanel()->start();
        QVERIFY(finished.count() == 1 || finished.wait(60000));
        QCOMPARE(finished.first().first().toBool(), false);
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.first().at(1).toString().contains(QStringLiteral("not a folder")),
            qPrintable(errors.first().at(1).toString()));
        QVERIFY(logText(w).contains(QStringLiteral("Conversion failed")));
        maybeShoot(w, QStringLiteral("conversion-failed"));
    }

    void cancelStopsTheConversion()
    {
        // The shared models are part of the test setup: missing ones fail, never skip.
        QVERIFY2(QFile::exists(kLayersModel), qPrintable(kLayersModel + " is missing (../shared/models)"));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(QStringLiteral("out"));
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kLayersModel));
        w.convertPanel()->setOutputFolder(out);
        // 13.5 MiB in 1 KiB shards: thousands of files, so the cancel lands mid-write.
        w.convertPanel()->setShardSize(1024);
        QSignalSpy finished(w.convertPanel(), &ConvertPanel::finished);
        w.convertPanel()->start();
        QVERIFY(w.convertPanel()->isRunning());
        auto* cancel = w.findChild<QPushButton*>(QStringLiteral("cancelButton"));
        QVERIFY(cancel && cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(finished.count() == 1 || finished.wait(60000));
        // Cancel is clicked before thousands of shard writes, each of which polls the token: a
        // conversion that still finishes did not honour it.
        QVERIFY2(!finished.first().first().toBool(), "the conversion finished although Cancel was clicked at once");
        QVERIFY2(logText(w).contains(QStringLiteral("Conversion cancelled")), qPrintable(logText(w)));
        QVERIFY(!QDir(out).exists()); // nothing half-written
        QVERIFY(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
    }

    void closingDuringConversionWaitsForTheWorker()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto w = std::make_unique<MainWindow>();
        w->setInteractive(false);
        QVERIFY(w->openModel(kSample));
        w->convertPanel()->setOutputFolder(dir.filePath(QStringLiteral("out")));
        w->convertPanel()->setShardSize(1024); // many shards: the writer polls cancel between them
        w->convertPanel()->start();
        w.reset(); // must cancel and join, not crash or leave a thread behind
        // Cancelled or finished first, the output is all or nothing, never half a model.
        const QDir out(dir.filePath(QStringLiteral("out")));
        QVERIFY(!out.exists() || out.exists(QStringLiteral("model.json")));
    }

    void benchmarkShowsStatisticsAndChart()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        auto* warmup = w.findChild<QSpinBox*>(QStringLiteral("benchmarkWarmup"));
        auto* runs = w.findChild<QSpinBox*>(QStringLiteral("benchmarkRuns"));
        auto* dim = w.findChild<QSpinBox*>(QStringLiteral("benchmarkDim"));
        QVERIFY(warmup && runs && dim);
        QCOMPARE(warmup->value(), 3);
        QCOMPARE(runs->value(), 20);
        QCOMPARE(dim->value(), 1);

        QVERIFY(benchmarkThroughPanel(w, 1, 5));
        const auto& result = w.benchmarkPanel()->result();
        QVERIFY(result.has_value());
        QCOMPARE(result->samplesMs.size(), std::size_t(5));
        QCOMPARE(result->warmupRuns, 1);
        const double median = studio::core::percentile(result->samplesMs, 50);
        QCOMPARE(result->summary.median, median);

        // Runs numbered in the order they ran: the first run (1), one warm-up (2), then the timed ones.
        auto* latency = benchmarkSeries(w, QStringLiteral("benchmarkLatency"));
        auto* discarded = benchmarkSeries(w, QStringLiteral("benchmarkDiscarded"));
        auto* medianLine = benchmarkSeries(w, QStringLiteral("benchmarkMedian"));
        QVERIFY(latency && discarded && medianLine);
        QVERIFY(qobject_cast<QScatterSeries*>(discarded)); // markers apart from the timed line
        QCOMPARE(latency->count(), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(latency->at(i).x(), double(i + 3));
            QCOMPARE(latency->at(i).y(), result->samplesMs[static_cast<std::size_t>(i)]);
        }
        QCOMPARE(discarded->count(), 2);
        QCOMPARE(discarded->at(0), QPointF(1, result->firstRunMs));
        QCOMPARE(discarded->at(1), QPointF(2, result->warmupMs.at(0)));
        QCOMPARE(medianLine->count(), 2);
        QCOMPARE(medianLine->at(0).y(), median);
        QCOMPARE(medianLine->at(1).y(), median);

        const auto stats = benchmarkStats(w);
        for (const char* name : {"mean", "median", "p90", "p99", "min", "max", "stddev", "runs/s"})
            QVERIFY2(stats.contains(QLatin1String(name)) && stats[QLatin1String(name)] != QStringLiteral("—"), name);
        // The table rounds; it must round the same median, not another statistic.
        QVERIFY2(std::abs(stats[QStringLiteral("median")].toDouble() - median) <= 0.005 + median * 1e-3,
            qPrintable(stats[QStringLiteral("median")] + QStringLiteral(" vs ") + QString::number(median)));
        const auto* overview = w.findChild<QLabel*>(QStringLiteral("benchmarkOverview"));
        QVERIFY(overview->text().contains(QStringLiteral("not in the statistics")));
        QVERIFY2(overview->text().contains(QStringLiteral("5 timed runs")), qPrintable(overview->text()));
        // Backend and device named, a CPU device said to be one, import (read + lower) apart from load.
        const QString device = QString::fromStdString(result->device);
        QVERIFY(!device.isEmpty());
        // The backend chosen above, named with its device.
        const QString backend = w.benchmarkPanel()->backend();
        QVERIFY2(overview->text().startsWith(backend + QStringLiteral(" on ") + device + QStringLiteral(" — a CPU device")),
            qPrintable(overview->text()));
        QVERIFY2(overview->text().contains(QStringLiteral("Import ")) && overview->text().contains(QStringLiteral("(read "))
                && overview->text().contains(QStringLiteral(" + lower ")) && overview->text().contains(QStringLiteral("load ")),
            qPrintable(overview->text()));
        QVERIFY(result->importMs.has_value());
        QVERIFY2(logText(w).contains(QStringLiteral("Benchmark blazeface/model.json with ") + backend + QStringLiteral(" on ") + device
                     + QStringLiteral(" — a CPU device: median")),
            qPrintable(logText(w)));
        w.showBenchmarkPanel();
        maybeShoot(w, QStringLiteral("benchmark"));

        // Export: the JSON report with where it came from, and the samples as CSV.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString report = dir.filePath(QStringLiteral("bench.json"));
        QVERIFY(w.benchmarkPanel()->exportTo(report));
        QFile json(report);
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(doc.value(QStringLiteral("model")).toString(), QFileInfo(kSample).absoluteFilePath());
        QCOMPARE(doc.value(QStringLiteral("backend")).toString(), backend);
        QCOMPARE(doc.value(QStringLiteral("device")).toString(), device);
        QCOMPARE(doc.value(QStringLiteral("cpuDevice")).toBool(), true);
        QCOMPARE(doc.value(QStringLiteral("freeDim")).toInt(), 1);
        QVERIFY(doc.contains(QStringLiteral("importMs")));
        QCOMPARE(doc.value(QStringLiteral("samplesMs")).toArray().size(), 5);
        // Exports round times to the microsecond.
        QVERIFY(std::abs(doc.value(QStringLiteral("summary")).toObject().value(QStringLiteral("median")).toDouble() - median) <= 0.0005 + 1e-12);
        QVERIFY(doc.contains(QStringLiteral("firstRunMs")) && doc.contains(QStringLiteral("loadMs")));
        QFile csv(dir.filePath(QStringLiteral("bench.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.first(), QStringLiteral("section,name,detail,ms,flops,gflop_per_s"));
        const QStringList timed = lines.filter(QStringLiteral("run,timed-"));
        QCOMPARE(timed.size(), 5);
        QVERIFY(std::abs(timed.first().section(u',', 3, 3).toDouble() - result->samplesMs.front()) <= 0.0005 + 1e-12);
    }

    void cancelStopsTheBenchmark()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        w.benchmarkPanel()->setRuns(0, 2000); // about a minute of blazeface runs
        QSignalSpy finished(w.benchmarkPanel(), &BenchmarkPanel::finished);
        QElapsedTimer timer;
        timer.start();
        QVERIFY(w.benchmarkPanel()->start());
        QVERIFY(w.benchmarkPanel()->isRunning());
        QVERIFY(!w.benchmarkPanel()->start()); // one at a time
        auto* progress = w.findChild<QProgressBar*>(QStringLiteral("benchmarkProgress"));
        QTRY_VERIFY_WITH_TIMEOUT(progress->value() > 0, 30000); // some runs are done
        // The chart fills as runs arrive, before the benchmark ends.
        QTRY_VERIFY_WITH_TIMEOUT(benchmarkSeries(w, QStringLiteral("benchmarkLatency"))->count() > 0, 30000);
        QCOMPARE(benchmarkSeries(w, QStringLiteral("benchmarkDiscarded"))->count(), 1); // the first run; no warm-ups
        QVERIFY(w.benchmarkPanel()->isRunning());
        auto* cancel = w.findChild<QPushButton*>(QStringLiteral("benchmarkCancelButton"));
        QVERIFY(cancel && cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(finished.count() == 1 || finished.wait(30000));
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY2(timer.elapsed() < 30000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(!w.benchmarkPanel()->isRunning());
        QVERIFY(!w.benchmarkPanel()->result().has_value());
        QCOMPARE(progress->format(), QStringLiteral("cancelled"));
        QVERIFY2(logText(w).contains(QStringLiteral("Benchmark of blazeface/model.json cancelled")), qPrintable(logText(w)));
        QVERIFY(w.findChild<QPushButton*>(QStringLiteral("benchmarkRunButton"))->isEnabled());
    }

    void closingDuringBenchmarkWaitsForTheWorker()
    {
        auto w = std::make_unique<MainWindow>();
        w->setInteractive(false);
        QVERIFY(w->openModel(kSample));
        w->benchmarkPanel()->setRuns(0, 2000);
        QVERIFY(w->benchmarkPanel()->start());
        QTest::qWait(100);
        w.reset(); // must cancel and join between runs, not crash or leave a thread running
    }

    void benchmarkOfAnUnsupportedOpReportsTheError()
    {
        QVERIFY2(QFile::exists(kGoldenGraphModel + QStringLiteral("/model.json")), "a shared model this test needs is missing (../shared/models)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile source(kGoldenGraphModel + QStringLiteral("/model.json"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        QByteArray json = source.readAll();
        QVERIFY(json.contains("\"op\": \"MatMul\""));
        json.replace("\"op\": \"MatMul\"", "\"op\": \"SentencepieceOp\"");
        QFile copy(dir.filePath(QStringLiteral("model.json")));
        QVERIFY(copy.open(QIODevice::WriteOnly) && copy.write(json) == json.size());
        copy.close();
        QVERIFY(QFile::copy(kGoldenGraphModel + QStringLiteral("/weights.bin"), dir.filePath(QStringLiteral("weights.bin"))));

        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(copy.fileName()));
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QSignalSpy finished(w.benchmarkPanel(), &BenchmarkPanel::finished);
        QTest::mouseClick(w.findChild<QPushButton*>(QStringLiteral("benchmarkRunButton")), Qt::LeftButton);
        QVERIFY(finished.count() == 1 || finished.wait(30000));
        QCOMPARE(finished.first().first().toBool(), false);
        QCOMPARE(errors.count(), 1);
        const QString detail = errors.first().at(1).toString();
        QVERIFY2(detail.contains(QStringLiteral("SentencepieceOp")), qPrintable(detail));
        const auto* overview = w.findChild<QLabel*>(QStringLiteral("benchmarkOverview"));
        QVERIFY2(overview->text().startsWith(QStringLiteral("Failed:")) && overview->text().contains(QStringLiteral("SentencepieceOp")),
            qPrintable(overview->text()));
        QVERIFY(logLines(w, QStringLiteral("error")).join(u'\n').contains(QStringLiteral("SentencepieceOp")));
        QVERIFY(!w.benchmarkPanel()->result().has_value());
        QVERIFY(!w.findChild<QPushButton*>(QStringLiteral("benchmarkExportButton"))->isEnabled());
        w.showBenchmarkPanel();
        maybeShoot(w, QStringLiteral("benchmark-failed"));
    }

    void layersModelIsLoweredForTheBenchmark()
    {
        // The shared models are part of the test setup: missing ones fail, never skip.
        QVERIFY2(QFile::exists(kLayersModel), qPrintable(kLayersModel + " is missing (../shared/models)"));
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kLayersModel));
        QVERIFY2(benchmarkThroughPanel(w, 0, 1), qPrintable(logText(w)));
        QCOMPARE(w.benchmarkPanel()->result()->samplesMs.size(), std::size_t(1));
        QCOMPARE(benchmarkSeries(w, QStringLiteral("benchmarkLatency"))->count(), 1);
    }

    // Every registered backend is listed; the default is selected; one that cannot run here is
    // disabled and says why.
    void benchmarkBackendsComeFromTheRegistry()
    {
        auto& registry = studio::rt::BackendRegistry::instance();
        registry.add(std::make_unique<UnavailableBackend>());
        MainWindow w;
        w.setInteractive(false);
        auto* combo = w.findChild<QComboBox*>(QStringLiteral("benchmarkBackend"));
        QVERIFY(combo);
        const auto backends = registry.list();
        QCOMPARE(combo->count(), static_cast<int>(backends.size()));
        QCOMPARE(combo->currentData().toString(), QString::fromStdString(registry.defaultName()));
        QCOMPARE(w.benchmarkPanel()->backend(), QString::fromStdString(registry.defaultName()));
        const int unavailable = combo->findData(QStringLiteral("test-unavailable"));
        QVERIFY(unavailable >= 0);
        auto* items = qobject_cast<QStandardItemModel*>(combo->model());
        QVERIFY(items && !items->item(unavailable)->isEnabled());
        QVERIFY2(combo->itemData(unavailable, Qt::ToolTipRole).toString().contains(QStringLiteral("no test device here")),
            qPrintable(combo->itemData(unavailable, Qt::ToolTipRole).toString()));
        QVERIFY(!w.benchmarkPanel()->setBackend(QStringLiteral("test-unavailable")));
        QVERIFY(!w.benchmarkPanel()->setBackend(QStringLiteral("no-such-backend")));
        QVERIFY(w.benchmarkPanel()->setBackend(QStringLiteral("reference")));
        QCOMPARE(w.benchmarkPanel()->backend(), QStringLiteral("reference"));
    }

    // The open dialog lists every importer's own filter, so a new importer needs no UI change.
    void openDialogFiltersComeFromTheImporters()
    {
        const QString filter = MainWindow::openDialogFilter();
        for (const auto& importer : studio::conv::importers()) {
            const QString patterns = QString::fromStdString(importer->nameFilter());
            QVERIFY2(filter.contains(QStringLiteral("(%1)").arg(patterns)), qPrintable(patterns + u'\n' + filter));
            QVERIFY2(filter.contains(QString::fromStdString(importer->description())), qPrintable(filter));
        }
        QVERIFY(filter.startsWith(QStringLiteral("Supported models (")));
    }

    void weightsOnlyModelCannotBeBenchmarked()
    {
        QVERIFY2(QFile::exists(kWeightsOnlyH5), "a shared model this test needs is missing (../shared/models)");
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kWeightsOnlyH5));
        QVERIFY(!w.findChild<QPushButton*>(QStringLiteral("benchmarkRunButton"))->isEnabled());
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QVERIFY(!w.benchmarkPanel()->start());
        QCOMPARE(errors.count(), 1);
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
