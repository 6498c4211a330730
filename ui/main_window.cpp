// The studio's main window.
#include "ui/main_window.h"

#include "converter/importers/importer.h"
#include "converter/inspect.h"

#include <QPlainTextEdit>

namespace studio::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    m_text = new QPlainTextEdit(this);
    m_text->setReadOnly(true);
    setCentralWidget(m_text);
    resize(1000, 700);
}

bool MainWindow::openModel(const QString& path)
{
    try {
        const auto model = conv::importModel(path.toStdString());
        m_text->setPlainText(QString::fromStdString(conv::toText(conv::inspect(model))));
        return true;
    } catch (const std::exception& e) {
        m_text->setPlainText(QString::fromUtf8(e.what()));
        return false;
    }
}

} // namespace studio::ui
