// The node list panel.
#include "ui/panels/node_panel.h"

#include "core/ir/model.h"
#include "ui/models/node_table_model.h"
#include "ui/widgets/section.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

namespace studio::ui {

NodePanel::NodePanel(QWidget* parent)
    : QWidget(parent), m_model(new NodeTableModel(this)), m_filter(new NodeFilterModel(this)),
      m_view(new QTableView), m_filterEdit(new QLineEdit), m_unsupportedOnly(new QCheckBox(tr("Unsupported only")))
{
    m_filter->setSourceModel(m_model);

    m_view->setObjectName(QStringLiteral("nodeTable"));
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    // Unsorted = the model's own (topological) order, which is what people expect first.
    m_view->sortByColumn(-1, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    auto* header = m_view->horizontalHeader();
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setSectionResizeMode(NodeTableModel::NameColumn, QHeaderView::Interactive);
    header->setSectionResizeMode(NodeTableModel::OpColumn, QHeaderView::Interactive);
    header->setStretchLastSection(true);
    header->resizeSection(NodeTableModel::NameColumn, 330);
    header->resizeSection(NodeTableModel::OpColumn, 170);

    m_filterEdit->setObjectName(QStringLiteral("nodeFilter"));
    m_filterEdit->setPlaceholderText(tr("Filter by name or op (op:Conv2D = exact op)"));
    m_filterEdit->setClearButtonEnabled(true);
    // Wide where there is room, narrow in a small window (900x600 with the docks open).
    m_filterEdit->setMinimumWidth(120);
    m_filterEdit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_filterEdit->setMaximumWidth(420);
    connect(m_filterEdit, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_filter->setFilterText(text);
        updateNote();
    });

    m_unsupportedOnly->setObjectName(QStringLiteral("unsupportedOnly"));
    m_unsupportedOnly->setToolTip(tr("Show only what TensorFlow.js cannot run"));
    connect(m_unsupportedOnly, &QCheckBox::toggled, this, [this](bool on) {
        m_filter->setUnsupportedOnly(on);
        updateNote();
    });

    m_section = new Section(tr("Nodes"), m_view, this);
    m_section->addTool(m_unsupportedOnly);
    m_section->addTool(m_filterEdit);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_section);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex& current) {
            emit currentRowChanged(current.isValid() ? m_filter->mapToSource(current).row() : -1);
        });
    updateNote();
}

void NodePanel::setModel(const core::Model& model)
{
    m_model->setModel(model);
    switch (m_model->rowKind()) {
    case NodeTableModel::RowKind::GraphNode: m_section->setTitle(tr("Nodes")); break;
    case NodeTableModel::RowKind::Layer: m_section->setTitle(tr("Layers")); break;
    case NodeTableModel::RowKind::Weight: m_section->setTitle(tr("Weights")); break;
    }
    updateNote();
    emit currentRowChanged(-1);
}

void NodePanel::clear()
{
    m_model->clear();
    updateNote();
    emit currentRowChanged(-1);
}

void NodePanel::setFilterText(const QString& text)
{
    m_filterEdit->setText(text); // textChanged applies it
}

void NodePanel::setUnsupportedOnly(bool on)
{
    m_unsupportedOnly->setChecked(on); // toggled applies it
}

void NodePanel::focusFilter()
{
    m_filterEdit->setFocus(Qt::ShortcutFocusReason);
    m_filterEdit->selectAll();
}

bool NodePanel::selectName(const QString& name)
{
    const int row = m_model->findRow(name);
    if (row < 0)
        return false;
    QModelIndex index = m_filter->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) {
        setFilterText({});
        index = m_filter->mapFromSource(m_model->index(row, 0));
    }
    if (!index.isValid()) {
        setUnsupportedOnly(false);
        index = m_filter->mapFromSource(m_model->index(row, 0));
    }
    m_view->selectionModel()->setCurrentIndex(index,
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

void NodePanel::updateNote()
{
    static const char* const kUnits[] = {"nodes", "layers", "weights"};
    const QString unit = QString::fromLatin1(kUnits[static_cast<int>(m_model->rowKind())]);
    const int total = m_model->rowCount(), shown = m_filter->rowCount();
    m_section->setNote(shown == total ? QStringLiteral("%1 %2").arg(total).arg(unit)
                                      : QStringLiteral("%1 of %2 %3").arg(shown).arg(total).arg(unit));
}

} // namespace studio::ui
