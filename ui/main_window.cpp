// The studio's main window: builds the panels, opens models (on a job, or blocking for tests),
// and routes errors to a message box (interactive) or the log only (tests, screenshots).
#include "ui/main_window.h"

#include "converter/formats.h"
#include "converter/importers/importer.h"
#include "converter/inspect.h"
#include "core/ir/model.h"
#include "core/tfjs/decode.h"
#include "core/tfjs/quantize.h"
#include "core/version.h"
#include "ui/format.h"
#include "ui/graph/graph_data.h"
#include "core/tfjs/weight_plan.h"
#include "ui/graph/graph_compare.h"
#include "ui/graph/graph_view.h"
#include "ui/models/node_table_model.h"
#include "ui/panels/benchmark_panel.h"
#include "ui/panels/convert_panel.h"
#include "ui/panels/histogram_panel.h"
#include "ui/panels/inspector_panel.h"
#include "ui/panels/issues_panel.h"
#include "ui/panels/log_panel.h"
#include "ui/panels/node_panel.h"
#include "ui/panels/summary_panel.h"
#include "ui/widgets/section.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QSet>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QFutureWatcher>
#include <QtConcurrent>

#include <chrono>
#include <utility>

namespace studio::ui {

namespace {

constexpr int kMaxRecentFiles = 10;
const QString kRecentKey = QStringLiteral("recentFiles");
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kDesktopNewWindowKey = QStringLiteral("desktop/openInNewWindow");

// "blazeface/model.json": every TF.js model is called model.json, so its folder is the name.
QString displayName(const QString& path)
{
    const QFileInfo f(path);
    if (f.isDir())
        return f.fileName();
    return f.fileName() == QLatin1String("model.json") ? f.dir().dirName() + u'/' + f.fileName() : f.fileName();
}

// SavedModels and TF Hub modules are folders; the file dialog hands us the file inside, the one
// the folder format's importer names in its filter.
QString modelPathFor(const QString& picked)
{
    const QFileInfo f(picked);
    if (!f.isFile())
        return picked;
    for (const auto& importer : conv::importers())
        if (importer->opensFolders()
            && QDir::match(QString::fromStdString(importer->nameFilter()).split(u' ', Qt::SkipEmptyParts), f.fileName()))
            return f.absolutePath();
    return picked;
}

double msSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

// The open dialog's filters come from the importer registry, so a new importer shows up
// here without touching the UI.
QString MainWindow::openDialogFilter()
{
    QStringList filters, supported;
    for (const auto& importer : conv::importers()) {
        const QString patterns = QString::fromStdString(importer->nameFilter());
        QString label = QString::fromStdString(importer->description());
        if (importer->implemented())
            supported << patterns.split(u' ', Qt::SkipEmptyParts);
        else
            label += QObject::tr(" [not supported yet]");
        filters << QStringLiteral("%1 (%2)").arg(label, patterns);
    }
    supported.removeDuplicates();
    filters.prepend(QObject::tr("Supported models (%1)").arg(supported.join(u' ')));
    filters << QObject::tr("All files (*)");
    return filters.join(QStringLiteral(";;"));
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("tfjs-studio"));
    setAcceptDrops(true);
    buildPanels();
    buildMenus();
    resize(1360, 860);
    // The importers that report progress turn the busy bar from indeterminate into a percentage.
    m_loader.setProgressHandler([this](const std::vector<double>& fractions) {
        if (m_loader.cancelRequested())
            return;
        m_busyBar->setRange(0, 100);
        m_busyBar->setValue(static_cast<int>(fractions.back() * 100));
    });
    connect(&m_loader, &JobBase::finished, this, &MainWindow::onLoadFinished);
}

// m_loader cancels and waits for the worker: one still inside the HDF5 library when main()
// returns would race the library's atexit cleanup.
MainWindow::~MainWindow() = default;

void MainWindow::buildPanels()
{
    m_summary = new SummaryPanel;
    m_histogram = new HistogramPanel;
    m_nodes = new NodePanel;
    m_graph = new GraphView;
    m_issues = new IssuesPanel;
    m_inspector = new InspectorPanel;
    m_convert = new ConvertPanel;
    m_benchmark = new BenchmarkPanel;
    m_log = new LogPanel;

    m_summarySection = new Section(tr("Summary"), m_summary);
    m_histogramSection = new Section(tr("Ops"), m_histogram);
    auto* left = new QSplitter(Qt::Vertical);
    left->setObjectName(QStringLiteral("leftSplit"));
    left->addWidget(m_summarySection);
    left->addWidget(m_histogramSection);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    left->setSizes({430, 300});

    auto* centre = new QSplitter(Qt::Vertical);
    centre->setObjectName(QStringLiteral("centreSplit"));
    // The graph and the node table share the centre: both want its width, and the selection is
    // the same in either, so the one not shown loses nothing.
    m_centreTabs = new QTabWidget;
    m_centreTabs->setObjectName(QStringLiteral("centreTabs"));
    m_centreTabs->setDocumentMode(true);
    m_centreTabs->addTab(m_graph, tr("Graph"));
    m_centreTabs->addTab(m_nodes, tr("Nodes"));
    // Side by side: the graph before and after the converter's passes, or float32 and quantized.
    m_compare = new GraphCompare;
    m_centreTabs->addTab(m_compare, tr("Compare"));
    centre->addWidget(m_centreTabs);
    centre->addWidget(new Section(tr("Inspector"), m_inspector));
    centre->setStretchFactor(0, 3);
    centre->setStretchFactor(1, 2);
    centre->setSizes({500, 220}); // the graph wants the height

    m_mainSplit = new QSplitter(Qt::Horizontal);
    m_mainSplit->setObjectName(QStringLiteral("mainSplit"));
    m_mainSplit->addWidget(left);
    m_mainSplit->addWidget(centre);
    m_mainSplit->setStretchFactor(0, 0);
    m_mainSplit->setStretchFactor(1, 1);
    m_mainSplit->setSizes({370, 690});
    m_mainSplit->setChildrenCollapsible(false);
    setCentralWidget(m_mainSplit);

    auto* convertDock = new QDockWidget(tr("Convert"), this);
    convertDock->setObjectName(QStringLiteral("convertDock"));
    convertDock->setWidget(m_convert);
    convertDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable
        | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, convertDock);

