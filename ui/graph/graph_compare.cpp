#include "ui/graph/graph_compare.h"

#include "runtime/constant_eval.h"
#include "ui/format.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QShowEvent>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

namespace studio::ui {

namespace {

QLabel* titleLabel(const QString& objectName)
{
    auto* label = new QLabel;
    label->setObjectName(objectName);
    label->setTextFormat(Qt::RichText);
    label->setContentsMargins(6, 3, 6, 3);
    label->setStyleSheet(QStringLiteral("background: palette(alternate-base);"));
    label->setMinimumWidth(80);
    return label;
}

QString link(bool leftSide, const QString& name)
{
    return QStringLiteral("<a href=\"%1%2\">%3</a>")
        .arg(leftSide ? QLatin1String("L:") : QLatin1String("R:"), QString::fromUtf8(name.toUtf8().toPercentEncoding()),
            name.toHtmlEscaped());
}

} // namespace

GraphCompare::GraphCompare(QWidget* parent)
    : QWidget(parent), m_modeBox(new QComboBox), m_summary(new QLabel), m_leftTitle(titleLabel(QStringLiteral("compareLeftTitle"))),
      m_rightTitle(titleLabel(QStringLiteral("compareRightTitle"))), m_left(new GraphView), m_right(new GraphView),
      m_split(new QSplitter(Qt::Horizontal)), m_info(new QLabel)
{
    setObjectName(QStringLiteral("graphCompare"));
    m_left->setObjectName(QStringLiteral("compareLeft"));
    m_right->setObjectName(QStringLiteral("compareRight"));

    m_modeBox->setObjectName(QStringLiteral("compareMode"));
    m_modeBox->addItem(tr("As read ↔ optimized"));
    m_modeBox->addItem(tr("Float32 ↔ quantized"));
    m_modeBox->setToolTip(tr("What to compare: the graph before and after the converter's passes, or the "
                             "weights before and after the Convert panel's quantization"));
    connect(m_modeBox, &QComboBox::activated, this,
        [this](int index) { setMode(index == 0 ? Mode::Optimized : Mode::Quantized); });
    auto* refresh = new QToolButton;
    refresh->setObjectName(QStringLiteral("compareRefresh"));
    refresh->setText(tr("Recompute"));
    refresh->setToolTip(tr("Run the passes again with the Convert panel's current options"));
    refresh->setAutoRaise(true);
    connect(refresh, &QToolButton::clicked, this, &GraphCompare::refresh);
    m_summary->setObjectName(QStringLiteral("compareSummary"));
    m_summary->setMinimumWidth(40);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 4, 6, 2);
    bar->addWidget(new QLabel(tr("Compare:")));
    bar->addWidget(m_modeBox);
    bar->addWidget(refresh);
    bar->addSpacing(8);
    bar->addWidget(m_summary, 1);

    const auto pane = [](QLabel* title, GraphView* view) {
        auto* w = new QWidget;
        auto* v = new QVBoxLayout(w);
        v->setContentsMargins(0, 0, 0, 0);
        v->setSpacing(0);
        v->addWidget(title);
        v->addWidget(view, 1);
        w->setMinimumWidth(160);
        return w;
    };
    m_split->setObjectName(QStringLiteral("compareSplit"));
    m_split->addWidget(pane(m_leftTitle, m_left));
    m_split->addWidget(pane(m_rightTitle, m_right));
    m_split->setChildrenCollapsible(false);

    m_info->setObjectName(QStringLiteral("compareInfo"));
    m_info->setTextFormat(Qt::RichText);
    m_info->setWordWrap(true);
    m_info->setContentsMargins(6, 3, 6, 4);
    m_info->setMinimumWidth(80);
    connect(m_info, &QLabel::linkActivated, this, [this](const QString& href) {
        follow(href.startsWith(QLatin1String("L:")), QString::fromUtf8(QByteArray::fromPercentEncoding(href.mid(2).toUtf8())));
    });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_split, 1);
    layout->addWidget(m_info);

    // One legend is enough for two graphs in the same colours; the quantized side shows its heat scale.
    m_left->setLegendVisible(false);
    m_right->setLegendVisible(false);
    connect(m_left, &GraphView::nodeSelected, this, [this](const QString& name) { selectedOn(true, name); });
    connect(m_right, &GraphView::nodeSelected, this, [this](const QString& name) { selectedOn(false, name); });
    // A group opened on one side opens on the other where it exists (scopes mostly survive the passes).
    connect(m_left, &GraphView::groupToggled, m_right, &GraphView::setGroupExpanded);
    connect(m_right, &GraphView::groupToggled, m_left, &GraphView::setGroupExpanded);
    connect(&m_job, &JobBase::finished, this, &GraphCompare::onOptimized);
    showCurrent();
}

