// The non-template half of the job helper (ui/job.h): its moc-generated signals and status names.
#include "ui/job.h"

namespace studio::ui {

QString jobStatusText(JobStatus status)
{
    switch (status) {
    case JobStatus::Idle: return QObject::tr("idle");
    case JobStatus::Running: return QObject::tr("running");
    case JobStatus::Succeeded: return QObject::tr("done");
    case JobStatus::Failed: return QObject::tr("failed");
    case JobStatus::Cancelled: return QObject::tr("cancelled");
    }
    return {};
}

} // namespace studio::ui
