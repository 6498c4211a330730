// The titled pane used by every panel in the main window.
#include "ui/widgets/section.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace studio::ui {

Section::Section(const QString& title, QWidget* content, QWidget* parent)
    : QWidget(parent), m_content(content), m_title(new QLabel(title)), m_note(new QLabel)
{
    m_title->setToolTip(title);
    auto* bar = new QWidget(this);
    bar->setObjectName(QStringLiteral("sectionHeader"));
    bar->setAutoFillBackground(true);
    QPalette pal = bar->palette();
    pal.setColor(QPalette::Window, pal.color(QPalette::Window).darker(108));
    bar->setPalette(pal);

    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    QPalette muted = m_note->palette();
    muted.setColor(QPalette::WindowText, muted.color(QPalette::PlaceholderText));
    m_note->setPalette(muted);

    // The header never makes a small window wider: title and note give way (clipped, the whole
    // text in their tooltips) before the pane does.
    m_title->setMinimumWidth(40);
    m_note->setMinimumWidth(24);

    m_header = new QHBoxLayout(bar);
    m_header->setContentsMargins(8, 4, 6, 4);
    m_header->setSpacing(8);
    m_header->addWidget(m_title);
    m_header->addStretch(1);
    m_header->addWidget(m_note);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(content, 1);
}

void Section::setTitle(const QString& title)
{
    m_title->setText(title);
    m_title->setToolTip(title);
}

void Section::setNote(const QString& note)
{
    m_note->setText(note);
    m_note->setToolTip(note);
}

void Section::addTool(QWidget* tool)
{
    m_header->addWidget(tool);
}

} // namespace studio::ui
