// The Convert panel. The job's worker only calls conv::convert; its progress and outcome come
// back to the GUI thread through the job (ui/job.h), so no widget is touched off the GUI thread.
#include "ui/panels/convert_panel.h"

#include "core/error.h"
#include "core/tfjs/weight_plan.h"
#include "runtime/constant_eval.h"
#include "ui/format.h"
#include "ui/widgets/elided_label.h"
#include "ui/widgets/section.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QFutureWatcher>
#include <QtConcurrent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QToolButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <cmath>
#include <limits>
#include <set>
#include <string_view>

namespace studio::ui {

namespace {

// The options are a two-column grid of labels and fields, not a QFormLayout: Qt 6.4's
// QFormLayout writes past its buffers in heightForWidth when some rows are hidden and a field
// wraps its text (valgrind: "Invalid write of size 4" under QFormLayout::heightForWidth; the
// studio crashed in about 3 of 8 screenshot runs), whether rows are hidden with setRowVisible or
// by hiding their widgets.
void addRow(QGridLayout* grid, const QString& label, QWidget* field)
{
    const int row = grid->rowCount();
    if (!label.isEmpty()) {
        auto* l = new QLabel(label);
        l->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        l->setBuddy(field);
        grid->addWidget(l, row, 0);
    }
    grid->addWidget(field, row, 1);
}

void addRow(QGridLayout* grid, const QString& label, QLayout* field)
{
    const int row = grid->rowCount();
    auto* l = new QLabel(label);
    l->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    grid->addWidget(l, row, 0);
    grid->addLayout(field, row, 1);
}

// Shows or hides a row: its field and the label in the same grid row.
void showRow(QGridLayout* grid, QWidget* field, bool visible)
{
    field->setVisible(visible);
    const int index = grid->indexOf(field);
    if (index < 0)
        return;
    int row = 0, column = 0, rowSpan = 0, columnSpan = 0;
    grid->getItemPosition(index, &row, &column, &rowSpan, &columnSpan);
    if (QLayoutItem* label = grid->itemAtPosition(row, 0); label && label->widget())
        label->widget()->setVisible(visible);
}


constexpr int kDefaultShardBytes = 4194304; // tensorflowjs_converter's default

QString elidedPath(const QString& path)
{
    const QFileInfo f(path);
    return f.fileName() == QLatin1String("model.json") ? f.dir().dirName() + u'/' + f.fileName() : f.fileName();
}

QString fromView(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

QString formatText(conv::Format format)
{
    return fromView(conv::formatName(format));
}

// Conversions of small models take milliseconds; "0.00 s" would say nothing.
QString durationText(double seconds)
{
    return seconds < 1 ? QObject::tr("%1 ms").arg(std::lround(seconds * 1000)) : QObject::tr("%1 s").arg(seconds, 0, 'f', 2);
}

// A word the shell passes through as it is, or the word in single quotes.
QString shellWord(const QString& word)
{
    static const QString kSafe = QStringLiteral("-_=./:,@+%^");
    bool safe = !word.isEmpty();
    for (const QChar c : word)
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && !kSafe.contains(c))
            safe = false;
    if (safe)
        return word;
    QString quoted = word;
    quoted.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + quoted + u'\'';
}

bool isGraphFormat(std::optional<conv::Format> f)
{
    return f == conv::Format::TfjsGraphModel;
}

// Graph outputs as a converter user names them: nodes nothing reads, minus the ones that
// compute nothing (constants, no-ops, placeholders).
QStringList detectedOutputs(const core::Model& model)
{
    if (model.kind != core::ModelKind::GraphModel)
        return {};
    if (!model.outputs.empty()) {
        QStringList names;
        for (const auto& o : model.outputs)
            names << QString::fromStdString(core::inputNodeName(o.name));
        names.removeDuplicates();
        return names;
    }
    const core::GraphIndex index(model.graph);
    static const std::set<std::string> kNotOutputs{"Const", "NoOp", "Placeholder", "PlaceholderWithDefault",
        "Assert", "VariableV2", "VarHandleOp", "SaveV2", "RestoreV2"};
    QStringList names;
    for (std::size_t k = 0; k < index.size(); ++k)
        if (index.consumers(k).empty() && !kNotOutputs.count(model.graph.nodes[k].op))
            names << QString::fromStdString(model.graph.nodes[k].name);
    return names;
}

} // namespace

ConvertPanel::ConvertPanel(QWidget* parent)
    : QWidget(parent), m_form(new QGridLayout), m_sourceLabel(new ElidedLabel), m_outputFormat(new QComboBox),
      m_route(new QLabel), m_tags(new QComboBox), m_signature(new QComboBox), m_signatureInfo(new QLabel),
      m_outputNodes(new QLineEdit), m_output(new QLineEdit), m_quantization(new QComboBox), m_patterns(new QLineEdit),
      m_shardSize(new QSpinBox), m_shardPresets(new QToolButton), m_shardHint(new QLabel),
      m_splitByLayer(new QCheckBox), m_stripDebug(new QCheckBox), m_skipOpCheck(new QCheckBox),
      m_controlFlowV2(new QCheckBox), m_preview(new QTreeWidget), m_previewNote(new QLabel), m_command(new QLineEdit),
      m_convert(new QPushButton), m_cancel(new QPushButton), m_progress(new QProgressBar), m_files(new QTreeWidget),
      m_passes(new QTreeWidget), m_summary(new QLabel), m_openResult(new QPushButton), m_benchResult(new QPushButton),
      m_showFolder(new QPushButton)
{
    setObjectName(QStringLiteral("convertPanel"));
    QPalette muted = palette();
    muted.setColor(QPalette::WindowText, muted.color(QPalette::PlaceholderText));

    m_sourceLabel->setFullText(tr("no model loaded"));
    m_sourceLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outputFormat->setObjectName(QStringLiteral("outputFormat"));
    m_outputFormat->setToolTip(tr("--output_format: what the model becomes"));
    connect(m_outputFormat, &QComboBox::currentIndexChanged, this, [this] { updateRoute(); });
    m_route->setObjectName(QStringLiteral("convertRoute"));
    m_route->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_route->setWordWrap(true);
    m_route->setPalette(muted);

    m_tags->setObjectName(QStringLiteral("savedModelTags"));
    m_tags->setEditable(true);
    m_tags->setToolTip(tr("--saved_model_tags: the MetaGraph's tag set, comma-separated"));
    m_signature->setObjectName(QStringLiteral("signatureName"));
    m_signature->setEditable(true);
    m_signature->setToolTip(tr("--signature_name: the SignatureDef that becomes the model's inputs and outputs"));
    m_signatureInfo->setObjectName(QStringLiteral("signatureInfo"));
    m_signatureInfo->setWordWrap(true);
    m_signatureInfo->setPalette(muted);
    m_signatureInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_signature, &QComboBox::currentIndexChanged, this, [this] {
        m_signatureInfo->setText(m_signature->currentData().toString());
        updatePreview();
    });
    connect(m_tags, &QComboBox::currentIndexChanged, this, [this] { fillSignatures(); });
    connect(m_tags, &QComboBox::currentTextChanged, this, [this] { updatePreview(); });
    connect(m_signature, &QComboBox::currentTextChanged, this, [this] { updatePreview(); });

