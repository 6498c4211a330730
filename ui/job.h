// The studio's one way to run work off the GUI thread: a function on a QtConcurrent worker with a
// CancelToken, progress delivered to the GUI thread, and exactly one outcome (a value, a failure
// with its location, or Cancelled).
#pragma once

#include "core/error.h"

#include <QFutureWatcher>
#include <QMutex>
#include <QMutexLocker>
#include <QObject>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace studio::ui {

enum class JobStatus {
    Idle,      // never started
    Running,
    Succeeded, // value() holds the result
    Failed,    // failure() says what and where
    Cancelled, // the work stopped because it was asked to; deliberately not a failure
};

// "cancelled", "failed"...: for progress bars and logs.
QString jobStatusText(JobStatus status);

// A studio::Error as the GUI keeps it: the message already says where; the structured location
// is for selecting the cause (a node, a weight, a layer).
struct JobFailure {
    QString message;
    Location where;
};

// The part of a job that does not depend on its types, because moc cannot handle templates.
class JobBase : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    JobStatus status() const { return m_status; }
    bool isRunning() const { return m_status == JobStatus::Running; }
    // Asks the running work to stop at its next check. The outcome still comes from the worker:
    // work that fails or finishes before it looks at the token ends Failed or Succeeded.
    void cancel() const { m_token.cancel(); }
    bool cancelRequested() const { return m_token.cancelled(); }
    // The running (or last) run's token, for work that hands it further down.
    const CancelToken& token() const { return m_token; }
    // Valid when status() is Failed.
    const JobFailure& failure() const { return m_failure; }

signals:
    // On the GUI thread, once per start(), after the last progress report of that run.
    void finished(studio::ui::JobStatus status);

protected:
    JobStatus m_status = JobStatus::Idle;
    CancelToken m_token;
    JobFailure m_failure;
};

// Runs Work on the global thread pool. Work gets the token and a report function it may call
// from the worker as often as it likes: reports are queued and handed to the progress handler on
// the GUI thread in batches, so a fast loop costs one event per batch, not one per report.
//
// Work ends the run by returning (Succeeded), throwing studio::Cancelled (Cancelled), or throwing
// anything else (Failed: studio::Error keeps its Location). A token cancelled before the worker
// starts means the work never runs. Nothing escapes the worker.
template <typename T, typename P = double>
class Job final : public JobBase {
public:
    using Report = std::function<void(const P&)>;
    using Work = std::function<T(const CancelToken& cancel, const Report& report)>;
    using ProgressHandler = std::function<void(const std::vector<P>& reports)>;

    explicit Job(QObject* parent = nullptr) : JobBase(parent)
    {
        connect(&m_watcher, &QFutureWatcher<void>::finished, this, &Job::onWorkerFinished);
    }
    // Cancels and waits: a worker must not outlive what its work refers to.
    ~Job() override
    {
        m_watcher.disconnect(this);
        m_token.cancel();
        m_watcher.waitForFinished();
    }
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    void setProgressHandler(ProgressHandler handler) { m_onProgress = std::move(handler); }

    // Returns false (and starts nothing) while a run is in progress.
    bool start(Work work)
    {
        if (isRunning())
            return false;
        m_token = CancelToken::make();
        m_value.reset();
        m_failure = {};
        m_status = JobStatus::Running;
        auto run = std::make_shared<Run>();
        m_run = run;
        // The worker only touches `run` and posts to this object, which outlives it (~Job waits).
        Report report = [this, run](const P& p) {
            QMutexLocker lock(&run->mutex);
            run->reports.push_back(p);
            if (std::exchange(run->posted, true))
                return;
            lock.unlock();
            QMetaObject::invokeMethod(this, [this, run] { deliver(run); }, Qt::QueuedConnection);
        };
        m_watcher.setFuture(QtConcurrent::run([work = std::move(work), token = m_token, run, report = std::move(report)] {
            try {
                token.check();
                run->value.emplace(work(token, report));
            } catch (const Cancelled&) {
                // neither a value nor a failure: the outcome is Cancelled
            } catch (const Error& e) {
                run->failure = JobFailure{QString::fromUtf8(e.what()), e.where()};
            } catch (const std::exception& e) {
                run->failure = JobFailure{QString::fromUtf8(e.what()), {}};
            } catch (...) { // QFuture would rethrow it on the GUI thread
                run->failure = JobFailure{QStringLiteral("unknown error"), {}};
            }
        }));
        return true;
    }

    // Valid when status() is Succeeded.
    const T& value() const { return *m_value; }
    T takeValue() { return std::move(*m_value); }
    bool hasValue() const { return m_value.has_value(); }

private:
    struct Run {
        QMutex mutex;
        std::vector<P> reports; // waiting for the GUI thread
        bool posted = false;    // a delivery is queued
        std::optional<T> value;
        std::optional<JobFailure> failure;
    };

    void deliver(const std::shared_ptr<Run>& run)
    {
        std::vector<P> reports;
        {
            QMutexLocker lock(&run->mutex);
            reports.swap(run->reports);
            run->posted = false;
        }
        // A report of an earlier run that arrives after a new start describes other work.
        if (run == m_run && isRunning() && !reports.empty() && m_onProgress)
            m_onProgress(reports);
    }

    void onWorkerFinished()
    {
        if (!m_run)
            return;
        deliver(m_run); // whatever the worker reported last comes before the outcome
        const auto run = std::exchange(m_run, nullptr);
        if (run->value) {
            m_value = std::move(run->value);
            m_status = JobStatus::Succeeded;
        } else if (run->failure) {
            m_failure = std::move(*run->failure);
            m_status = JobStatus::Failed;
        } else { // the work threw studio::Cancelled
            m_status = JobStatus::Cancelled;
        }
        emit finished(m_status);
    }

    QFutureWatcher<void> m_watcher;
    std::shared_ptr<Run> m_run;
    std::optional<T> m_value;
    ProgressHandler m_onProgress;
};

} // namespace studio::ui
