// The per-op profile view; see benchmark_profile.h.
#include "ui/panels/benchmark_profile.h"

#include "ui/panels/benchmark_export.h"
#include "ui/widgets/chart_style.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QButtonGroup>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QToolButton>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace studio::ui {

namespace {

// A cell that shows rounded text and sorts by the number behind it.
QStandardItem* numberItem(double value, const QString& text)
{
    auto* item = new QStandardItem(text);
    item->setData(value, BenchmarkProfileView::kSortRole);
    item->setData(int(Qt::AlignRight | Qt::AlignVCenter), Qt::TextAlignmentRole);
    item->setEditable(false);
    return item;
}

QStandardItem* textItem(const QString& text)
{
    auto* item = new QStandardItem(text);
    item->setData(text, BenchmarkProfileView::kSortRole);
    item->setToolTip(text);
    item->setEditable(false);
    return item;
}

QString gflopsText(double flops, double ms)
{
    return flops > 0 && ms > 0 ? QString::number(flops / ms / 1e6, 'f', 2) : QString();
}

} // namespace

BenchmarkProfileView::BenchmarkProfileView(QWidget* parent)
    : QWidget(parent),
      m_byNode(new QToolButton),
      m_byOp(new QToolButton),
      m_note(new QLabel),
      m_model(new QStandardItemModel(this)),
      m_sorted(new QSortFilterProxyModel(this)),
      m_table(new QTableView),
      m_chartView(new QChartView),
      m_chart(new QChart),
      m_bars(new QHorizontalBarSeries),
      m_opAxis(new QBarCategoryAxis),
      m_msAxis(new QValueAxis)
{
    setObjectName(QStringLiteral("benchmarkProfile"));
    m_byNode->setObjectName(QStringLiteral("benchmarkProfileByNode"));
    m_byNode->setText(tr("Per node"));
    m_byOp->setObjectName(QStringLiteral("benchmarkProfileByOp"));
    m_byOp->setText(tr("Per op type"));
    auto* group = new QButtonGroup(this);
    for (auto* b : {m_byNode, m_byOp}) {
        b->setCheckable(true);
        b->setAutoRaise(true);
        group->addButton(b);
    }
    m_byNode->setChecked(true);
    connect(m_byNode, &QToolButton::toggled, this, [this](bool on) {
        if (on)
            setGrouping(Grouping::Node);
    });
    connect(m_byOp, &QToolButton::toggled, this, [this](bool on) {
        if (on)
            setGrouping(Grouping::OpType);
    });
    m_note->setObjectName(QStringLiteral("benchmarkProfileNote"));
    m_note->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
    m_note->setWordWrap(true);
    
    auto* header = new QHBoxLayout;
    header->setContentsMargins(0, 0, 0, 0);
    header->addWidget(m_byNode);
    header->addWidget(m_byOp);
    header->addStretch(1);

    m_sorted->setSourceModel(m_model);
    m_sorted->setSortRole(kSortRole);
    m_table->setObjectName(QStringLiteral("benchmarkProfileTable"));
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setMinimumHeight(60);
    m_table->setTextElideMode(Qt::ElideMiddle); // node names differ at the end
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);

    m_bars->setObjectName(QStringLiteral("benchmarkProfileBars"));
    m_bars->setLabelsVisible(true);
    m_bars->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    m_bars->setLabelsFormat(QStringLiteral("@value"));
    m_bars->setBarWidth(0.7);
    m_chart->addSeries(m_bars);
    m_chart->addAxis(m_opAxis, Qt::AlignLeft);
    m_chart->addAxis(m_msAxis, Qt::AlignBottom);
    m_bars->attachAxis(m_opAxis);
    m_bars->attachAxis(m_msAxis);
    m_msAxis->setTitleText(tr("ms per run, top op types"));
    m_msAxis->setLabelFormat(QStringLiteral("%.3g"));
    QFont small = m_chart->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_opAxis->setLabelsFont(small);
    m_msAxis->setLabelsFont(small);
    m_msAxis->setTitleFont(small);
    m_bars->setLabelsPrecision(4);
    m_chart->legend()->hide();
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    styleChart(m_chart, palette());
    m_chartView->setObjectName(QStringLiteral("benchmarkProfileChart"));
    // QChartView starts with a chart of its own and only releases it on setChart: delete it.
    QChart* initial = m_chartView->chart();
    m_chartView->setChart(m_chart);
    delete initial;
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(90);

    auto* split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("benchmarkProfileSplit"));
    split->addWidget(m_table);
    split->addWidget(m_chartView);
    split->setChildrenCollapsible(false);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addLayout(header);
    layout->addWidget(m_note); // its own line: a long clock description would widen the dock
    layout->addWidget(split, 1);
    clear(tr("No profile yet: run a benchmark with profile runs."));
}