    m_outputNodes->setObjectName(QStringLiteral("outputNodeNames"));
    m_outputNodes->setPlaceholderText(tr("output nodes, comma-separated"));
    m_outputNodes->setToolTip(tr("--output_node_names: the frozen graph's outputs; pre-filled with the nodes "
                                 "nothing else reads"));
    connect(m_outputNodes, &QLineEdit::textChanged, this, [this] { updatePreview(); });

    m_output->setObjectName(QStringLiteral("outputFolder"));
    m_output->setPlaceholderText(tr("Folder for model.json and shards"));
    connect(m_output, &QLineEdit::textEdited, this, [this] { m_autoOutput.clear(); });
    connect(m_output, &QLineEdit::textChanged, m_output, &QLineEdit::setToolTip);
    connect(m_output, &QLineEdit::textChanged, this, [this] { updatePreview(); });
    auto* browse = new QToolButton;
    browse->setText(tr("…"));
    browse->setToolTip(tr("Choose the output folder"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Output Folder"), m_output->text());
        if (!dir.isEmpty())
            setOutputFolder(dir);
    });
    auto* outputRow = new QHBoxLayout;
    outputRow->setSpacing(4);
    outputRow->addWidget(m_output, 1);
    outputRow->addWidget(browse);

    m_quantization->setObjectName(QStringLiteral("quantization"));
    m_quantization->addItem(tr("None (keep dtypes)"), QVariant::fromValue(static_cast<int>(Quantization::None)));
    m_quantization->addItem(tr("uint8 (affine, 1 byte)"), QVariant::fromValue(static_cast<int>(Quantization::UInt8)));
    m_quantization->addItem(tr("uint16 (affine, 2 bytes)"), QVariant::fromValue(static_cast<int>(Quantization::UInt16)));
    m_quantization->addItem(tr("float16 (2 bytes)"), QVariant::fromValue(static_cast<int>(Quantization::Float16)));

    m_patterns->setObjectName(QStringLiteral("quantizationPatterns"));
    m_patterns->setPlaceholderText(tr("all weights, or: conv*/kernel, dense*"));
    m_patterns->setToolTip(tr("Comma-separated weight-name wildcards, as --quantize_uint8=PATTERNS takes them"));
    m_patterns->setEnabled(false);
    connect(m_quantization, &QComboBox::currentIndexChanged, this, [this] {
        m_patterns->setEnabled(m_quantization->currentData().toInt() != 0);
        updatePreview();
        emit quantizationChanged();
    });
    connect(m_patterns, &QLineEdit::textChanged, this, [this] {
        updatePreview();
        emit quantizationChanged();
    });

    m_shardSize->setObjectName(QStringLiteral("shardSize"));
    m_shardSize->setRange(1, std::numeric_limits<int>::max());
    m_shardSize->setSingleStep(1 << 20);
    m_shardSize->setValue(kDefaultShardBytes);
    m_shardSize->setSuffix(tr(" bytes"));
    m_shardSize->setGroupSeparatorShown(true);
    m_shardSize->setAccelerated(true);
    m_shardHint->setPalette(muted);
    connect(m_shardSize, &QSpinBox::valueChanged, this, [this] {
        updateShardHint();
        updatePreview();
    });
    m_shardPresets->setObjectName(QStringLiteral("shardPresets"));
    m_shardPresets->setText(tr("▾"));
    m_shardPresets->setToolTip(tr("Common shard sizes"));
    m_shardPresets->setPopupMode(QToolButton::InstantPopup);
    auto* presets = new QMenu(m_shardPresets);
    for (const auto& [label, bytes] : std::vector<std::pair<QString, int>>{{tr("256 KiB"), 256 << 10},
             {tr("1 MiB"), 1 << 20}, {tr("4 MiB (the converter's default)"), kDefaultShardBytes},
             {tr("16 MiB"), 16 << 20}, {tr("64 MiB"), 64 << 20}}) {
        presets->addAction(label, this, [this, bytes = bytes] { m_shardSize->setValue(bytes); });
    }
    m_shardPresets->setMenu(presets);
    auto* shardRow = new QHBoxLayout;
    shardRow->setSpacing(4);
    shardRow->addWidget(m_shardSize, 1);
    shardRow->addWidget(m_shardPresets);
    updateShardHint();
    // A narrow dock must not clip the form: combos size to a few characters, not their longest item.
    for (QComboBox* combo : {m_outputFormat, m_tags, m_signature, m_quantization}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(10);
    }
    m_shardSize->setMinimumWidth(90);

    m_splitByLayer->setObjectName(QStringLiteral("splitWeightsByLayer"));
    m_splitByLayer->setText(tr("One weight group per layer"));
    m_splitByLayer->setToolTip(tr("--split_weights_by_layer: each layer's weights get their own group of shard "
                                  "files, so a page can fetch and cache layers separately"));
    m_stripDebug->setObjectName(QStringLiteral("stripDebugOps"));
    m_stripDebug->setText(tr("Strip debug ops"));
    m_stripDebug->setChecked(true);
    m_stripDebug->setToolTip(tr("--strip_debug_ops: Assert, CheckNumerics and Print leave the graph"));
    m_skipOpCheck->setObjectName(QStringLiteral("skipOpCheck"));
    m_skipOpCheck->setText(tr("Skip the op check"));
    m_skipOpCheck->setToolTip(tr("--skip_op_check: write the model even with ops TensorFlow.js cannot run"));
    m_controlFlowV2->setObjectName(QStringLiteral("controlFlowV2"));
    m_controlFlowV2->setText(tr("Keep functional control flow (If/While)"));
    m_controlFlowV2->setToolTip(tr("--control_flow_v2: do not lower If/While to Switch/Merge"));
    for (QCheckBox* box : {m_splitByLayer, m_stripDebug, m_skipOpCheck, m_controlFlowV2})
        connect(box, &QCheckBox::toggled, this, [this] { updatePreview(); });

