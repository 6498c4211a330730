// The Benchmark panel: times inference of the open model on the reference CPU executor on a
// worker (warm-up, timed runs, free dimension, cancel), then shows the statistics and a chart.
#pragma once

#include "runtime/benchmark.h"
#include "ui/panels/log_panel.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>

class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QValueAxis;

namespace studio::core {
struct Model;
}

namespace studio::ui {

class ElidedLabel;

class BenchmarkPanel : public QWidget {
    Q_OBJECT
public:
    explicit BenchmarkPanel(QWidget* parent = nullptr);
    // Cancels a running benchmark and waits for it: the worker must not outlive the panel.
    ~BenchmarkPanel() override;

    // The model to benchmark (null: nothing). A benchmark still running is cancelled, since
    // its numbers would describe a model that is no longer shown.
    void setModel(std::shared_ptr<const core::Model> model, const QString& path);
    void setRuns(int warmupRuns, int timedRuns);
    void setFreeDim(int dim);
    // Off: no file dialogs (tests, screenshots); errors still go out through failed().
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isRunning() const { return m_running; }
    // The last finished benchmark; empty before the first or after a new model.
    const std::optional<rt::BenchmarkResult>& result() const { return m_result; }

    // Writes the report as JSON (rt::toJson plus model, executor and free dimension) and
    // the samples as CSV next to it (same name, .csv). Reports failures; returns false then.
    bool exportTo(const QString& jsonPath);

public slots:
    // Returns false (and reports why) when there is nothing to run or one is running already.
    bool start();
    void cancel();
    void exportReport(); // asks for a file name

signals:
    void message(studio::ui::LogLevel level, const QString& text);
    void failed(const QString& title, const QString& detail);
    void finished(bool ok);

private:
    struct Outcome {
        bool ok = false;
        bool cancelled = false;
        QString error;
        rt::BenchmarkResult result;
    };

    void onProgress(int done, int total);
    void onFinished();
    void setRunning(bool running);
    void showResult(const rt::BenchmarkResult& result);
    void clearResult(const QString& why);
    void updateRunnable();
    QString modelName() const;

    std::shared_ptr<const core::Model> m_model;
    QString m_path;
    QString m_executorName;
    int m_runDim = 1; // the free dimension of the last run, for the report
    bool m_interactive = true;
    bool m_running = false; // from start() until onFinished(), unlike QFutureWatcher::isRunning
    std::optional<rt::BenchmarkResult> m_result;
    std::shared_ptr<std::atomic<bool>> m_cancelFlag;
    QFutureWatcher<Outcome> m_watcher;

    ElidedLabel* m_modelLabel;
    QSpinBox* m_warmup;
    QSpinBox* m_runs;
    QSpinBox* m_dim;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_overview; // load and first run, apart from the statistics
    QTableWidget* m_stats;
    QChartView* m_chartView;
    QChart* m_chart;
    QLineSeries* m_latency;
    QLineSeries* m_median;
    QValueAxis* m_xAxis;
    QValueAxis* m_yAxis;
    QPushButton* m_export;
};

} // namespace studio::ui