    // Tabbed with Convert: both want the dock's full height, and one is used at a time.
    m_benchmarkDock = new QDockWidget(tr("Benchmark"), this);
    m_benchmarkDock->setObjectName(QStringLiteral("benchmarkDock"));
    m_benchmarkDock->setWidget(m_benchmark);
    m_benchmarkDock->setFeatures(convertDock->features());
    tabifyDockWidget(convertDock, m_benchmarkDock);
    convertDock->raise();

    auto* logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(QStringLiteral("logDock"));
    logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    // Issues beside the log: both are lists of what went wrong, read one at a time.
    m_issuesDock = new QDockWidget(tr("Issues"), this);
    m_issuesDock->setObjectName(QStringLiteral("issuesDock"));
    m_issuesDock->setWidget(m_issues);
    tabifyDockWidget(logDock, m_issuesDock);
    logDock->raise();
    resizeDocks({convertDock}, {370}, Qt::Horizontal);
    resizeDocks({logDock}, {130}, Qt::Vertical);

    m_statusPath = new QLabel(tr("No model loaded"));
    m_statusPath->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_statusCounts = new QLabel;
    // Permanent widgets, so a temporary status message cannot hide that a load is running.
    m_busyLabel = new QLabel;
    m_busyLabel->setObjectName(QStringLiteral("openingLabel"));
    m_busyBar = new QProgressBar;
    m_busyBar->setObjectName(QStringLiteral("openingProgress"));
    m_busyBar->setRange(0, 0); // the importers report no progress: an indeterminate bar
    m_busyBar->setTextVisible(false);
    m_busyBar->setMaximumSize(110, 14);
    m_busyCancel = new QToolButton;
    m_busyCancel->setObjectName(QStringLiteral("openingCancel"));
    m_busyCancel->setText(tr("Cancel"));
    m_busyCancel->setToolTip(tr("Stop opening this model; the one shown stays"));
    m_busyCancel->setAutoRaise(true);
    connect(m_busyCancel, &QToolButton::clicked, this, &MainWindow::cancelLoad);
    m_busyLabel->hide();
    m_busyBar->hide();
    m_busyCancel->hide();
    statusBar()->addWidget(m_statusPath, 1);
    statusBar()->addPermanentWidget(m_busyLabel);
    statusBar()->addPermanentWidget(m_busyBar);
    statusBar()->addPermanentWidget(m_busyCancel);
    statusBar()->addPermanentWidget(m_statusCounts);

