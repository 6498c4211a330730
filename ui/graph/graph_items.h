// The graph view's scene items: a box per node or closed group, a frame per open group, an arrow
// per edge. They only draw; the view decides what a click means.
#pragma once

#include <QColor>
#include <QGraphicsItem>
#include <QPainterPath>
#include <QString>

namespace studio::ui::graph {

// Item kinds for QGraphicsItem::type(), so the view can tell what was clicked.
enum ItemType {
    BoxItemType = QGraphicsItem::UserType + 1,
    ClusterItemType,
    EdgeItemType,
};

// A node, or a closed group (drawn as a stack with a "+" button).
class BoxItem : public QGraphicsItem {
public:
    BoxItem(bool isGroup, int id, const QRectF& rect, QString title, QString subtitle);

    int type() const override { return BoxItemType; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    bool isGroup() const { return m_isGroup; }
    int id() const { return m_id; }
    QRectF rect() const { return m_rect; }
    // The expand button of a closed group, in item coordinates.
    QRectF buttonRect() const;

    void setFill(const QColor& fill);
    QColor fill() const { return m_fill; }
    void setAlert(bool alert); // unsupported: a thick red border
    bool alert() const { return m_alert; }
    void setMatch(bool match); // a find hit: a yellow halo
    bool isMatch() const { return m_match; }

private:
    bool m_isGroup;
    int m_id;
    QRectF m_rect;
    QString m_title, m_subtitle;
    QColor m_fill = Qt::white;
    bool m_alert = false;
    bool m_match = false;
};

// An open group: a rounded frame with its name and a "-" button at the top.
class ClusterItem : public QGraphicsItem {
public:
    ClusterItem(int group, const QRectF& rect, QString title, bool alert);
    int type() const override { return ClusterItemType; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
    int group() const { return m_group; }
    QRectF buttonRect() const;
    QRectF frameRect() const { return m_rect; }
    // Only the title bar takes clicks; the rest belongs to what is inside.
    QPainterPath shape() const override;

private:
    int m_group;
    QRectF m_rect;
    QString m_title;
    bool m_alert;
};

class EdgeItem : public QGraphicsItem {
public:
    EdgeItem(const QPainterPath& path, QPointF arrowBase, QPointF arrowTip, QString label, QPointF labelPos,
        int count, bool control);
    int type() const override { return EdgeItemType; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
    QString label() const { return m_label; }
    QPointF start() const { return m_path.elementCount() > 0 ? QPointF(m_path.elementAt(0)) : m_base; }
    QPointF tip() const { return m_tip; }
    void setHighlighted(bool on);

private:
    QPainterPath m_path;
    QPointF m_base, m_tip;
    QString m_label;
    QPointF m_labelPos;
    int m_count;
    bool m_control;
    bool m_highlighted = false;
    QRectF m_bounds;
};

} // namespace studio::ui::graph
