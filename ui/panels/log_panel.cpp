// The log pane.
#include "ui/panels/log_panel.h"

#include <QContextMenuEvent>
#include <QFontDatabase>
#include <QMenu>
#include <QScrollBar>
#include <QTextCursor>
#include <QTextDocument>
#include <QTime>

namespace studio::ui {

namespace {
// Enough for a long session; older lines fall off instead of growing memory forever.
constexpr int kMaxLogLines = 20000;
} // namespace

LogPanel::LogPanel(QWidget* parent) : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("logView"));
    setReadOnly(true);
    setMaximumBlockCount(kMaxLogLines);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setFrameShape(QFrame::NoFrame);
}

void LogPanel::append(LogLevel level, const QString& message)
{
    static const char* const kTags[] = {"info ", "warn ", "error"};
    const char* tag = kTags[static_cast<int>(level)];
    // Plain text first so copy/paste and tests see exactly the message; colour is only a hint.
    const QString line = QStringLiteral("%1  %2  %3")
                             .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), QString::fromLatin1(tag), message);
    QTextCharFormat format;
    if (level == LogLevel::Error)
        format.setForeground(QColor(0xc6, 0x28, 0x28));
    else if (level == LogLevel::Warning)
        format.setForeground(QColor(0xb2, 0x6a, 0x00));
    QTextCursor cursor(document());
    cursor.movePosition(QTextCursor::End);
    if (!document()->isEmpty())
        cursor.insertBlock();
    cursor.insertText(line, format);
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

void LogPanel::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu* menu = createStandardContextMenu(event->pos());
    menu->addSeparator();
    menu->addAction(tr("Clear Log"), this, &QPlainTextEdit::clear);
    menu->exec(event->globalPos());
    delete menu;
}

} // namespace studio::ui
