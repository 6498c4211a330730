// tfjs-studio: the desktop studio. Without a display it runs the same pipeline headless.
#include "app/pipeline.h"
#include "core/version.h"
#include "ui/main_window.h"
#include "ui/panels/benchmark_panel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QTimer>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

namespace {

// Hidden options for scripts/screenshot.sh; not in --help because they are not for users.
struct Args {
    std::optional<std::string> model;
    std::optional<std::string> screenshot; // --screenshot PATH: show, grab the window to PNG, exit
    std::optional<std::string> select;     // --select NODE: select a node (with --screenshot: before the grab)
    bool benchmark = false;                // --benchmark: run a short benchmark (with --screenshot: before the grab)
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
        else if (!a.model && (arg.empty() || arg[0] != '-'))
            a.model = arg;
        // Anything else is left for Qt (-platform, -style, ...).
    }
    return a;
}

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
            std::cout << "usage: tfjs-studio [MODEL]\n\nOpens the studio on MODEL (default: the bundled sample).\n"
                         "With no display, runs inspect + convert + benchmark headless and prints the report.\n";
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
    QApplication::setApplicationVersion(STUDIO_VERSION);
    studio::ui::MainWindow window;
    const QString model = QString::fromStdString(args.model ? *args.model : studio::app::bundledSampleModel().string());

    if (!args.screenshot) {
        window.restoreLayout();
        window.show();
        // The window paints at once; a large model arrives when the worker has read it.
        if (args.select)
            QObject::connect(
                &window, &studio::ui::MainWindow::modelLoaded, &window,
                [&window, name = QString::fromStdString(*args.select)] {
                    if (!window.selectNode(name))
                        std::cerr << "tfjs-studio: no node named '" << name.toStdString() << "'\n";
                },
                Qt::SingleShotConnection);
        if (args.benchmark)
            QObject::connect(
                &window, &studio::ui::MainWindow::modelLoaded, &window,
                [&window] {
                    window.showBenchmarkPanel();
                    window.benchmarkPanel()->start();
                },
                Qt::SingleShotConnection);
        window.openModelAsync(model);
        return QApplication::exec();
    }

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
    // Give layouts, deferred resizes and the first paint time to settle before the grab.
    auto grabLater = [&window, &rc, path = QString::fromStdString(*args.screenshot)] {
        QTimer::singleShot(500, &window, [&window, &rc, path] {
            if (!window.grab().save(path, "PNG")) {
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
