// The Benchmark panel. The job's worker lowers a share of the model and runs rt::benchmark; its
// per-run events come back to the GUI thread in batches, so no widget is touched off it.
#include "ui/panels/benchmark_panel.h"

#include "converter/convert.h"
#include "core/ir/model.h"
#include "core/version.h"
#include "runtime/backend.h"
#include "runtime/vulkan/devices.h"
#include "ui/panels/benchmark_history.h"
#include "ui/panels/benchmark_profile.h"
#include "ui/widgets/chart_style.h"
#include "ui/widgets/elided_label.h"
#include "ui/widgets/section.h"

#include <QAction>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScatterSeries>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QStandardItemModel>
#include <QTabWidget>
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
constexpr int kMaxHistogramBins = 20;
// Below this height the settings shrink to kCompactSettingsHeight (scrolling) for the results.
constexpr int kCompactHeight = 560;
constexpr int kCompactSettingsHeight = 96;
// The backend whose devices rt::listVulkanDevices() lists.
const QString kVulkanBackend = QStringLiteral("vulkan");

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

QString csvPathFor(const QString& jsonPath)
{
    const QFileInfo json(jsonPath);
    return json.dir().filePath(json.completeBaseName() + QStringLiteral(".csv"));
}

QString gibText(std::uint64_t bytes)
{
    return bytes >= (1ull << 30) ? QStringLiteral("%1 GiB").arg(static_cast<double>(bytes) / (1ull << 30), 0, 'f', 1)
                                 : QStringLiteral("%1 MiB").arg(bytes >> 20);
}

// Vulkan devices are listed once per process: creating an instance costs a driver load.
const rt::VulkanDeviceList& vulkanDevices()
{
    static const rt::VulkanDeviceList list = rt::listVulkanDevices();
    return list;
}

// Sturges' rule: a handful of bins for a handful of runs, never a comb of single counts.
int histogramBins(std::size_t n)
{
    if (n < 2)
        return 1;
    return std::clamp(static_cast<int>(std::ceil(std::log2(static_cast<double>(n)))) + 1, 1, kMaxHistogramBins);
}

} // namespace

