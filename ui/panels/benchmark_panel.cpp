// The Benchmark panel. The job's worker lowers a share of the model and runs rt::benchmark; its
// per-run events come back to the GUI thread in batches, so no widget is touched off it.
#include "ui/panels/benchmark_panel.h"

#include "converter/convert.h"
#include "core/ir/model.h"
#include "runtime/backend.h"
#include "ui/widgets/elided_label.h"
#include "ui/widgets/section.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
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
#include <QScatterSeries>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace studio::ui {

namespace {

constexpr int kDefaultWarmupRuns = 3;
constexpr int kDefaultTimedRuns = 20;
constexpr std::uint32_t kInputSeed = 1234; // the CLI's and the parity harness's seed
// Points are numbered in the order they ran: the first run is 1, the warm-ups follow, then the
// timed runs, so the discarded ones sit left of the statistics they are kept out of.
constexpr int kFirstRunX = 1;

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
      m_modelLabel(new ElidedLabel),
      m_backend(new QComboBox),
      m_warmup(new QSpinBox),
      m_runs(new QSpinBox),
      m_profileRuns(new QSpinBox),
      m_dim(new QSpinBox),
      m_run(new QPushButton),
      m_cancel(new QPushButton),
      m_progress(new QProgressBar),
      m_overview(new QLabel),
      m_stats(new QTableWidget(4, 4)),
      m_chartView(new QChartView),
      m_chart(new QChart),
      m_latency(new QLineSeries),
      m_discarded(new QScatterSeries),
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
    m_backend->setObjectName(QStringLiteral("benchmarkBackend"));
    fillBackends();

    m_warmup->setObjectName(QStringLiteral("benchmarkWarmup"));
    m_warmup->setRange(0, 1000);
    m_warmup->setValue(kDefaultWarmupRuns);
    m_warmup->setToolTip(tr("Runs after the first one that are discarded: caches and allocators settle"));
    m_runs->setObjectName(QStringLiteral("benchmarkRuns"));
    m_runs->setRange(1, 100000);
    m_runs->setValue(kDefaultTimedRuns);
    m_runs->setToolTip(tr("Runs that are timed and summarised"));
    m_profileRuns->setObjectName(QStringLiteral("benchmarkProfileRuns"));
    m_profileRuns->setRange(0, 1000);
    m_profileRuns->setValue(1);
    m_profileRuns->setSpecialValueText(tr("off"));
    m_profileRuns->setToolTip(tr("Extra runs after the timed ones with per-node timings (the graph's latency overlay); "
                                 "never part of the statistics"));
    m_dim->setObjectName(QStringLiteral("benchmarkDim"));
    m_dim->setRange(1, 4096);
    m_dim->setValue(1);
    m_dim->setToolTip(tr("The size given to input dimensions the model leaves open (batch stays 1). "
                         "Some models need a particular one, e.g. BodyPix needs 129"));

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->addRow(tr("Model:"), m_modelLabel);
    form->addRow(tr("Backend:"), m_backend);
    form->addRow(tr("Warm-up runs:"), m_warmup);
    form->addRow(tr("Timed runs:"), m_runs);
    form->addRow(tr("Profile runs:"), m_profileRuns);
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

    m_latency->setName(tr("timed runs"));
    m_latency->setObjectName(QStringLiteral("benchmarkLatency"));
    m_latency->setPointsVisible(true);
    // Hollow grey markers: visibly runs, visibly not part of the line the statistics describe.
    m_discarded->setName(tr("first + warm-up"));
    m_discarded->setObjectName(QStringLiteral("benchmarkDiscarded"));
    m_discarded->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    m_discarded->setMarkerSize(7);
    m_discarded->setColor(palette().base().color());
    m_discarded->setBorderColor(QColor(0x80, 0x80, 0x80));
    m_median->setName(tr("median"));
    m_median->setObjectName(QStringLiteral("benchmarkMedian"));
    QPen medianPen(QColor(0xd0, 0x60, 0x20));
    medianPen.setStyle(Qt::DashLine);
    medianPen.setWidthF(1.5);
    m_median->setPen(medianPen);
    m_chart->addSeries(m_discarded);
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
        m_discarded->attachAxis(axis);
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
    m_job.setProgressHandler([this](const std::vector<rt::BenchmarkEvent>& events) { onEvents(events); });
    connect(&m_job, &JobBase::finished, this, &BenchmarkPanel::onFinished);
}