    auto* form = m_form;
    form->setColumnStretch(1, 1);
    addRow(form, tr("Model:"), m_sourceLabel);
    addRow(form, tr("Convert to:"), m_outputFormat);
    addRow(form, QString(), m_route);
    addRow(form, tr("Tags:"), m_tags);
    addRow(form, tr("Signature:"), m_signature);
    addRow(form, QString(), m_signatureInfo);
    addRow(form, tr("Outputs:"), m_outputNodes);
    addRow(form, tr("Output:"), outputRow);
    addRow(form, tr("Quantize:"), m_quantization);
    addRow(form, tr("Weights:"), m_patterns);
    addRow(form, tr("Shard size:"), shardRow);
    addRow(form, QString(), m_shardHint);
    addRow(form, QString(), m_splitByLayer);
    addRow(form, QString(), m_stripDebug);
    addRow(form, QString(), m_skipOpCheck);
    addRow(form, QString(), m_controlFlowV2);

    m_convert->setObjectName(QStringLiteral("convertButton"));
    m_convert->setText(tr("Convert"));
    m_convert->setDefault(true);
    m_convert->setEnabled(false);
    connect(m_convert, &QPushButton::clicked, this, &ConvertPanel::start);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setEnabled(false);
    connect(m_cancel, &QPushButton::clicked, this, &ConvertPanel::cancel);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_convert);

    m_progress->setObjectName(QStringLiteral("convertProgress"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_progress->setFormat(tr("idle"));

    // The preview: what the writer would produce with the settings as they are.
    m_preview->setObjectName(QStringLiteral("convertPreview"));
    m_preview->setColumnCount(2);
    m_preview->setHeaderLabels({tr("Would write"), tr("Size")});
    m_preview->setRootIsDecorated(false);
    m_preview->setFrameShape(QFrame::StyledPanel);
    m_preview->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_preview->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_preview->header()->setStretchLastSection(false);
    m_preview->setMinimumHeight(90);
    m_preview->setMaximumHeight(150);
    m_previewNote->setObjectName(QStringLiteral("previewNote"));
    m_previewNote->setWordWrap(true);
    m_previewNote->setPalette(muted);

    m_command->setObjectName(QStringLiteral("cliCommand"));
    m_command->setReadOnly(true);
    m_command->setToolTip(tr("The same conversion from a terminal or a CI script"));
    auto* copy = new QToolButton;
    copy->setObjectName(QStringLiteral("copyCommand"));
    copy->setText(tr("Copy"));
    copy->setToolTip(tr("Copy the command to the clipboard"));
    connect(copy, &QToolButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_command->text());
        emit message(LogLevel::Info, tr("Copied: %1").arg(m_command->text()));
    });
    auto* commandRow = new QHBoxLayout;
    commandRow->setSpacing(4);
    commandRow->addWidget(m_command, 1);
    commandRow->addWidget(copy);

    auto* settings = new QWidget;
    auto* settingsLayout = new QVBoxLayout(settings);
    settingsLayout->setContentsMargins(10, 10, 10, 10);
    settingsLayout->setSpacing(8);
    settingsLayout->addLayout(form);
    settingsLayout->addWidget(m_preview);
    settingsLayout->addWidget(m_previewNote);
    settingsLayout->addStretch(1);
    // Many rows for a narrow dock: the settings scroll rather than squeeze at 900x600, while the
    // command, the buttons and the progress stay in view below them.
    auto* scroll = new QScrollArea;
    scroll->setWidget(settings);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* actions = new QWidget;
    auto* actionsLayout = new QVBoxLayout(actions);
    actionsLayout->setContentsMargins(10, 4, 10, 8);
    actionsLayout->setSpacing(6);
    actionsLayout->addLayout(commandRow);
    actionsLayout->addLayout(buttons);
    actionsLayout->addWidget(m_progress);
    auto* settingsPane = new QWidget;
    auto* settingsPaneLayout = new QVBoxLayout(settingsPane);
    settingsPaneLayout->setContentsMargins(0, 0, 0, 0);
    settingsPaneLayout->setSpacing(0);
    settingsPaneLayout->addWidget(scroll, 1);
    settingsPaneLayout->addWidget(actions);

    m_files->setObjectName(QStringLiteral("convertOutput"));
    m_files->setColumnCount(2);
    m_files->setHeaderLabels({tr("File"), tr("Size")});
    m_files->setRootIsDecorated(false);
    m_files->setAlternatingRowColors(true);
    m_files->setFrameShape(QFrame::NoFrame);
    m_files->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_files->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_files->header()->setStretchLastSection(false);
    m_passes->setObjectName(QStringLiteral("passReport"));
    m_passes->setColumnCount(2);
    m_passes->setHeaderLabels({tr("Pass"), tr("Nodes")});
    m_passes->setFrameShape(QFrame::NoFrame);
    m_passes->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_passes->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_passes->header()->setStretchLastSection(false);
    m_passes->hide();
    m_summary->setWordWrap(true);
    m_summary->setContentsMargins(8, 4, 8, 6);
    m_summary->setText(tr("No conversion yet."));
    m_summary->setPalette(muted);

    m_openResult->setObjectName(QStringLiteral("openResult"));
    m_openResult->setText(tr("Open"));
    m_openResult->setToolTip(tr("Open the converted model in the studio"));
    connect(m_openResult, &QPushButton::clicked, this, [this] { emit openRequested(m_runOutput); });
    m_benchResult->setObjectName(QStringLiteral("benchmarkResult"));
    m_benchResult->setText(tr("Benchmark"));
    m_benchResult->setToolTip(tr("Open the converted model and benchmark it"));
    connect(m_benchResult, &QPushButton::clicked, this, [this] { emit benchmarkRequested(m_runOutput); });
    m_showFolder->setObjectName(QStringLiteral("showFolder"));
    m_showFolder->setText(tr("Show Folder"));
    m_showFolder->setToolTip(tr("Open the output folder in the file manager"));
    connect(m_showFolder, &QPushButton::clicked, this,
        [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(m_runOutput)); });
    auto* resultButtons = new QHBoxLayout;
    resultButtons->setContentsMargins(8, 4, 8, 4);
    resultButtons->addWidget(m_openResult);
    resultButtons->addWidget(m_benchResult);
    resultButtons->addWidget(m_showFolder);
    resultButtons->addStretch(1);
    for (QPushButton* b : {m_openResult, m_benchResult, m_showFolder})
        b->setEnabled(false);

    auto* results = new QWidget;
    auto* resultsLayout = new QVBoxLayout(results);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    resultsLayout->setSpacing(0);
    resultsLayout->addWidget(m_summary);
    resultsLayout->addLayout(resultButtons);
    resultsLayout->addWidget(m_files, 2);
    resultsLayout->addWidget(m_passes, 3);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(new Section(tr("Settings"), settingsPane), 3);
    layout->addWidget(new Section(tr("Last output"), results), 2);

    // The writer reports per chunk; only the newest report of a batch is worth a repaint.
    m_job.setProgressHandler([this](const std::vector<Progress>& reports) {
        onProgress(reports.back().stage, reports.back().fraction);
    });
    connect(&m_job, &JobBase::finished, this, &ConvertPanel::onFinished);
    fillOutputFormats();
    updateRoute();
}

