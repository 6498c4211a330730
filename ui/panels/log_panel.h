// The log: a timestamped, monospace record of what the studio did and what went wrong.
#pragma once

#include <QPlainTextEdit>

namespace studio::ui {

enum class LogLevel { Info, Warning, Error };

class LogPanel : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit LogPanel(QWidget* parent = nullptr);

public slots:
    void append(studio::ui::LogLevel level, const QString& message);

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;
};

} // namespace studio::ui
