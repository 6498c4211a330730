// The histogram table; the count column draws a proportional bar so the shape of the
// model is visible at a glance without Qt Charts.
#include "ui/panels/histogram_panel.h"

#include <QHeaderView>
#include <QPainter>
#include <QStyledItemDelegate>

namespace studio::ui {

namespace {

constexpr int kFractionRole = Qt::UserRole + 1;

class BarDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::paint(painter, option, index);
        const double fraction = index.data(kFractionRole).toDouble();
        if (fraction <= 0)
            return;
        // Leave room for the number on the left; the bar fills what is left of the cell.
        const QRect cell = option.rect.adjusted(48, 5, -6, -5);
        if (cell.width() <= 0)
            return;
        QRect bar = cell;
        bar.setWidth(std::max(2, static_cast<int>(cell.width() * fraction)));
        QColor c = option.palette.color(QPalette::Highlight);
        c.setAlpha(option.state & QStyle::State_Selected ? 200 : 110);
        painter->fillRect(bar, c);
    }
};

} // namespace

HistogramPanel::HistogramPanel(QWidget* parent) : QTableWidget(0, 2, parent)
{
    setObjectName(QStringLiteral("histogram"));
    setHorizontalHeaderLabels({tr("Op"), tr("Count")});
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAlternatingRowColors(true);
    setShowGrid(false);
    setWordWrap(false);
    setFrameShape(QFrame::NoFrame);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    horizontalHeader()->setSectionResizeMode(1, QHeaderView::Fixed);
    horizontalHeader()->resizeSection(1, 150);
    horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    setItemDelegateForColumn(1, new BarDelegate(this));
    setToolTip(tr("Double-click a row to list only those nodes"));
    connect(this, &QTableWidget::cellDoubleClicked, this, [this](int r, int) {
        if (auto* it = item(r, 0))
            emit opActivated(it->text());
    });
}

void HistogramPanel::setCounts(const std::vector<std::pair<std::string, std::size_t>>& counts, bool graphModel,
    const QSet<QString>& unsupported)
{
    setSortingEnabled(false);
    setHorizontalHeaderLabels({graphModel ? tr("Op") : tr("Layer class"), tr("Count")});
    setRowCount(static_cast<int>(counts.size()));
    std::size_t max = 0;
    for (const auto& c : counts)
        max = std::max(max, c.second);
    int r = 0;
    for (const auto& [name, n] : counts) {
        auto* label = new QTableWidgetItem(QString::fromStdString(name));
        auto* count = new QTableWidgetItem;
        // What TensorFlow.js cannot run stands out here too, as in the node table.
        if (unsupported.contains(label->text())) {
            for (auto* it : {label, count})
                it->setForeground(QColor(0xc0, 0x20, 0x20));
            QFont bold = label->font();
            bold.setBold(true);
            label->setFont(bold);
            label->setToolTip(graphModel ? tr("TensorFlow.js cannot run %1").arg(label->text())
                                         : tr("TensorFlow.js has no layer class %1").arg(label->text()));
        }
        setItem(r, 0, label);
        // DisplayRole as a number so sorting is numeric, not "9" > "73".
        count->setData(Qt::DisplayRole, static_cast<qulonglong>(n));
        count->setData(kFractionRole, max ? static_cast<double>(n) / static_cast<double>(max) : 0.0);
        count->setTextAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        setItem(r, 1, count);
        ++r;
    }
    setSortingEnabled(true);
    sortByColumn(1, Qt::DescendingOrder);
}

} // namespace studio::ui
