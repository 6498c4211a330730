// The node inspector. Attribute values go through ui/format so every AttrValue kind reads
// the way TensorFlow's own tools print it.
#include "ui/panels/inspector_panel.h"

#include "core/ir/model.h"
#include "ui/format.h"

#include <QHeaderView>

namespace studio::ui {

namespace {

enum Column { KeyColumn, ValueColumn, TypeColumn };

constexpr int kLinkRole = Qt::UserRole + 1; // the node or layer a row links to

// Netron-style: inputs and consumers read as links to the node they name.
void makeLink(QTreeWidgetItem* item, const QString& target)
{
    item->setData(ValueColumn, kLinkRole, target);
    QFont f = item->font(ValueColumn);
    f.setUnderline(true);
    item->setFont(ValueColumn, f);
    item->setForeground(ValueColumn, item->treeWidget()->palette().color(QPalette::Link));
    item->setToolTip(ValueColumn, QObject::tr("Click to select %1").arg(target));
}

// JSON configs of Keras layers nest deeply; two levels open is what fits on screen.
constexpr int kExpandDepth = 2;

QTreeWidgetItem* section(QTreeWidget* tree, const QString& title)
{
    auto* item = new QTreeWidgetItem(tree, {title});
    QFont f = item->font(0);
    f.setBold(true);
    item->setFont(0, f);
    item->setFirstColumnSpanned(true);
    return item;
}

QTreeWidgetItem* row(QTreeWidgetItem* parent, const QString& key, const QString& value, const QString& type = {})
{
    auto* item = new QTreeWidgetItem(parent, {key, value, type});
    item->setToolTip(ValueColumn, value);
    item->setForeground(TypeColumn, item->treeWidget()->palette().color(QPalette::PlaceholderText));
    return item;
}

QString str(const std::string& s)
{
    return QString::fromStdString(s);
}

QString jsonTypeName(const nlohmann::ordered_json& j)
{
    return QString::fromLatin1(j.type_name());
}

bool isScalarArray(const nlohmann::ordered_json& j)
{
    if (!j.is_array() || j.size() > 16)
        return false;
    for (const auto& x : j)
        if (x.is_structured())
            return false;
    return true;
}

// Objects and structured arrays become children; scalars and short scalar arrays one line.
void addJson(QTreeWidgetItem* parent, const QString& key, const nlohmann::ordered_json& j)
{
    if (!j.is_structured() || isScalarArray(j)) {
        row(parent, key, jsonText(j), jsonTypeName(j));
        return;
    }
    auto* item = row(parent, key, j.empty() ? jsonText(j) : QString(), jsonTypeName(j));
    if (j.is_object())
        for (const auto& [k, v] : j.items())
            addJson(item, str(k), v);
    else
        for (std::size_t i = 0; i < j.size(); ++i)
            addJson(item, QStringLiteral("[%1]").arg(i), j[i]);
}

void expandTo(QTreeWidgetItem* item, int depth)
{
    if (depth <= 0)
        return;
    item->setExpanded(true);
    for (int i = 0; i < item->childCount(); ++i)
        expandTo(item->child(i), depth - 1);
}

QString weightSummary(const core::Weight& w)
{
    QString text = dtypeText(w.dtype) + u' ' + shapeText(w.shape) + QStringLiteral(", ") + bytesText(w.byteLength);
    if (w.quantization)
        text += QStringLiteral(" (stored as %1)").arg(dtypeText(w.quantization->dtype));
    return text;
}

void addWeightDetails(QTreeWidgetItem* parent, const core::Weight& w)
{
    row(parent, QObject::tr("Name"), str(w.name));
    row(parent, QObject::tr("DType"), dtypeText(w.dtype));
    row(parent, QObject::tr("Shape"), shapeText(w.shape));
    row(parent, QObject::tr("Elements"), QString::number(w.elementCount()));
    row(parent, QObject::tr("Stored bytes"), bytesExactText(w.byteLength));
    if (w.group)
        row(parent, QObject::tr("Group"), str(*w.group));
    if (const auto& q = w.quantization) {
        auto* qi = row(parent, QObject::tr("Quantization"), dtypeText(q->dtype));
        if (q->min)
            row(qi, QObject::tr("min"), QString::number(*q->min, 'g', 9));
        if (q->scale)
            row(qi, QObject::tr("scale"), QString::number(*q->scale, 'g', 9));
        if (q->originalDtype)
            row(qi, QObject::tr("original dtype"), str(*q->originalDtype));
    }
}

const core::Weight* findWeight(const core::Model& m, const std::string& name)
{
    for (const auto& g : m.weightGroups)
        for (const auto& w : g.weights)
            if (w.name == name)
                return &w;
    return nullptr;
}

} // namespace

InspectorPanel::InspectorPanel(QWidget* parent) : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("inspector"));
    setColumnCount(3);
    setHeaderLabels({tr("Property"), tr("Value"), tr("Type")});
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setFrameShape(QFrame::NoFrame);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(KeyColumn, QHeaderView::Interactive);
    header()->setSectionResizeMode(ValueColumn, QHeaderView::Stretch);
    header()->setSectionResizeMode(TypeColumn, QHeaderView::ResizeToContents);
    setColumnWidth(KeyColumn, 170);
    setTextElideMode(Qt::ElideMiddle);
    connect(this, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item, int) {
        const QString target = item->data(ValueColumn, kLinkRole).toString();
        if (!target.isEmpty())
            emit linkActivated(target);
    });
    connect(this, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item, int) {
        const QString target = item->data(ValueColumn, kLinkRole).toString();
        if (!target.isEmpty())
            emit linkActivated(target);
    });
}