// One entry per registered backend; one that cannot run here stays listed, disabled, with the
// reason as its tooltip, so the user learns why there is no GPU choice.
void BenchmarkPanel::fillBackends()
{
    const auto& registry = rt::BackendRegistry::instance();
    const QString defaultName = QString::fromStdString(registry.defaultName());
    m_backend->clear();
    auto* items = qobject_cast<QStandardItemModel*>(m_backend->model());
    for (const auto& b : registry.list()) {
        const QString name = QString::fromStdString(b.name);
        m_backend->addItem(name == defaultName ? tr("%1 (default)").arg(name) : name, name);
        const int row = m_backend->count() - 1;
        m_backend->setItemData(row,
            b.available ? QString::fromStdString(b.description)
                        : tr("Unavailable: %1").arg(QString::fromStdString(b.unavailableReason)),
            Qt::ToolTipRole);
        if (!b.available && items)
            items->item(row)->setEnabled(false);
    }
    m_backend->setCurrentIndex(std::max(0, m_backend->findData(defaultName)));
    m_backend->setToolTip(m_backend->currentData(Qt::ToolTipRole).toString());
    connect(m_backend, &QComboBox::currentIndexChanged, this,
        [this] { m_backend->setToolTip(m_backend->currentData(Qt::ToolTipRole).toString()); });
}

bool BenchmarkPanel::setBackend(const QString& name)
{
    const int row = m_backend->findData(name);
    auto* items = qobject_cast<QStandardItemModel*>(m_backend->model());
    if (row < 0 || (items && !items->item(row)->isEnabled()))
        return false;
    m_backend->setCurrentIndex(row);
    return true;
}

QString BenchmarkPanel::backend() const
{
    return m_backend->currentData().toString();
}

void BenchmarkPanel::setModel(std::shared_ptr<const core::Model> model, const QString& path, std::optional<double> readMs)
{
    if (isRunning())
        cancel();
    m_model = std::move(model);
    m_path = path;
    m_readMs = readMs;
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
    m_run->setEnabled(!isRunning() && m_model && !weightsOnly);
    m_run->setToolTip(weightsOnly ? tr("The file has weights but no topology: there is nothing to run") : QString());
}

bool BenchmarkPanel::start()
{
    if (isRunning())
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
    m_runWarmups = m_warmup->value();
    m_runBackend = backend();
    m_runModel = modelName();
    rt::BenchmarkOptions options;
    options.backend = m_runBackend.toStdString();
    options.warmupRuns = m_runWarmups;
    options.timedRuns = m_runs->value();
    options.profileRuns = m_profileRuns->value();
    options.dim = m_runDim;
    options.seed = kInputSeed;

    clearResult(tr("Running…"));
    emit message(LogLevel::Info,
        tr("Benchmarking %1 on %2: %3 warm-up, %4 timed runs, free dimension %5")
            .arg(modelName(), m_runBackend)
            .arg(options.warmupRuns)
            .arg(options.timedRuns)
            .arg(m_runDim));

    // Only the model is shared with the worker, read-only; the session lives and dies there.
    m_job.start([model = m_model, options = std::move(options)](const CancelToken& cancel, const auto& report) mutable {
        const auto t0 = std::chrono::steady_clock::now();
        const core::Model graph = conv::graphForRuntime(*model); // executors run op graphs
        Outcome o;
        o.lowerMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        cancel.check();
        options.cancel = cancel;
        options.progress = report;
        o.result = rt::benchmark(graph, options);
        return o;
    });
    setRunning(true);
    m_progress->setValue(0);
    m_progress->setFormat(tr("loading…"));
    return true;
}

void BenchmarkPanel::cancel()
{
    if (!isRunning() || m_job.cancelRequested())
        return;
    m_job.cancel();
    m_cancel->setEnabled(false);
    m_progress->setFormat(tr("cancelling…"));
}

