// The node table model and its name/op filter.
#include "ui/models/node_table_model.h"

#include "converter/op_check.h"
#include "core/ir/model.h"
#include "core/ops/op_table.h"
#include "ui/format.h"

#include <QColor>

namespace studio::ui {

NodeTableModel::NodeTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void NodeTableModel::setModel(const core::Model& model)
{
    beginResetModel();
    m_rows.clear();
    if (model.kind == core::ModelKind::GraphModel) {
        m_kind = RowKind::GraphNode;
        m_rows.reserve(model.graph.nodes.size());
        for (const auto& n : model.graph.nodes) {
            Row r{QString::fromStdString(n.name), QString::fromStdString(n.op), {}, !core::tfjsSupportsOp(n.op)};
            for (const auto& in : n.inputs)
                r.links << QString::fromStdString(in);
            m_rows.push_back(std::move(r));
        }
    } else if (model.kind == core::ModelKind::LayersModel) {
        m_kind = RowKind::Layer;
        m_rows.reserve(model.layers.size());
        for (const auto& l : model.layers) {
            Row r{QString::fromStdString(l.name), QString::fromStdString(l.className), {},
                !conv::tfjsSupportsLayerClass(l.className)};
            for (const auto& in : l.inboundLayers)
                r.links << QString::fromStdString(in);
            m_rows.push_back(std::move(r));
        }
    } else {
        m_kind = RowKind::Weight;
        for (const auto& g : model.weightGroups)
            for (const auto& w : g.weights) {
                // The logical dtype first; how it is stored matters when it differs.
                QString dtype = dtypeText(w.dtype);
                if (w.quantization)
                    dtype += QStringLiteral(" (%1)").arg(dtypeText(w.quantization->dtype));
                m_rows.push_back({QString::fromStdString(w.name), dtype, {shapeText(w.shape)}, false});
            }
    }
    endResetModel();
}

void NodeTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int NodeTableModel::findRow(const QString& name) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].name == name)
            return static_cast<int>(i);
    return -1;
}

int NodeTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int NodeTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant NodeTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Row& r = m_rows[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn: return r.name;
        case OpColumn: return r.op;
        case LinksColumn: return r.links.join(QStringLiteral(", "));
        default: return {};
        }
    }
    // Ops TensorFlow.js cannot run stand out in red, with the reason on hover.
    if (r.unsupported && role == Qt::ForegroundRole)
        return QColor(0xc0, 0x20, 0x20);
    if (role == UnsupportedRole)
        return r.unsupported;
    if (r.unsupported && role == Qt::ToolTipRole && index.column() == OpColumn)
        return m_kind == RowKind::Layer
            ? tr("TensorFlow.js has no layer class %1: tf.loadLayersModel fails unless the page registers one").arg(r.op)
            : tr("TensorFlow.js cannot run %1: it is not in the converter's op list").arg(r.op);
    // Long input lists are cut by the column; the tooltip shows them one per line.
    if (role == Qt::ToolTipRole && index.column() == LinksColumn && r.links.size() > 1)
        return r.links.join(u'\n');
    if (role == Qt::ToolTipRole && index.column() == NameColumn)
        return r.name;
    return {};
}

QVariant NodeTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* const kHeaders[3][ColumnCount] = {
        {"Name", "Op", "Inputs"},
        {"Layer", "Class", "Inbound"},
        {"Weight", "DType", "Shape"},
    };
    if (section < 0 || section >= ColumnCount)
        return {};
    return QString::fromLatin1(kHeaders[static_cast<int>(m_kind)][section]);
}

NodeFilterModel::NodeFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void NodeFilterModel::setFilterText(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    m_exactOp = m_text.startsWith(QStringLiteral("op:")) ? m_text.mid(3).trimmed() : QString();
    invalidateFilter();
}

void NodeFilterModel::setUnsupportedOnly(bool on)
{
    if (on == m_unsupportedOnly)
        return;
    m_unsupportedOnly = on;
    invalidateFilter();
}

bool NodeFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const auto* src = sourceModel();
    if (m_unsupportedOnly
        && !src->index(sourceRow, NodeTableModel::NameColumn, sourceParent).data(NodeTableModel::UnsupportedRole).toBool())
        return false;
    if (m_text.isEmpty())
        return true;
    const QString op = src->index(sourceRow, NodeTableModel::OpColumn, sourceParent).data().toString();
    if (!m_exactOp.isEmpty())
        return op == m_exactOp;
    const QString name = src->index(sourceRow, NodeTableModel::NameColumn, sourceParent).data().toString();
    return name.contains(m_text, Qt::CaseInsensitive) || op.contains(m_text, Qt::CaseInsensitive);
}

} // namespace studio::ui
