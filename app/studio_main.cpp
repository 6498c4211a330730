// tfjs-studio: the desktop studio. Without a display it runs the same pipeline headless.
#include "app/pipeline.h"
#include "core/version.h"
#include "ui/graph/graph_compare.h"
#include "ui/graph/graph_view.h"
#include "ui/main_window.h"
#include "ui/panels/benchmark_panel.h"
#include "ui/panels/convert_panel.h"

#include <QApplication>
#include <QDataStream>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPixmap>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace {

// Hidden options for scripts/screenshot.sh and tests; not in --help because they are not for users.
struct Args {
    std::optional<std::string> model; // the first file
    QStringList files;                // every file named (the desktop's %F passes several)
    int quitAfterLoads = 0;           // --quit-after-loads N: print each load, exit 0 after N (1 on an error)
    std::optional<std::string> screenshot; // --screenshot PATH: show, grab the window to PNG, exit
    std::optional<std::string> select;     // --select NODE: select a node (with --screenshot: before the grab)
    bool benchmark = false;                // --benchmark: run a short benchmark (with --screenshot: before the grab)
    std::optional<std::string> expand;     // --expand SCOPE: open a graph scope or layer before the grab
    std::optional<std::string> grab;       // --grab graph|compare|issues: grab that panel instead of the window
    std::optional<std::string> tab;        // --tab graph|nodes|compare|compare-uint8: the centre tab to show
    std::string error;
};

Args parseArgs(int argc, char** argv)
{
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&](std::optional<std::string>& into) {
            if (i + 1 >= argc)
                a.error = arg + " needs a value";
            else
                into = argv[++i];
        };
        if (arg == "--screenshot")
            value(a.screenshot);
        else if (arg == "--select")
            value(a.select);
        else if (arg == "--benchmark")
            a.benchmark = true;
        else if (arg == "--expand")
            value(a.expand);
        else if (arg == "--grab")
            value(a.grab);
        else if (arg == "--tab")
            value(a.tab);
        else if (arg == "--quit-after-loads") {
            std::optional<std::string> n;
            value(n);
            if (n) {
                bool ok = false;
                a.quitAfterLoads = QString::fromStdString(*n).toInt(&ok);
                if (!ok || a.quitAfterLoads < 1)
                    a.error = "--quit-after-loads needs a count of 1 or more, not '" + *n + "'";
            }
        } else if (!arg.empty() && arg[0] != '-') {
            // The desktop may pass file: URLs; the studio opens local paths.
            QString file = QString::fromLocal8Bit(arg.c_str());
            if (file.startsWith(QLatin1String("file:")))
                file = QUrl(file).toLocalFile();
            if (!a.model)
                a.model = file.toStdString();
            a.files << file;
        }
        // Anything else is left for Qt (-platform, -style, ...).
    }
    return a;
}

// One studio per user session: a launch while one runs hands its files to it (through a local
// socket) and exits, and the running one opens them as the user chose in the settings.
QString instanceName()
{
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty() && QFileInfo(runtime).isDir() && QFileInfo(runtime).isWritable())
        return QDir(runtime).filePath(QStringLiteral("tfjs-studio.socket"));
#ifdef Q_OS_UNIX
    return QStringLiteral("tfjs-studio-%1").arg(getuid());
#else
    return QStringLiteral("tfjs-studio-%1").arg(qEnvironmentVariable("USERNAME"));
#endif
}

// The request is a QDataStream'd QStringList of absolute paths (empty: just show yourself);
// the answer one line, "ok". Returns false when no studio answered, and the caller runs its own.
bool handToRunningStudio(const QString& name, const QStringList& files)
{
    QLocalSocket socket;
    socket.connectToServer(name);
    if (!socket.waitForConnected(2000))
        return false;
    QByteArray request;
    QDataStream out(&request, QIODevice::WriteOnly);
    out << files;
    socket.write(request);
    if (!socket.waitForBytesWritten(5000))
        return false;
    while (!socket.canReadLine())
        if (!socket.waitForReadyRead(10000))
            return false;
    return socket.readLine().trimmed() == "ok";
}

