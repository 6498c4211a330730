// The Convert panel: every conversion route the converter has (output format, SavedModel tags and
// signature, output nodes of frozen graphs, graph-pass switches), quantization, shard size; a live
// preview of the files to be written and the equivalent tfjs-studio-cli command; runs the
// conversion on a worker with progress and cancel, then shows the files and the pass report.
#pragma once

#include "core/tfjs/quantize.h"

#include "converter/convert.h"
#include "converter/formats.h"
#include "converter/importers/saved_model.h"
#include "core/ir/model.h"
#include "ui/job.h"
#include "ui/panels/log_panel.h"

#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;
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
    // output folder the user has not typed is derived from the path. `model`, when given, feeds
    // the preview and the detected output nodes. Everything of the previous model is reset.
    void setSource(const QString& modelPath, std::optional<conv::Format> inputFormat, bool weightsOnly = false,
        std::shared_ptr<const core::Model> model = {});
    // The tag sets and signatures of a SavedModel (conv::describeSavedModel), for the pickers.
    // setSource reads them on a worker; tests may wait for savedModelChoicesChanged.
    void setSavedModelChoices(const std::vector<conv::SavedModelMetaGraph>& metaGraphs);
    QStringList tagSetChoices() const;
    QStringList signatureChoices() const;
    void setOutputFolder(const QString& folder);
    QString outputFolder() const;
    void setOutputFormat(conv::Format format);
    void setQuantization(Quantization q, const QString& patterns = {});
    // The quantization as chosen now (storage dtype per weight-name pattern); empty when none is
    // chosen or the patterns are not valid.
    core::QuantizationPlan quantizationPlan() const;
    void setShardSize(int bytes);
    void setOutputNodeNames(const QString& names);
    // Off: no confirmation dialogs (tests, screenshots); the worker's errors still go out.
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isRunning() const;
    // How the last conversion ended (Idle before the first).
    JobStatus status() const { return m_job.status(); }

    // The options the form describes; throws studio::Error for bad patterns.
    conv::ConvertOptions options() const;
    // The same as a shell command line: "tfjs-studio-cli convert --quantize_uint8='*' in out".
    QString commandLine() const;
    // The files the conversion would write, with their sizes (the preview's rows).
    QStringList previewFiles() const;
    std::uint64_t previewWeightBytes() const { return m_previewBytes; }

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
    // The result buttons: open the converted model in the studio, or benchmark it.
    void openRequested(const QString& path);
    void savedModelChoicesChanged();
    void benchmarkRequested(const QString& path);
    // The quantization or its weight patterns changed (the graph's quantization overlay follows).
    void quantizationChanged();

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
    void updatePreview();
    void fillOutputFormats();
    void fillSignatures();
    QString routeText() const; // "keras → tfjs_layers_model"
    std::optional<conv::Format> outputFormat() const; // the chosen output format
    bool kerasInput() const;
    bool graphOutput() const;
    QString defaultOutputFor(const QString& modelPath) const;
    // Why the output folder cannot take the model, before any prompt; empty when it can.
    QString outputFolderProblem() const;

    QString m_source;
    std::optional<conv::Format> m_inputFormat;
    std::shared_ptr<const core::Model> m_model;
    std::vector<conv::SavedModelMetaGraph> m_metaGraphs;
    int m_sourceSerial = 0; // which setSource a finished worker read for
    bool m_weightsOnly = false;
    QString m_autoOutput; // the derived folder; replaced on the next model unless edited
    QString m_runOutput;  // the folder of the running (or last) conversion
    QString m_convertBlocker; // why the route cannot run in this build; empty when it can
    bool m_interactive = true;
    std::uint64_t m_previewBytes = 0;
    Job<conv::ConvertResult, Progress> m_job;

    QGridLayout* m_form; // label | field rows (a grid: Qt 6.4's QFormLayout corrupts the heap, see showRow)
    ElidedLabel* m_sourceLabel;
    QComboBox* m_outputFormat;
    QLabel* m_route;
    QComboBox* m_tags;
    QComboBox* m_signature;
    QLabel* m_signatureInfo;
    QLineEdit* m_outputNodes;
    QLineEdit* m_output;
    QComboBox* m_quantization;
    QLineEdit* m_patterns;
    QSpinBox* m_shardSize;
    QToolButton* m_shardPresets;
    QLabel* m_shardHint;
    QCheckBox* m_splitByLayer;
    QCheckBox* m_stripDebug;
    QCheckBox* m_skipOpCheck;
    QCheckBox* m_controlFlowV2;
    QTreeWidget* m_preview;
    QLabel* m_previewNote;
    QLineEdit* m_command;
    QPushButton* m_convert;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QTreeWidget* m_files;
    QTreeWidget* m_passes;
    QLabel* m_summary;
    QPushButton* m_openResult;
    QPushButton* m_benchResult;
    QPushButton* m_showFolder;
};

} // namespace studio::ui
