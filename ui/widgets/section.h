// A titled pane: a slim header bar (title, a note on the right, optional tools) over one widget.
#pragma once

#include <QWidget>

class QHBoxLayout;
class QLabel;

namespace studio::ui {

// QGroupBox frames look heavy inside splitters; a header bar reads like a panel title.
class Section : public QWidget {
    Q_OBJECT
public:
    Section(const QString& title, QWidget* content, QWidget* parent = nullptr);
    void setTitle(const QString& title);
    void setNote(const QString& note); // "165 nodes", right-aligned, muted
    void addTool(QWidget* tool);       // a filter box or button in the header bar
    QWidget* content() const { return m_content; }

private:
    QWidget* m_content;
    QLabel* m_title;
    QLabel* m_note;
    QHBoxLayout* m_header;
};

} // namespace studio::ui
