// Drawing of the graph view's items. Below a readable zoom they drop their text: a 3,000-node
// overview repaints as coloured rectangles instead of 6,000 elided strings.
#include "ui/graph/graph_items.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <cmath>
#include <utility>

namespace studio::ui::graph {

namespace {

constexpr double kTextLod = 0.4; // below this scale text would be a smudge
const QColor kText(0x20, 0x22, 0x26);
const QColor kBorder(0x55, 0x5a, 0x64);
const QColor kAlert(0xc6, 0x1a, 0x1a);
const QColor kSelect(0x1a, 0x73, 0xe8);

double lodOf(const QPainter* painter, const QStyleOptionGraphicsItem* option)
{
    return option->levelOfDetailFromTransform(painter->worldTransform());
}

void drawButton(QPainter* p, const QRectF& r, bool plus)
{
    p->setPen(QPen(kBorder, 1));
    p->setBrush(QColor(255, 255, 255, 220));
    p->drawRoundedRect(r, 3, 3);
    const QPointF c = r.center();
    const double h = r.width() * 0.28;
    p->setPen(QPen(kText, 1.6));
    p->drawLine(QPointF(c.x() - h, c.y()), QPointF(c.x() + h, c.y()));
    if (plus)
        p->drawLine(QPointF(c.x(), c.y() - h), QPointF(c.x(), c.y() + h));
}

} // namespace

BoxItem::BoxItem(bool isGroup, int id, const QRectF& rect, QString title, QString subtitle)
    : m_isGroup(isGroup), m_id(id), m_rect(rect), m_title(std::move(title)), m_subtitle(std::move(subtitle))
{
    setFlag(ItemIsSelectable);
    setAcceptHoverEvents(false);
    setZValue(2);
}

QRectF BoxItem::boundingRect() const
{
    // Room for the group's stack offset, the halo and the selection outline.
    return m_rect.adjusted(-6, -6, 6, 6);
}

QPainterPath BoxItem::shape() const
{
    QPainterPath p;
    p.addRect(m_rect);
    return p;
}

QRectF BoxItem::buttonRect() const
{
    return {m_rect.right() - 20, m_rect.top() + 6, 14, 14};
}

void BoxItem::setFill(const QColor& fill)
{
    m_fill = fill;
    update();
}

void BoxItem::setAlert(bool alert)
{
    m_alert = alert;
    update();
}

void BoxItem::setMatch(bool match)
{
    m_match = match;
    update();
}

void BoxItem::paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const double lod = lodOf(p, option);
    const bool selected = isSelected();
    p->setRenderHint(QPainter::Antialiasing, lod > 0.2);
    if (m_match) {
        p->setPen(Qt::NoPen);
        p->setBrush(QColor(255, 210, 0, 170));
        p->drawRoundedRect(m_rect.adjusted(-5, -5, 5, 5), 7, 7);
    }
    const QPen border = selected ? QPen(kSelect, 3) : m_alert ? QPen(kAlert, 2.5) : QPen(kBorder, m_isGroup ? 1.2 : 0.8);
    if (m_isGroup) {
        // A stack of cards: this box stands for many.
        p->setPen(QPen(kBorder, 0.8));
        p->setBrush(m_fill.darker(112));
        p->drawRoundedRect(m_rect.translated(4, 4), 5, 5);
    }
    p->setPen(border);
    p->setBrush(m_fill);
    p->drawRoundedRect(m_rect, 5, 5);
    if (lod < kTextLod)
        return;

    QFont bold = p->font();
    bold.setBold(true);
    const QFont plain = p->font();
    const double right = m_isGroup ? 24 : 8;
    const QRectF text = m_rect.adjusted(8, 4, -right, -4);
    const double half = text.height() / 2;
    p->setPen(kText);
    p->setFont(bold);
    p->drawText(QRectF(text.left(), text.top(), text.width(), half), Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetricsF(bold).elidedText(m_title, Qt::ElideMiddle, text.width()));
    p->setFont(plain);
    p->setPen(kText.lighter(170));
    p->drawText(QRectF(text.left(), text.top() + half, text.width(), half), Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetricsF(plain).elidedText(m_subtitle, Qt::ElideMiddle, text.width()));
    if (m_isGroup)
        drawButton(p, buttonRect(), true);
}

ClusterItem::ClusterItem(int group, const QRectF& rect, QString title, bool alert)
    : m_group(group), m_rect(rect), m_title(std::move(title)), m_alert(alert)
{
    setZValue(0);
}

