// The Benchmark panel. The worker owns its executor and a share of the model; progress comes
// back to the GUI thread as queued calls, so no widget is touched off the GUI thread.
#include "ui/panels/benchmark_panel.h"

#include "converter/passes/lower_layers.h"
#include "core/ir/model.h"
#include "runtime/inputs.h"
#include "runtime/reference/reference_executor.h"
#include "ui/widgets/elided_label.h"
#include "ui/widgets/section.h"

#include <QChart>
#include <QChartView>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <map>

namespace studio::ui {

namespace {

constexpr int kDefaultWarmupRuns = 3;
constexpr int kDefaultTimedRuns = 20;
constexpr std::uint32_t kInputSeed = 1234; // the CLI's and the parity harness's seed

// Latencies span microseconds (toy graphs) to seconds (big models on the CPU oracle).
QString msText(double ms)
{
    return ms < 10 ? QString::number(ms, 'f', 3) : ms < 1000 ? QString::number(ms, 'f', 2) : QString::number(ms, 'f', 0);
}

QString displayName(const QString& path)
{
    const QFileInfo f(path);
    return f.fileName() == QLatin1String("model.json") ? f.dir().dirName() + u'/' + f.fileName() : f.fileName();
}

// 1, 2, 5, 10, 20, 50... runs apart: about five ticks, always on whole runs.
double runTickInterval(double span)
{
    const double raw = span / 5;
    if (raw <= 1)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0})
        if (m * magnitude >= raw)
            return m * magnitude;
    return 10 * magnitude;
}

bool writeFile(const QString& path, const QByteArray& bytes, QString* error)
{
    // QSaveFile: an interrupted export leaves the previous report, not half a file.
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        *error = QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), f.errorString());
        return false;
    }
    return true;
}

} // namespace