QString ConvertPanel::defaultOutputFor(const QString& modelPath) const
{
    // Only the model file's suffix goes: "gender_mini_XCEPTION.21-0.95.hdf5" keeps its dots.
    static const QStringList kModelSuffixes = {QStringLiteral("json"), QStringLiteral("h5"), QStringLiteral("hdf5"),
        QStringLiteral("keras"), QStringLiteral("pb")};
    // model.json, model.h5, weights.h5 say nothing; their folder names the model.
    static const QStringList kGenericNames = {QStringLiteral("model"), QStringLiteral("weights"),
        QStringLiteral("model_weights"), QStringLiteral("saved_model"), QStringLiteral("frozen_model"),
        QStringLiteral("frozen")};
    const QFileInfo f(modelPath);
    QString name;
    if (f.isDir()) {
        name = QDir(modelPath).dirName();
    } else {
        name = kModelSuffixes.contains(f.suffix(), Qt::CaseInsensitive) ? f.completeBaseName() : f.fileName();
        if (name.isEmpty() || kGenericNames.contains(name, Qt::CaseInsensitive))
            name = f.absoluteDir().dirName();
    }
    QString base = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (base.isEmpty())
        base = QDir::homePath();
    return QDir(base).filePath(QStringLiteral("tfjs-studio/%1-tfjs").arg(name));
}

void ConvertPanel::setSource(const QString& modelPath, std::optional<conv::Format> inputFormat, bool weightsOnly,
    std::shared_ptr<const core::Model> model)
{
    m_source = modelPath;
    m_inputFormat = inputFormat;
    m_weightsOnly = weightsOnly;
    m_model = std::move(model);
    m_sourceLabel->setFullText(elidedPath(modelPath));
    m_sourceLabel->setToolTip(modelPath);
    if (m_output->text().isEmpty() || m_output->text() == m_autoOutput) {
        m_autoOutput = defaultOutputFor(modelPath);
        m_output->setText(m_autoOutput);
    }
    // Nothing of the previous model's conversion stays: choices, result, status.
    m_tags->clear();
    m_tags->setEditText(QStringLiteral("serve"));
    m_signature->clear();
    m_signatureInfo->clear();
    m_outputNodes->setText(m_model ? detectedOutputs(*m_model).join(u',') : QString());
    m_files->clear();
    m_passes->clear();
    m_passes->hide();
    m_summary->setText(tr("No conversion yet."));
    m_progress->setValue(0);
    m_progress->setFormat(tr("idle"));
    m_runOutput.clear();
    for (QPushButton* b : {m_openResult, m_benchResult, m_showFolder})
        b->setEnabled(false);
    m_metaGraphs.clear();
    fillOutputFormats();
    updateRoute();
    setRunning(isRunning());
    // A SavedModel's tag sets and signatures, read off the GUI thread (saved_model.pb can be large).
    const int serial = ++m_sourceSerial;
    if (m_inputFormat == conv::Format::TfSavedModel || m_inputFormat == conv::Format::TfHub
        || m_inputFormat == conv::Format::KerasSavedModel) {
        const std::string path = modelPath.toStdString();
        auto* watcher = new QFutureWatcher<std::vector<conv::SavedModelMetaGraph>>(this);
        connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, serial] {
            watcher->deleteLater();
            if (serial != m_sourceSerial)
                return; // another model was opened meanwhile
            try {
                setSavedModelChoices(watcher->result());
            } catch (const std::exception& e) {
                emit message(LogLevel::Warning, tr("Cannot list the SavedModel's signatures: %1").arg(QString::fromUtf8(e.what())));
            }
        });
        watcher->setFuture(QtConcurrent::run([path] { return conv::describeSavedModel(path); }));
    }
}

void ConvertPanel::setSavedModelChoices(const std::vector<conv::SavedModelMetaGraph>& metaGraphs)
{
    m_metaGraphs = metaGraphs;
    {
        const QSignalBlocker block(m_tags);
        m_tags->clear();
        for (const auto& mg : m_metaGraphs)
            m_tags->addItem(mg.tags.empty() ? tr("(empty tag set)") : QString::fromStdString(mg.tags),
                QString::fromStdString(mg.tags));
        // TF1 Hub modules: the empty set, which --saved_model_tags does not choose.
        int pick = m_tags->findData(m_inputFormat == conv::Format::TfHub ? QString() : QStringLiteral("serve"));
        if (pick < 0 && m_tags->count() > 0)
            pick = 0;
        if (pick >= 0)
            m_tags->setCurrentIndex(pick);
        else
            m_tags->setEditText(QStringLiteral("serve"));
    }
    fillSignatures();
    emit savedModelChoicesChanged();
}

// The signatures of the chosen tag set, the format's default signature first chosen.
void ConvertPanel::fillSignatures()
{
    const QSignalBlocker block(m_signature);
    m_signature->clear();
    const QString tags = m_tags->currentData().isValid() ? m_tags->currentData().toString() : m_tags->currentText();
    for (const auto& mg : m_metaGraphs)
        if (QString::fromStdString(mg.tags) == tags)
            for (const auto& sig : mg.signatures)
                m_signature->addItem(QString::fromStdString(sig.name), QString::fromStdString(sig.summary));
    const int def = m_signature->findText(m_inputFormat == conv::Format::TfHub ? QStringLiteral("default")
                                                                                : QStringLiteral("serving_default"));
    if (def >= 0)
        m_signature->setCurrentIndex(def);
    m_signatureInfo->setText(m_signature->currentData().toString());
    updatePreview();
}