    m_inspector->showHint(tr("Open a model to inspect it (File > Open)."));

    // The op check's total on the summary; a click shows the Issues panel.
    m_issuesBadge = new QToolButton;
    m_issuesBadge->setObjectName(QStringLiteral("issuesBadge"));
    m_issuesBadge->setAutoRaise(true);
    m_issuesBadge->setStyleSheet(QStringLiteral(
        "QToolButton { background: #c62020; color: white; border-radius: 8px; padding: 0px 7px; font-weight: bold; }"));
    m_issuesBadge->setToolTip(tr("Nodes TensorFlow.js cannot run: click for the Issues panel"));
    m_issuesBadge->hide();
    m_summarySection->addTool(m_issuesBadge);
    connect(m_issuesBadge, &QToolButton::clicked, this, [this] {
        m_issuesDock->show();
        m_issuesDock->raise();
    });
    connect(m_issues, &IssuesPanel::countChanged, this, [this](int n) {
        m_issuesBadge->setText(n == 1 ? tr("1 issue") : tr("%1 issues").arg(n));
        m_issuesBadge->setVisible(n > 0);
        m_issuesDock->setWindowTitle(n > 0 ? tr("Issues (%1)").arg(n) : tr("Issues"));
    });
    connect(m_issues, &IssuesPanel::nodeActivated, this, [this](const QString& name) {
        showGraphTab();
        m_graph->selectNode(name, true);
        m_nodes->selectName(name);
    });
    connect(m_graph, &GraphView::nodeSelected, this, [this](const QString& name) { m_nodes->selectName(name); });
    connect(m_compare, &GraphCompare::nodeSelected, this, [this](const QString& name) { m_nodes->selectName(name); });
    m_compare->setOptionsProvider([this] { return m_convert->options(); });
    connect(m_inspector, &InspectorPanel::linkActivated, this, [this](const QString& name) {
        m_graph->selectNode(name, true);
        m_nodes->selectName(name);
    });