GraphCompare::~GraphCompare() = default;

void GraphCompare::setModel(std::shared_ptr<const core::Model> model, std::optional<conv::Format> input,
    std::shared_ptr<const graph::GraphData> graphData)
{
    m_job.cancel();
    m_model = std::move(model);
    m_input = input;
    m_graphData = std::move(graphData);
    m_optimizedStale = true;
    m_before.reset();
    m_after.reset();
    m_trace = {};
    m_quantErrors.clear();
    m_quantPlan.clear();
    m_left->setGraph(nullptr);
    m_right->setGraph(nullptr);
    showCurrent();
}

void GraphCompare::setQuantization(const QHash<QString, GraphView::WeightError>& errors, const QString& plan,
    std::uint64_t float32Bytes, std::uint64_t quantizedBytes)
{
    m_quantErrors = errors;
    m_quantPlan = plan;
    m_float32Bytes = float32Bytes;
    m_quantizedBytes = quantizedBytes;
    if (m_mode == Mode::Quantized)
        showCurrent();
}

void GraphCompare::setMode(Mode mode)
{
    m_modeBox->setCurrentIndex(mode == Mode::Optimized ? 0 : 1);
    if (m_mode == mode)
        return;
    m_mode = mode;
    if (auto* recompute = findChild<QToolButton*>(QStringLiteral("compareRefresh")))
        recompute->setEnabled(mode == Mode::Optimized);
    m_right->setLegendVisible(mode == Mode::Quantized);
    m_left->setGraph(nullptr);
    m_right->setGraph(nullptr);
    showCurrent();
}

void GraphCompare::refresh()
{
    if (m_mode != Mode::Optimized || !m_model)
        return;
    m_optimizedStale = true;
    startOptimizing();
}

void GraphCompare::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_mode == Mode::Optimized && m_optimizedStale && m_model && !m_job.isRunning())
        startOptimizing();
}

void GraphCompare::showCurrent()
{
    m_selectedLeft.clear();
    m_selectedRight.clear();
    m_info->setText(tr("Select a node on either side: its counterpart is selected on the other."));
    if (!m_model || !m_graphData || m_graphData->nodes.empty()) {
        const QString why = m_model ? tr("This model has no graph to compare.") : tr("Open a model to compare.");
        m_left->setGraph(nullptr, why);
        m_right->setGraph(nullptr, why);
        m_leftTitle->clear();
        m_rightTitle->clear();
        m_summary->clear();
        return;
    }
    if (m_mode == Mode::Quantized) {
        if (m_left->graphData() != m_graphData.get())
            m_left->setGraph(m_graphData);
        m_leftTitle->setText(tr("<b>float32</b> · %1 of weights").arg(bytesText(m_float32Bytes)));
        m_summary->setText(m_quantPlan.isEmpty() ? QString() : tr("right: what TensorFlow.js dequantizes, error per weight"));
        if (m_quantPlan.isEmpty()) {
            m_right->setGraph(nullptr, tr("Choose a quantization in the Convert panel (uint8, uint16 or float16) to compare "
                                          "the model with it."));
            m_rightTitle->setText(tr("<b>quantized</b> · none chosen"));
            return;
        }
        if (m_right->graphData() != m_graphData.get())
            m_right->setGraph(m_graphData);
        m_right->setQuantizationErrors(m_quantErrors, m_quantPlan);
        m_right->setOverlay(GraphView::Overlay::Quantization);
        m_right->setLegendVisible(true);
        const double share = m_float32Bytes ? 100.0 * static_cast<double>(m_quantizedBytes) / static_cast<double>(m_float32Bytes) : 0;
        m_rightTitle->setText(tr("<b>%1</b> · %2 (%3 % of float32)").arg(m_quantPlan.toHtmlEscaped(), bytesText(m_quantizedBytes))
                                  .arg(share, 0, 'f', 0));
        return;
    }
    // Optimized: the last result, or a new one when this is on screen.
    if (m_before && m_after && !m_optimizedStale) {
        if (m_left->graphData() != m_before.get())
            m_left->setGraph(m_before);
        if (m_right->graphData() != m_after.get())
            m_right->setGraph(m_after);
        return;
    }
    m_leftTitle->setText(tr("<b>as read</b>"));
    m_rightTitle->setText(tr("<b>optimized</b>"));
    if (isVisible())
        startOptimizing();
    else
        m_right->setGraph(nullptr, tr("The passes run when this tab is shown."));
}

