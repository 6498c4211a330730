// The Benchmark panel: times inference of the open model on a backend and device from the registry
// (warm-up, timed runs, free dimension, cancel) on a job, filling the run chart as runs arrive, then
// shows the statistics, a latency histogram and the per-op profile, and keeps every finished
// benchmark in a session history where two or more are compared side by side.
#pragma once

#include "runtime/benchmark.h"
#include "ui/panels/benchmark_export.h"
#include "ui/job.h"
#include "ui/panels/log_panel.h"

#include <QHash>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QAction;
class QBarCategoryAxis;
class QBarSeries;
class QChart;
class QChartView;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineSeries;
class QScatterSeries;
class QProgressBar;
class QScrollArea;
class QPushButton;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTableWidget;
class QValueAxis;

namespace studio::core {
struct Model;
}

namespace studio::ui {

class BenchmarkHistoryView;
class BenchmarkProfileView;
class ElidedLabel;

class BenchmarkPanel : public QWidget {
    Q_OBJECT
public:
    explicit BenchmarkPanel(QWidget* parent = nullptr);
    // A running benchmark is cancelled and waited for by the job: the worker must not outlive the panel.
    ~BenchmarkPanel() override = default;

    // The model to benchmark (null: nothing) and how long reading it took, which the report
    // shows with the lowering as "import", apart from the backend's load. A benchmark still
    // running is cancelled, since its numbers would describe a model that is no longer shown.
    void setModel(std::shared_ptr<const core::Model> model, const QString& path, std::optional<double> readMs = {});
    void setRuns(int warmupRuns, int timedRuns);
    void setFreeDim(int dim);
    // A registry name (rt::BackendRegistry); false when it is unknown or unavailable.
    bool setBackend(const QString& name);
    QString backend() const;
    // The backend's device index (rt::CompileOptions::device); empty: the backend's default.
    // setDevice is false when the backend has no such usable device.
    bool setDevice(int index);
    std::optional<int> device() const;
    // Off: no file dialogs (tests, screenshots); errors still go out through failed().
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isRunning() const { return m_job.isRunning(); }
    // How the last benchmark ended (Idle before the first).
    JobStatus status() const { return m_job.status(); }
    // The last finished benchmark; empty before the first or after a new model.
    const std::optional<rt::BenchmarkResult>& result() const { return m_result; }
    // Every finished benchmark of the session, kept across models.
    BenchmarkHistoryView* history() const { return m_history; }

    // Tabs of the result area, in order.
    enum class Tab { Runs, Histogram, Profile, History };
    void showTab(Tab tab);

    // Writes the report as JSON (rt::toJson plus model, free dimension, weights, machine and
    // studio version; times rounded to the microsecond) and as CSV next to it (same name, .csv).
    // Reports failures; returns false then.
    bool exportTo(const QString& jsonPath);
    // The chart of the current tab as PNG, with a caption and PNG text fields naming the model,
    // backend, device, machine and studio version.
    bool exportChartTo(const QString& pngPath);
    // The history's selected benchmarks side by side, as JSON and CSV (same name, .csv).
    bool exportComparisonTo(const QString& jsonPath);

public slots:
    // Returns false (and reports why) when there is nothing to run or one is running already.
    bool start();
    void cancel();
    void exportReport();     // asks for a file name
    void exportChart();      // asks for a file name
    void exportComparison(); // asks for a file name

signals:
    void message(studio::ui::LogLevel level, const QString& text);
    void failed(const QString& title, const QString& detail);
    // After failed(), when the error names a node, layer or weight of the model.
    void failedAt(const studio::Location& where);
    // Once per start(): true only with a result; false when it failed or was cancelled.
    void finished(bool ok);
    // After a run with profiling: mean milliseconds per node (the graph view's latency overlay).
    void profileReady(const QHash<QString, double>& msByNode);
    // After each successful run: where each node ran ("vulkan", "cpu") when the backend split the
    // graph, else empty; `backend` describes the run ("vulkan on llvmpipe").
    void placementReady(const QHash<QString, QString>& deviceByNode, const QString& backend);

private:
    struct Outcome {
        rt::BenchmarkResult result;
        double lowerMs = 0; // layers -> ops, measured on the worker
    };

    void onEvents(const std::vector<rt::BenchmarkEvent>& events);
    void onFinished(JobStatus status);
    void setRunning(bool running);
    void showResult(const rt::BenchmarkResult& result, double lowerMs);
    void clearResult(const QString& why);
    void fitAxes(double lastRun, double maxMs);
    void arrangeSettings(bool wide);
    void showHistogram(const std::vector<double>& samplesMs);
    void restyleCharts();
    void updateRunnable();
    void updateExportable();
    void fillBackends();
    void fillDevices();
    QString modelName() const;
    QString suggestedPath(const QString& suffix) const;
    bool reportWriteError(const QString& error);

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:

    std::shared_ptr<const core::Model> m_model;
    QString m_path;
    std::optional<double> m_readMs;
    QString m_runBackend; // the backend of the running (or last) benchmark
    QString m_runModel;   // its model's name: a new model may arrive while it stops
    int m_runDim = 1; // the free dimension of the last run, for the report
    int m_runWarmups = 0;
    QString m_runPath;    // the running benchmark's model file and weights, for its record
    QString m_runWeights;
    QString m_weights;    // the open model's weight dtypes
    int m_nextId = 1;     // the next history record's id
    std::optional<BenchmarkRecord> m_record; // the shown result as a record, for exports
    double m_liveMaxMs = 0; // the slowest run plotted so far, for the live y axis
    bool m_interactive = true;
    std::optional<rt::BenchmarkResult> m_result;
    Job<Outcome, rt::BenchmarkEvent> m_job;

    QGridLayout* m_form = nullptr;
    QList<QLabel*> m_formLabels; // model, backend, device, then one per spin box
    QScrollArea* m_settingsScroll = nullptr;
    QSplitter* m_split = nullptr; // settings over results
    bool m_compact = false;       // the dock is short: the settings were shrunk
    bool m_wideSettings = false;
    int m_wideSettingsWidth = 0; // the settings' minimum width laid out wide
    ElidedLabel* m_modelLabel;
    QComboBox* m_backend;
    QComboBox* m_device;
    QSpinBox* m_warmup;
    QSpinBox* m_runs;
    QSpinBox* m_profileRuns;
    QSpinBox* m_dim;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_overview; // load and first run, apart from the statistics
    QTableWidget* m_stats;
    QTabWidget* m_tabs;
    QChartView* m_chartView;
    QChart* m_chart;
    QLineSeries* m_latency;    // timed runs
    QScatterSeries* m_discarded; // the first run and the warm-ups: plotted, never summarised
    QLineSeries* m_median;
    QValueAxis* m_xAxis;
    QValueAxis* m_yAxis;
    QChartView* m_histView;
    QChart* m_histChart;
    QBarSeries* m_histBars;
    QBarCategoryAxis* m_histBins;
    QValueAxis* m_histCount;
    BenchmarkProfileView* m_profile;
    BenchmarkHistoryView* m_history;
    QPushButton* m_export;
    QAction* m_exportReport;
    QAction* m_exportChart;
    QAction* m_exportComparison;
};

} // namespace studio::ui
