// The job helper (ui/job.h) and cancellation through the studio: a job ends with exactly one of a
// value, a failure with its location, or Cancelled, and a cancelled Open, Convert or Benchmark
// shows no error and leaves nothing behind. Cancels are made deterministic: from the worker at
// its first progress report, or while the thread pool is held so the worker cannot start yet.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "core/ir/model.h"
#include "runtime/benchmark.h"
#include "ui/job.h"
#include "ui/main_window.h"
#include "ui/panels/benchmark_panel.h"
#include "ui/panels/convert_panel.h"

#include <QDir>
#include <QFile>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRunnable>
#include <QSemaphore>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QThreadPool>
#include <QToolButton>

#include <atomic>
#include <memory>

using studio::CancelToken;
using studio::ui::BenchmarkPanel;
using studio::ui::ConvertPanel;
using studio::ui::Job;
using studio::ui::JobStatus;
using studio::ui::MainWindow;

namespace {

const QString kSample = QStringLiteral(STUDIO_SOURCE_DIR "/resources/samples/blazeface/model.json");
// 13.5 MiB of weights: big enough that reading and writing it take a while.
const QString kLayersModel = QStringLiteral(STUDIO_MODELS_DIR "/tfjs-layers-mobilenetv2-float32-seeded/model.json");

// Holds every thread of the global pool until it goes out of scope, so that a job started
// meanwhile cannot begin: a Cancel pressed then reaches the worker before its first step.
class PoolHold {
public:
    PoolHold() : m_threads(QThreadPool::globalInstance()->maxThreadCount()), m_gates(std::make_shared<Gates>())
    {
        // The blockers share the semaphores: they may still be returning from acquire() after
        // this object is gone.
        for (int i = 0; i < m_threads; ++i)
            QThreadPool::globalInstance()->start([gates = m_gates] {
                gates->started.release();
                gates->release.acquire();
            });
        // Every thread is inside a blocker: anything queued now waits behind them.
        m_gates->started.acquire(m_threads);
    }
    ~PoolHold() { m_gates->release.release(m_threads); }
    PoolHold(const PoolHold&) = delete;
    PoolHold& operator=(const PoolHold&) = delete;

private:
    struct Gates {
        QSemaphore started;
        QSemaphore release;
    };
    int m_threads;
    std::shared_ptr<Gates> m_gates;
};

QString logText(const MainWindow& w)
{
    return w.findChild<QPlainTextEdit*>(QStringLiteral("logView"))->toPlainText();
}

// The log's error lines ("HH:mm:ss  error  message").
QStringList errorLines(const MainWindow& w)
{
    QStringList out;
    for (const QString& line : logText(w).split(u'\n'))
        if (line.mid(10, 5).trimmed() == QLatin1String("error"))
            out << line;
    return out;
}

bool isEmptyFolder(const QString& path)
{
    return QDir(path).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty();
}

} // namespace

