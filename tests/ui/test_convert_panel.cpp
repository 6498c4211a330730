// The Convert panel driven offscreen inside the main window: the preview predicts exactly the
// files the writer then writes, the command line it shows converts to the same bytes through the
// CLI, folders that cannot take the model are refused before any prompt, the routes and their
// rows follow the model, and nothing of a previous model stays behind.
#include "converter/importers/importer.h"
#include "runtime/backend.h"
#include "ui/main_window.h"
#include "ui/panels/convert_panel.h"

#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using studio::ui::ConvertPanel;
using studio::ui::MainWindow;

namespace {

const QString kSample = QStringLiteral(STUDIO_SOURCE_DIR "/resources/samples/blazeface/model.json");
const QString kLayersModel = QStringLiteral(STUDIO_MODELS_DIR "/tfjs-layers-mobilenetv2-float32-seeded/model.json");
const QString kFrozen = QStringLiteral(STUDIO_MODELS_DIR "/tensorspace-mnist-lenet-multiformat/frozen_graphdef_tf1/frozen_model.pb");
const QString kKerasH5 = QStringLiteral(STUDIO_MODELS_DIR "/pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5");

// file name -> size of every file in a folder.
QMap<QString, qint64> filesIn(const QString& folder)
{
    QMap<QString, qint64> out;
    for (const QFileInfo& f : QDir(folder).entryInfoList(QDir::Files))
        out.insert(f.fileName(), f.size());
    return out;
}

QByteArray digestOf(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// The shell words of the panel's command, undoing the single quotes it adds.
QStringList shellSplit(const QString& line)
{
    QStringList words;
    QString word;
    bool quoted = false, any = false;
    for (qsizetype k = 0; k < line.size(); ++k) {
        const QChar c = line[k];
        if (quoted) {
            if (c == u'\'')
                quoted = false;
            else
                word += c;
        } else if (c == u'\'') {
            quoted = true;
            any = true;
        } else if (c == u'\\' && k + 1 < line.size()) {
            word += line[++k];
            any = true;
        } else if (c == u' ') {
            if (any || !word.isEmpty())
                words << word;
            word.clear();
            any = false;
        } else {
            word += c;
        }
    }
    if (any || !word.isEmpty())
        words << word;
    return words;
}

bool convertAndWait(ConvertPanel* panel)
{
    QSignalSpy finished(panel, &ConvertPanel::finished);
    panel->start();
    if (finished.count() == 0 && !finished.wait(120000))
        return false;
    return finished.first().first().toBool();
}

} // namespace

class TestConvertPanel : public QObject {
    Q_OBJECT

private slots:
    // The preview lists the shard files and sizes the writer then writes, for plain float32 and
    // for uint8 with a shard size that splits the weights; the saving it states is the real one.
    void previewPredictsTheFiles()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        auto* panel = w.convertPanel();
        for (const auto q : {ConvertPanel::Quantization::None, ConvertPanel::Quantization::UInt8,
                 ConvertPanel::Quantization::Float16}) {
            const QString out = dir.filePath(QStringLiteral("out-%1").arg(static_cast<int>(q)));
            panel->setOutputFolder(out);
            panel->setQuantization(q);
            panel->setShardSize(100000);
            const QStringList preview = panel->previewFiles();
            const std::uint64_t planned = panel->previewWeightBytes();
            QVERIFY(convertAndWait(panel));
            const auto written = filesIn(out);
            QCOMPARE(preview.size(), written.size()); // model.json + every shard, nothing else
            qint64 shardBytes = 0;
            for (auto it = written.begin(); it != written.end(); ++it)
                if (it.key() != QLatin1String("model.json")) {
                    shardBytes += it.value();
                    bool listed = false;
                    for (const QString& row : preview)
                        listed |= row.startsWith(it.key() + u'\t');
                    QVERIFY2(listed, qPrintable(it.key() + " written but not in the preview: " + preview.join(u'|')));
                }
            QCOMPARE(static_cast<std::uint64_t>(shardBytes), planned);
        }
        // From the sample's own manifest: float32 weights shrink to 1 byte per value under uint8,
        // the int32 ones keep 4 (the converter quantizes floats only).
        std::uint64_t floats = 0, others = 0;
        {
            QFile f(kSample);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const auto manifest = QJsonDocument::fromJson(f.readAll()).object()[QStringLiteral("weightsManifest")].toArray();
            for (const auto& group : manifest)
                for (const auto& wv : group.toObject()[QStringLiteral("weights")].toArray()) {
                    std::uint64_t n = 1;
                    for (const auto& d : wv.toObject()[QStringLiteral("shape")].toArray())
                        n *= static_cast<std::uint64_t>(d.toInt());
                    (wv.toObject()[QStringLiteral("dtype")].toString() == QLatin1String("float32") ? floats : others) += n;
                }
        }
        QVERIFY(floats > 0);
        panel->setQuantization(ConvertPanel::Quantization::None);
        QCOMPARE(panel->previewWeightBytes(), 4 * (floats + others));
        QCOMPARE(panel->previewWeightBytes(), std::uint64_t(402048)); // the shard size on disk
        panel->setQuantization(ConvertPanel::Quantization::UInt8);
        QCOMPARE(panel->previewWeightBytes(), floats + 4 * others);
        auto* note = w.findChild<QLabel*>(QStringLiteral("previewNote"));
        const QString saving = QStringLiteral("%1 % smaller")
                                   .arg(100.0 * (1.0 - double(floats + 4 * others) / double(4 * (floats + others))), 0, 'f', 1);
        QVERIFY2(note->text().contains(saving), qPrintable(note->text() + " lacks " + saving));
        // Patterns pick weights: none match, nothing is quantized.
        panel->setQuantization(ConvertPanel::Quantization::UInt8, QStringLiteral("no_such_weight*"));
        QCOMPARE(panel->previewWeightBytes(), std::uint64_t(402048));
    }

