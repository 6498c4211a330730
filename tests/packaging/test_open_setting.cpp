// The settings choice for files opened from the desktop (File > Open Files from the Desktop In):
// the menu shows the stored choice, and choosing writes it where the studio reads it.
#include "ui/main_window.h"

#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using studio::ui::MainWindow;

class TestOpenSetting : public QObject {
    Q_OBJECT
private:
    static QMenu* desktopMenu(MainWindow& w)
    {
        auto* menu = w.menuBar()->findChild<QMenu*>(QStringLiteral("desktopFilesMenu"));
        if (!menu)
            qFatal("no File > Open Files from the Desktop In menu");
        return menu;
    }
    static QAction* action(QMenu* menu, const QString& text)
    {
        for (QAction* a : menu->actions())
            if (a->text().remove(u'&') == text)
                return a;
        qFatal("no action '%s'", qPrintable(text));
    }

private slots:
    void defaultsToTheCurrentWindow()
    {
        QSettings().clear();
        QVERIFY(!MainWindow::desktopFilesOpenNewWindow());
        MainWindow w;
        QMenu* menu = desktopMenu(w);
        QVERIFY(action(menu, QStringLiteral("The Current Window"))->isChecked());
        QVERIFY(!action(menu, QStringLiteral("A New Window"))->isChecked());
    }

    void choosingWritesTheSetting()
    {
        QSettings().clear();
        MainWindow w;
        QMenu* menu = desktopMenu(w);
        action(menu, QStringLiteral("A New Window"))->trigger();
        QVERIFY(MainWindow::desktopFilesOpenNewWindow());
        QCOMPARE(QSettings().value(QStringLiteral("desktop/openInNewWindow")).toBool(), true);
        // Another window shows the choice made in this one when its menu opens.
        MainWindow other;
        QMenu* otherMenu = desktopMenu(other);
        emit otherMenu->aboutToShow();
        QVERIFY(action(otherMenu, QStringLiteral("A New Window"))->isChecked());
        action(menu, QStringLiteral("The Current Window"))->trigger();
        QVERIFY(!MainWindow::desktopFilesOpenNewWindow());
        emit otherMenu->aboutToShow();
        QVERIFY(action(otherMenu, QStringLiteral("The Current Window"))->isChecked());
    }
};

int main(int argc, char** argv)
{
    // Settings in a folder of its own, never the user's.
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("tfjs-studio-test"));
    QApplication::setApplicationName(QStringLiteral("open-setting"));
    TestOpenSetting test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_open_setting.moc"
