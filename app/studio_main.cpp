// tfjs-studio: the desktop studio. Without a display it runs the same pipeline headless.
#include "app/pipeline.h"
#include "core/version.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdlib>
#include <filesystem>
#include <iostream>

int main(int argc, char** argv)
{
    const bool hasDisplay = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY")
        || (std::getenv("QT_QPA_PLATFORM") && std::string(std::getenv("QT_QPA_PLATFORM")) != "");
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
    if (!hasDisplay) {
        const std::filesystem::path model = argc > 1 ? std::filesystem::path(argv[1]) : studio::app::bundledSampleModel();
        std::cout << "tfjs-studio " << STUDIO_VERSION << ": no display, running the pipeline headless\n";
        return studio::app::runPipeline(model, std::filesystem::temp_directory_path() / "tfjs-studio-headless" / "model",
            std::cout, std::cerr);
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName("tfjs-studio");
    QApplication::setApplicationVersion(STUDIO_VERSION);
    studio::ui::MainWindow window;
    const QStringList args = QApplication::arguments();
    window.openModel(args.size() > 1 ? args[1] : QString::fromStdString(studio::app::bundledSampleModel().string()));
    window.show();
    return QApplication::exec();
}