void GraphCompare::startOptimizing()
{
    if (!m_model)
        return;
    if (m_job.isRunning()) {
        m_job.cancel(); // onOptimized starts again: the result would be for old options or an old model
        return;
    }
    if (!m_input) {
        m_right->setGraph(nullptr, tr("The converter does not read this format, so it has no passes to show."));
        return;
    }
    conv::ConvertOptions options;
    if (m_options) {
        try {
            options = m_options();
        } catch (const std::exception&) {
            options = {}; // bad quantization patterns do not matter to the passes
        }
    }
    m_summary->setText(tr("running the converter's passes…"));
    m_right->setGraph(nullptr, tr("Running the converter's passes…"));
    if (!m_left->graphData())
        m_left->setGraph(nullptr, tr("Running the converter's passes…"));
    m_optimizedStale = false;
    m_job.start([model = m_model, input = *m_input, options](const CancelToken& cancel, const auto&) {
        conv::ConvertHooks hooks;
        hooks.cancel = cancel;
        hooks.evaluate = rt::referenceConstantEvaluator();
        auto r = conv::optimizeGraph(*model, input, options, hooks);
        Optimized o;
        o.trace = conv::traceGraph(r.before.graph, r.after.graph, r.passes);
        cancel.check();
        o.before = graph::buildGraphData(r.before);
        o.after = graph::buildGraphData(r.after);
        o.beforeNodes = r.before.graph.nodes.size();
        o.afterNodes = r.after.graph.nodes.size();
        o.passes = std::move(r.passes);
        return o;
    });
}

void GraphCompare::onOptimized(JobStatus status)
{
    if (status == JobStatus::Cancelled) {
        // Cancelled for a newer model or options: run for those (nothing to do without a model).
        if (m_model && m_mode == Mode::Optimized) {
            m_optimizedStale = true;
            if (isVisible())
                startOptimizing();
        }
        return;
    }
    if (m_mode != Mode::Optimized)
        return;
    if (status == JobStatus::Failed) {
        m_summary->clear();
        m_left->setGraph(m_graphData);
        m_leftTitle->setText(tr("<b>as read</b> · %1 nodes").arg(m_graphData ? m_graphData->nodes.size() : 0));
        m_right->setGraph(nullptr, m_job.failure().message);
        m_rightTitle->setText(tr("<b>optimized</b> · no passes"));
        return;
    }
    Optimized o = m_job.takeValue();
    m_before = o.before;
    m_after = o.after;
    m_trace = std::move(o.trace);
    const bool lowered = m_model && m_model->kind == core::ModelKind::LayersModel;
    m_leftTitle->setText((lowered ? tr("<b>as read</b>, layers lowered to ops · %1 nodes") : tr("<b>as read</b> · %1 nodes"))
                             .arg(o.beforeNodes));
    const auto delta = static_cast<long long>(o.afterNodes) - static_cast<long long>(o.beforeNodes);
    m_rightTitle->setText(tr("<b>optimized</b> · %1 nodes (%2%3)").arg(o.afterNodes).arg(delta > 0 ? QStringLiteral("+") : QString()).arg(delta));
    QStringList changed;
    for (const auto& p : o.passes)
        if (p.changed())
            changed << QString::fromStdString(p.summary()).toHtmlEscaped();
    m_summary->setText(tr("%1 of %2 passes changed the graph").arg(changed.size()).arg(o.passes.size()));
    m_summary->setToolTip(changed.isEmpty() ? QString() : changed.join(QStringLiteral("<br>")));
    m_left->setGraph(m_before);
    m_right->setGraph(m_after);
}

