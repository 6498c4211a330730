// The studio's main window.
#pragma once

#include <QMainWindow>

class QPlainTextEdit;

namespace studio::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    bool openModel(const QString& path);

private:
    QPlainTextEdit* m_text = nullptr;
};

} // namespace studio::ui