    connect(m_nodes, &NodePanel::currentRowChanged, this, &MainWindow::showSelection);
    connect(m_histogram, &HistogramPanel::opActivated, this,
        [this](const QString& op) { m_nodes->setFilterText(QStringLiteral("op:") + op); });
    connect(m_convert, &ConvertPanel::message, m_log, &LogPanel::append);
    connect(m_convert, &ConvertPanel::failed, this, [this](const QString& title, const QString& detail) {
        // The panel already logged the failure; only the dialog is missing.
        emit errorReported(title, detail);
        if (m_interactive)
            QMessageBox::critical(this, title, detail);
    });
    connect(m_benchmark, &BenchmarkPanel::message, m_log, &LogPanel::append);
    connect(m_benchmark, &BenchmarkPanel::failed, this, [this](const QString& title, const QString& detail) {
        emit errorReported(title, detail);
        if (m_interactive)
            QMessageBox::critical(this, title, detail);
    });
    connect(m_convert, &ConvertPanel::failedAt, this, &MainWindow::selectCause);
    // The last profile colours the graph's latency overlay.
    connect(m_benchmark, &BenchmarkPanel::profileReady, this,
        [this](const QHash<QString, double>& msByNode) { graphView()->setLatencyProfile(msByNode); });
    // ... and, for a backend with a CPU fallback, the placement overlay.
    connect(m_benchmark, &BenchmarkPanel::placementReady, this,
        [this](const QHash<QString, QString>& where, const QString& backend) { graphView()->setPlacement(where, backend); });
    // The quantization chosen for converting colours the graph's quantization overlay.
    connect(m_convert, &ConvertPanel::quantizationChanged, this, &MainWindow::updateQuantizationErrors);
    connect(m_convert, &ConvertPanel::openRequested, this, &MainWindow::openModelAsync);
    connect(m_convert, &ConvertPanel::benchmarkRequested, this, [this](const QString& path) {
        openModelAsync(path);
        showBenchmarkPanel();
    });
    connect(m_benchmark, &BenchmarkPanel::failedAt, this, &MainWindow::selectCause);
}

// An error that names a node, layer or weight of the shown model selects it, so the inspector
// shows the cause next to the message.
void MainWindow::selectCause(const Location& where)
{
    for (const std::string* name : {&where.node, &where.layer, &where.weight})
        if (!name->empty() && selectNode(QString::fromStdString(*name))) {
            m_log->append(LogLevel::Info, tr("Selected '%1', named by the error").arg(QString::fromStdString(*name)));
            return;
        }
}

