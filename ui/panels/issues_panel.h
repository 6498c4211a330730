// The Issues panel: every op or layer class TensorFlow.js cannot run, with its nodes; clicking one
// selects that node everywhere.
#pragma once

#include <QTreeWidget>

namespace studio::conv {
struct OpCheckReport;
}

namespace studio::ui {

class IssuesPanel : public QTreeWidget {
    Q_OBJECT
public:
    explicit IssuesPanel(QWidget* parent = nullptr);
    // The op check of the model now shown (graph models by op, layers models by layer class).
    void setReport(const conv::OpCheckReport& report);
    void clearReport(const QString& hint = {});
    // Unsupported nodes (or layers) in all.
    int issueCount() const { return m_count; }

signals:
    // A node (or layer) name to select and centre.
    void nodeActivated(const QString& name);
    void countChanged(int count);

private:
    int m_count = 0;
};

} // namespace studio::ui