// The chart fills as runs arrive; the finished result replaces what was plotted.
void BenchmarkPanel::onEvents(const std::vector<rt::BenchmarkEvent>& events)
{
    if (!isRunning() || m_job.cancelRequested())
        return;
    QList<QPointF> discarded, timed;
    for (const auto& e : events) {
        switch (e.phase) {
        case rt::BenchmarkPhase::Load: break;
        case rt::BenchmarkPhase::First: discarded.append(QPointF(kFirstRunX, e.ms)); break;
        case rt::BenchmarkPhase::Warmup: discarded.append(QPointF(kFirstRunX + 1 + e.index, e.ms)); break;
        case rt::BenchmarkPhase::Timed: timed.append(QPointF(kFirstRunX + 1 + m_runWarmups + e.index, e.ms)); break;
        case rt::BenchmarkPhase::Profile: break;
        }
        if (e.phase != rt::BenchmarkPhase::Load && e.phase != rt::BenchmarkPhase::Profile)
            m_liveMaxMs = std::max(m_liveMaxMs, e.ms);
    }
    if (!discarded.isEmpty())
        m_discarded->append(discarded);
    if (!timed.isEmpty())
        m_latency->append(timed);
    if (!discarded.isEmpty() || !timed.isEmpty()) {
        m_latency->setPointsVisible(m_runs->value() <= 100);
        fitAxes(kFirstRunX + m_runWarmups + m_runs->value(), m_liveMaxMs);
    }

    const auto& last = events.back();
    m_progress->setValue(last.total > 0 ? last.done * 100 / last.total : 0);
    switch (last.phase) {
    case rt::BenchmarkPhase::Load: m_progress->setFormat(tr("loaded in %1 ms").arg(msText(last.ms))); break;
    case rt::BenchmarkPhase::First: m_progress->setFormat(tr("first run")); break;
    case rt::BenchmarkPhase::Warmup:
        m_progress->setFormat(tr("warm-up %1 of %2").arg(last.index + 1).arg(last.count));
        break;
    case rt::BenchmarkPhase::Timed:
        m_progress->setFormat(tr("run %1 of %2").arg(last.index + 1).arg(last.count));
        break;
    case rt::BenchmarkPhase::Profile:
        m_progress->setFormat(tr("profile %1 of %2").arg(last.index + 1).arg(last.count));
        break;
    }
}

void BenchmarkPanel::onFinished(JobStatus status)
{
    setRunning(false);
    m_progress->setValue(0);
    switch (status) {
    case JobStatus::Cancelled:
        // What the user asked for: no error, and no half result to export.
        m_progress->setFormat(jobStatusText(status));
        clearResult(tr("Cancelled."));
        emit message(LogLevel::Info, tr("Benchmark of %1 cancelled").arg(m_runModel));
        emit finished(false);
        return;
    case JobStatus::Failed: {
        // Even after Cancel: the benchmark failed before it saw the request, and says why.
        const JobFailure& f = m_job.failure();
        m_progress->setFormat(jobStatusText(status));
        clearResult(tr("Failed: %1").arg(f.message));
        emit message(LogLevel::Error, tr("Benchmark of %1 failed: %2").arg(m_runModel, f.message));
        emit failed(tr("Benchmark failed"), f.message);
        if (!f.where.node.empty() || !f.where.layer.empty() || !f.where.weight.empty())
            emit failedAt(f.where);
        emit finished(false);
        return;
    }
    case JobStatus::Succeeded: {
        m_progress->setValue(100);
        m_progress->setFormat(jobStatusText(status));
        Outcome o = m_job.takeValue();
        if (m_readMs)
            o.result.importMs = *m_readMs + o.lowerMs;
        showResult(o.result, o.lowerMs);
        if (!o.result.profile.empty()) {
            QHash<QString, double> byNode;
            for (const auto& t : o.result.profile)
                byNode.insert(QString::fromStdString(t.node), t.meanMs);
            emit profileReady(byNode);
        }
        emit finished(true);
        return;
    }
    case JobStatus::Idle:
    case JobStatus::Running: break;
    }
}

void BenchmarkPanel::setRunning(bool running)
{
    m_cancel->setEnabled(running);
    m_backend->setEnabled(!running);
    m_warmup->setEnabled(!running);
    m_runs->setEnabled(!running);
    m_profileRuns->setEnabled(!running);
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
    m_discarded->clear();
    m_median->clear();
    m_median->setName(tr("median"));
    m_liveMaxMs = 0;
    // Empty axes shaped like a default run, so the chart's place is clear before the first one.
    fitAxes(kFirstRunX + kDefaultWarmupRuns + kDefaultTimedRuns, 0);
    m_export->setEnabled(false);
}

