// The centre list of nodes (or layers) with its filter box.
#pragma once

#include <QWidget>

class QCheckBox;
class QLineEdit;
class QTableView;

namespace studio::core {
struct Model;
}

namespace studio::ui {

class NodeFilterModel;
class NodeTableModel;
class Section;

class NodePanel : public QWidget {
    Q_OBJECT
public:
    explicit NodePanel(QWidget* parent = nullptr);

    void setModel(const core::Model& model);
    void clear();
    void setFilterText(const QString& text);
    // Only the nodes (or layers) TensorFlow.js cannot run.
    void setUnsupportedOnly(bool on);
    void focusFilter();
    // Selects the row with this name, clearing a filter that hides it. False if absent.
    bool selectName(const QString& name);

    QTableView* view() const { return m_view; }
    NodeTableModel* tableModel() const { return m_model; }

signals:
    // The selected row as an index into the model's nodes, layers or weights; -1 for none.
    void currentRowChanged(int sourceRow);

private:
    void updateNote();

    NodeTableModel* m_model;
    NodeFilterModel* m_filter;
    QTableView* m_view;
    QLineEdit* m_filterEdit;
    QCheckBox* m_unsupportedOnly;
    Section* m_section;
};

} // namespace studio::ui
