// The benchmark history and comparison; see benchmark_history.h.
#include "ui/panels/benchmark_history.h"

#include "ui/widgets/chart_style.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace studio::ui {

namespace {

enum Column { IdColumn, ModelColumn, BackendColumn, DeviceColumn, WeightsColumn, MedianColumn, P90Column, DateColumn, ColumnCount };

QTableWidgetItem* cell(const QString& text, const QString& tip = {})
{
    auto* item = new QTableWidgetItem(text);
    item->setToolTip(tip.isEmpty() ? text : tip);
    return item;
}

QTableWidgetItem* msCell(double ms)
{
    auto* item = cell(msText(ms));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

// "blazeface" for "blazeface/model.json": the folder is what tells TF.js models apart in a
// narrow column; the tooltip keeps the path.
QString shortModelName(const QString& name)
{
    const QString suffix = QStringLiteral("/model.json");
    return name.endsWith(suffix) ? name.chopped(suffix.size()) : name;
}

} // namespace

BenchmarkHistoryView::BenchmarkHistoryView(QWidget* parent)
    : QWidget(parent),
      m_list(new QTableWidget(0, ColumnCount)),
      m_hint(new QLabel),
      m_chartView(new QChartView),
      m_chart(new QChart),
      m_xAxis(new QValueAxis),
      m_yAxis(new QValueAxis),
      m_compare(new QTableWidget),
      m_views(new QTabWidget)
{
    setObjectName(QStringLiteral("benchmarkHistoryView"));
    m_list->setObjectName(QStringLiteral("benchmarkHistory"));
    m_list->setHorizontalHeaderLabels(
        {tr("#"), tr("Model"), tr("Backend"), tr("Device"), tr("Weights"), tr("Median ms"), tr("p90 ms"), tr("Date")});
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Ctrl- or Shift-click adds runs to the comparison.
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setAlternatingRowColors(true);
    m_list->setWordWrap(false);
    m_list->setTextElideMode(Qt::ElideMiddle);
    m_list->verticalHeader()->hide();
    m_list->verticalHeader()->setDefaultSectionSize(m_list->fontMetrics().height() + 6);
    m_list->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setSectionResizeMode(ModelColumn, QHeaderView::Stretch);
    m_list->horizontalHeader()->setSectionResizeMode(DeviceColumn, QHeaderView::Interactive);
    m_list->horizontalHeader()->resizeSection(DeviceColumn, 110);
    m_list->setMinimumHeight(48);
    connect(m_list->selectionModel(), &QItemSelectionModel::selectionChanged, this, &BenchmarkHistoryView::onSelectionChanged);

    m_hint->setObjectName(QStringLiteral("benchmarkHistoryHint"));
    // A style sheet rather than a palette copy, so the colour follows a later palette change.
    m_hint->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
    m_hint->setWordWrap(true);

    auto* clear = new QPushButton(tr("Clear"));
    clear->setObjectName(QStringLiteral("benchmarkHistoryClear"));
    clear->setToolTip(tr("Forget every benchmark of this session"));
    connect(clear, &QPushButton::clicked, this, &BenchmarkHistoryView::clearHistory);
    auto* header = new QHBoxLayout;
    header->setContentsMargins(0, 0, 0, 0);
    header->addWidget(m_hint, 1);
    header->addWidget(clear);
    auto* top = new QWidget;
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->setSpacing(2);
    topLayout->addLayout(header);
    topLayout->addWidget(m_list, 1);

    m_xAxis->setTitleText(tr("timed run"));
    m_xAxis->setLabelFormat(QStringLiteral("%d"));
    m_yAxis->setTitleText(tr("ms"));
    m_yAxis->setLabelFormat(QStringLiteral("%.3g"));
    QFont small = m_chart->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    for (auto* axis : {m_xAxis, m_yAxis}) {
        axis->setLabelsFont(small);
        axis->setTitleFont(small);
    }
    m_chart->addAxis(m_xAxis, Qt::AlignBottom);
    m_chart->addAxis(m_yAxis, Qt::AlignLeft);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->legend()->setFont(small);
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    styleChart(m_chart, palette());
    m_chartView->setObjectName(QStringLiteral("benchmarkCompareChart"));
    QChart* initial = m_chartView->chart();
    m_chartView->setChart(m_chart);
    delete initial;
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(90);
    m_chartView->installEventFilter(this); // a short chart drops its legend (see eventFilter)

    m_compare->setObjectName(QStringLiteral("benchmarkCompareTable"));
    m_compare->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_compare->setSelectionMode(QAbstractItemView::NoSelection);
    m_compare->setFocusPolicy(Qt::NoFocus);
    m_compare->setAlternatingRowColors(true);
    m_compare->setWordWrap(false);
    m_compare->verticalHeader()->setDefaultSectionSize(m_compare->fontMetrics().height() + 6);
    m_compare->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_compare->setMinimumHeight(48);

    // The chart and the table of a comparison as tabs: stacked, a short dock would leave
    // neither readable.
    m_views->setObjectName(QStringLiteral("benchmarkCompareTabs"));
    m_views->setDocumentMode(true);
    m_views->addTab(m_chartView, tr("Chart"));
    m_views->addTab(m_compare, tr("Table"));

    auto* split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("benchmarkHistorySplit"));
    split->addWidget(top);
    split->addWidget(m_views);
    split->setChildrenCollapsible(false);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    // The hint, the header and four runs before the comparison takes the rest.
    split->setSizes({m_hint->fontMetrics().lineSpacing() * 2 + 5 * m_list->verticalHeader()->defaultSectionSize() + 12, 400});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);
    updateComparison();
}