QStringList ConvertPanel::tagSetChoices() const
{
    QStringList out;
    for (int k = 0; k < m_tags->count(); ++k)
        out << m_tags->itemData(k).toString();
    return out;
}

QStringList ConvertPanel::signatureChoices() const
{
    QStringList out;
    for (int k = 0; k < m_signature->count(); ++k)
        out << m_signature->itemText(k);
    return out;
}

// The output formats the route table has for this input: the available ones first, the pending
// ones listed but disabled with the reason, so the window shows the whole converter.
void ConvertPanel::fillOutputFormats()
{
    const QSignalBlocker block(m_outputFormat);
    m_outputFormat->clear();
    if (!m_inputFormat)
        return;
    const auto preferred = conv::defaultOutputFormat(*m_inputFormat);
    for (const auto& r : conv::routes()) {
        if (r.input != *m_inputFormat)
            continue;
        const bool pending = r.status == conv::RouteStatus::Pending;
        m_outputFormat->addItem(pending ? tr("%1 (not in this build yet)").arg(formatText(r.output)) : formatText(r.output),
            QVariant::fromValue(static_cast<int>(r.output)));
        const int row = m_outputFormat->count() - 1;
        m_outputFormat->setItemData(row, fromView(r.note), Qt::ToolTipRole);
        if (pending)
            if (auto* model = qobject_cast<QStandardItemModel*>(m_outputFormat->model()))
                if (auto* item = model->item(row))
                    item->setEnabled(false);
        if (preferred && r.output == *preferred)
            m_outputFormat->setCurrentIndex(row);
    }
}

void ConvertPanel::setOutputFormat(conv::Format format)
{
    const int row = m_outputFormat->findData(QVariant::fromValue(static_cast<int>(format)));
    if (row >= 0)
        m_outputFormat->setCurrentIndex(row);
}

std::optional<conv::Format> ConvertPanel::outputFormat() const
{
    if (m_outputFormat->currentIndex() >= 0)
        return static_cast<conv::Format>(m_outputFormat->currentData().toInt());
    return m_inputFormat ? conv::defaultOutputFormat(*m_inputFormat) : std::nullopt;
}

QString ConvertPanel::routeText() const
{
    if (!m_inputFormat)
        return tr("—");
    const auto out = outputFormat();
    return QStringLiteral("%1 → %2").arg(formatText(*m_inputFormat), out ? formatText(*out) : tr("?"));
}

bool ConvertPanel::kerasInput() const
{
    return m_inputFormat == conv::Format::Keras;
}

bool ConvertPanel::graphOutput() const
{
    return isGraphFormat(outputFormat());
}

// Whether the route the panel would run is one this build has: the Convert button says why not.
void ConvertPanel::updateRoute()
{
    const auto out = outputFormat();
    const conv::Route* route = m_inputFormat && out ? conv::findRoute(*m_inputFormat, *out) : nullptr;
    QString text = routeText();
    QString tip;
    m_convertBlocker.clear();
    if (!m_inputFormat) {
        if (!m_source.isEmpty())
            m_convertBlocker = tr("The studio cannot tell this model's format");
    } else if (!out) {
        m_convertBlocker = tr("The converter infers no output format for %1 inputs").arg(formatText(*m_inputFormat));
    } else if (!route) {
        m_convertBlocker = tr("No conversion route from %1 to %2").arg(formatText(*m_inputFormat), formatText(*out));
    } else if (route->status == conv::RouteStatus::Pending) {
        text = tr("%1 (not in this build yet)").arg(text);
        m_convertBlocker = tr("Not in this build yet: %1").arg(fromView(route->note));
    } else if (m_weightsOnly) {
        text = tr("%1 (weights only)").arg(text);
        tip = tr("The file has no model topology: model.json gets a null modelTopology, which TensorFlow.js "
                 "cannot load as a model");
    } else {
        tip = tr("--input_format=%1 --output_format=%2").arg(formatText(*m_inputFormat), formatText(*out));
        if (!route->note.empty())
            tip += u'\n' + fromView(route->note);
    }
    m_route->setText(text);
    m_route->setToolTip(m_convertBlocker.isEmpty() ? tip : m_convertBlocker);
    const bool savedModel = m_inputFormat == conv::Format::TfSavedModel || m_inputFormat == conv::Format::TfHub
        || m_inputFormat == conv::Format::KerasSavedModel;
    showRow(m_form, m_tags, savedModel);
    showRow(m_form, m_signature, savedModel);
    showRow(m_form, m_signatureInfo, savedModel);
    showRow(m_form, m_outputNodes, m_inputFormat == conv::Format::TfFrozenModel);
    // The reference converter only splits Keras weights by layer; elsewhere the box would do nothing.
    showRow(m_form, m_splitByLayer, kerasInput());
    const bool passes = route && route->graphPasses;
    showRow(m_form, m_stripDebug, passes);
    showRow(m_form, m_controlFlowV2, passes);
    showRow(m_form, m_skipOpCheck, route && route->opCheck);
    setRunning(isRunning());
    updatePreview();
}

void ConvertPanel::setOutputFolder(const QString& folder)
{
    m_output->setText(folder);
    m_autoOutput.clear();
}

QString ConvertPanel::outputFolder() const
{
    return m_output->text().trimmed();
}

void ConvertPanel::setQuantization(Quantization q, const QString& patterns)
{
    m_quantization->setCurrentIndex(m_quantization->findData(QVariant::fromValue(static_cast<int>(q))));
    m_patterns->setText(patterns);
}

void ConvertPanel::setShardSize(int bytes)
{
    m_shardSize->setValue(bytes);
}

void ConvertPanel::setOutputNodeNames(const QString& names)
{
    m_outputNodes->setText(names);
}

bool ConvertPanel::isRunning() const
{
    return m_job.isRunning();
}

