// The Convert panel: the route (input -> output format), output folder, quantization, shard
// size, Keras' per-layer weight groups; runs the conversion on a worker with progress and cancel.
#pragma once

#include "converter/convert.h"
#include "ui/panels/log_panel.h"

#include <QFuture>
#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace studio::ui {

class ElidedLabel;

class ConvertPanel : public QWidget {
    Q_OBJECT
public:
    enum class Quantization { None, UInt8, UInt16, Float16 };

    explicit ConvertPanel(QWidget* parent = nullptr);
    // Cancels a running conversion and waits for it: the worker must not outlive the panel.
    ~ConvertPanel() override;

    // The model to convert and its input format as --input_format spells it ("keras"); an
    // output folder the user has not typed is derived from the path.
    void setSource(const QString& modelPath, const QString& inputFormat, bool weightsOnly = false);
    void setOutputFolder(const QString& folder);
    QString outputFolder() const;
    void setQuantization(Quantization q, const QString& patterns = {});
    void setShardSize(int bytes);
    // Off: no confirmation dialogs (tests, screenshots); the worker's errors still go out.
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isRunning() const;

    // The options the form describes; throws studio::Error for bad patterns.
    conv::ConvertOptions options() const;

public slots:
    void start();
    void cancel();

signals:
    void message(studio::ui::LogLevel level, const QString& text);
    void failed(const QString& title, const QString& detail);
    void finished(bool ok);

private:
    struct Outcome {
        bool ok = false;
        bool cancelled = false;
        QString error;
        conv::ConvertResult result;
    };

    void onProgress(const QString& stage, double fraction);
    void onFinished();
    void setRunning(bool running);
    void showResult(const conv::ConvertResult& result);
    void updateShardHint();
    void updateRoute();
    QString routeText() const; // "keras → tfjs_layers_model"
    bool kerasInput() const;
    QString defaultOutputFor(const QString& modelPath) const;

    QString m_source;
    QString m_inputFormat;
    bool m_weightsOnly = false;
    QString m_autoOutput; // the derived folder; replaced on the next model unless edited
    bool m_interactive = true;
    bool m_running = false; // from start() until onFinished(), unlike QFutureWatcher::isRunning
    std::shared_ptr<std::atomic<bool>> m_cancelFlag;
    QFutureWatcher<Outcome> m_watcher;

    QFormLayout* m_form;
    ElidedLabel* m_sourceLabel;
    QLabel* m_route;
    QLineEdit* m_output;
    QComboBox* m_quantization;
    QLineEdit* m_patterns;
    QSpinBox* m_shardSize;
    QLabel* m_shardHint;
    QCheckBox* m_splitByLayer;
    QPushButton* m_convert;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QTreeWidget* m_files;
    QLabel* m_summary;
};

} // namespace studio::ui