void BenchmarkHistoryView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateComparison(); // restyles the chart and recolours its series
}

bool BenchmarkHistoryView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_chartView && event->type() == QEvent::Resize)
        updateLegend();
    return QWidget::eventFilter(watched, event);
}

// The legend repeats the table's columns; in a short chart the plot needs its rows more.
void BenchmarkHistoryView::updateLegend()
{
    const int enough = 12 * m_chartView->fontMetrics().height();
    m_chart->legend()->setVisible(!m_chart->series().isEmpty() && m_chartView->height() >= enough);
}

void BenchmarkHistoryView::add(BenchmarkRecord record)
{
    const auto& r = record.result;
    const int row = m_list->rowCount();
    m_list->insertRow(row);
    auto* id = cell(QString::number(record.id));
    id->setData(Qt::UserRole, record.id);
    m_list->setItem(row, IdColumn, id);
    m_list->setItem(row, ModelColumn, cell(shortModelName(record.modelName), record.modelPath));
    m_list->setItem(row, BackendColumn, cell(QString::fromStdString(r.backend)));
    m_list->setItem(row, DeviceColumn, cell(QString::fromStdString(r.device), record.deviceText()));
    m_list->setItem(row, WeightsColumn, cell(record.weights));
    m_list->setItem(row, MedianColumn, msCell(r.summary.median));
    m_list->setItem(row, P90Column, msCell(r.summary.p90));
    m_list->setItem(row, DateColumn,
        cell(record.finished.toString(QStringLiteral("HH:mm:ss")), record.finished.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))));
    m_records.push_back(std::move(record));
    m_list->scrollToBottom();
    updateComparison();
}

int BenchmarkHistoryView::rowOf(int id) const
{
    for (int row = 0; row < m_list->rowCount(); ++row)
        if (m_list->item(row, IdColumn)->data(Qt::UserRole).toInt() == id)
            return row;
    return -1;
}

std::vector<const BenchmarkRecord*> BenchmarkHistoryView::selected() const
{
    std::vector<const BenchmarkRecord*> out;
    for (const int id : m_order)
        for (const auto& r : m_records)
            if (r.id == id)
                out.push_back(&r);
    return out;
}

void BenchmarkHistoryView::select(const QList<int>& ids)
{
    m_selecting = true;
    m_list->clearSelection();
    m_order.clear();
    for (const int id : ids) {
        const int row = rowOf(id);
        if (row < 0)
            continue;
        m_list->selectionModel()->select(m_list->model()->index(row, 0),
            QItemSelectionModel::Select | QItemSelectionModel::Rows);
        m_order.append(id);
    }
    m_selecting = false;
    updateComparison();
    emit selectionChanged();
}

void BenchmarkHistoryView::showComparisonTable(bool table)
{
    m_views->setCurrentIndex(table ? 1 : 0);
}

bool BenchmarkHistoryView::comparisonTableShown() const
{
    return m_views->currentIndex() == 1;
}

void BenchmarkHistoryView::clearHistory()
{
    m_selecting = true;
    m_list->setRowCount(0);
    m_records.clear();
    m_order.clear();
    m_selecting = false;
    updateComparison();
    emit selectionChanged();
}

// The order of selection decides which run the ratios refer to, so it is kept apart from the
// rows' order: a newly selected run goes last, a deselected one leaves.
void BenchmarkHistoryView::onSelectionChanged()
{
    if (m_selecting)
        return;
    QList<int> now;
    for (const QModelIndex& index : m_list->selectionModel()->selectedRows())
        now.append(m_list->item(index.row(), IdColumn)->data(Qt::UserRole).toInt());
    m_order.removeIf([&now](int id) { return !now.contains(id); });
    std::sort(now.begin(), now.end());
    for (const int id : now)
        if (!m_order.contains(id))
            m_order.append(id);
    updateComparison();
    emit selectionChanged();
}