BenchmarkPanel::BenchmarkPanel(QWidget* parent)
    : QWidget(parent),
      m_executorName(QString::fromStdString(rt::ReferenceExecutor().name())),
      m_modelLabel(new ElidedLabel),
      m_warmup(new QSpinBox),
      m_runs(new QSpinBox),
      m_dim(new QSpinBox),
      m_run(new QPushButton),
      m_cancel(new QPushButton),
      m_progress(new QProgressBar),
      m_overview(new QLabel),
      m_stats(new QTableWidget(4, 4)),
      m_chartView(new QChartView),
      m_chart(new QChart),
      m_latency(new QLineSeries),
      m_median(new QLineSeries),
      m_xAxis(new QValueAxis),
      m_yAxis(new QValueAxis),
      m_export(new QPushButton)
{
    setObjectName(QStringLiteral("benchmarkPanel"));
    QPalette muted = palette();
    muted.setColor(QPalette::WindowText, muted.color(QPalette::PlaceholderText));

    m_modelLabel->setObjectName(QStringLiteral("benchmarkModel"));
    m_modelLabel->setFullText(tr("No model"));
    auto* executor = new QLabel(m_executorName);
    executor->setToolTip(tr("Runs the graph node by node with plain C++ kernels: slow on purpose, the "
                            "numbers compare models and settings, not deployments"));

    m_warmup->setObjectName(QStringLiteral("benchmarkWarmup"));
    m_warmup->setRange(0, 1000);
    m_warmup->setValue(kDefaultWarmupRuns);
    m_warmup->setToolTip(tr("Runs after the first one that are discarded: caches and allocators settle"));
    m_runs->setObjectName(QStringLiteral("benchmarkRuns"));
    m_runs->setRange(1, 100000);
    m_runs->setValue(kDefaultTimedRuns);
    m_runs->setToolTip(tr("Runs that are timed and summarised"));
    m_dim->setObjectName(QStringLiteral("benchmarkDim"));
    m_dim->setRange(1, 4096);
    m_dim->setValue(1);
    m_dim->setToolTip(tr("The size given to input dimensions the model leaves open (batch stays 1). "
                         "Some models need a particular one, e.g. BodyPix needs 129"));

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->addRow(tr("Model:"), m_modelLabel);
    form->addRow(tr("Executor:"), executor);
    form->addRow(tr("Warm-up runs:"), m_warmup);
    form->addRow(tr("Timed runs:"), m_runs);
    form->addRow(tr("Free dimension:"), m_dim);

    m_run->setObjectName(QStringLiteral("benchmarkRunButton"));
    m_run->setText(tr("Run"));
    m_run->setEnabled(false);
    connect(m_run, &QPushButton::clicked, this, &BenchmarkPanel::start);
    m_cancel->setObjectName(QStringLiteral("benchmarkCancelButton"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setEnabled(false);
    connect(m_cancel, &QPushButton::clicked, this, &BenchmarkPanel::cancel);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_run);

    m_progress->setObjectName(QStringLiteral("benchmarkProgress"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setFormat(tr("idle"));

    auto* settings = new QWidget;
    auto* settingsLayout = new QVBoxLayout(settings);
    settingsLayout->setContentsMargins(10, 10, 10, 10);
    settingsLayout->setSpacing(8);
    settingsLayout->addLayout(form);
    settingsLayout->addLayout(buttons);
    settingsLayout->addWidget(m_progress);

    m_overview->setObjectName(QStringLiteral("benchmarkOverview"));
    m_overview->setWordWrap(true);
    m_overview->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Two statistics per row keep the table short enough to leave the chart room in a dock.
    m_stats->setObjectName(QStringLiteral("benchmarkStats"));
    m_stats->horizontalHeader()->hide();
    m_stats->verticalHeader()->hide();
    m_stats->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // A read-out, not an editor: a focus frame on "mean" would look like a pending edit.
    m_stats->setSelectionMode(QAbstractItemView::NoSelection);
    m_stats->setFocusPolicy(Qt::NoFocus);
    m_stats->setShowGrid(false);
    m_stats->setAlternatingRowColors(true);
    m_stats->setFrameShape(QFrame::NoFrame);
    m_stats->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_stats->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_stats->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_stats->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    const QStringList names = {tr("mean"), tr("median"), tr("p90"), tr("p99"), tr("min"), tr("max"), tr("stddev"),
        tr("runs/s")};
    for (int i = 0; i < names.size(); ++i) {
        auto* name = new QTableWidgetItem(names[i]);
        name->setForeground(muted.color(QPalette::WindowText));
        m_stats->setItem(i / 2, (i % 2) * 2, name);
        auto* value = new QTableWidgetItem(QStringLiteral("—"));
        value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_stats->setItem(i / 2, (i % 2) * 2 + 1, value);
    }
    m_stats->resizeRowsToContents();
    int tableHeight = 2 * m_stats->frameWidth();
    for (int r = 0; r < m_stats->rowCount(); ++r)
        tableHeight += m_stats->rowHeight(r);
    m_stats->setFixedHeight(tableHeight);

    m_latency->setName(tr("per run"));
    m_latency->setObjectName(QStringLiteral("benchmarkLatency"));
    m_latency->setPointsVisible(true);
    m_median->setName(tr("median"));
    m_median->setObjectName(QStringLiteral("benchmarkMedian"));
    QPen medianPen(QColor(0xd0, 0x60, 0x20));
    medianPen.setStyle(Qt::DashLine);
    medianPen.setWidthF(1.5);
    m_median->setPen(medianPen);
    m_chart->addSeries(m_latency);
    m_chart->addSeries(m_median);
    m_xAxis->setTitleText(tr("run"));
    m_xAxis->setLabelFormat(QStringLiteral("%d"));
    m_yAxis->setTitleText(tr("ms"));
    m_yAxis->setLabelFormat(QStringLiteral("%.3g"));
    QFont small = m_chart->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    for (auto* axis : {m_xAxis, m_yAxis}) {
        axis->setLabelsFont(small);
        axis->setTitleFont(small);
        m_chart->addAxis(axis, axis == m_xAxis ? Qt::AlignBottom : Qt::AlignLeft);
        m_latency->attachAxis(axis);
        m_median->attachAxis(axis);
    }
    m_xAxis->setTickType(QValueAxis::TicksDynamic);
    m_xAxis->setTickAnchor(0);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->legend()->setFont(small);
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    // The panel's colour around a white plot, so the chart reads as part of the dock.
    m_chart->setBackgroundVisible(false);
    m_chart->setPlotAreaBackgroundBrush(palette().base());
    m_chart->setPlotAreaBackgroundVisible(true);
    m_chartView->setObjectName(QStringLiteral("benchmarkChart"));
    // QChartView starts with a chart of its own and only releases it on setChart: delete it.
    QChart* placeholder = m_chartView->chart();
    m_chartView->setChart(m_chart);
    delete placeholder;
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(160);
    m_chartView->setFrameShape(QFrame::NoFrame);

    m_export->setObjectName(QStringLiteral("benchmarkExportButton"));
    m_export->setText(tr("Export…"));
    m_export->setToolTip(tr("Save the report as JSON and the per-run samples as CSV"));
    m_export->setEnabled(false);
    connect(m_export, &QPushButton::clicked, this, &BenchmarkPanel::exportReport);
    auto* exportRow = new QHBoxLayout;
    exportRow->setContentsMargins(8, 0, 8, 6);
    exportRow->addStretch(1);
    exportRow->addWidget(m_export);

    auto* results = new QWidget;
    auto* resultsLayout = new QVBoxLayout(results);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    resultsLayout->setSpacing(4);
    auto* overviewBox = new QVBoxLayout;
    overviewBox->setContentsMargins(8, 6, 8, 0);
    overviewBox->addWidget(m_overview);
    resultsLayout->addLayout(overviewBox);
    resultsLayout->addWidget(m_stats);
    resultsLayout->addWidget(m_chartView, 1);
    resultsLayout->addLayout(exportRow);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(new Section(tr("Settings"), settings));
    layout->addWidget(new Section(tr("Latency"), results), 1);

    clearResult(tr("No benchmark yet."));
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &BenchmarkPanel::onFinished);
}

BenchmarkPanel::~BenchmarkPanel()
{
    if (m_running) {
        m_cancelFlag->store(true);
        m_watcher.waitForFinished();
    }
}

void BenchmarkPanel::setModel(std::shared_ptr<const core::Model> model, const QString& path)
{
    if (m_running)
        cancel();
    m_model = std::move(model);
    m_path = path;
    m_modelLabel->setFullText(m_model ? displayName(path) : tr("No model"));
    m_modelLabel->setToolTip(path);
    clearResult(tr("No benchmark of this model yet."));
    updateRunnable();
}

void BenchmarkPanel::setRuns(int warmupRuns, int timedRuns)
{
    m_warmup->setValue(warmupRuns);
    m_runs->setValue(timedRuns);
}

void BenchmarkPanel::setFreeDim(int dim)
{
    m_dim->setValue(dim);
}

QString BenchmarkPanel::modelName() const
{
    return displayName(m_path);
}

void BenchmarkPanel::updateRunnable()
{
    const bool weightsOnly = m_model && m_model->kind == core::ModelKind::WeightsOnly;
    m_run->setEnabled(!m_running && m_model && !weightsOnly);
    m_run->setToolTip(weightsOnly ? tr("The file has weights but no topology: there is nothing to run") : QString());
}

bool BenchmarkPanel::start()
{
    if (m_running)
        return false;
    if (!m_model) {
        emit failed(tr("Nothing to benchmark"), tr("Open a model first."));
        return false;
    }
    if (m_model->kind == core::ModelKind::WeightsOnly) {
        emit failed(tr("Nothing to benchmark"), tr("%1 has weights but no topology.").arg(modelName()));
        return false;
    }

    m_runDim = m_dim->value();
    rt::BenchmarkOptions options;
    options.warmupRuns = m_warmup->value();
    options.timedRuns = m_runs->value();
    m_cancelFlag = std::make_shared<std::atomic<bool>>(false);
    options.cancelled = [flag = m_cancelFlag] { return flag->load(); };
    // One queued call per run would flood the event loop for microsecond-sized graphs.
    options.progress = [this, lastPercent = -1](int done, int total) mutable {
        const int percent = done * 100 / total;
        if (percent == lastPercent)
            return;
        lastPercent = percent;
        QMetaObject::invokeMethod(this, [this, done, total] { onProgress(done, total); }, Qt::QueuedConnection);
    };

    clearResult(tr("Running…"));
    emit message(LogLevel::Info,
        tr("Benchmarking %1 on %2: %3 warm-up, %4 timed runs, free dimension %5")
            .arg(modelName(), m_executorName)
            .arg(options.warmupRuns)
            .arg(options.timedRuns)
            .arg(m_runDim));

    const std::string what = "infer " + m_path.toStdString() + " on " + m_executorName.toStdString();
    auto flag = m_cancelFlag;
    m_watcher.setFuture(QtConcurrent::run([model = m_model, dim = m_runDim, what, options = std::move(options), flag] {
        Outcome o;
        try {
            // The executor and its inputs live on the worker; only the model is shared, read-only.
            rt::ReferenceExecutor executor;
            std::map<std::string, rt::Tensor> inputs;
            o.result = rt::runBenchmark(
                what,
                [&] {
                    // Executors run op graphs: a layers model is lowered first, as part of loading.
                    core::Model lowered;
                    const core::Model* graph = model.get();
                    if (model->kind == core::ModelKind::LayersModel) {
                        lowered = conv::lowerLayersModel(*model);
                        graph = &lowered;
                    }
                    executor.load(*graph);
                    inputs = rt::makeInputs(*graph, kInputSeed, dim);
                },
                [&] { (void)executor.run(inputs); }, options);
            o.ok = true;
        } catch (const std::exception& e) {
            o.error = QString::fromUtf8(e.what());
        } catch (...) { // nothing may escape a worker: QFuture would rethrow it in the GUI thread
            o.error = QStringLiteral("unknown error");
        }
        o.cancelled = !o.ok && flag->load();
        return o;
    }));
    setRunning(true);
    m_progress->setValue(0);
    m_progress->setFormat(tr("loading…"));
    return true;
}

void BenchmarkPanel::cancel()
{
    if (!m_running)
        return;
    m_cancelFlag->store(true);
    m_cancel->setEnabled(false);
    m_progress->setFormat(tr("cancelling…"));
}

void BenchmarkPanel::onProgress(int done, int total)
{
    if (!m_running || m_cancelFlag->load())
        return;
    m_progress->setValue(done * 100 / total);
    m_progress->setFormat(tr("run %1 of %2").arg(done).arg(total));
}

void BenchmarkPanel::onFinished()
{
    const Outcome o = m_watcher.result();
    setRunning(false);
    m_progress->setValue(0);
    if (o.cancelled) {
        m_progress->setFormat(tr("cancelled"));
        clearResult(tr("Cancelled."));
        emit message(LogLevel::Warning, tr("Benchmark of %1 cancelled").arg(modelName()));
        emit finished(false);
        return;
    }
    if (!o.ok) {
        m_progress->setFormat(tr("failed"));
        clearResult(tr("Failed: %1").arg(o.error));
        emit message(LogLevel::Error, tr("Benchmark of %1 failed: %2").arg(modelName(), o.error));
        emit failed(tr("Benchmark failed"), o.error);
        emit finished(false);
        return;
    }
    m_progress->setValue(100);
    m_progress->setFormat(tr("done"));
    showResult(o.result);
    emit finished(true);
}

void BenchmarkPanel::setRunning(bool running)
{
    m_running = running;
    m_cancel->setEnabled(running);
    m_warmup->setEnabled(!running);
    m_runs->setEnabled(!running);
    m_dim->setEnabled(!running);
    updateRunnable();
}

void BenchmarkPanel::clearResult(const QString& why)
{
    m_result.reset();
    m_overview->setText(why);
    for (int r = 0; r < m_stats->rowCount(); ++r)
        for (int c = 1; c < m_stats->columnCount(); c += 2)
            m_stats->item(r, c)->setText(QStringLiteral("—"));
    m_latency->clear();
    m_median->clear();
    m_median->setName(tr("median"));
    // Empty axes shaped like a default run, so the chart's place is clear before the first one.
    m_xAxis->setRange(0.5, kDefaultTimedRuns + 0.5);
    m_xAxis->setTickInterval(runTickInterval(kDefaultTimedRuns - 1));
    m_yAxis->setRange(0, 1);
    m_export->setEnabled(false);
}

void BenchmarkPanel::showResult(const rt::BenchmarkResult& r)
{
    m_result = r;
    const auto& s = r.summary;
    const double perSecond = s.mean > 0 ? 1000.0 / s.mean : 0.0;
    m_overview->setText(tr("Load %1 ms · first run %2 ms, reported apart: it is not in the statistics, nor "
                           "are the %3 warm-up runs. %4 timed runs (ms):")
                            .arg(msText(r.loadMs), msText(r.firstRunMs))
                            .arg(r.warmupRuns)
                            .arg(s.count));
    const double values[] = {s.mean, s.median, s.p90, s.p99, s.min, s.max, s.stddev};
    for (int i = 0; i < 7; ++i)
        m_stats->item(i / 2, (i % 2) * 2 + 1)->setText(msText(values[i]));
    m_stats->item(3, 3)->setText(QString::number(perSecond, 'f', perSecond < 10 ? 2 : 1));

    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(r.samplesMs.size()));
    for (std::size_t i = 0; i < r.samplesMs.size(); ++i)
        points.append(QPointF(static_cast<double>(i + 1), r.samplesMs[i]));
    m_latency->replace(points);
    // Markers on thousands of points would merge into a thick line.
    m_latency->setPointsVisible(points.size() <= 100);
    const double lastRun = std::max<double>(2.0, static_cast<double>(points.size()));
    m_median->replace({QPointF(1, s.median), QPointF(lastRun, s.median)});
    m_median->setName(tr("median %1 ms").arg(msText(s.median)));
    // Half a run of room either side, so the first and last markers are not cut in half.
    m_xAxis->setRange(0.5, lastRun + 0.5);
    // Whole-run ticks: evenly spread ones (1, 2.8, 4.6...) would print as uneven integers.
    m_xAxis->setTickType(QValueAxis::TicksDynamic);
    m_xAxis->setTickAnchor(0);
    m_xAxis->setTickInterval(runTickInterval(lastRun - 1));
    // From zero, so the spread between runs reads against the latency itself.
    m_yAxis->setRange(0, s.max > 0 ? s.max * 1.15 : 1.0);
    m_yAxis->applyNiceNumbers();
    m_export->setEnabled(true);

    emit message(LogLevel::Info,
        tr("Benchmark %1 on %2: median %3 ms (mean %4 ± %5, p90 %6) over %7 runs, %8 runs/s; load %9 ms, "
           "first run %10 ms")
            .arg(modelName(), m_executorName, msText(s.median), msText(s.mean), msText(s.stddev), msText(s.p90))
            .arg(s.count)
            .arg(QString::number(perSecond, 'f', 1), msText(r.loadMs), msText(r.firstRunMs)));
}

void BenchmarkPanel::exportReport()
{
    if (!m_result)
        return;
    const QFileInfo model(m_path);
    const QString base = model.fileName() == QLatin1String("model.json") ? model.dir().dirName() : model.completeBaseName();
    const QString suggested = QDir(model.absolutePath()).filePath(base + QStringLiteral("-benchmark.json"));
    const QString path = m_interactive
        ? QFileDialog::getSaveFileName(this, tr("Export Benchmark"), suggested, tr("JSON report (*.json)"))
        : suggested;
    if (!path.isEmpty())
        exportTo(path);
}

bool BenchmarkPanel::exportTo(const QString& jsonPath)
{
    if (!m_result) {
        emit failed(tr("Nothing to export"), tr("Run a benchmark first."));
        return false;
    }
    nlohmann::ordered_json report;
    report["model"] = QFileInfo(m_path).absoluteFilePath().toStdString();
    report["executor"] = m_executorName.toStdString();
    report["freeDim"] = m_runDim;
    const nlohmann::ordered_json body = rt::toJson(*m_result);
    for (auto it = body.begin(); it != body.end(); ++it)
        report[it.key()] = it.value();

    QByteArray csv = "run,ms\n";
    for (std::size_t i = 0; i < m_result->samplesMs.size(); ++i)
        csv += QByteArray::number(static_cast<qulonglong>(i + 1)) + ','
            + QByteArray::number(m_result->samplesMs[i], 'g', 17) + '\n';
    const QFileInfo json(jsonPath);
    const QString csvPath = json.dir().filePath(json.completeBaseName() + QStringLiteral(".csv"));

    QString error;
    if (!writeFile(jsonPath, QByteArray::fromStdString(report.dump(2) + "\n"), &error)
        || !writeFile(csvPath, csv, &error)) {
        emit message(LogLevel::Error, tr("Benchmark export failed: %1").arg(error));
        emit failed(tr("Export failed"), error);
        return false;
    }
    emit message(LogLevel::Info,
        tr("Exported the benchmark to %1 and %2")
            .arg(QDir::toNativeSeparators(jsonPath), QDir::toNativeSeparators(csvPath)));
    return true;
}

} // namespace studio::ui