conv::ConvertOptions ConvertPanel::options() const
{
    conv::ConvertOptions o;
    o.inputPath = m_source.toStdString();
    o.outputPath = outputFolder().toStdString();
    if (m_inputFormat)
        o.inputFormat = std::string(conv::formatName(*m_inputFormat));
    if (const auto out = outputFormat(); out && m_inputFormat && out != conv::defaultOutputFormat(*m_inputFormat))
        o.outputFormat = std::string(conv::formatName(*out));
    o.shardSize = static_cast<std::uint64_t>(m_shardSize->value());
    o.shardSizeGiven = m_shardSize->value() != kDefaultShardBytes;
    o.splitWeightsByLayer = kerasInput() && m_splitByLayer->isChecked();
    o.splitWeightsByLayerGiven = o.splitWeightsByLayer;
    const conv::Route* route = m_inputFormat && outputFormat() ? conv::findRoute(*m_inputFormat, *outputFormat()) : nullptr;
    if (route && route->graphPasses) {
        o.stripDebugOps = m_stripDebug->isChecked();
        o.stripDebugOpsGiven = !o.stripDebugOps;
        o.controlFlowV2 = m_controlFlowV2->isChecked();
    }
    if (route && route->opCheck) {
        o.skipOpCheck = m_skipOpCheck->isChecked();
        o.skipOpCheckGiven = o.skipOpCheck;
    }
    if (!m_tags->isHidden()) {
        const bool listed = m_tags->currentIndex() >= 0 && m_tags->itemText(m_tags->currentIndex()) == m_tags->currentText();
        const QString tags = (listed ? m_tags->currentData().toString() : m_tags->currentText()).trimmed();
        if (m_inputFormat != conv::Format::TfHub && !tags.isEmpty() && tags != QLatin1String("serve")) {
            o.savedModelTags = tags.toStdString();
            o.savedModelTagsGiven = true;
        }
        o.signatureName = m_signature->currentText().trimmed().toStdString();
    }
    if (m_inputFormat == conv::Format::TfFrozenModel)
        for (const QString& n : m_outputNodes->text().split(u',', Qt::SkipEmptyParts))
            if (!n.trimmed().isEmpty())
                o.outputNodeNames.push_back(n.trimmed().toStdString());
    std::vector<std::string> patterns;
    for (const QString& p : m_patterns->text().split(u',', Qt::SkipEmptyParts))
        if (!p.trimmed().isEmpty())
            patterns.push_back(p.trimmed().toStdString());
    switch (static_cast<Quantization>(m_quantization->currentData().toInt())) {
    case Quantization::None: break;
    case Quantization::UInt8: o.quantization.add(core::DType::UInt8, patterns); break;
    case Quantization::UInt16: o.quantization.add(core::DType::UInt16, patterns); break;
    case Quantization::Float16: o.quantization.add(core::DType::Float16, patterns); break;
    }
    return o;
}

core::QuantizationPlan ConvertPanel::quantizationPlan() const
{
    try {
        return options().quantization;
    } catch (const std::exception&) {
        return {};
    }
}

QString ConvertPanel::commandLine() const
{
    if (m_source.isEmpty())
        return {};
    QStringList words{QStringLiteral("tfjs-studio-cli"), QStringLiteral("convert")};
    conv::ConvertOptions o;
    try {
        o = options();
    } catch (const std::exception&) {
        return tr("(the weight patterns are not valid)");
    }
    auto flag = [&](const QString& name, const std::string& value) {
        words << shellWord(QStringLiteral("--%1=%2").arg(name, QString::fromStdString(value)));
    };
    if (!o.inputFormat.empty())
        flag(QStringLiteral("input_format"), o.inputFormat);
    if (!o.outputFormat.empty())
        flag(QStringLiteral("output_format"), o.outputFormat);
    if (o.savedModelTagsGiven)
        flag(QStringLiteral("saved_model_tags"), o.savedModelTags);
    if (!o.signatureName.empty())
        flag(QStringLiteral("signature_name"), o.signatureName);
    if (!o.outputNodeNames.empty()) {
        std::string names;
        for (const auto& n : o.outputNodeNames)
            names += (names.empty() ? "" : ",") + n;
        flag(QStringLiteral("output_node_names"), names);
    }
    const QString patterns = m_patterns->text().trimmed().remove(u' ');
    switch (static_cast<Quantization>(m_quantization->currentData().toInt())) {
    case Quantization::None: break;
    case Quantization::UInt8: words << shellWord(QStringLiteral("--quantize_uint8") + (patterns.isEmpty() ? QString() : u'=' + patterns)); break;
    case Quantization::UInt16: words << shellWord(QStringLiteral("--quantize_uint16") + (patterns.isEmpty() ? QString() : u'=' + patterns)); break;
    case Quantization::Float16: words << shellWord(QStringLiteral("--quantize_float16") + (patterns.isEmpty() ? QString() : u'=' + patterns)); break;
    }
    if (o.shardSizeGiven)
        flag(QStringLiteral("weight_shard_size_bytes"), std::to_string(o.shardSize));
    if (o.splitWeightsByLayer)
        words << QStringLiteral("--split_weights_by_layer");
    if (o.stripDebugOpsGiven)
        words << QStringLiteral("--strip_debug_ops=false");
    if (o.controlFlowV2)
        words << QStringLiteral("--control_flow_v2=true");
    if (o.skipOpCheck)
        words << QStringLiteral("--skip_op_check");
    words << shellWord(m_source) << shellWord(outputFolder().isEmpty() ? QStringLiteral("OUTPUT") : outputFolder());
    return words.join(u' ');
}

QStringList ConvertPanel::previewFiles() const
{
    QStringList out;
    for (int k = 0; k < m_preview->topLevelItemCount(); ++k)
        out << m_preview->topLevelItem(k)->text(0) + u'\t' + m_preview->topLevelItem(k)->text(1);
    return out;
}

