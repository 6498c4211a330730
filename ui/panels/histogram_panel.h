// The op (graph models) or layer-class (layers models) histogram.
#pragma once

#include <QSet>
#include <QTableWidget>

#include <string>
#include <utility>
#include <vector>

namespace studio::ui {

class HistogramPanel : public QTableWidget {
    Q_OBJECT
public:
    explicit HistogramPanel(QWidget* parent = nullptr);
    // counts as the InspectReport orders them (most first); `unsupported` ops or classes show red.
    void setCounts(const std::vector<std::pair<std::string, std::size_t>>& counts, bool graphModel,
        const QSet<QString>& unsupported = {});

signals:
    // Double-click on a row: show only the nodes with this op or class.
    void opActivated(const QString& op);
};

} // namespace studio::ui