class TestJobs : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("tfjs-studio-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("test_jobs"));
    }

    // The helper itself.

    void valueAndEveryProgressReportArrive()
    {
        Job<int, int> job;
        std::vector<int> seen;
        QThread* progressThread = nullptr;
        job.setProgressHandler([&](const std::vector<int>& reports) {
            progressThread = QThread::currentThread();
            seen.insert(seen.end(), reports.begin(), reports.end());
        });
        QSignalSpy finished(&job, &studio::ui::JobBase::finished);
        QVERIFY(job.start([](const CancelToken&, const auto& report) {
            for (int i = 0; i < 10000; ++i)
                report(i);
            return 42;
        }));
        QVERIFY(job.isRunning());
        QVERIFY(!job.start([](const CancelToken&, const auto&) { return 0; })); // one at a time
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.count(), 1);
        QCOMPARE(job.status(), JobStatus::Succeeded);
        QCOMPARE(job.value(), 42);
        // Batched, but none lost, in order, and on the GUI thread before the outcome.
        QCOMPARE(seen.size(), std::size_t(10000));
        for (int i = 0; i < 10000; ++i)
            QCOMPARE(seen[static_cast<std::size_t>(i)], i);
        QCOMPARE(progressThread, QThread::currentThread());
    }

    void failureKeepsMessageAndLocation()
    {
        Job<int> job;
        QSignalSpy finished(&job, &studio::ui::JobBase::finished);
        job.start([](const CancelToken&, const auto&) -> int {
            studio::fail(studio::Location::atNode("model.json", "conv1"), "cannot run Foo");
        });
        QVERIFY(finished.wait(10000));
        QCOMPARE(job.status(), JobStatus::Failed);
        QCOMPARE(job.failure().message, QStringLiteral("model.json: node 'conv1': cannot run Foo"));
        QCOMPARE(job.failure().where.node, std::string("conv1"));
        QVERIFY(!job.hasValue());
    }

    // Cancel was pressed, but the work failed before it looked: the failure is what happened.
    void failureAfterCancelIsAFailure()
    {
        Job<int> job;
        QSignalSpy finished(&job, &studio::ui::JobBase::finished);
        job.start([](const CancelToken& cancel, const auto&) -> int {
            cancel.cancel(); // as if the user pressed Cancel now
            throw studio::Error("disk full");
        });
        QVERIFY(finished.wait(10000));
        QCOMPARE(job.status(), JobStatus::Failed);
        QCOMPARE(job.failure().message, QStringLiteral("disk full"));
    }

    void cancelEndsCancelledNotFailed()
    {
        Job<int> job;
        std::atomic<bool> started{false};
        QSignalSpy finished(&job, &studio::ui::JobBase::finished);
        job.start([&started](const CancelToken& cancel, const auto&) -> int {
            started = true;
            while (true) {
                cancel.check();
                QThread::msleep(1);
            }
        });
        QTRY_VERIFY(started);
        job.cancel();
        QVERIFY(job.cancelRequested());
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.count(), 1);
        QCOMPARE(job.status(), JobStatus::Cancelled);
        QVERIFY(job.failure().message.isEmpty());
        QVERIFY(!job.hasValue());
    }

    void cancelBeforeTheWorkerStartsNeverRunsTheWork()
    {
        Job<int> job;
        std::atomic<bool> ran{false};
        QSignalSpy finished(&job, &studio::ui::JobBase::finished);
        {
            PoolHold hold;
            job.start([&ran](const CancelToken&, const auto&) {
                ran = true;
                return 1;
            });
            job.cancel();
        }
        QVERIFY(finished.wait(10000));
        QCOMPARE(job.status(), JobStatus::Cancelled);
        QVERIFY(!ran);
    }

    // The libraries under a job, cancelled from the worker at their first progress report.

    void conversionCancelledAtItsFirstReportLeavesNothing()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        studio::conv::ConvertOptions options;
        options.inputPath = kLayersModel.toStdString();
        options.outputPath = dir.filePath(QStringLiteral("out")).toStdString();
        Job<studio::conv::ConvertResult, QString> job;
        QStringList stages;
        job.setProgressHandler([&](const std::vector<QString>& reports) {
            for (const auto& r : reports)
                stages << r;
        });
        QSignalSpy finished(&job, &studio::ui::JobBase::finished);
        job.start([options](const CancelToken& cancel, const auto& report) {
            studio::conv::ConvertHooks hooks;
            hooks.cancel = cancel;
            hooks.progress = [&](const std::string& stage, double) {
                report(QString::fromStdString(stage));
                cancel.cancel();
            };
            return studio::conv::convert(options, hooks);
        });
        QVERIFY(finished.wait(60000));
        QCOMPARE(job.status(), JobStatus::Cancelled);
        QCOMPARE(stages, QStringList{QStringLiteral("reading")});
        QVERIFY(isEmptyFolder(dir.path()));
    }

    void benchmarkCancelledAtItsFirstEventHasNoResult()
    {
        const auto graph = studio::conv::graphForRuntime(studio::conv::importModel(kSample.toStdString()));
        Job<studio::rt::BenchmarkResult, studio::rt::BenchmarkEvent> job;
        std::vector<studio::rt::BenchmarkEvent> events;
        job.setProgressHandler([&](const std::vector<studio::rt::BenchmarkEvent>& batch) {
            events.insert(events.end(), batch.begin(), batch.end());
        });
        QSignalSpy finished(&job, &studio::ui::JobBase::finished);
        job.start([&graph](const CancelToken& cancel, const auto& report) {
            studio::rt::BenchmarkOptions options;
            options.timedRuns = 100000;
            options.cancel = cancel;
            options.progress = [&](const studio::rt::BenchmarkEvent& e) {
                report(e);
                cancel.cancel();
            };
            return studio::rt::benchmark(graph, options);
        });
        QVERIFY(finished.wait(60000));
        QCOMPARE(job.status(), JobStatus::Cancelled);
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events.front().phase, studio::rt::BenchmarkPhase::Load);
        QVERIFY(!job.hasValue());
    }

    // The same through the studio's own buttons: Cancel pressed before the worker's first step.

    void cancelledOpenKeepsThePreviousModelAndShowsNoError()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        QSignalSpy cancelled(&w, &MainWindow::loadCancelled);
        {
            PoolHold hold;
            w.openModelAsync(kLayersModel);
            QVERIFY(w.isLoading());
            auto* cancel = w.findChild<QToolButton*>(QStringLiteral("openingCancel"));
            QVERIFY(cancel && !cancel->isHidden() && cancel->isEnabled());
            QTest::mouseClick(cancel, Qt::LeftButton);
            QVERIFY(!cancel->isEnabled()); // once is enough
        }
        QVERIFY(cancelled.wait(30000));
        QCOMPARE(cancelled.first().first().toString(), kLayersModel);
        QCOMPARE(w.loadStatus(), JobStatus::Cancelled);
        QVERIFY(!w.isLoading());
        QCOMPARE(errors.count(), 0);
        QCOMPARE(loaded.count(), 0);
        QVERIFY2(errorLines(w).isEmpty(), qPrintable(logText(w)));
        QVERIFY2(logText(w).contains(QStringLiteral("Opening tfjs-layers-mobilenetv2-float32-seeded/model.json cancelled")),
            qPrintable(logText(w)));
        QCOMPARE(w.modelPath(), kSample);
        QVERIFY(w.findChild<QProgressBar*>(QStringLiteral("openingProgress"))->isHidden());
    }

    void cancelledConversionWritesNothingAndShowsNoError()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(QStringLiteral("out"));
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kLayersModel));
        w.convertPanel()->setOutputFolder(out);
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QSignalSpy finished(w.convertPanel(), &ConvertPanel::finished);
        {
            PoolHold hold;
            w.convertPanel()->start();
            QVERIFY(w.convertPanel()->isRunning());
            QTest::mouseClick(w.findChild<QPushButton*>(QStringLiteral("cancelButton")), Qt::LeftButton);
        }
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().first().toBool(), false);
        QCOMPARE(w.convertPanel()->status(), JobStatus::Cancelled);
        QCOMPARE(errors.count(), 0);
        QVERIFY2(errorLines(w).isEmpty(), qPrintable(logText(w)));
        QVERIFY(logText(w).contains(QStringLiteral("Conversion cancelled")));
        QCOMPARE(w.findChild<QProgressBar*>(QStringLiteral("convertProgress"))->format(), QStringLiteral("cancelled"));
        QVERIFY(!QDir(out).exists());
        QVERIFY(isEmptyFolder(dir.path()));
        QVERIFY(w.findChild<QPushButton*>(QStringLiteral("convertButton"))->isEnabled());
    }

    void cancelledBenchmarkHasNoResultAndShowsNoError()
    {
        MainWindow w;
        w.setInteractive(false);
        QVERIFY(w.openModel(kSample));
        w.benchmarkPanel()->setRuns(0, 100000);
        QSignalSpy errors(&w, &MainWindow::errorReported);
        QSignalSpy finished(w.benchmarkPanel(), &BenchmarkPanel::finished);
        {
            PoolHold hold;
            QVERIFY(w.benchmarkPanel()->start());
            QTest::mouseClick(w.findChild<QPushButton*>(QStringLiteral("benchmarkCancelButton")), Qt::LeftButton);
        }
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().first().toBool(), false);
        QCOMPARE(w.benchmarkPanel()->status(), JobStatus::Cancelled);
        QCOMPARE(errors.count(), 0);
        QVERIFY2(errorLines(w).isEmpty(), qPrintable(logText(w)));
        QVERIFY(logText(w).contains(QStringLiteral("Benchmark of blazeface/model.json cancelled")));
        QVERIFY(!w.benchmarkPanel()->result().has_value());
        QVERIFY(!w.findChild<QPushButton*>(QStringLiteral("benchmarkExportButton"))->isEnabled());
    }
};

QTEST_MAIN(TestJobs)
#include "test_jobs.moc"