    // The command the panel shows is the same conversion: run through the CLI it writes the same
    // bytes as the panel did.
    void commandLineConvertsTheSame()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        auto* panel = w.convertPanel();
        const QString out = dir.filePath(QStringLiteral("panel out"));
        panel->setOutputFolder(out);
        panel->setQuantization(ConvertPanel::Quantization::UInt16, QStringLiteral("*conv*"));
        panel->setShardSize(65536);
        const QString command = w.findChild<QLineEdit*>(QStringLiteral("cliCommand"))->text();
        QCOMPARE(command, panel->commandLine());
        QVERIFY2(command.contains(QStringLiteral("'--quantize_uint16=*conv*'")), qPrintable(command));
        QVERIFY2(command.contains(QStringLiteral("--weight_shard_size_bytes=65536")), qPrintable(command));
        QVERIFY(convertAndWait(panel));

        QStringList words = shellSplit(command);
        QCOMPARE(words.takeFirst(), QStringLiteral("tfjs-studio-cli"));
        const QString cliOut = dir.filePath(QStringLiteral("cli out"));
        QCOMPARE(words.last(), out);
        words.last() = cliOut;
        QProcess p;
        p.start(QStringLiteral(STUDIO_CLI), words);
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const auto a = filesIn(out), b = filesIn(cliOut);
        QCOMPARE(a.keys(), b.keys());
        QVERIFY(a.size() > 2); // sharded
        for (const QString& f : a.keys())
            QVERIFY2(digestOf(out + u'/' + f) == digestOf(cliOut + u'/' + f), qPrintable(f + " differs"));
    }

    // A folder that cannot take the model is refused with the reason before any question, and
    // nothing is written: the source's own folder, a folder with other files, a file.
    void badOutputFoldersRefusedFirst()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        auto* panel = w.convertPanel();
        QSignalSpy failed(panel, &ConvertPanel::failed);
        QSignalSpy finished(panel, &ConvertPanel::finished);

        const QString sourceDir = QFileInfo(kSample).absolutePath();
        panel->setOutputFolder(sourceDir);
        panel->start();
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.last().at(1).toString().contains(QStringLiteral("holds the source model")),
            qPrintable(failed.last().at(1).toString()));
        QVERIFY(!panel->isRunning());

        const QString other = dir.filePath(QStringLiteral("notes"));
        QDir().mkpath(other);
        QFile keep(other + QStringLiteral("/thesis.txt"));
        QVERIFY(keep.open(QIODevice::WriteOnly));
        keep.write("mine");
        keep.close();
        panel->setOutputFolder(other);
        panel->start();
        QCOMPARE(failed.count(), 2);
        QVERIFY2(failed.last().at(1).toString().contains(QStringLiteral("no model.json")),
            qPrintable(failed.last().at(1).toString()));
        QCOMPARE(filesIn(other).keys(), QStringList{QStringLiteral("thesis.txt")});

        panel->setOutputFolder(other + QStringLiteral("/thesis.txt"));
        panel->start();
        QCOMPARE(failed.count(), 3);
        QVERIFY2(failed.last().at(1).toString().contains(QStringLiteral("is a file")),
            qPrintable(failed.last().at(1).toString()));
        QCOMPARE(finished.count(), 3); // each refused at once, none ran
        for (const auto& f : finished)
            QCOMPARE(f.first().toBool(), false);

        // An earlier conversion's folder is taken (the prompt, off in tests, asks first).
        const QString earlier = dir.filePath(QStringLiteral("earlier"));
        panel->setOutputFolder(earlier);
        QVERIFY(convertAndWait(panel));
        QVERIFY(convertAndWait(panel));
    }

    // A SavedModel's pickers list its tag sets and signatures (SOURCE.md of the tfjs-node fixtures:
    // tag serve, signatures serving_default = 3x and timestwo = 2x); choosing timestwo converts
    // that signature, which the CLI command says too.
    void savedModelPickersListSignatures()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.setInteractive(false);
        auto* panel = w.convertPanel();
        QSignalSpy listed(panel, &ConvertPanel::savedModelChoicesChanged);
        QVERIFY(w.openModel(QStringLiteral(STUDIO_MODELS_DIR "/savedmodel-tf2-tfjs-node-test-fixtures/module_with_multiple_signatures")));
        QVERIFY(listed.count() > 0 || listed.wait(30000));
        QCOMPARE(panel->tagSetChoices(), QStringList{QStringLiteral("serve")});
        QCOMPARE(panel->signatureChoices(), (QStringList{QStringLiteral("serving_default"), QStringLiteral("timestwo")}));
        auto* signature = w.findChild<QComboBox*>(QStringLiteral("signatureName"));
        QVERIFY(signature->isVisibleTo(panel));
        QCOMPARE(signature->currentText(), QStringLiteral("serving_default"));
        auto* info = w.findChild<QLabel*>(QStringLiteral("signatureInfo"));
        QVERIFY2(info->text().contains(QStringLiteral("inputs: x float32")), qPrintable(info->text()));
        signature->setCurrentIndex(signature->findText(QStringLiteral("timestwo")));
        QCOMPARE(panel->options().signatureName, std::string("timestwo"));
        QVERIFY(panel->commandLine().contains(QStringLiteral("--signature_name=timestwo")));
        panel->setOutputFolder(dir.filePath(QStringLiteral("out")));
        QVERIFY(convertAndWait(panel));
        // The written model computes timestwo: [1, 2, 3] -> [2, 4, 6].
        const auto model = studio::conv::importModel(dir.filePath(QStringLiteral("out/model.json")).toStdString());
        studio::rt::CompileOptions shapes;
        shapes.inputShapes[studio::core::inputNodeName(model.inputs.at(0).name)] = {3};
        auto session = studio::rt::compile(model, "reference", shapes);
        const auto result = session->run({{studio::core::inputNodeName(model.inputs.at(0).name),
            studio::rt::Tensor::floats({3}, {1.0f, 2.0f, 3.0f})}});
        QCOMPARE(result.outputs.size(), std::size_t(1));
        QCOMPARE(result.outputs[0].toHost().f, (std::vector<float>{2.0f, 4.0f, 6.0f}));
        // A model that is not a SavedModel has no pickers.
        QVERIFY(w.openModel(kSample));
        QVERIFY(!signature->isVisibleTo(panel));
        QVERIFY(panel->signatureChoices().isEmpty());
    }

    // The rows follow the route: a frozen graph asks for its outputs, pre-filled with the nodes
    // nothing reads (the tensorspace graph ends in its softmax); a Keras file offers per-layer
    // groups and the graph-model route; the previous model's result and choices are gone.
    void rowsFollowTheModelAndReset()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        auto* panel = w.convertPanel();
        panel->setOutputFolder(dir.filePath(QStringLiteral("out")));
        QVERIFY(convertAndWait(panel));
        auto* files = w.findChild<QTreeWidget*>(QStringLiteral("convertOutput"));
        QVERIFY(files->topLevelItemCount() >= 2);
        QVERIFY(w.findChild<QPushButton*>(QStringLiteral("openResult"))->isEnabled());
        auto* outputs = w.findChild<QLineEdit*>(QStringLiteral("outputNodeNames"));
        QVERIFY(!outputs->isVisible() || !outputs->isVisibleTo(panel));

        QVERIFY(w.openModel(kFrozen));
        QCOMPARE(files->topLevelItemCount(), 0);
        QVERIFY(!w.findChild<QPushButton*>(QStringLiteral("openResult"))->isEnabled());
        QVERIFY(outputs->isVisibleTo(panel));
        QVERIFY2(outputs->text().split(u',').contains(QStringLiteral("MySoftMax")), qPrintable(outputs->text()));
        QVERIFY(panel->commandLine().contains(QStringLiteral("--output_node_names=")));

        QVERIFY(w.openModel(kKerasH5));
        auto* format = w.findChild<QComboBox*>(QStringLiteral("outputFormat"));
        QStringList offered;
        for (int k = 0; k < format->count(); ++k)
            offered << format->itemText(k);
        QVERIFY2(offered.filter(QStringLiteral("tfjs_graph_model")).size() == 1, qPrintable(offered.join(u'|')));
        QCOMPARE(format->currentText(), QStringLiteral("tfjs_layers_model"));
        QVERIFY(!outputs->isVisibleTo(panel));
        QVERIFY(w.findChild<QWidget*>(QStringLiteral("splitWeightsByLayer"))->isVisibleTo(panel));
        QVERIFY(panel->options().outputFormat.empty()); // the inferred default is not spelled out

        QVERIFY(w.openModel(kLayersModel));
        QVERIFY(!w.findChild<QWidget*>(QStringLiteral("splitWeightsByLayer"))->isVisibleTo(panel));
    }
};

QTEST_MAIN(TestConvertPanel)
#include "test_convert_panel.moc"