QRectF ClusterItem::boundingRect() const
{
    return m_rect.adjusted(-2, -2, 2, 2);
}

QRectF ClusterItem::buttonRect() const
{
    return {m_rect.right() - 20, m_rect.top() + 4, 14, 14};
}

QPainterPath ClusterItem::shape() const
{
    QPainterPath p;
    p.addRect(QRectF(m_rect.left(), m_rect.top(), m_rect.width(), 22));
    return p;
}

void ClusterItem::paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const double lod = lodOf(p, option);
    p->setRenderHint(QPainter::Antialiasing, lod > 0.2);
    p->setPen(QPen(m_alert ? kAlert : QColor(0x8a, 0x90, 0x9c), 1, Qt::DashLine));
    p->setBrush(QColor(0x70, 0x80, 0xa0, 18));
    p->drawRoundedRect(m_rect, 8, 8);
    if (lod < kTextLod)
        return;
    QFont f = p->font();
    f.setBold(true);
    p->setFont(f);
    p->setPen(QColor(0x4a, 0x50, 0x5c));
    const QRectF title(m_rect.left() + 8, m_rect.top() + 2, m_rect.width() - 34, 18);
    p->drawText(title, Qt::AlignLeft | Qt::AlignVCenter, QFontMetricsF(f).elidedText(m_title, Qt::ElideMiddle, title.width()));
    drawButton(p, buttonRect(), false);
}

EdgeItem::EdgeItem(const QPainterPath& path, QPointF arrowBase, QPointF arrowTip, QString label, QPointF labelPos,
    int count, bool control)
    : m_path(path), m_base(arrowBase), m_tip(arrowTip), m_label(std::move(label)), m_labelPos(labelPos), m_count(count),
      m_control(control)
{
    setZValue(1);
    m_bounds = m_path.boundingRect().united(QRectF(m_tip, m_tip).adjusted(-6, -6, 6, 6));
    if (!m_label.isEmpty() && !m_labelPos.isNull())
        m_bounds = m_bounds.united(QRectF(m_labelPos.x() - 80, m_labelPos.y() - 10, 160, 20));
    if (!m_label.isEmpty())
        setToolTip(count > 1 ? QObject::tr("%1 (%2 tensors)").arg(m_label).arg(count) : m_label);
}

QRectF EdgeItem::boundingRect() const
{
    return m_bounds.adjusted(-3, -3, 3, 3);
}

void EdgeItem::setHighlighted(bool on)
{
    m_highlighted = on;
    update();
}

void EdgeItem::paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const double lod = lodOf(p, option);
    p->setRenderHint(QPainter::Antialiasing, lod > 0.2);
    const QColor colour = m_highlighted ? kSelect : QColor(0x6a, 0x70, 0x7a);
    // Thicker for merged edges, so a closed group's many tensors read as one heavy arrow.
    const double width = (m_highlighted ? 2.2 : 1.0) + std::min(2.0, std::log2(static_cast<double>(m_count)) * 0.5);
    p->setPen(QPen(colour, width, m_control ? Qt::DashLine : Qt::SolidLine));
    p->setBrush(Qt::NoBrush);
    p->drawPath(m_path);
    // The arrowhead: a small triangle from the spline's end to the tip Graphviz gave.
    QPointF dir = m_tip - m_base;
    double len = std::hypot(dir.x(), dir.y());
    if (len < 0.5) {
        dir = QPointF(0, 1);
        len = 1;
    }
    dir /= len;
    const QPointF normal(-dir.y(), dir.x());
    const QPointF base = m_tip - dir * 8;
    p->setPen(Qt::NoPen);
    p->setBrush(colour);
    p->drawPolygon(QPolygonF({m_tip, base + normal * 3.5, base - normal * 3.5}));
    if (lod < kTextLod || m_label.isEmpty() || m_labelPos.isNull())
        return;
    QFont f = p->font();
    f.setPointSizeF(f.pointSizeF() * 0.82);
    p->setFont(f);
    const QFontMetricsF fm(f);
    const QString text = m_count > 1 ? QStringLiteral("%1 ×%2").arg(m_label).arg(m_count) : m_label;
    const double w = fm.horizontalAdvance(text) + 6;
    const QRectF box(m_labelPos.x() - w / 2, m_labelPos.y() - fm.height() / 2, w, fm.height());
    p->setBrush(QColor(255, 255, 255, 200));
    p->drawRect(box);
    p->setPen(QColor(0x3c, 0x42, 0x4c));
    p->drawText(box, Qt::AlignCenter, text);
}

} // namespace studio::ui::graph