void MainWindow::showBenchmarkPanel()
{
    m_benchmarkDock->show();
    m_benchmarkDock->raise();
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::showOpenDialog);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    updateRecentMenu();
    // Packaging: where files double-clicked on the desktop go while the studio runs.
    QMenu* desktopFiles = file->addMenu(tr("Open Files from the &Desktop In"));
    desktopFiles->setObjectName(QStringLiteral("desktopFilesMenu"));
    auto* desktopChoice = new QActionGroup(desktopFiles);
    QAction* sameWindow = desktopFiles->addAction(tr("The &Current Window"));
    QAction* newWindow = desktopFiles->addAction(tr("A &New Window"));
    for (QAction* a : {sameWindow, newWindow}) {
        a->setCheckable(true);
        desktopChoice->addAction(a);
    }
    // Read when the menu opens, so every window shows the choice made in any of them.
    connect(desktopFiles, &QMenu::aboutToShow, this, [sameWindow, newWindow] {
        (desktopFilesOpenNewWindow() ? newWindow : sameWindow)->setChecked(true);
    });
    (desktopFilesOpenNewWindow() ? newWindow : sameWindow)->setChecked(true);
    connect(newWindow, &QAction::triggered, this, [] { setDesktopFilesOpenNewWindow(true); });
    connect(sameWindow, &QAction::triggered, this, [] { setDesktopFilesOpenNewWindow(false); });
    file->addSeparator();
    QAction* convert = file->addAction(tr("&Convert"), m_convert, &ConvertPanel::start);
    convert->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    QAction* bench = file->addAction(tr("&Benchmark"), this, [this] {
        showBenchmarkPanel();
        m_benchmark->start();
    });
    bench->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    // Find where the user is looking: the graph's find bar, or the node table's filter.
    QAction* find = edit->addAction(tr("&Find Node"), this, [this] {
        if (m_centreTabs->currentWidget() == m_graph)
            m_graph->focusFind();
        else if (m_centreTabs->currentWidget() == m_compare)
            m_compare->left()->focusFind();
        else
            m_nodes->focusFilter();
    });
    find->setShortcut(QKeySequence::Find);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (auto* dock : findChildren<QDockWidget*>())
        m_viewMenu->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About tfjs-studio"), this, &MainWindow::showAbout)->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::setInteractive(bool interactive)
{
    m_interactive = interactive;
    m_convert->setInteractive(interactive);
    m_benchmark->setInteractive(interactive);
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::openModelAsync(const QString& requested)
{
    const QString path = modelPathFor(requested);
    const quint64 ticket = ++m_ticket;
    if (m_loader.isRunning()) {
        // Superseded: the worker stops at its next check and the newest request follows it.
        m_loader.cancel();
        m_pendingPath = path;
        m_pendingTicket = ticket;
    } else {
        startLoad(path, ticket);
    }
    updateBusy();
}

void MainWindow::cancelLoad()
{
    if (!isLoading())
        return;
    const QString waiting = std::exchange(m_pendingPath, QString());
    if (waiting.isEmpty()) {
        // The outcome (Cancelled, or a failure that came first) arrives with the worker.
        m_loader.cancel();
        updateBusy();
        return;
    }
    // A waiting request never started; the worker's older load is already cancelled and stale.
    m_loadStatus = JobStatus::Cancelled;
    m_log->append(LogLevel::Info, tr("Opening %1 cancelled").arg(displayName(waiting)));
    updateBusy();
    emit loadCancelled(waiting);
}

bool MainWindow::openModel(const QString& requested)
{
    const QString path = modelPathFor(requested);
    ++m_ticket;
    m_pendingPath.clear(); // this request is newer than anything waiting
    m_loader.cancel();     // and than anything running: its result would be dropped
    updateBusy();
    QGuiApplication::setOverrideCursor(Qt::WaitCursor);
    LoadResult loaded;
    QString error;
    try {
        loaded = load(path, CancelToken());
    } catch (const std::exception& e) { // studio::Error, or a library's own
        error = QString::fromUtf8(e.what());
    }
    QGuiApplication::restoreOverrideCursor();
    return error.isEmpty() ? showLoaded(loaded) : showLoadError(path, error);
}

bool MainWindow::isLoading() const
{
    return !m_pendingPath.isEmpty() || (m_loader.isRunning() && m_workerTicket == m_ticket);
}

MainWindow::LoadResult MainWindow::load(const QString& path, const CancelToken& cancel,
    const std::function<void(double)>& progress)
{
    LoadResult r;
    r.path = path;
    const auto t0 = std::chrono::steady_clock::now();
    conv::ImportOptions options;
    options.cancel = cancel;
    options.progress = progress;
    r.model = std::make_shared<core::Model>(conv::importModel(path.toStdString(), options));
    r.readMs = msSince(t0);
    // Cancelled while the importer was inside a file: the model is not wanted any more.
    cancel.check();
    r.report = conv::inspect(*r.model);
    cancel.check();
    r.check = conv::checkOps(*r.model);
    r.graph = graph::buildGraphData(*r.model);
    r.elapsedMs = static_cast<qint64>(msSince(t0));
    return r;
}

void MainWindow::startLoad(const QString& path, quint64 ticket)
{
    m_workerTicket = ticket;
    m_workerPath = path;
    m_busyBar->setRange(0, 0); // indeterminate until an importer reports progress
    m_loadStatus = JobStatus::Running;
    m_loader.start([path](const CancelToken& cancel, const auto& report) { return load(path, cancel, report); });
}

void MainWindow::onLoadFinished(JobStatus status)
{
    const quint64 ticket = m_workerTicket;
    const QString path = m_workerPath;
    // Taken before the next start() resets the job.
    LoadResult loaded = status == JobStatus::Succeeded ? m_loader.takeValue() : LoadResult{};
    const QString error = status == JobStatus::Failed ? m_loader.failure().message : QString();
    if (!m_pendingPath.isEmpty())
        startLoad(std::exchange(m_pendingPath, QString()), m_pendingTicket);
    updateBusy();
    // A newer request (waiting or already shown by openModel) makes this result stale.
    if (ticket != m_ticket)
        return;
    m_loadStatus = status;
    switch (status) {
    case JobStatus::Succeeded: showLoaded(loaded); break;
    case JobStatus::Failed: showLoadError(path, error); break;
    case JobStatus::Cancelled:
        // Asked for: no error, and the model shown before stays.
        m_log->append(LogLevel::Info, tr("Opening %1 cancelled").arg(displayName(path)));
        statusBar()->showMessage(tr("Opening %1 cancelled").arg(displayName(path)), 5000);
        emit loadCancelled(path);
        break;
    case JobStatus::Idle:
    case JobStatus::Running: break;
    }
}

void MainWindow::updateBusy()
{
    const bool loading = isLoading();
    const QString awaited = m_pendingPath.isEmpty() ? m_workerPath : m_pendingPath;
    const bool cancelling = m_pendingPath.isEmpty() && m_loader.cancelRequested();
    m_busyLabel->setText(cancelling ? tr("Cancelling %1…").arg(displayName(awaited))
                                    : tr("Opening %1…").arg(displayName(awaited)));
    m_busyLabel->setToolTip(QDir::toNativeSeparators(awaited));
    m_busyLabel->setVisible(loading);
    m_busyBar->setVisible(loading);
    m_busyCancel->setVisible(loading);
    m_busyCancel->setEnabled(!cancelling);
    if (loading != m_wasLoading) {
        m_wasLoading = loading;
        emit loadingChanged(loading);
    }
}

bool MainWindow::showLoadError(const QString& path, const QString& error)
{
    statusBar()->showMessage(tr("Could not open %1").arg(displayName(path)), 8000);
    forgetRecent(path); // a recent entry that cannot be opened only gets in the way
    reportError(tr("Cannot open model"), error);
    return false;
}

bool MainWindow::showLoaded(const LoadResult& loaded)
{
    const QString& path = loaded.path;
    const conv::InspectReport& report = loaded.report;
    const core::Model& model = *loaded.model;

    // Panels first point at the new model, then the old one goes: nothing refers to it.
    const bool graph = model.kind == core::ModelKind::GraphModel;
    const bool weightsOnly = model.kind == core::ModelKind::WeightsOnly;
    const QString unit = graph ? tr("nodes") : tr("layers");
    m_summary->setReport(report);
    m_summarySection->setNote(QString::fromStdString(report.kind));
    QSet<QString> unsupported;
    for (const auto& u : loaded.check.unsupported)
        unsupported.insert(QString::fromStdString(u.op));
    m_histogram->setCounts(report.histogram, graph, unsupported);
    m_histogramSection->setTitle(graph ? tr("Ops") : tr("Layer classes"));
    m_histogramSection->setNote(tr("%1 kinds").arg(report.histogram.size()));
    // Without a topology there is nothing to count; an empty table would look broken.
    m_histogramSection->setVisible(!weightsOnly);
    m_nodes->setFilterText({});
    m_nodes->setUnsupportedOnly(false);
    m_nodes->setModel(model);
    m_graph->setGraph(loaded.graph, weightsOnly ? tr("This file holds weights without a topology: there is no graph to draw.")
                                                : QString());
    if (weightsOnly)
        m_issues->clearReport(tr("No topology: nothing to check."));
    else
        m_issues->setReport(loaded.check);
    m_model = loaded.model;
    m_modelPath = path;
    showSelection(-1);
    m_convert->setSource(path, conv::formatFromName(model.meta.format), weightsOnly, m_model);
    m_compare->setModel(m_model, conv::formatFromName(model.meta.format), loaded.graph);
    m_benchmark->setModel(m_model, path, loaded.readMs);
    updateQuantizationErrors();

    setWindowTitle(QStringLiteral("tfjs-studio — %1").arg(displayName(path)));
    m_statusPath->setText(QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath()));
    // Weights-only models have no topology; their node count would read as "0 layers".
    const QString weights = tr("%1 weights").arg(report.weightCount);
    const QString nodes = tr("%1 %2").arg(report.nodeCount).arg(unit);
    const QString counts = weightsOnly ? weights : nodes + QStringLiteral(", ") + weights;
    QStringList status{QString::fromStdString(report.kind)};
    if (!weightsOnly)
        status << nodes;
    status << weights << bytesText(report.weightBytes);
    m_statusCounts->setText(status.join(QStringLiteral(" · ")));
    m_log->append(LogLevel::Info,
        tr("Opened %1 (%2, %3, %4) in %5 ms")
            .arg(QFileInfo(path).absoluteFilePath(), QString::fromStdString(report.format), counts)
            .arg(bytesText(report.weightBytes))
            .arg(loaded.elapsedMs));
    if (!report.unsupportedOps.empty())
        m_log->append(LogLevel::Warning, QString::fromStdString(report.opCheck));
    rememberRecent(QFileInfo(path).absoluteFilePath());
    emit modelLoaded(path);
    return true;
}

