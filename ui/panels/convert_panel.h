// The Convert panel: the route (input -> output format), output folder, quantization, shard
// size, Keras' per-layer weight groups; runs the conversion on a worker with progress and cancel.
#pragma once

#include "converter/convert.h"
#include "converter/formats.h"
#include "ui/job.h"
#include "ui/panels/log_panel.h"

#include <QWidget>

#include <optional>

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
    // A running conversion is cancelled and waited for by the job (the worker must not outlive
    // the panel), and cancelling leaves nothing behind.
    ~ConvertPanel() override = default;

    // The model to convert and its input format (nullopt: unknown, nothing to convert); an
    // output folder the user has not typed is derived from the path.
    void setSource(const QString& modelPath, std::optional<conv::Format> inputFormat, bool weightsOnly = false);
    void setOutputFolder(const QString& folder);
    QString outputFolder() const;
    void setQuantization(Quantization q, const QString& patterns = {});
    void setShardSize(int bytes);
    // Off: no confirmation dialogs (tests, screenshots); the worker's errors still go out.
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isRunning() const;
    // How the last conversion ended (Idle before the first).
    JobStatus status() const { return m_job.status(); }

    // The options the form describes; throws studio::Error for bad patterns.
    conv::ConvertOptions options() const;

public slots:
    void start();
    void cancel();

signals:
    void message(studio::ui::LogLevel level, const QString& text);
    void failed(const QString& title, const QString& detail);
    // After failed(), when the error names a node, layer or weight of the model.
    void failedAt(const studio::Location& where);
    // Once per start(): true only with a written model; false when it failed or was cancelled.
    void finished(bool ok);

private:
    struct Progress {
        QString stage;
        double fraction = 0;
    };

    void onProgress(const QString& stage, double fraction);
    void onFinished(JobStatus status);
    void setRunning(bool running);
    void showResult(const conv::ConvertResult& result);
    void updateShardHint();
    void updateRoute();
    QString routeText() const; // "keras → tfjs_layers_model"
    std::optional<conv::Format> outputFormat() const; // where the converter will go, unasked
    bool kerasInput() const;
    QString defaultOutputFor(const QString& modelPath) const;

    QString m_source;
    std::optional<conv::Format> m_inputFormat;
    bool m_weightsOnly = false;
    QString m_autoOutput; // the derived folder; replaced on the next model unless edited
    QString m_runOutput;  // the folder of the running (or last) conversion
    QString m_convertBlocker; // why the route cannot run in this build; empty when it can
    bool m_interactive = true;
    Job<conv::ConvertResult, Progress> m_job;

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
