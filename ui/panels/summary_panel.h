// The model summary: format, producer, inputs/outputs, weights by dtype, shards.
#pragma once

#include <QTreeWidget>

namespace studio::conv {
struct InspectReport;
}

namespace studio::ui {

class SummaryPanel : public QTreeWidget {
    Q_OBJECT
public:
    explicit SummaryPanel(QWidget* parent = nullptr);
    void setReport(const conv::InspectReport& report);
};

} // namespace studio::ui
