// The inspector: everything about the selected node, layer or weight.
#pragma once

#include <QTreeWidget>

#include <cstddef>

namespace studio::core {
struct Model;
}

namespace studio::ui {

class InspectorPanel : public QTreeWidget {
    Q_OBJECT
public:
    explicit InspectorPanel(QWidget* parent = nullptr);

    void showGraphNode(const core::Model& model, std::size_t index);
    void showLayer(const core::Model& model, std::size_t index);
    void showWeight(const core::Model& model, std::size_t flatIndex);
    // Nothing selected: a hint instead of an empty grey box.
    void showHint(const QString& hint);

signals:
    // An input, consumer or inbound layer was clicked: select that node (or layer).
    void linkActivated(const QString& name);
};

} // namespace studio::ui