// A list of paths; anything longer is not a request from tfjs-studio.
constexpr qint64 kMaxRequestBytes = 1 << 20;

// The windows of this process: the first one, and those that files from the desktop opened.
class Studio {
public:
    explicit Studio(int quitAfterLoads) : m_quitAfterLoads(quitAfterLoads) {}
    ~Studio()
    {
        delete m_server;
        // Before QApplication goes: a window's loader must stop before HDF5's atexit cleanup.
        for (const auto& w : m_windows)
            delete w.data();
    }

    studio::ui::MainWindow* newWindow()
    {
        auto* window = new studio::ui::MainWindow;
        window->setAttribute(Qt::WA_DeleteOnClose);
        window->restoreLayout();
        if (auto* previous = current(); previous && previous->isVisible())
            window->move(previous->pos() + QPoint(32, 32));
        m_windows.emplace_back(window);
        const int number = static_cast<int>(m_windows.size());
        if (m_quitAfterLoads > 0) {
            // A test run: no modal dialogs, errors on stderr and the exit status.
            window->setInteractive(false);
            QObject::connect(window, &studio::ui::MainWindow::modelLoaded, window, [this, number](const QString& path) {
                std::cout << "tfjs-studio: loaded " << path.toStdString() << " in window " << number << std::endl;
                if (++m_loads >= m_quitAfterLoads)
                    QApplication::exit(0);
            });
            QObject::connect(window, &studio::ui::MainWindow::errorReported, window,
                [](const QString& title, const QString& detail) {
                    std::cerr << "tfjs-studio: " << title.toStdString() << ": " << detail.toStdString() << std::endl;
                    QApplication::exit(1);
                });
        }
        window->show();
        return window;
    }

    // The window a file goes to when it should not get a new one: the active one, else the newest.
    studio::ui::MainWindow* current() const
    {
        if (auto* active = qobject_cast<studio::ui::MainWindow*>(QApplication::activeWindow()))
            return active;
        for (auto it = m_windows.rbegin(); it != m_windows.rend(); ++it)
            if (*it)
                return it->data();
        return nullptr;
    }

    // Files from the desktop or a second launch.
    void open(const QStringList& files)
    {
        studio::ui::MainWindow* window = current();
        if (files.isEmpty() && window) {
            raise(window);
            return;
        }
        const bool newWindows = studio::ui::MainWindow::desktopFilesOpenNewWindow();
        for (const QString& file : files) {
            if (!window || newWindows)
                window = newWindow();
            window->openModelAsync(file);
            raise(window);
        }
    }

    bool listen(const QString& name)
    {
        m_server = new QLocalServer;
        m_server->setSocketOptions(QLocalServer::UserAccessOption);
        if (!m_server->listen(name)) {
            // A studio that crashed leaves its socket file behind; nothing answers on it.
            if (m_server->serverError() != QAbstractSocket::AddressInUseError)
                return false;
            QLocalServer::removeServer(name);
            if (!m_server->listen(name))
                return false;
        }
        QObject::connect(m_server, &QLocalServer::newConnection, m_server, [this] {
            while (QLocalSocket* socket = m_server->nextPendingConnection()) {
                QObject::connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
                // Owned by the connection below, so it goes with the socket.
                auto stream = std::make_shared<QDataStream>(socket);
                QObject::connect(socket, &QLocalSocket::readyRead, socket, [this, socket, stream] {
                    QStringList files;
                    stream->startTransaction();
                    *stream >> files;
                    if (!stream->commitTransaction()) {
                        // The rest is still on its way, unless what came is not a request at all.
                        if (stream->status() == QDataStream::ReadCorruptData || socket->bytesAvailable() > kMaxRequestBytes)
                            socket->abort();
                        return;
                    }
                    socket->write("ok\n");
                    socket->flush();
                    socket->disconnectFromServer();
                    open(files);
                });
            }
        });
        return true;
    }

private:
    static void raise(QWidget* window)
    {
        window->show();
        window->raise();
        window->activateWindow();
    }