void MainWindow::updateQuantizationErrors()
{
    const quint64 serial = ++*m_quantSerial;
    const core::QuantizationPlan plan = m_convert->quantizationPlan();
    if (!m_model || plan.empty()) {
        m_graph->setQuantizationErrors({});
        m_compare->setQuantization({}, {}, 0, 0);
        return;
    }
    struct Result {
        QHash<QString, GraphView::WeightError> errors;
        std::uint64_t float32Bytes = 0, quantizedBytes = 0; // as the writer plans them
    };
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, serial, plan] {
        watcher->deleteLater();
        if (serial != *m_quantSerial)
            return; // another model or quantization came meanwhile
        const Result r = watcher->result();
        const QString name = QString::fromStdString(plan.describe());
        m_graph->setQuantizationErrors(r.errors, name);
        m_compare->setQuantization(r.errors, name, r.float32Bytes, r.quantizedBytes);
    });
    // Every float32 weight the plan picks: quantized and dequantized as the converter and TF.js
    // do, one weight at a time (the model is shared, read-only, and outlives the job).
    watcher->setFuture(QtConcurrent::run([model = std::shared_ptr<const core::Model>(m_model), plan, serial, current = m_quantSerial] {
        Result r;
        try {
            for (const auto& g : core::planWeights(*model, {}, core::kDefaultShardBytes))
                r.float32Bytes += g.bytes;
            for (const auto& g : core::planWeights(*model, plan, core::kDefaultShardBytes))
                r.quantizedBytes += g.bytes;
        } catch (const std::exception&) {
            // two patterns match one weight: the convert itself reports it; the sizes stay 0
        }
        std::vector<float> values;
        for (const auto& group : model->weightGroups)
            for (const auto& w : group.weights) {
                if (serial != *current)
                    return r; // superseded: stop early, the result is dropped
                if (w.dtype != core::DType::Float32)
                    continue;
                std::optional<core::DType> storage;
                try {
                    storage = plan.choose(w.name);
                } catch (const std::exception&) {
                    continue; // two patterns match: the convert itself reports it
                }
                if (!storage)
                    continue;
                try {
                    values.resize(static_cast<std::size_t>(w.elementCount()));
                    core::decodeFloat32Into(w, values.data());
                } catch (const std::exception&) {
                    continue; // unreadable weight bytes: the convert reports them
                }
                const auto e = core::quantizationError(values.data(), values.size(), *storage);
                r.errors.insert(QString::fromStdString(w.name), {e.maxAbs, e.relative()});
            }
        return r;
    }));
}