void BenchmarkPanel::fitAxes(double lastRun, double maxMs)
{
    lastRun = std::max(2.0, lastRun);
    // Half a run of room either side, so the first and last markers are not cut in half.
    m_xAxis->setRange(0.5, lastRun + 0.5);
    // Whole-run ticks: evenly spread ones (1, 2.8, 4.6...) would print as uneven integers.
    m_xAxis->setTickType(QValueAxis::TicksDynamic);
    m_xAxis->setTickAnchor(0);
    m_xAxis->setTickInterval(runTickInterval(lastRun - 1));
    // From zero, so the spread between runs reads against the latency itself.
    m_yAxis->setRange(0, maxMs > 0 ? maxMs * 1.15 : 1.0);
    if (maxMs > 0)
        m_yAxis->applyNiceNumbers();
}

void BenchmarkPanel::showResult(const rt::BenchmarkResult& r, double lowerMs)
{
    m_result = r;
    const auto& s = r.summary;
    const double perSecond = s.mean > 0 ? 1000.0 / s.mean : 0.0;
    // The device is named in every report, and a CPU one says so: numbers from a CPU executor
    // say nothing about a GPU deployment.
    const QString where = tr("%1 on %2%3")
                              .arg(QString::fromStdString(r.backend), QString::fromStdString(r.device),
                                  r.cpuDevice ? tr(" — a CPU device") : QString());
    // Import (read + lower) happens before the backend sees the model; load is the backend's own.
    const QString import = m_readMs
        ? tr("Import %1 ms (read %2 + lower %3)").arg(msText(*m_readMs + lowerMs), msText(*m_readMs), msText(lowerMs))
        : tr("Lower %1 ms").arg(msText(lowerMs));
    m_overview->setText(tr("%1\n%2 · load %3 ms · first run %4 ms\nThe first run and the %5 warm-up runs are not in "
                           "the statistics of the %6 timed runs (ms):")
                            .arg(where, import, msText(r.loadMs), msText(r.firstRunMs))
                            .arg(r.warmupRuns)
                            .arg(s.count));
    m_overview->setToolTip(QString::fromStdString(r.timing));
    const double values[] = {s.mean, s.median, s.p90, s.p99, s.min, s.max, s.stddev};
    for (int i = 0; i < 7; ++i)
        m_stats->item(i / 2, (i % 2) * 2 + 1)->setText(msText(values[i]));
    m_stats->item(3, 3)->setText(QString::number(perSecond, 'f', perSecond < 10 ? 2 : 1));

    // The whole run from the result, in case a batch of live points was dropped after a Cancel.
    QList<QPointF> discarded{QPointF(kFirstRunX, r.firstRunMs)};
    for (std::size_t i = 0; i < r.warmupMs.size(); ++i)
        discarded.append(QPointF(kFirstRunX + 1 + static_cast<double>(i), r.warmupMs[i]));
    const double firstTimed = kFirstRunX + 1 + static_cast<double>(r.warmupMs.size());
    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(r.samplesMs.size()));
    for (std::size_t i = 0; i < r.samplesMs.size(); ++i)
        points.append(QPointF(firstTimed + static_cast<double>(i), r.samplesMs[i]));
    m_discarded->replace(discarded);
    m_latency->replace(points);
    // Markers on thousands of points would merge into a thick line.
    m_latency->setPointsVisible(points.size() <= 100);
    const double lastRun = firstTimed + static_cast<double>(points.size()) - 1;
    m_median->replace({QPointF(firstTimed - 0.4, s.median), QPointF(lastRun + 0.4, s.median)});
    m_median->setName(tr("median %1 ms").arg(msText(s.median)));
    double slowest = std::max(s.max, r.firstRunMs);
    for (const double ms : r.warmupMs)
        slowest = std::max(slowest, ms);
    fitAxes(lastRun, slowest);
    m_export->setEnabled(true);

    emit message(LogLevel::Info,
        tr("Benchmark %1 with %2: median %3 ms (mean %4 ± %5, p90 %6) over %7 runs, %8 runs/s; %9, load %10 ms, "
           "first run %11 ms")
            .arg(modelName(), where, msText(s.median), msText(s.mean), msText(s.stddev), msText(s.p90))
            .arg(s.count)
            .arg(QString::number(perSecond, 'f', 1), import.toLower(), msText(r.loadMs), msText(r.firstRunMs)));
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