QString GraphCompare::opOn(bool leftSide, const QString& name) const
{
    const GraphView* view = leftSide ? m_left : m_right;
    const graph::GraphData* d = view->graphData();
    if (!d)
        return {};
    const int k = d->nodeByName.value(name, -1);
    return k < 0 ? QString() : d->nodes[static_cast<std::size_t>(k)].op;
}

void GraphCompare::selectedOn(bool leftSide, const QString& name)
{
    (leftSide ? m_selectedLeft : m_selectedRight) = name;
    QString other;
    if (m_mode == Mode::Quantized) {
        other = name;
    } else if (leftSide) {
        if (const auto* f = m_trace.fate(name.toStdString()))
            other = f->kind == conv::NodeFate::Kind::Kept ? name : QString::fromStdString(f->into);
    } else if (m_trace.fate(name.toStdString())) {
        other = name;
    } else if (const auto it = m_trace.mergedInto.find(name.toStdString()); it != m_trace.mergedInto.end() && !it->second.empty()) {
        other = QString::fromStdString(it->second.front());
    }
    GraphView* view = leftSide ? m_right : m_left;
    if (!other.isEmpty() && view->selectNode(other, true))
        (leftSide ? m_selectedRight : m_selectedLeft) = other;
    m_info->setText(describe(leftSide, name));
    if (leftSide)
        emit nodeSelected(name);
}

void GraphCompare::follow(bool leftSide, const QString& name)
{
    GraphView* view = leftSide ? m_left : m_right;
    if (view->selectNode(name, true))
        selectedOn(leftSide, name);
}

QString GraphCompare::describe(bool leftSide, const QString& name) const
{
    const QString op = opOn(leftSide, name);
    const QString head = QStringLiteral("<b>%1</b> (%2)").arg(name.toHtmlEscaped(), op.toHtmlEscaped());
    if (m_mode == Mode::Quantized) {
        const auto e = m_right->quantizationError(name);
        if (!e)
            return tr("%1: no weight the quantization changes.").arg(head);
        return tr("%1: after quantization, at most %2 off (%3 % of the weight's RMS).")
            .arg(head).arg(e->maxAbs, 0, 'g', 3).arg(e->relative * 100, 0, 'g', 3);
    }
    const std::string key = name.toStdString();
    const auto absorbed = [&](const std::string& into) {
        const auto it = m_trace.mergedInto.find(into);
        if (it == m_trace.mergedInto.end() || it->second.empty())
            return QString();
        QStringList names;
        for (const auto& n : it->second)
            names << link(true, QString::fromStdString(n));
        return tr(" It took in %1: %2.").arg(it->second.size() == 1 ? tr("1 node") : tr("%1 nodes").arg(it->second.size()),
                                              names.join(QStringLiteral(", ")));
    };
    const conv::NodeFate* f = m_trace.fate(key);
    if (!leftSide && !f) {
        const auto added = m_trace.addedBy.find(key);
        const QString by = added == m_trace.addedBy.end() || added->second.empty()
            ? QString() : tr(" by %1").arg(QString::fromStdString(added->second));
        return tr("%1 is new, made%2.").arg(head, by) + absorbed(key);
    }
    if (!f)
        return head;
    const QString pass = QString::fromStdString(f->pass);
    switch (f->kind) {
    case conv::NodeFate::Kind::Kept: {
        const QString before = opOn(true, name), after = opOn(false, name);
        const QString where = leftSide ? link(false, name) : link(true, name);
        if (before != after)
            return tr("%1 is kept as %2, now %3 (was %4).").arg(head, where, after.toHtmlEscaped(), before.toHtmlEscaped()) + absorbed(key);
        return tr("%1 is kept as it is (%2).").arg(head, where) + absorbed(key);
    }
    case conv::NodeFate::Kind::Merged: {
        const QString into = QString::fromStdString(f->into);
        return tr("%1 was merged into %2 (%3)%4.").arg(head, link(false, into), opOn(false, into).toHtmlEscaped(),
            pass.isEmpty() ? QString() : tr(" by %1").arg(pass));
    }
    case conv::NodeFate::Kind::Removed:
        return pass.isEmpty() ? tr("%1 was removed: nothing it feeds is left.").arg(head)
                              : tr("%1 was removed by %2: nothing it feeds is left.").arg(head, pass);
    }
    return head;
}

QString GraphCompare::selectionText() const
{
    return m_info->text();
}

} // namespace studio::ui