    std::vector<QPointer<studio::ui::MainWindow>> m_windows;
    QLocalServer* m_server = nullptr;
    int m_quitAfterLoads = 0;
    int m_loads = 0;
};

} // namespace

int main(int argc, char** argv)
{
    auto isSet = [](const char* name) {
        const char* v = std::getenv(name);
        return v && *v;
    };
    const bool hasDisplay = isSet("DISPLAY") || isSet("WAYLAND_DISPLAY") || isSet("QT_QPA_PLATFORM");
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--version" || a == "-v") {
            std::cout << "tfjs-studio " << STUDIO_VERSION << "\n";
            return 0;
        }
        if (a == "--help" || a == "-h") {
            std::cout << "usage: tfjs-studio [MODEL...]\n\nOpens the studio on MODEL (default: the bundled sample).\n"
                         "While a studio runs, another launch hands it its models and exits; the running studio\n"
                         "opens them in its current window or a new one each (File > Open Files from the Desktop In).\n"
                         "With no display, runs inspect + convert + benchmark of the first MODEL headless and prints\n"
                         "the report.\n\n"
                         "options:\n"
                         "  --version   print the version\n"
                         "  --help      print this help\n";
            return 0;
        }
    }
    const Args args = parseArgs(argc, argv);
    if (!args.error.empty()) {
        std::cerr << "tfjs-studio: " << args.error << "\n";
        return 2;
    }
    if (!hasDisplay && !args.screenshot) {
        const std::filesystem::path model = args.model ? std::filesystem::path(*args.model) : studio::app::bundledSampleModel();
        std::cout << "tfjs-studio " << STUDIO_VERSION << ": no display, running the pipeline headless\n";
        return studio::app::runPipeline(model, std::filesystem::temp_directory_path() / "tfjs-studio-headless" / "model",
            std::cout, std::cerr);
    }
    // A screenshot needs no real display: the offscreen platform renders the same widgets.
    if (!hasDisplay)
        setenv("QT_QPA_PLATFORM", "offscreen", 1);

    QApplication app(argc, argv);
    QApplication::setApplicationName("tfjs-studio");
    // Settings in ~/.config/tfjs-studio/ rather than under "Unknown Organization".
    QApplication::setOrganizationName("tfjs-studio");
    QApplication::setApplicationVersion(STUDIO_VERSION);
    // The .desktop entry's name: Wayland compositors find the window's icon and entry by it.
    QGuiApplication::setDesktopFileName(QStringLiteral(STUDIO_APP_ID));
    QIcon icon;
    for (int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/%1x%1/apps/tfjs-studio.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon);
    const QString model = QString::fromStdString(args.model ? *args.model : studio::app::bundledSampleModel().string());

    if (!args.screenshot) {
        QStringList files;
        for (const QString& f : args.files)
            files << QFileInfo(f).absoluteFilePath();
        const QString name = instanceName();
        if (handToRunningStudio(name, files)) {
            std::cout << "tfjs-studio: " << (files.isEmpty() ? std::string("raised") : "handed " + std::to_string(files.size()) + " file(s) to")
                      << " the studio already running\n";
            return 0;
        }
        Studio instance(args.quitAfterLoads);
        if (!instance.listen(name))
            std::cerr << "tfjs-studio: cannot listen on " << name.toStdString()
                      << "; files opened from the desktop will start another studio\n";
        auto* window = instance.newWindow();
        // The window paints at once; a large model arrives when the worker has read it.
        if (args.select)
            QObject::connect(
                window, &studio::ui::MainWindow::modelLoaded, window,
                [window, name = QString::fromStdString(*args.select)] {
                    if (!window->selectNode(name))
                        std::cerr << "tfjs-studio: no node named '" << name.toStdString() << "'\n";
                },
                Qt::SingleShotConnection);
        if (args.benchmark)
            QObject::connect(
                window, &studio::ui::MainWindow::modelLoaded, window,
                [window] {
                    window->showBenchmarkPanel();
                    window->benchmarkPanel()->start();
                },
                Qt::SingleShotConnection);
        window->openModelAsync(files.isEmpty() ? model : files.front());
        // More than one file from the desktop: the rest go where the user's setting says.
        if (files.size() > 1)
            instance.open(files.mid(1));
        return QApplication::exec();
    }

    studio::ui::MainWindow window;

    // Screenshots: a fixed size and the default layout so every shot is comparable, no modal
    // dialogs (errors land in the log, which is in the picture), and a blocking open so the
    // grab shows the model rather than the busy indicator.
    window.setInteractive(false);
    window.resize(1400, 900);
    window.show();
    int rc = window.openModel(model) ? 0 : 1;
    if (args.select && !window.selectNode(QString::fromStdString(*args.select))) {
        std::cerr << "tfjs-studio: no node named '" << *args.select << "'\n";
        rc = 1;
    }
    if (args.tab && *args.tab == "nodes")
        window.showNodesTab();
    if (args.tab && args.tab->starts_with("compare")) {
        // compare-uint8: float32 against the Convert panel's uint8 quantization.
        if (*args.tab == "compare-uint8") {
            window.convertPanel()->setQuantization(studio::ui::ConvertPanel::Quantization::UInt8);
            window.compareView()->setMode(studio::ui::GraphCompare::Mode::Quantized);
        }
        window.showCompareTab();
    }
    auto waitForGraph = [&window] {
        QElapsedTimer waited;
        waited.start();
        const auto* compare = window.compareView();
        const auto busy = [&] {
            return window.graphView()->isLayingOut() || compare->isComputing() || compare->left()->isLayingOut()
                || compare->right()->isLayingOut();
        };
        while (busy() && waited.elapsed() < 60000)
            QApplication::processEvents(QEventLoop::AllEvents, 50);
    };
    if (args.expand) {
        // "@first": the topmost closed group, whatever the model calls it.
        QString scope = QString::fromStdString(*args.expand);
        if (scope == QLatin1String("@first")) {
            waitForGraph();
            const auto* graph = window.graphView()->graphData();
            double top = 1e300;
            for (const auto& box : window.graphView()->layout().boxes)
                if (box.isGroup && graph && box.rect.top() < top) {
                    top = box.rect.top();
                    scope = graph->groups[static_cast<std::size_t>(box.id)].name;
                }
        }
        if (!window.graphView()->setGroupExpanded(scope, true)) {
            std::cerr << "tfjs-studio: no graph scope or layer named '" << scope.toStdString() << "'\n";
            rc = 1;
        }
    }
    QWidget* grabbed = &window;
    if (args.grab && *args.grab == "graph")
        grabbed = window.graphView();
    else if (args.grab && *args.grab == "compare")
        grabbed = window.compareView();
    else if (args.grab && *args.grab == "issues") // the window, with the Issues tab in front
        window.findChild<QDockWidget*>(QStringLiteral("issuesDock"))->raise();
    // Give layouts, deferred resizes and the first paint time to settle before the grab; the graph's
    // layout runs on a worker, so wait for it first (up to a minute).
    auto grabLater = [&window, &rc, grabbed, waitForGraph, path = QString::fromStdString(*args.screenshot)] {
        waitForGraph();
        QTimer::singleShot(500, &window, [grabbed, &rc, path] {
            if (!grabbed->grab().save(path, "PNG")) {
                std::cerr << "tfjs-studio: cannot write " << path.toStdString() << "\n";
                rc = 1;
            } else {
                std::cout << path.toStdString() << "\n";
            }
            QApplication::exit(rc);
        });
    };
    if (args.benchmark) {
        // Short, so the shot is quick, but enough runs to fill the chart.
        auto* bench = window.benchmarkPanel();
        window.showBenchmarkPanel();
        bench->setRuns(2, 10);
        QObject::connect(bench, &studio::ui::BenchmarkPanel::finished, &window, [&rc, grabLater](bool ok) {
            if (!ok)
                rc = 1;
            grabLater();
        });
        if (!bench->start()) {
            rc = 1;
            grabLater();
        }
    } else {
        grabLater();
    }
    return QApplication::exec();
}
