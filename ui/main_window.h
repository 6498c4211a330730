// The studio's main window: model summary and histogram on the left, the node list and
// inspector in the centre, the Convert panel on the right, the log at the bottom.
#pragma once

#include <QMainWindow>
#include <QStringList>

#include <memory>

class QLabel;
class QMenu;
class QSplitter;

namespace studio::core {
struct Model;
}

namespace studio::ui {

class ConvertPanel;
class HistogramPanel;
class InspectorPanel;
class LogPanel;
class NodePanel;
class Section;
class SummaryPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a model and shows it; on failure reports the studio::Error text, keeps what
    // was loaded before and returns false. Never throws.
    bool openModel(const QString& path);
    // Selects a node (graph models), layer (layers models) or weight by name.
    bool selectNode(const QString& name);

    // Off: errors go to the log (and errorReported) instead of message boxes, and nothing
    // asks for confirmation. For tests and screenshots, where a modal dialog would hang.
    void setInteractive(bool interactive);
    bool isInteractive() const { return m_interactive; }

    // Window geometry and dock layout from the last session (the GUI does this; tests
    // and screenshots want the default layout).
    void restoreLayout();

    const core::Model* model() const { return m_model.get(); }
    QString modelPath() const { return m_modelPath; }
    NodePanel* nodePanel() const { return m_nodes; }
    ConvertPanel* convertPanel() const { return m_convert; }
    LogPanel* logPanel() const { return m_log; }

signals:
    void modelLoaded(const QString& path);
    void errorReported(const QString& title, const QString& detail);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildPanels();
    void buildMenus();
    void showOpenDialog();
    void showAbout();
    void reportError(const QString& title, const QString& detail);
    void showSelection(int sourceRow);
    void rememberRecent(const QString& path);
    void forgetRecent(const QString& path);
    void updateRecentMenu();
    QStringList recentFiles() const;

    std::unique_ptr<core::Model> m_model;
    QString m_modelPath;
    bool m_interactive = true;

    SummaryPanel* m_summary = nullptr;
    HistogramPanel* m_histogram = nullptr;
    NodePanel* m_nodes = nullptr;
    InspectorPanel* m_inspector = nullptr;
    ConvertPanel* m_convert = nullptr;
    LogPanel* m_log = nullptr;
    Section* m_summarySection = nullptr;
    Section* m_histogramSection = nullptr;
    QSplitter* m_mainSplit = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QLabel* m_statusPath = nullptr;
    QLabel* m_statusCounts = nullptr;
};

} // namespace studio::ui
