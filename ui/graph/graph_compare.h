// Two graphs side by side with one selection: the model as the converter reads it against what
// its graph passes make of it (each node followed through conv::traceGraph: kept, merged into
// the node downstream that now does its work, or removed, and by which pass), or the float32
// model against the Convert panel's quantization (errors per weight on the right).
#pragma once

#include "converter/convert.h"
#include "converter/formats.h"
#include "converter/graph_trace.h"
#include "core/ir/model.h"
#include "ui/graph/graph_data.h"
#include "ui/graph/graph_view.h"
#include "ui/job.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QSplitter;

namespace studio::ui {

class GraphCompare : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Optimized, Quantized };

    explicit GraphCompare(QWidget* parent = nullptr);
    ~GraphCompare() override;

    // The model shown in the studio (null: none), the format it was read as, and its graph data
    // (the main view's, shared). The optimized side is computed on a worker when this widget is
    // first shown for the model or the mode changes.
    void setModel(std::shared_ptr<const core::Model> model, std::optional<conv::Format> input,
        std::shared_ptr<const graph::GraphData> graphData);
    // The options the passes run with (the Convert panel's: strip debug ops, control flow,
    // output nodes of frozen graphs); asked each time the optimized side is computed.
    void setOptionsProvider(std::function<conv::ConvertOptions()> provider) { m_options = std::move(provider); }
    // The Convert panel's quantization: errors per weight name, what it is called, and the weight
    // bytes before and after. An empty plan: none chosen.
    void setQuantization(const QHash<QString, GraphView::WeightError>& errors, const QString& plan,
        std::uint64_t float32Bytes, std::uint64_t quantizedBytes);

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    // Recomputes the optimized side with the current options (the Refresh button).
    void refresh();

    GraphView* left() const { return m_left; }
    GraphView* right() const { return m_right; }
    // What the selection's counterpart is, in words (the line under the graphs).
    QString selectionText() const;
    bool isComputing() const { return m_job.isRunning(); }
    // The last optimization's trace (empty before it ran).
    const conv::GraphTrace& trace() const { return m_trace; }

signals:
    // A node picked on the left (the model as read), for the main window's table and inspector.
    void nodeSelected(const QString& name);

protected:
    void showEvent(QShowEvent* event) override;

private:
    struct Optimized {
        std::shared_ptr<const graph::GraphData> before, after;
        conv::GraphTrace trace;
        std::vector<conv::PassReport> passes;
        std::size_t beforeNodes = 0, afterNodes = 0;
    };

    void showCurrent();
    void startOptimizing();
    void onOptimized(JobStatus status);
    void selectedOn(bool leftSide, const QString& name);
    void follow(bool leftSide, const QString& link);
    QString describe(bool leftSide, const QString& name) const;
    QString opOn(bool leftSide, const QString& name) const;

    Mode m_mode = Mode::Optimized;
    std::shared_ptr<const core::Model> m_model;
    std::optional<conv::Format> m_input;
    std::shared_ptr<const graph::GraphData> m_graphData;
    std::function<conv::ConvertOptions()> m_options;

    Job<Optimized, double> m_job;
    bool m_optimizedStale = true; // the model or the options changed since the last result
    std::shared_ptr<const graph::GraphData> m_before, m_after;
    conv::GraphTrace m_trace;

    QHash<QString, GraphView::WeightError> m_quantErrors;
    QString m_quantPlan;
    std::uint64_t m_float32Bytes = 0, m_quantizedBytes = 0;

    QComboBox* m_modeBox;
    QLabel* m_summary;
    QLabel* m_leftTitle;
    QLabel* m_rightTitle;
    GraphView* m_left;
    GraphView* m_right;
    QSplitter* m_split;
    QLabel* m_info;
    QString m_selectedLeft, m_selectedRight;
    bool m_following = false; // a selection made here on the other side is not followed back
};

} // namespace studio::ui
