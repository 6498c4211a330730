// The studio's main window: model summary and histogram on the left, the node list and
// inspector in the centre, the Convert and Benchmark panels on the right, the log at the bottom.
#pragma once

#include "converter/inspect.h"
#include "converter/op_check.h"
#include "core/error.h"
#include "ui/job.h"

#include <QMainWindow>
#include <QStringList>

#include <atomic>
#include <memory>

class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QSplitter;
class QTabWidget;
class QToolButton;

namespace studio::core {
struct Model;
}

namespace studio::ui {

namespace graph {
struct GraphData;
}
class BenchmarkPanel;
class GraphCompare;
class GraphView;
class IssuesPanel;
class ConvertPanel;
class HistogramPanel;
class InspectorPanel;
class LogPanel;
class NodePanel;
class Section;
class SummaryPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a model on a worker thread and returns at once; modelLoaded, errorReported or (after
    // cancelLoad) loadCancelled follows. A request made while one runs cancels it, waits for the
    // worker to stop (the importers only look at the token between files) and then replaces it:
    // the older result is dropped and only the newest shows.
    void openModelAsync(const QString& path);
    // Stops the load in progress and drops any waiting one; the model shown before stays.
    void cancelLoad();
    // Loads and shows a model before returning (tests, screenshots, scripted use); any load
    // still running is superseded. On failure reports the studio::Error text, keeps what was
    // loaded before and returns false. Never throws.
    bool openModel(const QString& path);
    // True while a requested model has not arrived yet.
    bool isLoading() const;
    // How the newest asynchronous load ended (Idle before the first).
    JobStatus loadStatus() const { return m_loadStatus; }
    // Selects a node (graph models), layer (layers models) or weight by name.
    bool selectNode(const QString& name);

    // Off: errors go to the log (and errorReported) instead of message boxes, and nothing
    // asks for confirmation. For tests and screenshots, where a modal dialog would hang.
    void setInteractive(bool interactive);
    bool isInteractive() const { return m_interactive; }

    // Window geometry and dock layout from the last session (the GUI does this; tests
    // and screenshots want the default layout).
    void restoreLayout();

    const core::Model* model() const { return m_model.get(); }
    QString modelPath() const { return m_modelPath; }
    NodePanel* nodePanel() const { return m_nodes; }
    // The graph tab; its setLatencyProfile takes the last benchmark's per-op profile.
    GraphView* graphView() const { return m_graph; }
    IssuesPanel* issuesPanel() const { return m_issues; }
    // Brings the Graph tab (or the node table) to the front of the centre.
    void showGraphTab();
    void showNodesTab();
    // The Compare tab, as read ↔ optimized or float32 ↔ quantized.
    void showCompareTab();
    GraphCompare* compareView() const { return m_compare; }
    ConvertPanel* convertPanel() const { return m_convert; }
    BenchmarkPanel* benchmarkPanel() const { return m_benchmark; }
    // Brings the Benchmark tab to the front of the dock it shares with Convert.
    void showBenchmarkPanel();
    LogPanel* logPanel() const { return m_log; }

    // The open dialog's filters, from the importer registry (conv::importers()).
    static QString openDialogFilter();

    // The user's choice (File > Open Files from the Desktop In) for files handed to a running
    // studio by the desktop or a second launch: the current window, or a new one each.
    static bool desktopFilesOpenNewWindow();
    static void setDesktopFilesOpenNewWindow(bool newWindow);

signals:
    void modelLoaded(const QString& path);
    void errorReported(const QString& title, const QString& detail);
    void loadCancelled(const QString& path);
    void loadingChanged(bool loading);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    // What a load produced. Made off the GUI thread, so it holds no widget state.
    struct LoadResult {
        QString path;
        std::shared_ptr<core::Model> model;
        conv::InspectReport report;
        conv::OpCheckReport check;                   // by op, or by layer class for layers models
        std::shared_ptr<const graph::GraphData> graph; // what the graph view draws
        double readMs = 0;    // the importer alone, which the benchmark counts as import
        qint64 elapsedMs = 0; // read + inspect
    };
    // Throws studio::Error or studio::Cancelled.
    static LoadResult load(const QString& path, const CancelToken& cancel,
        const std::function<void(double)>& progress = {});
    bool showLoaded(const LoadResult& loaded);
    bool showLoadError(const QString& path, const QString& error);
    void startLoad(const QString& path, quint64 ticket);
    void onLoadFinished(JobStatus status);
    void updateBusy();
    void selectCause(const Location& where);

    void buildPanels();
    // Recomputes the graph's quantization overlay for the model and the Convert panel's chosen
    // quantization, off the GUI thread; a newer request or model drops an older result.
    void updateQuantizationErrors();
    // Shared with the running job, which stops early once it is superseded.
    std::shared_ptr<std::atomic<quint64>> m_quantSerial = std::make_shared<std::atomic<quint64>>(0);
    void buildMenus();
    void showOpenDialog();
    void showAbout();
    void reportError(const QString& title, const QString& detail);
    void showSelection(int sourceRow);
    void rememberRecent(const QString& path);
    void forgetRecent(const QString& path);
    void updateRecentMenu();
    QStringList recentFiles() const;

    std::shared_ptr<core::Model> m_model;
    QString m_modelPath;
    bool m_interactive = true;

    quint64 m_ticket = 0;       // the newest open request
    quint64 m_workerTicket = 0; // the request the worker is loading
    QString m_workerPath;
    QString m_pendingPath;      // waits for the busy worker; only the newest is kept
    quint64 m_pendingTicket = 0;
    bool m_wasLoading = false;
    JobStatus m_loadStatus = JobStatus::Idle;
    Job<LoadResult, double> m_loader;

    SummaryPanel* m_summary = nullptr;
    HistogramPanel* m_histogram = nullptr;
    NodePanel* m_nodes = nullptr;
    GraphView* m_graph = nullptr;
    GraphCompare* m_compare = nullptr;
    IssuesPanel* m_issues = nullptr;
    QDockWidget* m_issuesDock = nullptr;
    QTabWidget* m_centreTabs = nullptr;
    QToolButton* m_issuesBadge = nullptr;
    InspectorPanel* m_inspector = nullptr;
    ConvertPanel* m_convert = nullptr;
    BenchmarkPanel* m_benchmark = nullptr;
    QDockWidget* m_benchmarkDock = nullptr;
    LogPanel* m_log = nullptr;
    Section* m_summarySection = nullptr;
    Section* m_histogramSection = nullptr;
    QSplitter* m_mainSplit = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QLabel* m_statusPath = nullptr;
    QLabel* m_statusCounts = nullptr;
    QLabel* m_busyLabel = nullptr;
    QProgressBar* m_busyBar = nullptr;
    QToolButton* m_busyCancel = nullptr;
};

} // namespace studio::ui