void InspectorPanel::showHint(const QString& hint)
{
    clear();
    auto* item = new QTreeWidgetItem(this, {hint});
    item->setFirstColumnSpanned(true);
    item->setForeground(KeyColumn, palette().color(QPalette::PlaceholderText));
    item->setFlags(Qt::NoItemFlags);
}

void InspectorPanel::showGraphNode(const core::Model& m, std::size_t index)
{
    clear();
    if (index >= m.graph.nodes.size())
        return;
    const core::Node& n = m.graph.nodes[index];

    auto* node = section(this, tr("Node"));
    row(node, tr("Name"), str(n.name));
    row(node, tr("Op"), str(n.op));
    if (!n.device.empty())
        row(node, tr("Device"), str(n.device));

    auto* inputs = section(this, tr("Inputs (%1)").arg(n.inputs.size()));
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
        const auto& in = n.inputs[i];
        const core::Node* producer = m.graph.find(core::inputNodeName(in));
        const QString kind = core::Node::isControlInput(in) ? tr("control") : QString();
        auto* item = row(inputs, QString::number(i), str(in),
            producer ? (kind.isEmpty() ? str(producer->op) : kind + u' ' + str(producer->op)) : kind);
        if (producer)
            makeLink(item, str(producer->name));
    }

    auto* attrs = section(this, tr("Attributes (%1)").arg(n.attrs.size()));
    for (const auto& [key, value] : n.attrs)
        row(attrs, str(key), attrText(value), attrKindName(value));

    // Consumers are not stored in the IR; one scan per selection is cheap next to a repaint.
    auto* consumers = section(this, tr("Consumers"));
    int consumerCount = 0;
    for (const auto& other : m.graph.nodes)
        for (const auto& in : other.inputs)
            if (core::inputNodeName(in) == n.name) {
                // Which output (":1") or a control edge ("^") is worth saying; the plain name is not.
                const QString via = in == n.name ? QString() : QStringLiteral("  (as %1)").arg(str(in).section(u'/', -1));
                makeLink(row(consumers, QString::number(consumerCount), str(other.name) + via, str(other.op)), str(other.name));
                ++consumerCount;
                break;
            }
    consumers->setText(KeyColumn, tr("Consumers (%1)").arg(consumerCount));

    if (const core::Weight* w = findWeight(m, n.name))
        addWeightDetails(section(this, tr("Weight")), *w);

    if (!n.extra.empty()) {
        auto* extra = section(this, tr("Other NodeDef fields"));
        for (const auto& [k, v] : n.extra.items())
            addJson(extra, str(k), v);
    }
    for (int i = 0; i < topLevelItemCount(); ++i)
        topLevelItem(i)->setExpanded(true);
}

void InspectorPanel::showLayer(const core::Model& m, std::size_t index)
{
    clear();
    if (index >= m.layers.size())
        return;
    const core::Layer& l = m.layers[index];

    auto* layer = section(this, tr("Layer"));
    row(layer, tr("Name"), str(l.name));
    row(layer, tr("Class"), str(l.className));
    if (!l.path.empty() && l.path != l.name)
        row(layer, tr("Path"), str(l.path));

    auto* inbound = section(this, tr("Inbound (%1)").arg(l.inboundLayers.size()));
    for (std::size_t i = 0; i < l.inboundLayers.size(); ++i)
        makeLink(row(inbound, QString::number(i), str(l.inboundLayers[i])), str(l.inboundLayers[i]));

    // Keras names weights "<layer>/<variable>" (nested models prefix the path).
    auto* weights = section(this, tr("Weights"));
    int weightCount = 0;
    const std::string prefix = l.name + "/", pathPrefix = l.path + "/";
    for (const auto& g : m.weightGroups)
        for (const auto& w : g.weights)
            if (w.name.starts_with(prefix) || (!l.path.empty() && w.name.starts_with(pathPrefix))) {
                // "kernel" under the layer reads better than a repeated, elided "block_1_…/kernel".
                const std::size_t cut = w.name.starts_with(pathPrefix) && !l.path.empty() ? pathPrefix.size() : prefix.size();
                row(weights, str(w.name.substr(cut)), weightSummary(w))->setToolTip(KeyColumn, str(w.name));
                ++weightCount;
            }
    weights->setText(KeyColumn, tr("Weights (%1)").arg(weightCount));

    auto* config = section(this, tr("Config"));
    if (l.config.is_object())
        for (const auto& [k, v] : l.config.items())
            addJson(config, str(k), v);
    else if (!l.config.is_null())
        addJson(config, tr("value"), l.config);

    for (int i = 0; i < topLevelItemCount(); ++i)
        expandTo(topLevelItem(i), kExpandDepth);
}

void InspectorPanel::showWeight(const core::Model& m, std::size_t flatIndex)
{
    clear();
    std::size_t i = 0;
    for (const auto& g : m.weightGroups)
        for (const auto& w : g.weights)
            if (i++ == flatIndex) {
                auto* s = section(this, tr("Weight"));
                addWeightDetails(s, w);
                s->setExpanded(true);
                return;
            }
}

} // namespace studio::ui