bool MainWindow::selectNode(const QString& name)
{
    return m_model && m_nodes->selectName(name);
}

void MainWindow::showGraphTab()
{
    m_centreTabs->setCurrentWidget(m_graph);
}

void MainWindow::showCompareTab()
{
    m_centreTabs->setCurrentWidget(m_compare);
}

void MainWindow::showNodesTab()
{
    m_centreTabs->setCurrentWidget(m_nodes);
}

void MainWindow::showSelection(int row)
{
    if (!m_model) {
        m_inspector->showHint(tr("Open a model to inspect it (File > Open)."));
        return;
    }
    if (row < 0) {
        m_inspector->showHint(tr("Select a row to see its attributes."));
        return;
    }
    const auto index = static_cast<std::size_t>(row);
    // The graph follows the table (weights have no place in it).
    if (m_nodes->tableModel()->rowKind() != NodeTableModel::RowKind::Weight)
        m_graph->selectNode(m_nodes->tableModel()->index(row, NodeTableModel::NameColumn).data().toString(), false);
    switch (m_nodes->tableModel()->rowKind()) {
    case NodeTableModel::RowKind::GraphNode: m_inspector->showGraphNode(*m_model, index); break;
    case NodeTableModel::RowKind::Layer: m_inspector->showLayer(*m_model, index); break;
    case NodeTableModel::RowKind::Weight: m_inspector->showWeight(*m_model, index); break;
    }
}