void BenchmarkProfileView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        styleChart(m_chart, palette());
        for (auto* set : m_bars->barSets()) {
            set->setColor(seriesColor(0, palette()));
            set->setLabelColor(palette().color(QPalette::WindowText));
        }
    }
}

void BenchmarkProfileView::setResult(const rt::BenchmarkResult& result, const QString& why)
{
    if (result.profile.empty()) {
        clear(why);
        return;
    }
    m_profile = result.profile;
    m_clock = QString::fromStdString(result.profileClock);
    fill();
}

void BenchmarkProfileView::clear(const QString& why)
{
    m_profile.clear();
    m_clock.clear();
    fill();
    m_note->setText(why);
}

void BenchmarkProfileView::setGrouping(Grouping grouping)
{
    m_grouping = grouping;
    (grouping == Grouping::Node ? m_byNode : m_byOp)->setChecked(true);
    fill();
}

void BenchmarkProfileView::fill()
{
    double totalMs = 0;
    bool anyFlops = false;
    for (const auto& t : m_profile) {
        totalMs += t.meanMs;
        anyFlops = anyFlops || t.flops > 0;
    }
    auto share = [totalMs](double ms) { return totalMs > 0 ? 100.0 * ms / totalMs : 0.0; };
    const auto byOp = rt::opTypeTotals(m_profile);

    m_table->setSortingEnabled(false);
    m_model->clear();
    QStringList headers = m_grouping == Grouping::Node
        ? QStringList{tr("Node"), tr("Op"), tr("Mean ms"), tr("Share %")}
        : QStringList{tr("Op type"), tr("Nodes"), tr("Total ms"), tr("Share %")};
    // GFLOP/s only where the result counted work: a column of blanks would say nothing.
    if (anyFlops)
        headers << tr("GFLOP/s");
    m_model->setHorizontalHeaderLabels(headers);
    if (m_grouping == Grouping::Node) {
        for (const auto& t : m_profile) {
            QList<QStandardItem*> row = {textItem(QString::fromStdString(t.node)), textItem(QString::fromStdString(t.op)),
                numberItem(t.meanMs, msText(t.meanMs)), numberItem(share(t.meanMs), QString::number(share(t.meanMs), 'f', 1))};
            if (anyFlops)
                row << numberItem(t.flops > 0 && t.meanMs > 0 ? t.flops / t.meanMs / 1e6 : 0, gflopsText(t.flops, t.meanMs));
            m_model->appendRow(row);
        }
    } else {
        for (const auto& o : byOp) {
            QList<QStandardItem*> row = {textItem(QString::fromStdString(o.op)), numberItem(o.nodes, QString::number(o.nodes)),
                numberItem(o.ms, msText(o.ms)), numberItem(share(o.ms), QString::number(share(o.ms), 'f', 1))};
            if (anyFlops)
                row << numberItem(o.gflopsPerSecond(), gflopsText(o.flops, o.ms));
            m_model->appendRow(row);
        }
    }
    m_table->setSortingEnabled(true);
    // Slowest first: what a profile is read for.
    m_table->sortByColumn(2, Qt::DescendingOrder);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < m_model->columnCount(); ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);

    // The chart: the top op types, the slowest on top (a horizontal bar axis runs bottom-up).
    m_bars->clear();
    QStringList categories;
    auto* set = new QBarSet(tr("ms"));
    set->setColor(seriesColor(0, palette()));
    set->setBorderColor(Qt::transparent);
    set->setLabelColor(palette().color(QPalette::WindowText));
    const int shown = std::min<int>(kTopOpTypes, static_cast<int>(byOp.size()));
    double slowest = 0;
    for (int i = shown - 1; i >= 0; --i) {
        const auto& o = byOp[static_cast<std::size_t>(i)];
        categories << QString::fromStdString(o.op);
        set->append(roundMs(o.ms));
        slowest = std::max(slowest, o.ms);
    }
    m_opAxis->clear();
    m_opAxis->append(categories);
    m_bars->append(set);
    // Room right of the longest bar for its label.
    m_msAxis->setRange(0, slowest > 0 ? slowest * 1.25 : 1.0);
    if (slowest > 0)
        m_msAxis->applyNiceNumbers();

    if (!m_profile.empty()) {
        m_note->setText(tr("%1 nodes, %2 op types, %3 ms per run (%4)")
                            .arg(m_profile.size())
                            .arg(byOp.size())
                            .arg(msText(totalMs), m_clock));
        m_note->setToolTip(m_note->text());
    }
}

} // namespace studio::ui
