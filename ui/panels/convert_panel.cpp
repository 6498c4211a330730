// The Convert panel. The job's worker only calls conv::convert; its progress and outcome come
// back to the GUI thread through the job (ui/job.h), so no widget is touched off the GUI thread.
#include "ui/panels/convert_panel.h"

#include "core/error.h"
#include "ui/format.h"
#include "ui/widgets/elided_label.h"
#include "ui/widgets/section.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>
#include <string_view>

namespace studio::ui {

namespace {

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

} // namespace

ConvertPanel::ConvertPanel(QWidget* parent)
    : QWidget(parent), m_form(new QFormLayout), m_sourceLabel(new ElidedLabel), m_route(new QLabel),
      m_output(new QLineEdit), m_quantization(new QComboBox), m_patterns(new QLineEdit), m_shardSize(new QSpinBox),
      m_shardHint(new QLabel), m_splitByLayer(new QCheckBox), m_convert(new QPushButton),
      m_cancel(new QPushButton), m_progress(new QProgressBar), m_files(new QTreeWidget), m_summary(new QLabel)
{
    setObjectName(QStringLiteral("convertPanel"));

    m_sourceLabel->setFullText(tr("no model loaded"));
    m_sourceLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_route->setObjectName(QStringLiteral("convertRoute"));
    m_route->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_output->setObjectName(QStringLiteral("outputFolder"));
    m_output->setPlaceholderText(tr("Folder for model.json and shards"));
    connect(m_output, &QLineEdit::textEdited, this, [this] { m_autoOutput.clear(); });
    connect(m_output, &QLineEdit::textChanged, m_output, &QLineEdit::setToolTip);
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
    connect(m_quantization, &QComboBox::currentIndexChanged, this,
        [this] { m_patterns->setEnabled(m_quantization->currentData().toInt() != 0); });

    m_shardSize->setObjectName(QStringLiteral("shardSize"));
    m_shardSize->setRange(1, std::numeric_limits<int>::max());
    m_shardSize->setSingleStep(1 << 20);
    m_shardSize->setValue(kDefaultShardBytes);
    m_shardSize->setSuffix(tr(" bytes"));
    m_shardSize->setGroupSeparatorShown(true);
    m_shardSize->setAccelerated(true);
    QPalette muted = m_shardHint->palette();
    muted.setColor(QPalette::WindowText, muted.color(QPalette::PlaceholderText));
    m_shardHint->setPalette(muted);
    connect(m_shardSize, &QSpinBox::valueChanged, this, [this] { updateShardHint(); });
    updateShardHint();
    auto* shardRow = new QHBoxLayout;
    shardRow->addWidget(m_shardSize, 1);
    shardRow->addWidget(m_shardHint);

    m_splitByLayer->setObjectName(QStringLiteral("splitWeightsByLayer"));
    m_splitByLayer->setText(tr("One weight group per layer"));
    m_splitByLayer->setToolTip(tr("--split_weights_by_layer: each layer's weights get their own group of shard "
                                  "files, so a page can fetch and cache layers separately"));

    auto* form = m_form;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->addRow(tr("Model:"), m_sourceLabel);
    form->addRow(tr("Route:"), m_route);
    form->addRow(tr("Output:"), outputRow);
    form->addRow(tr("Quantize:"), m_quantization);
    form->addRow(tr("Weights:"), m_patterns);
    form->addRow(tr("Shard size:"), shardRow);
    form->addRow(QString(), m_splitByLayer);
    updateRoute();

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

    auto* settings = new QWidget;
    auto* settingsLayout = new QVBoxLayout(settings);
    settingsLayout->setContentsMargins(10, 10, 10, 10);
    settingsLayout->setSpacing(8);
    settingsLayout->addLayout(form);
    settingsLayout->addLayout(buttons);
    settingsLayout->addWidget(m_progress);

    m_files->setObjectName(QStringLiteral("convertOutput"));
    m_files->setColumnCount(2);
    m_files->setHeaderLabels({tr("File"), tr("Size")});
    m_files->setRootIsDecorated(false);
    m_files->setAlternatingRowColors(true);
    m_files->setFrameShape(QFrame::NoFrame);
    m_files->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_files->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_files->header()->setStretchLastSection(false);
    m_summary->setWordWrap(true);
    m_summary->setContentsMargins(8, 4, 8, 6);
    m_summary->setText(tr("No conversion yet."));
    m_summary->setPalette(muted);
    auto* results = new QWidget;
    auto* resultsLayout = new QVBoxLayout(results);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    resultsLayout->setSpacing(0);
    resultsLayout->addWidget(m_summary);
    resultsLayout->addWidget(m_files, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(new Section(tr("Settings"), settings));
    layout->addWidget(new Section(tr("Last output"), results), 1);

    // The writer reports per chunk; only the newest report of a batch is worth a repaint.
    m_job.setProgressHandler([this](const std::vector<Progress>& reports) {
        onProgress(reports.back().stage, reports.back().fraction);
    });
    connect(&m_job, &JobBase::finished, this, &ConvertPanel::onFinished);
}

QString ConvertPanel::defaultOutputFor(const QString& modelPath) const
{
    // Only the model file's suffix goes: "gender_mini_XCEPTION.21-0.95.hdf5" keeps its dots.
    static const QStringList kModelSuffixes = {QStringLiteral("json"), QStringLiteral("h5"), QStringLiteral("hdf5"),
        QStringLiteral("keras"), QStringLiteral("pb")};
    // model.json, model.h5, weights.h5 say nothing; their folder names the model.
    static const QStringList kGenericNames = {QStringLiteral("model"), QStringLiteral("weights"),
        QStringLiteral("model_weights"), QStringLiteral("saved_model")};
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

void ConvertPanel::setSource(const QString& modelPath, std::optional<conv::Format> inputFormat, bool weightsOnly)
{
    m_source = modelPath;
    m_inputFormat = inputFormat;
    m_weightsOnly = weightsOnly;
    m_sourceLabel->setFullText(elidedPath(modelPath));
    m_sourceLabel->setToolTip(modelPath);
    if (m_output->text().isEmpty() || m_output->text() == m_autoOutput) {
        m_autoOutput = defaultOutputFor(modelPath);
        m_output->setText(m_autoOutput);
    }
    updateRoute();
    setRunning(isRunning());
}

std::optional<conv::Format> ConvertPanel::outputFormat() const
{
    // The panel never names an output format, so convert() infers it the same way.
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
    // The reference converter only splits Keras weights by layer; elsewhere the box would do nothing.
    m_form->setRowVisible(m_splitByLayer, kerasInput());
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

bool ConvertPanel::isRunning() const
{
    return m_job.isRunning();
}

conv::ConvertOptions ConvertPanel::options() const
{
    conv::ConvertOptions o;
    o.inputPath = m_source.toStdString();
    o.outputPath = outputFolder().toStdString();
    o.shardSize = static_cast<std::uint64_t>(m_shardSize->value());
    o.shardSizeGiven = m_shardSize->value() != kDefaultShardBytes;
    o.splitWeightsByLayer = kerasInput() && m_splitByLayer->isChecked();
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
    const QDir out(outputFolder());
    if (m_interactive && out.exists() && !out.isEmpty()) {
        const auto answer = QMessageBox::question(this, tr("Replace Output?"),
            tr("%1 already has files in it. Replace them with the converted model?").arg(QDir::toNativeSeparators(out.path())));
        if (answer != QMessageBox::Yes)
            return;
    }

    m_files->clear();
    m_summary->setText(tr("Converting…"));
    m_runOutput = outputFolder();
    emit message(LogLevel::Info,
        tr("Converting %1 -> %2 (%3; quantization: %4; shards of %5%6)")
            .arg(m_source, outputFolder(), routeText(),
                opts.quantization.empty() ? tr("none") : QString::fromStdString(opts.quantization.describe()),
                bytesText(opts.shardSize), opts.splitWeightsByLayer ? tr(", one weight group per layer") : QString()));

    m_job.start([opts = std::move(opts)](const CancelToken& cancel, const auto& report) {
        conv::ConvertHooks hooks;
        hooks.cancel = cancel;
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
    const QString took = durationText(r.readSeconds + r.writeSeconds);
    const QString quantized = w.quantizedWeights ? tr(", %1 weights quantized").arg(w.quantizedWeights) : QString();
    const QString warned = r.warnings.empty() ? QString()
        : r.warnings.size() == 1                  ? tr("\n1 warning, see the log")
                                                  : tr("\n%1 warnings, see the log").arg(r.warnings.size());
    m_summary->setText(tr("%1 · %2 files · %3 on disk\nweights %4%5 · %6%7")
                           .arg(formatText(r.outputFormat))
                           .arg(files.size())
                           .arg(bytesText(static_cast<std::uint64_t>(total)), bytesText(w.weightBytes), quantized, took,
                               warned));
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
    // What the graph passes changed, as the CLI prints it.
    for (const auto& pass : r.passes)
        if (pass.changed())
            emit message(LogLevel::Info, tr("pass %1").arg(QString::fromStdString(pass.summary())));
    // Last, so they are what the log shows when the conversion ends.
    for (const auto& warning : r.warnings)
        emit message(LogLevel::Warning, QString::fromStdString(warning));
}

void ConvertPanel::setRunning(bool running)
{
    m_convert->setEnabled(!running && !m_source.isEmpty() && m_convertBlocker.isEmpty());
    m_convert->setToolTip(m_convertBlocker);
    m_cancel->setEnabled(running);
    m_output->setEnabled(!running);
    m_quantization->setEnabled(!running);
    m_patterns->setEnabled(!running && m_quantization->currentData().toInt() != 0);
    m_shardSize->setEnabled(!running);
    m_splitByLayer->setEnabled(!running);
}

void ConvertPanel::updateShardHint()
{
    m_shardHint->setText(tr("= %1").arg(bytesText(static_cast<std::uint64_t>(m_shardSize->value()))));
}

} // namespace studio::ui