void MainWindow::reportError(const QString& title, const QString& detail)
{
    m_log->append(LogLevel::Error, QStringLiteral("%1: %2").arg(title, detail));
    emit errorReported(title, detail);
    if (m_interactive)
        QMessageBox::critical(this, title, detail);
}

void MainWindow::showOpenDialog()
{
    const QString start = m_modelPath.isEmpty() ? QDir::homePath() : QFileInfo(m_modelPath).absolutePath();
    const QString picked = QFileDialog::getOpenFileName(this, tr("Open Model"), start, openDialogFilter());
    if (!picked.isEmpty())
        openModelAsync(picked);
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About tfjs-studio"),
        tr("<h3>tfjs-studio %1</h3>"
           "<p>Takes trained TensorFlow models to the web: inspect a model, convert it to the "
           "TensorFlow.js format with quantization and sharding, and measure the result.</p>"
           "<p>Built with Qt %2.</p>")
            .arg(QStringLiteral(STUDIO_VERSION), QString::fromLatin1(qVersion())));
}

bool MainWindow::desktopFilesOpenNewWindow()
{
    return QSettings().value(kDesktopNewWindowKey, false).toBool();
}

void MainWindow::setDesktopFilesOpenNewWindow(bool newWindow)
{
    QSettings().setValue(kDesktopNewWindowKey, newWindow);
}

QStringList MainWindow::recentFiles() const
{
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::rememberRecent(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue(kRecentKey, files);
    updateRecentMenu();
}

void MainWindow::forgetRecent(const QString& path)
{
    QStringList files = recentFiles();
    if (files.removeAll(QFileInfo(path).absoluteFilePath()) == 0)
        return;
    QSettings().setValue(kRecentKey, files);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = recentFiles();
    for (int i = 0; i < files.size(); ++i) {
        const QString& f = files[i];
        // &1..&9 give keyboard access without the mouse.
        const QString label = i < 9 ? QStringLiteral("&%1  %2").arg(i + 1).arg(displayName(f)) : displayName(f);
        QAction* a = m_recentMenu->addAction(label, this, [this, f] { openModelAsync(f); });
        a->setToolTip(f);
        a->setStatusTip(f);
    }
    if (files.isEmpty())
        m_recentMenu->addAction(tr("No recent models"))->setEnabled(false);
    m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("Clear Recent"), this, [this] {
        QSettings().remove(kRecentKey);
        updateRecentMenu();
    });
    clear->setEnabled(!files.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_convert->isRunning() && m_interactive) {
        const auto answer = QMessageBox::question(this, tr("Conversion Running"),
            tr("A conversion is still running. Cancel it and quit?"));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        event->acceptProposedAction();
        openModelAsync(urls.first().toLocalFile());
    }
}

} // namespace studio::ui