BenchmarkPanel::BenchmarkPanel(QWidget* parent)
    : QWidget(parent),
      m_modelLabel(new ElidedLabel),
      m_backend(new QComboBox),
      m_device(new QComboBox),
      m_warmup(new QSpinBox),
      m_runs(new QSpinBox),
      m_profileRuns(new QSpinBox),
      m_dim(new QSpinBox),
      m_run(new QPushButton),
      m_cancel(new QPushButton),
      m_progress(new QProgressBar),
      m_overview(new QLabel),
      m_stats(new QTableWidget(4, 4)),
      m_tabs(new QTabWidget),
      m_chartView(new QChartView),
      m_chart(new QChart),
      m_latency(new QLineSeries),
      m_discarded(new QScatterSeries),
      m_median(new QLineSeries),
      m_xAxis(new QValueAxis),
      m_yAxis(new QValueAxis),
      m_histView(new QChartView),
      m_histChart(new QChart),
      m_histBars(new QBarSeries),
      m_histBins(new QBarCategoryAxis),
      m_histCount(new QValueAxis),
      m_profile(new BenchmarkProfileView),
      m_history(new BenchmarkHistoryView),
      m_export(new QPushButton)
{
    setObjectName(QStringLiteral("benchmarkPanel"));
    QPalette muted = palette();
    muted.setColor(QPalette::WindowText, muted.color(QPalette::PlaceholderText));

    m_modelLabel->setObjectName(QStringLiteral("benchmarkModel"));
    m_modelLabel->setFullText(tr("No model"));
    m_backend->setObjectName(QStringLiteral("benchmarkBackend"));
    m_backend->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_backend->setMinimumContentsLength(8);
    m_device->setObjectName(QStringLiteral("benchmarkDevice"));
    m_device->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_device->setMinimumContentsLength(8);
    fillBackends();
    connect(m_backend, &QComboBox::currentIndexChanged, this, [this] { fillDevices(); });
    connect(m_device, &QComboBox::currentIndexChanged, this,
        [this] { m_device->setToolTip(m_device->currentData(Qt::ToolTipRole).toString()); });
    fillDevices();

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
    m_profileRuns->setToolTip(tr("Extra runs after the timed ones with per-node timings (the Profile tab and the "
                                 "graph's latency overlay); never part of the statistics"));
    m_dim->setObjectName(QStringLiteral("benchmarkDim"));
    m_dim->setRange(1, 4096);
    m_dim->setValue(1);
    m_dim->setToolTip(tr("The size given to input dimensions the model leaves open (batch stays 1). "
                         "Some models need a particular one, e.g. BodyPix needs 129"));

    // Two spin boxes a row: the settings stay short enough to leave the results the dock's height.
    // Two spin boxes a row when the dock is wide, one when it is narrow (see arrangeSettings).
    m_form = new QGridLayout;
    m_form->setHorizontalSpacing(6);
    m_form->setVerticalSpacing(4);
    for (const QString& text : {tr("Model:"), tr("Backend:"), tr("Device:"), tr("Warm-up:"), tr("Runs:"), tr("Profile:"),
             tr("Free dim:")}) {
        auto* l = new QLabel(text);
        l->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_formLabels.append(l);
    }

    m_run->setObjectName(QStringLiteral("benchmarkRunButton"));
    m_run->setText(tr("Run"));
    m_run->setEnabled(false);
    m_run->setDefault(true);
    connect(m_run, &QPushButton::clicked, this, &BenchmarkPanel::start);
    m_cancel->setObjectName(QStringLiteral("benchmarkCancelButton"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setEnabled(false);
    connect(m_cancel, &QPushButton::clicked, this, &BenchmarkPanel::cancel);

    m_progress->setObjectName(QStringLiteral("benchmarkProgress"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setFormat(tr("idle"));
    m_progress->setMinimumWidth(60);

    m_export->setObjectName(QStringLiteral("benchmarkExportButton"));
    m_export->setText(tr("Export"));
    m_export->setToolTip(tr("Save the report (JSON, CSV), the chart shown (PNG) or the comparison"));
    auto* exportMenu = new QMenu(m_export);
    m_exportReport = exportMenu->addAction(tr("Report as JSON and CSV…"), this, &BenchmarkPanel::exportReport);
    m_exportReport->setObjectName(QStringLiteral("benchmarkExportReport"));
    m_exportChart = exportMenu->addAction(tr("Chart shown as PNG…"), this, &BenchmarkPanel::exportChart);
    m_exportChart->setObjectName(QStringLiteral("benchmarkExportChart"));
    m_exportComparison = exportMenu->addAction(tr("Comparison as JSON and CSV…"), this, &BenchmarkPanel::exportComparison);
    m_exportComparison->setObjectName(QStringLiteral("benchmarkExportComparison"));
    m_export->setMenu(exportMenu);

    // Export beside the progress, Cancel and Run on their own row: three buttons on one row
    // would set the narrowest the dock can be.
    auto* progressRow = new QHBoxLayout;
    progressRow->setSpacing(6);
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_export);
    auto* buttons = new QHBoxLayout;
    buttons->setSpacing(6);
    buttons->addStretch(1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_run);

    auto* settings = new QWidget;
    auto* settingsLayout = new QVBoxLayout(settings);
    settingsLayout->setContentsMargins(8, 6, 8, 6);
    settingsLayout->setSpacing(6);
    settingsLayout->addLayout(m_form);
    settingsLayout->addLayout(progressRow);
    settingsLayout->addLayout(buttons);
    settingsLayout->addStretch(1); // a tall dock leaves the space below, not between rows
    // Each arrangement's width from its layout, activated so the hint is not the other's.
    arrangeSettings(true);
    settingsLayout->activate();
    m_wideSettingsWidth = settings->minimumSizeHint().width();
    arrangeSettings(false);
    settingsLayout->activate();
    // A short dock scrolls the settings rather than clipping them.
    auto* settingsScroll = new QScrollArea;
    m_settingsScroll = settingsScroll;
    settingsScroll->setObjectName(QStringLiteral("benchmarkSettings"));
    settingsScroll->setWidget(settings);
    settingsScroll->setWidgetResizable(true);
    settingsScroll->setFrameShape(QFrame::NoFrame);
    settingsScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    settingsScroll->setMinimumHeight(std::min(settings->sizeHint().height(), 90));
    settingsScroll->setMaximumHeight(settings->sizeHint().height());
    // Never narrower than its controls: a dock that narrow takes the width from the centre.
    settingsScroll->setMinimumWidth(settings->minimumSizeHint().width()
        + settingsScroll->style()->pixelMetric(QStyle::PM_ScrollBarExtent));

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
    m_discarded->setName(tr("first + warm-up (excluded)"));
    m_discarded->setObjectName(QStringLiteral("benchmarkDiscarded"));
    m_discarded->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    m_discarded->setMarkerSize(7);
    m_median->setName(tr("median"));
    m_median->setObjectName(QStringLiteral("benchmarkMedian"));
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
    m_chartView->setObjectName(QStringLiteral("benchmarkChart"));
    // QChartView starts with a chart of its own and only releases it on setChart: delete it.
    QChart* placeholder = m_chartView->chart();
    m_chartView->setChart(m_chart);
    delete placeholder;
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(90);
    m_chartView->setFrameShape(QFrame::NoFrame);

    // The histogram: how the timed runs spread, which a mean and a p90 only hint at.
    m_histBars->setObjectName(QStringLiteral("benchmarkHistogramBars"));
    m_histBars->setBarWidth(0.95);
    m_histChart->addSeries(m_histBars);
    m_histChart->addAxis(m_histBins, Qt::AlignBottom);
    m_histChart->addAxis(m_histCount, Qt::AlignLeft);
    m_histBars->attachAxis(m_histBins);
    m_histBars->attachAxis(m_histCount);
    m_histBins->setTitleText(tr("ms (bin centre)"));
    m_histCount->setTitleText(tr("timed runs"));
    m_histCount->setLabelFormat(QStringLiteral("%d"));
    for (QAbstractAxis* axis : std::initializer_list<QAbstractAxis*>{m_histBins, m_histCount}) {
        axis->setLabelsFont(small);
        axis->setTitleFont(small);
    }
    m_histChart->legend()->hide();
    m_histChart->setMargins(QMargins(2, 2, 2, 2));
    m_histView->setObjectName(QStringLiteral("benchmarkHistogram"));
    placeholder = m_histView->chart();
    m_histView->setChart(m_histChart);
    delete placeholder;
    m_histView->setRenderHint(QPainter::Antialiasing);
    m_histView->setMinimumHeight(90);
    m_histView->setFrameShape(QFrame::NoFrame);

    // Runs: what happened (overview, statistics) over the per-run chart; a short dock squeezes
    // the statistics into a scroll area before the chart.
    auto* summary = new QWidget;
    auto* summaryLayout = new QVBoxLayout(summary);
    summaryLayout->setContentsMargins(6, 4, 6, 0);
    summaryLayout->setSpacing(4);
    summaryLayout->addWidget(m_overview);
    summaryLayout->addWidget(m_stats);
    auto* summaryScroll = new QScrollArea;
    summaryScroll->setWidget(summary);
    summaryScroll->setWidgetResizable(true);
    summaryScroll->setFrameShape(QFrame::NoFrame);
    summaryScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    summaryScroll->setMinimumHeight(40);
    auto* runsSplit = new QSplitter(Qt::Vertical);
    runsSplit->setObjectName(QStringLiteral("benchmarkRunsSplit"));
    runsSplit->addWidget(summaryScroll);
    runsSplit->addWidget(m_chartView);
    runsSplit->setChildrenCollapsible(false);
    runsSplit->setStretchFactor(0, 0);
    runsSplit->setStretchFactor(1, 1);
    // Room for a result's overview (up to five lines) and the table; the chart takes the rest.
    runsSplit->setSizes({5 * m_overview->fontMetrics().lineSpacing() + tableHeight + 12, 400});

    m_tabs->setObjectName(QStringLiteral("benchmarkTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->setUsesScrollButtons(true);
    m_tabs->addTab(runsSplit, tr("Runs"));
    m_tabs->addTab(m_histView, tr("Histogram"));
    m_tabs->addTab(m_profile, tr("Profile"));
    m_tabs->addTab(m_history, tr("History"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { updateExportable(); });
    connect(m_history, &BenchmarkHistoryView::selectionChanged, this, [this] { updateExportable(); });

    auto* split = new QSplitter(Qt::Vertical);
    m_split = split;
    split->setObjectName(QStringLiteral("benchmarkSplit"));
    split->addWidget(new Section(tr("Settings"), settingsScroll));
    split->addWidget(m_tabs);
    split->setChildrenCollapsible(false);
    // In a short dock the settings can be dragged shut for the results, and back.
    split->setCollapsible(0, true);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(split);

    restyleCharts();
    clearResult(tr("No benchmark yet."));
    m_job.setProgressHandler([this](const std::vector<rt::BenchmarkEvent>& events) { onEvents(events); });
    connect(&m_job, &JobBase::finished, this, &BenchmarkPanel::onFinished);
}

// Grid rows for the settings: wide puts warm-up and runs, profile and free dimension side by side.
void BenchmarkPanel::arrangeSettings(bool wide)
{
    if (m_form->count() > 0 && m_wideSettings == wide)
        return;
    m_wideSettings = wide;
    while (QLayoutItem* item = m_form->takeAt(0))
        delete item; // the widgets stay; only their places go
    for (int c = 0; c < 4; ++c)
        m_form->setColumnStretch(c, 0);
    const int span = wide ? 3 : 1;
    m_form->addWidget(m_formLabels[0], 0, 0);
    m_form->addWidget(m_modelLabel, 0, 1, 1, span);
    m_form->addWidget(m_formLabels[1], 1, 0);
    m_form->addWidget(m_backend, 1, 1, 1, span);
    m_form->addWidget(m_formLabels[2], 2, 0);
    m_form->addWidget(m_device, 2, 1, 1, span);
    QWidget* spins[] = {m_warmup, m_runs, m_profileRuns, m_dim};
    for (int i = 0; i < 4; ++i) {
        const int row = wide ? 3 + i / 2 : 3 + i;
        const int col = wide ? (i % 2) * 2 : 0;
        m_form->addWidget(m_formLabels[3 + i], row, col);
        m_form->addWidget(spins[i], row, col + 1);
    }
    m_form->setColumnStretch(1, 1);
    if (wide)
        m_form->setColumnStretch(3, 1);
    // Never taller than the controls: the results get the rest of the dock.
    if (m_settingsScroll) {
        m_settingsScroll->widget()->layout()->activate();
        m_settingsScroll->setMaximumHeight(m_settingsScroll->widget()->sizeHint().height() + 2 * m_settingsScroll->frameWidth());
    }
}

void BenchmarkPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    arrangeSettings(m_settingsScroll->viewport()->width() >= m_wideSettingsWidth);
    // A short dock (a 900x600 window) gives the results what the settings do not need to stay
    // usable: a few rows that scroll. Only when crossing the limit, so a dragged splitter stays.
    const bool compact = height() < kCompactHeight;
    if (compact != m_compact) {
        m_compact = compact;
        const int settings = compact ? kCompactSettingsHeight : m_split->widget(0)->sizeHint().height();
        m_split->setSizes({settings, std::max(1, height() - settings)});
    }
}

void BenchmarkPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyleCharts();
}

// Every chart's colours from the palette: a dark theme gets a dark plot with light labels.
void BenchmarkPanel::restyleCharts()
{
    const QPalette& p = palette();
    styleChart(m_chart, p);
    styleChart(m_histChart, p);
    QPen latencyPen(seriesColor(0, p));
    latencyPen.setWidthF(1.5);
    m_latency->setPen(latencyPen);
    m_latency->setColor(seriesColor(0, p));
    m_discarded->setColor(p.color(QPalette::Base));
    m_discarded->setBorderColor(mutedColor(p));
    QPen medianPen(seriesColor(1, p));
    medianPen.setStyle(Qt::DashLine);
    medianPen.setWidthF(1.5);
    m_median->setPen(medianPen);
    for (QBarSet* set : m_histBars->barSets()) {
        set->setColor(seriesColor(0, p));
        set->setBorderColor(p.color(QPalette::Base));
    }
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

// The chosen backend's devices. Vulkan lists the machine's devices, a CPU implementation (Mesa's
// llvmpipe) said to be one, since its numbers say nothing about a GPU; other backends run where
// they run, which the single entry says.
void BenchmarkPanel::fillDevices()
{
    const QSignalBlocker block(m_device);
    m_device->clear();
    auto* items = qobject_cast<QStandardItemModel*>(m_device->model());
    if (backend() != kVulkanBackend) {
        const bool reference = backend() == QLatin1String("reference");
        m_device->addItem(reference ? tr("host CPU — CPU implementation, no GPU") : tr("the backend's own device"), QVariant());
        m_device->setItemData(0, m_backend->currentData(Qt::ToolTipRole), Qt::ToolTipRole);
        m_device->setEnabled(false);
        m_device->setToolTip(m_device->itemData(0, Qt::ToolTipRole).toString());
        return;
    }
    const auto& list = vulkanDevices();
    if (list.devices.empty()) {
        m_device->addItem(tr("no Vulkan device"), QVariant());
        m_device->setItemData(0, QString::fromStdString(list.error), Qt::ToolTipRole);
        m_device->setEnabled(false);
        m_device->setToolTip(QString::fromStdString(list.error));
        return;
    }
    for (const auto& d : list.devices) {
        const QString name = QString::fromStdString(d.name);
        QString text = d.cpu ? tr("%1: %2 — CPU implementation, no GPU").arg(d.index).arg(name)
                             : tr("%1: %2 — %3").arg(d.index).arg(name, QString::fromStdString(d.type));
        if (!d.cpu && d.memoryBytes)
            text += tr(", %1").arg(gibText(d.memoryBytes));
        if (list.defaultDevice && *list.defaultDevice == d.index)
            text += tr(" (default)");
        m_device->addItem(text, static_cast<int>(d.index));
        const int row = m_device->count() - 1;
        QString tip = tr("%1\n%2, driver %3, Vulkan %4, subgroup %5%6%7")
                          .arg(name, QString::fromStdString(d.type), QString::fromStdString(d.driver),
                              QString::fromStdString(d.apiVersion))
                          .arg(d.subgroupSize)
                          .arg(d.fp16 ? tr(", fp16") : QString(), d.int8 ? tr(", int8") : QString());
        if (!d.usable) {
            tip += tr("\nUnusable: needs Vulkan 1.1 and a compute queue");
            if (items)
                items->item(row)->setEnabled(false);
        }
        m_device->setItemData(row, tip, Qt::ToolTipRole);
    }
    const int preferred = list.defaultDevice ? m_device->findData(static_cast<int>(*list.defaultDevice)) : 0;
    m_device->setCurrentIndex(std::max(0, preferred));
    m_device->setEnabled(!isRunning());
    m_device->setToolTip(m_device->currentData(Qt::ToolTipRole).toString());
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

bool BenchmarkPanel::setDevice(int index)
{
    const int row = m_device->findData(index);
    auto* items = qobject_cast<QStandardItemModel*>(m_device->model());
    if (row < 0 || (items && !items->item(row)->isEnabled()))
        return false;
    m_device->setCurrentIndex(row);
    return true;
}

std::optional<int> BenchmarkPanel::device() const
{
    const QVariant v = m_device->currentData();
    return v.isValid() ? std::optional<int>(v.toInt()) : std::nullopt;
}

void BenchmarkPanel::setModel(std::shared_ptr<const core::Model> model, const QString& path, std::optional<double> readMs)
{
    if (isRunning())
        cancel();
    m_model = std::move(model);
    m_path = path;
    m_readMs = readMs;
    m_weights = m_model ? weightsText(*m_model) : QString();
    m_modelLabel->setFullText(m_model ? displayName(path) : tr("No model"));
    m_modelLabel->setToolTip(path);
    // The result shown belongs to the previous model; the history keeps it for comparisons.
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

void BenchmarkPanel::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(static_cast<int>(tab));
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

void BenchmarkPanel::updateExportable()
{
    const bool comparison = m_history->selected().size() >= 2;
    const bool chart = m_tabs->currentWidget() == m_history ? comparison : m_record.has_value();
    m_exportReport->setEnabled(m_record.has_value());
    m_exportChart->setEnabled(chart);
    m_exportComparison->setEnabled(comparison);
    m_export->setEnabled(m_record.has_value() || comparison);
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
    m_runPath = QFileInfo(m_path).absoluteFilePath();
    m_runWeights = m_weights;
    rt::BenchmarkOptions options;
    options.backend = m_runBackend.toStdString();
    options.compile.device = device();
    options.warmupRuns = m_runWarmups;
    options.timedRuns = m_runs->value();
    options.profileRuns = m_profileRuns->value();
    options.dim = m_runDim;
    options.seed = kInputSeed;

    clearResult(tr("Running…"));
    m_tabs->setCurrentIndex(static_cast<int>(Tab::Runs)); // the chart fills as runs arrive
    emit message(LogLevel::Info,
        tr("Benchmarking %1 on %2 (%3): %4 warm-up, %5 timed runs, free dimension %6")
            .arg(modelName(), m_runBackend, m_device->currentText())
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
        BenchmarkRecord record;
        record.id = m_nextId++;
        record.modelName = m_runModel;
        record.modelPath = m_runPath;
        record.weights = m_runWeights;
        record.freeDim = m_runDim;
        record.finished = QDateTime::currentDateTime();
        record.result = o.result;
        m_record = record;
        // Kept whatever model opens next: comparisons are across models and backends.
        m_history->add(std::move(record));
        showResult(o.result, o.lowerMs);
        {
            QHash<QString, QString> where;
            for (const auto& [node, device] : o.result.placement)
                where.insert(QString::fromStdString(node), QString::fromStdString(device));
            // "vulkan on llvmpipe": the device's name without its driver details, for a legend title.
            const QString device = QString::fromStdString(o.result.device).section(QStringLiteral(" ("), 0, 0).trimmed();
            emit placementReady(where, QStringLiteral("%1 on %2").arg(QString::fromStdString(o.result.backend), device));
        }
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
    m_device->setEnabled(!running && m_device->currentData().isValid());
    m_warmup->setEnabled(!running);
    m_runs->setEnabled(!running);
    m_profileRuns->setEnabled(!running);
    m_dim->setEnabled(!running);
    updateRunnable();
}

void BenchmarkPanel::clearResult(const QString& why)
{
    m_result.reset();
    m_record.reset();
    m_overview->setText(why);
    m_overview->setToolTip(QString());
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
    showHistogram({});
    m_profile->clear(why == tr("Running…") ? why : tr("No profile: run a benchmark with profile runs."));
    updateExportable();
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

// Equal-width bins between the fastest and the slowest timed run, labelled by their centres: a
// range per label ("12.1–12.4") would crowd an axis as wide as a dock.
void BenchmarkPanel::showHistogram(const std::vector<double>& samplesMs)
{
    m_histBars->clear();
    m_histBins->clear();
    auto* set = new QBarSet(tr("timed runs"));
    set->setObjectName(QStringLiteral("benchmarkHistogramSet"));
    if (samplesMs.empty()) {
        m_histBars->append(set);
        m_histCount->setRange(0, 1);
        restyleCharts();
        return;
    }
    const auto [lo, hi] = std::minmax_element(samplesMs.begin(), samplesMs.end());
    const int bins = *hi > *lo ? histogramBins(samplesMs.size()) : 1;
    const double width = bins > 1 ? (*hi - *lo) / bins : 0;
    std::vector<int> counts(static_cast<std::size_t>(bins), 0);
    for (const double ms : samplesMs) {
        const int b = width > 0 ? std::min(bins - 1, static_cast<int>((ms - *lo) / width)) : 0;
        ++counts[static_cast<std::size_t>(b)];
    }
    QStringList centres;
    int most = 0;
    for (int b = 0; b < bins; ++b) {
        set->append(counts[static_cast<std::size_t>(b)]);
        centres << msText(*lo + width * (b + 0.5));
        most = std::max(most, counts[static_cast<std::size_t>(b)]);
    }
    m_histBins->append(centres);
    m_histBins->setLabelsAngle(bins > 6 ? -45 : 0);
    m_histBars->append(set);
    m_histCount->setRange(0, most + std::max(1, most / 8));
    m_histCount->setTickType(QValueAxis::TicksDynamic);
    m_histCount->setTickAnchor(0);
    m_histCount->setTickInterval(most <= 10 ? 1 : std::ceil(most / 5.0));
    restyleCharts();
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
    QString extra;
    if (r.deviceMemoryBytes)
        extra += tr(" · device memory %1").arg(gibText(r.deviceMemoryBytes));
    if (!r.placement.empty())
        extra += tr("\nNodes: %1").arg(QString::fromStdString(rt::placementText(r.placement)));
    m_overview->setText(tr("%1\n%2 · load %3 ms · first run %4 ms%5\nThe first run and the %6 warm-up runs are not in "
                           "the statistics of the %7 timed runs (ms):")
                            .arg(where, import, msText(r.loadMs), msText(r.firstRunMs), extra)
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
    showHistogram(r.samplesMs);
    m_profile->setResult(r, tr("No profile: profile runs were off."));
    updateExportable();

    emit message(LogLevel::Info,
        tr("Benchmark %1 with %2: median %3 ms (mean %4 ± %5, p90 %6) over %7 runs, %8 runs/s; %9, load %10 ms, "
           "first run %11 ms")
            .arg(modelName(), where, msText(s.median), msText(s.mean), msText(s.stddev), msText(s.p90))
            .arg(s.count)
            .arg(QString::number(perSecond, 'f', 1), import.toLower(), msText(r.loadMs), msText(r.firstRunMs)));
}

QString BenchmarkPanel::suggestedPath(const QString& suffix) const
{
    const QString path = m_record ? m_record->modelPath : m_path;
    const QFileInfo model(path);
    const QString base = model.fileName() == QLatin1String("model.json") ? model.dir().dirName() : model.completeBaseName();
    const QString dir = path.isEmpty() ? QDir::homePath() : model.absolutePath();
    return QDir(dir).filePath((base.isEmpty() ? QStringLiteral("benchmark") : base) + suffix);
}

bool BenchmarkPanel::reportWriteError(const QString& error)
{
    emit message(LogLevel::Error, tr("Benchmark export failed: %1").arg(error));
    emit failed(tr("Export failed"), error);
    return false;
}

void BenchmarkPanel::exportReport()
{
    if (!m_record)
        return;
    const QString suggested = suggestedPath(QStringLiteral("-benchmark.json"));
    const QString path = m_interactive
        ? QFileDialog::getSaveFileName(this, tr("Export Benchmark"), suggested, tr("JSON report (*.json)"))
        : suggested;
    if (!path.isEmpty())
        exportTo(path);
}

void BenchmarkPanel::exportChart()
{
    const QString suggested = suggestedPath(QStringLiteral("-benchmark.png"));
    const QString path = m_interactive ? QFileDialog::getSaveFileName(this, tr("Export Chart"), suggested, tr("PNG image (*.png)"))
                                       : suggested;
    if (!path.isEmpty())
        exportChartTo(path);
}

void BenchmarkPanel::exportComparison()
{
    const QString suggested = suggestedPath(QStringLiteral("-comparison.json"));
    const QString path = m_interactive
        ? QFileDialog::getSaveFileName(this, tr("Export Comparison"), suggested, tr("JSON report (*.json)"))
        : suggested;
    if (!path.isEmpty())
        exportComparisonTo(path);
}

bool BenchmarkPanel::exportTo(const QString& jsonPath)
{
    if (!m_record) {
        emit failed(tr("Nothing to export"), tr("Run a benchmark first."));
        return false;
    }
    const MachineInfo& machine = currentMachine();
    const QString csvPath = csvPathFor(jsonPath);
    QString error;
    if (!writeFile(jsonPath, QByteArray::fromStdString(reportJson(*m_record, machine).dump(2) + "\n"), &error)
        || !writeFile(csvPath, reportCsv(*m_record, machine), &error))
        return reportWriteError(error);
    emit message(LogLevel::Info,
        tr("Exported the benchmark to %1 and %2").arg(QDir::toNativeSeparators(jsonPath), QDir::toNativeSeparators(csvPath)));
    return true;
}

bool BenchmarkPanel::exportChartTo(const QString& pngPath)
{
    const bool comparison = m_tabs->currentWidget() == m_history;
    QChartView* view = m_chartView;
    if (m_tabs->currentWidget() == m_histView)
        view = m_histView;
    else if (m_tabs->currentWidget() == m_profile)
        view = m_profile->chartView();
    else if (comparison)
        view = m_history->chartView();
    const auto records = m_history->selected();
    if (comparison ? records.size() < 2 : !m_record) {
        emit failed(tr("Nothing to export"),
            comparison ? tr("Select two or more benchmarks in the history to compare.") : tr("Run a benchmark first."));
        return false;
    }
    // A chart on a tab never shown has no size of its own yet.
    if (!view->isVisible() && (view->width() < 200 || view->height() < 150))
        view->resize(720, 420);
    const qreal scale = std::max<qreal>(1, view->devicePixelRatioF());
    const QPixmap chart = view->grab();

    const MachineInfo& machine = currentMachine();
    QStringList lines = captionLines(comparison ? nullptr : &*m_record, machine);
    if (comparison) {
        QStringList which;
        for (const BenchmarkRecord* r : records)
            which << r->label();
        lines.prepend(tr("Comparison: %1").arg(which.join(QStringLiteral("; "))));
    }
    const QFontMetrics fm(font());
    const int lineHeight = fm.height() + 2;
    const int logicalWidth = static_cast<int>(chart.width() / scale);
    const int logicalHeight = static_cast<int>(chart.height() / scale);
    QImage image(static_cast<int>(logicalWidth * scale), static_cast<int>((logicalHeight + 8 + lineHeight * static_cast<int>(lines.size())) * scale),
        QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(palette().color(QPalette::Window));
    {
        QPainter p(&image);
        p.drawPixmap(0, 0, chart);
        p.setPen(palette().color(QPalette::WindowText));
        p.setFont(font());
        int y = logicalHeight + 4;
        for (const QString& line : lines) {
            p.drawText(QRect(6, y, logicalWidth - 12, lineHeight), Qt::AlignLeft | Qt::AlignVCenter,
                fm.elidedText(line, Qt::ElideMiddle, logicalWidth - 12));
            y += lineHeight;
        }
    }
    // PNG text chunks: the same facts for tools that read metadata rather than pixels.
    image.setText(QStringLiteral("Software"), QStringLiteral("tfjs-studio %1").arg(QStringLiteral(STUDIO_VERSION)));
    image.setText(QStringLiteral("Machine"), machine.text());
    image.setText(QStringLiteral("Description"), lines.join(u'\n'));
    if (comparison) {
        QStringList backends, devices;
        for (const BenchmarkRecord* r : records) {
            backends << QStringLiteral("#%1 %2").arg(r->id).arg(QString::fromStdString(r->result.backend));
            devices << QStringLiteral("#%1 %2").arg(r->id).arg(r->deviceText());
        }
        image.setText(QStringLiteral("Backend"), backends.join(QStringLiteral("; ")));
        image.setText(QStringLiteral("Device"), devices.join(QStringLiteral("; ")));
    } else {
        image.setText(QStringLiteral("Model"), m_record->modelPath);
        image.setText(QStringLiteral("Backend"), QString::fromStdString(m_record->result.backend));
        image.setText(QStringLiteral("Device"), m_record->deviceText());
    }
    QSaveFile f(pngPath);
    if (!f.open(QIODevice::WriteOnly) || !image.save(&f, "PNG") || !f.commit())
        return reportWriteError(QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(pngPath), f.errorString()));
    emit message(LogLevel::Info, tr("Exported the chart to %1").arg(QDir::toNativeSeparators(pngPath)));
    return true;
}

bool BenchmarkPanel::exportComparisonTo(const QString& jsonPath)
{
    const auto records = m_history->selected();
    if (records.size() < 2) {
        emit failed(tr("Nothing to compare"), tr("Select two or more benchmarks in the history."));
        return false;
    }
    const MachineInfo& machine = currentMachine();
    const QString csvPath = csvPathFor(jsonPath);
    QString error;
    if (!writeFile(jsonPath, QByteArray::fromStdString(comparisonJson(records, machine).dump(2) + "\n"), &error)
        || !writeFile(csvPath, comparisonCsv(records, machine), &error))
        return reportWriteError(error);
    emit message(LogLevel::Info,
        tr("Exported the comparison of %1 benchmarks to %2 and %3")
            .arg(records.size())
            .arg(QDir::toNativeSeparators(jsonPath), QDir::toNativeSeparators(csvPath)));
    return true;
}

} // namespace studio::ui
