// The node table behind the centre view: one row per graph node, Keras layer, or (for
// weights-only models) weight, plus the filter that narrows it by name or op.
#pragma once

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QStringList>

#include <vector>

namespace studio::core {
struct Model;
}

namespace studio::ui {

class NodeTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class RowKind { GraphNode, Layer, Weight };
    enum Column { NameColumn, OpColumn, LinksColumn, ColumnCount };
    // true for rows TensorFlow.js cannot run (graph nodes by op, layers by class)
    static constexpr int UnsupportedRole = Qt::UserRole + 1;

    explicit NodeTableModel(QObject* parent = nullptr);

    // Rows keep the model's order, so a source row is also the index into graph.nodes,
    // layers or the flattened weights.
    void setModel(const core::Model& model);
    void clear();
    RowKind rowKind() const { return m_kind; }
    int findRow(const QString& name) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString name;
        QString op;         // op, layer class, or dtype
        QStringList links;  // inputs, inbound layers, or (weights) the shape as one item
        bool unsupported = false; // graph nodes whose op, or layers whose class, TensorFlow.js cannot run
    };
    RowKind m_kind = RowKind::GraphNode;
    std::vector<Row> m_rows;
};

// Keeps rows whose name or op contains the filter text (case-insensitive). "op:NAME"
// matches one op exactly, which is what the histogram asks for: a plain "Conv2D" would
// also catch _FusedConv2D and DepthwiseConv2dNative.
class NodeFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit NodeFilterModel(QObject* parent = nullptr);
    void setFilterText(const QString& text);
    QString filterText() const { return m_text; }
    // Only rows TensorFlow.js cannot run (the op check's "unsupported only").
    void setUnsupportedOnly(bool on);
    bool unsupportedOnly() const { return m_unsupportedOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_text;
    QString m_exactOp;
    bool m_unsupportedOnly = false;
};

} // namespace studio::ui
