// The Issues panel: a tree of op (or layer class) -> nodes, from the converter's op check.
#include "ui/panels/issues_panel.h"

#include "converter/op_check.h"

#include <QHeaderView>

namespace studio::ui {

namespace {
constexpr int kNameRole = Qt::UserRole + 1;
const QColor kRed(0xc0, 0x20, 0x20);
} // namespace

IssuesPanel::IssuesPanel(QWidget* parent) : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("issues"));
    setColumnCount(2);
    setHeaderLabels({tr("Unsupported"), tr("Why")});
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setFrameShape(QFrame::NoFrame);
    setTextElideMode(Qt::ElideMiddle);
    header()->setSectionResizeMode(0, QHeaderView::Interactive);
    header()->setStretchLastSection(true);
    setColumnWidth(0, 300);
    connect(this, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        // A class row jumps to its first node; a node row to itself.
        QTreeWidgetItem* target = item->childCount() > 0 ? item->child(0) : item;
        const QString name = target->data(0, kNameRole).toString();
        if (!name.isEmpty())
            emit nodeActivated(name);
    });
    connect(this, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        const QString name = item->data(0, kNameRole).toString();
        if (!name.isEmpty())
            emit nodeActivated(name);
    });
    clearReport();
}

void IssuesPanel::clearReport(const QString& hint)
{
    clear();
    m_count = 0;
    auto* item = new QTreeWidgetItem(this, {hint.isEmpty() ? tr("Open a model to check its ops.") : hint});
    item->setFlags(Qt::NoItemFlags);
    item->setFirstColumnSpanned(true);
    emit countChanged(0);
}

void IssuesPanel::setReport(const conv::OpCheckReport& r)
{
    clear();
    m_count = 0;
    if (r.unsupported.empty()) {
        auto* ok = new QTreeWidgetItem(this, {tr("No issues: TensorFlow.js can run all %1 %2")
                                                  .arg(r.checkedNodes)
                                                  .arg(tr("nodes"))});
        ok->setFlags(Qt::NoItemFlags);
        ok->setFirstColumnSpanned(true);
        emit countChanged(0);
        return;
    }
    for (const auto& u : r.unsupported) {
        const QString what = u.layerClass ? tr("layer class %1").arg(QString::fromStdString(u.op))
                                          : tr("op %1").arg(QString::fromStdString(u.op));
        auto* top = new QTreeWidgetItem(this, {QStringLiteral("%1 (%2)").arg(what).arg(u.nodes.size()),
                                                  QString::fromStdString(u.reason)});
        top->setForeground(0, kRed);
        QFont bold = top->font(0);
        bold.setBold(true);
        top->setFont(0, bold);
        top->setToolTip(1, QString::fromStdString(u.reason));
        for (const auto& n : u.nodes) {
            const QString name = QString::fromStdString(n);
            auto* child = new QTreeWidgetItem(top, {name, QString::fromStdString(u.op)});
            child->setData(0, kNameRole, name);
            child->setToolTip(0, tr("Click to select %1 in the graph").arg(name));
        }
        m_count += static_cast<int>(u.nodes.size());
        top->setExpanded(true);
    }
    emit countChanged(m_count);
}

} // namespace studio::ui