void BenchmarkHistoryView::updateComparison()
{
    styleChart(m_chart, palette());
    m_chart->removeAllSeries();
    const auto records = selected();

    if (m_records.empty())
        m_hint->setText(tr("Finished benchmarks are kept here for this session."));
    else if (records.size() < 2)
        m_hint->setText(tr("Select two or more runs to compare them (Ctrl+click)."));
    else
        m_hint->setText(tr("Ratios to #%1, the first selected.").arg(records.front()->id));

    // The chart: each selected benchmark's timed runs in its own colour.
    double slowest = 0;
    std::size_t longest = 0;
    for (std::size_t k = 0; k < records.size(); ++k) {
        const auto& r = records[k]->result;
        auto* line = new QLineSeries;
        line->setObjectName(QStringLiteral("benchmarkCompare%1").arg(records[k]->id));
        // Short: the legend shares a dock's width with the others; the table names the models.
        line->setName(tr("#%1 %2: median %3").arg(records[k]->id).arg(QString::fromStdString(r.backend), msText(r.summary.median)));
        QList<QPointF> points;
        for (std::size_t i = 0; i < r.samplesMs.size(); ++i) {
            points.append(QPointF(static_cast<double>(i + 1), r.samplesMs[i]));
            slowest = std::max(slowest, r.samplesMs[i]);
        }
        longest = std::max(longest, r.samplesMs.size());
        line->append(points);
        line->setPointsVisible(points.size() <= 100);
        QPen pen(seriesColor(static_cast<int>(k), palette()));
        pen.setWidthF(1.5);
        line->setPen(pen);
        m_chart->addSeries(line);
        line->attachAxis(m_xAxis);
        line->attachAxis(m_yAxis);
    }
    m_xAxis->setRange(0.5, std::max<double>(2, static_cast<double>(longest)) + 0.5);
    m_xAxis->setTickType(QValueAxis::TicksDynamic);
    m_xAxis->setTickAnchor(0);
    m_xAxis->setTickInterval(longest <= 10 ? 1 : longest <= 50 ? 5 : longest <= 200 ? 20 : 100);
    m_yAxis->setRange(0, slowest > 0 ? slowest * 1.15 : 1.0);
    if (slowest > 0)
        m_yAxis->applyNiceNumbers();
    updateLegend();

    // The table: one column per benchmark, statistics down; each value with its ratio to the first.
    const auto& stats = comparedStats();
    const QStringList infoRows = {tr("model"), tr("backend"), tr("device"), tr("weights"), tr("runs")};
    m_compare->clear();
    m_compare->setColumnCount(static_cast<int>(records.size()));
    m_compare->setRowCount(records.empty() ? 0 : static_cast<int>(infoRows.size()) + static_cast<int>(stats.size()));
    QStringList rowNames = infoRows;
    for (const auto& s : stats)
        rowNames << s.label + tr(" ms");
    m_compare->setVerticalHeaderLabels(rowNames);
    for (std::size_t k = 0; k < records.size(); ++k) {
        const BenchmarkRecord& rec = *records[k];
        const auto& r = rec.result;
        const int col = static_cast<int>(k);
        auto* head = new QTableWidgetItem(QStringLiteral("#%1").arg(rec.id));
        head->setForeground(seriesColor(col, palette()));
        head->setToolTip(rec.label());
        m_compare->setHorizontalHeaderItem(col, head);
        m_compare->setItem(0, col, cell(shortModelName(rec.modelName), rec.modelPath));
        m_compare->setItem(1, col, cell(QString::fromStdString(r.backend)));
        m_compare->setItem(2, col, cell(QString::fromStdString(r.device), rec.deviceText()));
        m_compare->setItem(3, col, cell(rec.weights));
        m_compare->setItem(4, col, cell(tr("%1 + %2 warm-up").arg(r.summary.count).arg(r.warmupRuns)));
        for (std::size_t s = 0; s < stats.size(); ++s) {
            const double value = stats[s].value(r);
            const double first = stats[s].value(records.front()->result);
            const double ratio = first > 0 ? value / first : 0;
            // The first column is the reference: its ratios would all read 1.00×.
            auto* item = cell(k == 0 || first <= 0 ? msText(value)
                                                   : QStringLiteral("%1 (%2×)").arg(msText(value), QString::number(ratio, 'f', 2)));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            item->setData(kValueRole, value);
            item->setData(kRatioRole, ratio);
            m_compare->setItem(static_cast<int>(infoRows.size()) + static_cast<int>(s), col, item);
        }
    }
}

} // namespace studio::ui