// The files the writer would produce, from the loaded model's weights and the quantization and
// shard settings (core::planWeights, the writer's own plan). Routes whose passes fold or fuse
// weights can end a little different; the note says so.
void ConvertPanel::updatePreview()
{
    m_command->setText(commandLine());
    m_command->setCursorPosition(0);
    m_preview->clear();
    m_previewBytes = 0;
    const auto out = outputFormat();
    if (!m_model || !out || !conv::isTfjs(*out)) {
        m_preview->hide();
        m_previewNote->setText(m_model && out ? tr("%1 is written as one file.").arg(formatText(*out)) : QString());
        m_previewNote->setVisible(!m_previewNote->text().isEmpty());
        return;
    }
    m_preview->show();
    m_previewNote->show();
    conv::ConvertOptions o;
    std::vector<core::PlannedGroup> plan, plain;
    try {
        o = options();
        plan = core::planWeights(*m_model, o.quantization, o.shardSize);
        plain = core::planWeights(*m_model, {}, o.shardSize);
    } catch (const std::exception& e) {
        m_previewNote->setText(tr("Cannot plan the weights: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    auto* json = new QTreeWidgetItem(m_preview, {QStringLiteral("model.json"), tr("topology")});
    json->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    std::uint64_t before = 0;
    for (const auto& g : plain)
        before += g.bytes;
    for (const auto& g : plan) {
        m_previewBytes += g.bytes;
        for (std::size_t k = 0; k < g.files.size(); ++k) {
            const std::uint64_t size = k + 1 < g.files.size() ? o.shardSize : g.bytes - o.shardSize * (g.files.size() - 1);
            auto* item = new QTreeWidgetItem(m_preview, {QString::fromStdString(g.files[k]), bytesText(size)});
            item->setToolTip(1, bytesExactText(size));
            item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        }
    }
    std::size_t quantized = 0;
    for (const auto& g : plan)
        for (const auto& w : g.weights)
            quantized += w.storage ? 1u : 0u;
    QString note = tr("%1 shard file(s), weights %2").arg(m_preview->topLevelItemCount() - 1).arg(bytesText(m_previewBytes));
    if (quantized && before > 0)
        note += tr(" (%1 weights quantized: %2 % smaller than %3)")
                    .arg(quantized)
                    .arg(100.0 * (1.0 - static_cast<double>(m_previewBytes) / static_cast<double>(before)), 0, 'f', 1)
                    .arg(bytesText(before));
    const conv::Route* route = m_inputFormat ? conv::findRoute(*m_inputFormat, *out) : nullptr;
    if (route && (route->graphPasses || route->lowerLayers))
        note += tr("; before graph optimization, which may fold or fuse weights");
    m_previewNote->setText(note);
}

// The checks that need no answer come first: a folder that cannot take the model is refused
// before anything asks whether to replace it.
QString ConvertPanel::outputFolderProblem() const
{
    const QString out = outputFolder();
    const QFileInfo outInfo(out);
    const QString outAbs = QDir::cleanPath(outInfo.absoluteFilePath());
    const QFileInfo src(m_source);
    const QString srcDir = QDir::cleanPath(src.isDir() ? src.absoluteFilePath() : src.absolutePath());
    if (outAbs == srcDir || srcDir.startsWith(outAbs + u'/'))
        return tr("%1 holds the source model; converting there would replace it. Choose another folder.")
            .arg(QDir::toNativeSeparators(out));
    if (outAbs.startsWith(srcDir + u'/') && src.isDir())
        return tr("%1 is inside the source model's folder; choose a folder outside it.").arg(QDir::toNativeSeparators(out));
    if (outInfo.exists() && !outInfo.isDir())
        return tr("%1 exists and is a file, not a folder.").arg(QDir::toNativeSeparators(out));
    const QDir dir(out);
    if (outInfo.isDir() && !dir.isEmpty() && !dir.exists(QStringLiteral("model.json")))
        return tr("%1 has other files in it and no model.json; the converter only replaces an earlier conversion. "
                  "Choose an empty folder.")
            .arg(QDir::toNativeSeparators(out));
    return {};
}

void ConvertPanel::start()
{
    if (isRunning())
        return;
    if (m_source.isEmpty()) {
        emit failed(tr("Nothing to convert"), tr("Open a model first."));
        return;
    }
    if (outputFolder().isEmpty()) {
        emit failed(tr("No output folder"), tr("Choose the folder the converted model goes to."));
        return;
    }
    if (!m_convertBlocker.isEmpty()) {
        emit failed(tr("Cannot convert"), m_convertBlocker);
        return;
    }
    conv::ConvertOptions opts;
    try {
        opts = options();
    } catch (const std::exception& e) {
        emit failed(tr("Invalid conversion settings"), QString::fromUtf8(e.what()));
        return;
    }
    if (const QString problem = outputFolderProblem(); !problem.isEmpty()) {
        // Refused before any question and before the worker: nothing was touched.
        m_summary->setText(tr("Failed: %1").arg(problem));
        emit message(LogLevel::Error, tr("Conversion failed: %1").arg(problem));
        emit failed(tr("Conversion failed"), problem);
        emit finished(false);
        return;
    }
    const QDir out(outputFolder());
    if (m_interactive && out.exists() && !out.isEmpty()) {
        // Destructive: No is the default, so Enter keeps the earlier conversion.
        const auto answer = QMessageBox::question(this, tr("Replace Output?"),
            tr("%1 holds an earlier conversion. Replace it with this one?").arg(QDir::toNativeSeparators(out.path())),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes)
            return;
    }

    m_files->clear();
    m_passes->clear();
    m_passes->hide();
    for (QPushButton* b : {m_openResult, m_benchResult, m_showFolder})
        b->setEnabled(false);
    m_summary->setText(tr("Converting…"));
    m_runOutput = outputFolder();
    emit message(LogLevel::Info,
        tr("Converting %1 -> %2 (%3; quantization: %4; shards of %5%6)")
            .arg(m_source, outputFolder(), routeText(),
                opts.quantization.empty() ? tr("none") : QString::fromStdString(opts.quantization.describe()),
                bytesText(opts.shardSize), opts.splitWeightsByLayer ? tr(", one weight group per layer") : QString()));
    emit message(LogLevel::Info, tr("Same as: %1").arg(commandLine()));

    m_job.start([opts = std::move(opts)](const CancelToken& cancel, const auto& report) {
        conv::ConvertHooks hooks;
        hooks.cancel = cancel;
        hooks.evaluate = rt::referenceConstantEvaluator(); // constant folding's kernels
        // Only whole-percent steps are worth queueing for the GUI.
        hooks.progress = [&report, lastStage = std::string(), lastPercent = -1](const std::string& stage, double f) mutable {
            const int percent = static_cast<int>(std::lround(f * 100));
            if (stage == lastStage && percent == lastPercent)
                return;
            lastStage = stage;
            lastPercent = percent;
            report(Progress{QString::fromStdString(stage), f});
        };
        return conv::convert(opts, hooks);
    });
    setRunning(true);
    onProgress(tr("starting"), 0.0);
}

void ConvertPanel::cancel()
{
    if (!isRunning() || m_job.cancelRequested())
        return;
    m_job.cancel();
    m_cancel->setEnabled(false);
    m_progress->setFormat(tr("cancelling…"));
    emit message(LogLevel::Info, tr("Cancelling the conversion…"));
}

void ConvertPanel::onProgress(const QString& stage, double fraction)
{
    // After Cancel the bar keeps saying so until the worker stops.
    if (!isRunning() || m_job.cancelRequested())
        return;
    m_progress->setValue(static_cast<int>(std::lround(fraction * 100)));
    m_progress->setFormat(QStringLiteral("%1 — %p%").arg(stage));
}

void ConvertPanel::onFinished(JobStatus status)
{
    setRunning(false);
    switch (status) {
    case JobStatus::Cancelled:
        // What the user asked for: no error, and convert() left nothing behind.
        m_progress->setFormat(jobStatusText(status));
        m_progress->setValue(0);
        m_summary->setText(tr("Cancelled; nothing was written."));
        emit message(LogLevel::Info, tr("Conversion cancelled; %1 was left as it was").arg(m_runOutput));
        emit finished(false);
        return;
    case JobStatus::Failed: {
        // Even after Cancel: the conversion failed before it saw the request, and says why.
        const JobFailure& f = m_job.failure();
        m_progress->setFormat(jobStatusText(status));
        m_progress->setValue(0);
        m_summary->setText(tr("Failed: %1").arg(f.message));
        emit message(LogLevel::Error, tr("Conversion failed: %1").arg(f.message));
        emit failed(tr("Conversion failed"), f.message);
        if (!f.where.node.empty() || !f.where.layer.empty() || !f.where.weight.empty())
            emit failedAt(f.where);
        emit finished(false);
        return;
    }
    case JobStatus::Succeeded:
        m_progress->setValue(100);
        m_progress->setFormat(tr("done — %p%"));
        showResult(m_job.value());
        emit finished(true);
        return;
    case JobStatus::Idle:
    case JobStatus::Running: break;
    }
}

void ConvertPanel::showResult(const conv::ConvertResult& r)
{
    const auto& w = r.written;
    std::vector<std::filesystem::path> files{w.modelJson};
    files.insert(files.end(), w.shardFiles.begin(), w.shardFiles.end());
    qint64 total = 0;
    for (const auto& f : files) {
        const QFileInfo info(QString::fromStdString(f.string()));
        total += info.size();
        auto* item = new QTreeWidgetItem(m_files, {info.fileName(), bytesText(static_cast<std::uint64_t>(info.size()))});
        item->setToolTip(0, info.absoluteFilePath());
        item->setToolTip(1, bytesExactText(static_cast<std::uint64_t>(info.size())));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    }
    const QString took = durationText(r.readSeconds + r.optimizeSeconds + r.writeSeconds);
    const QString quantized = w.quantizedWeights ? tr(", %1 weights quantized").arg(w.quantizedWeights) : QString();
    const QString warned = r.warnings.empty() ? QString()
        : r.warnings.size() == 1                  ? tr("\n1 warning, see the log")
                                                  : tr("\n%1 warnings, see the log").arg(r.warnings.size());
    m_summary->setText(tr("%1 · %2 files · %3 on disk\nweights %4%5 · %6%7")
                           .arg(formatText(r.outputFormat))
                           .arg(files.size())
                           .arg(bytesText(static_cast<std::uint64_t>(total)), bytesText(w.weightBytes), quantized, took,
                               warned));
    for (QPushButton* b : {m_openResult, m_benchResult, m_showFolder})
        b->setEnabled(true);
    emit message(LogLevel::Info,
        tr("Converted into %1: %2, %3 files, %4 (weights %5%6) in %7")
            .arg(m_runOutput, formatText(r.outputFormat))
            .arg(files.size())
            .arg(bytesText(static_cast<std::uint64_t>(total)), bytesText(w.weightBytes), quantized, took));
    for (const auto& f : files) {
        const QFileInfo info(QString::fromStdString(f.string()));
        emit message(LogLevel::Info,
            QStringLiteral("  %1  %2").arg(info.fileName(), -28).arg(bytesExactText(static_cast<std::uint64_t>(info.size()))));
    }
    // The pass report: one row per pass, what it fused and noted below it; the op checks around them.
    if (r.opCheckBefore) {
        auto* item = new QTreeWidgetItem(m_passes, {tr("op check before optimization"),
                                                       QString::number(r.opCheckBefore->checkedNodes)});
        item->setToolTip(0, QString::fromStdString(conv::describe(*r.opCheckBefore)));
    }
    for (const auto& pass : r.passes) {
        auto* item = new QTreeWidgetItem(m_passes,
            {QString::fromStdString(pass.pass),
                QStringLiteral("%1 → %2").arg(pass.nodesBefore).arg(pass.nodesAfter)});
        item->setToolTip(0, QString::fromStdString(pass.summary()));
        if (!pass.changed())
            item->setForeground(0, palette().color(QPalette::PlaceholderText));
        for (const auto& [op, ba] : pass.opCounts)
            new QTreeWidgetItem(item, {QString::fromStdString(op), QStringLiteral("%1 → %2").arg(ba.first).arg(ba.second)});
        for (const auto& f : pass.fused)
            new QTreeWidgetItem(item, {tr("fused %1").arg(QString::fromStdString(f))});
        for (const auto& n : pass.notes)
            new QTreeWidgetItem(item, {QString::fromStdString(n)});
        if (pass.changed())
            emit message(LogLevel::Info, tr("pass %1").arg(QString::fromStdString(pass.summary())));
    }
    if (r.opCheck) {
        auto* item = new QTreeWidgetItem(m_passes, {tr("op check after optimization"), QString::number(r.opCheck->checkedNodes)});
        item->setToolTip(0, QString::fromStdString(conv::describe(*r.opCheck)));
    }
    m_passes->setVisible(m_passes->topLevelItemCount() > 0);
    // Last, so they are what the log shows when the conversion ends.
    for (const auto& warning : r.warnings)
        emit message(LogLevel::Warning, QString::fromStdString(warning));
}

void ConvertPanel::setRunning(bool running)
{
    m_convert->setEnabled(!running && !m_source.isEmpty() && m_convertBlocker.isEmpty());
    m_convert->setToolTip(m_convertBlocker);
    m_cancel->setEnabled(running);
    for (QWidget* w : std::initializer_list<QWidget*>{m_output, m_outputFormat, m_quantization, m_shardSize, m_shardPresets,
             m_splitByLayer, m_tags, m_signature, m_outputNodes, m_stripDebug, m_skipOpCheck, m_controlFlowV2})
        w->setEnabled(!running);
    m_patterns->setEnabled(!running && m_quantization->currentData().toInt() != 0);
}

void ConvertPanel::updateShardHint()
{
    m_shardHint->setText(tr("= %1 per shard file").arg(bytesText(static_cast<std::uint64_t>(m_shardSize->value()))));
}

} // namespace studio::ui
