// Benchmark records and their reports; see benchmark_export.h.
#include "ui/panels/benchmark_export.h"

#include "core/ir/model.h"
#include "core/version.h"

#include <QFile>
#include <QFileInfo>
#include <QSysInfo>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

namespace studio::ui {

namespace {

MachineInfo readMachine()
{
    MachineInfo m;
    // /proc/cpuinfo names the model on x86 ("model name") and on most ARM kernels ("Model" or
    // "Hardware"); elsewhere the architecture is all Qt knows.
    QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
    if (cpuinfo.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> lines = cpuinfo.readAll().split('\n');
        for (const char* key : {"model name", "Model", "Hardware"}) {
            for (const QByteArray& line : lines) {
                const qsizetype colon = line.indexOf(':');
                if (colon > 0 && line.left(colon).trimmed() == key) {
                    m.cpu = QString::fromUtf8(line.mid(colon + 1).trimmed()).simplified();
                    break;
                }
            }
            if (!m.cpu.isEmpty())
                break;
        }
    }
    if (m.cpu.isEmpty())
        m.cpu = QSysInfo::currentCpuArchitecture();
    m.os = QStringLiteral("%1 (%2 %3)").arg(QSysInfo::prettyProductName(), QSysInfo::kernelType(), QSysInfo::kernelVersion());
    m.cores = static_cast<int>(std::thread::hardware_concurrency());
    return m;
}

double roundTo(double v, double unit)
{
    return std::round(v / unit) * unit;
}

// Times anywhere in rt::toJson's report: keys ending in "Ms", the per-op "ms", and the summary's
// statistics (all milliseconds).
void roundTimes(nlohmann::ordered_json& j, const std::string& key, bool inSummary)
{
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            roundTimes(it.value(), it.key(), inSummary || key == "summary");
        return;
    }
    if (j.is_array()) {
        for (auto& v : j)
            roundTimes(v, key, inSummary);
        return;
    }
    if (!j.is_number_float())
        return;
    const double v = j.get<double>();
    const bool ms = key == "ms" || (key.size() > 2 && key.compare(key.size() - 2, 2, "Ms") == 0) || (inSummary && key != "count");
    if (ms)
        j = roundMs(v);
    else if (key == "gflopsPerSecond")
        j = roundTo(v, 0.001);
    else if (key == "timedSeconds" || key == "minSeconds")
        j = roundTo(v, 1e-6);
    else if (key == "flops")
        j = std::round(v);
}

nlohmann::ordered_json machineJson(const MachineInfo& machine)
{
    return {{"cpu", machine.cpu.toStdString()}, {"cores", machine.cores}, {"os", machine.os.toStdString()}};
}

// RFC 4180: quoted when it holds a comma, a quote or a line break.
QByteArray csvField(const QString& s)
{
    QByteArray b = s.toUtf8();
    if (!b.contains(',') && !b.contains('"') && !b.contains('\n') && !b.contains('\r'))
        return b;
    b.replace("\"", "\"\"");
    return '"' + b + '"';
}

QByteArray csvMs(double ms)
{
    return QByteArray::number(roundMs(ms), 'f', 3);
}

QByteArray csvRatio(double value, double first)
{
    return first > 0 ? QByteArray::number(value / first, 'f', 3) : QByteArray();
}

} // namespace

QString MachineInfo::text() const
{
    return QStringLiteral("%1, %2 cores, %3").arg(cpu).arg(cores).arg(os);
}

const MachineInfo& currentMachine()
{
    static const MachineInfo machine = readMachine();
    return machine;
}

QString BenchmarkRecord::deviceText() const
{
    const QString device = QString::fromStdString(result.device);
    return result.cpuDevice ? QStringLiteral("%1 — CPU implementation, no GPU").arg(device) : device;
}

QString BenchmarkRecord::label() const
{
    return QStringLiteral("#%1 %2 · %3").arg(id).arg(modelName, QString::fromStdString(result.backend));
}

QString weightsText(const core::Model& model)
{
    // Float weights are what quantization changes; integer ones (shapes, indices) would only
    // make every model read "mixed".
    std::map<std::string, int> counts;
    for (const bool floatsOnly : {true, false}) {
        for (const auto& group : model.weightGroups)
            for (const auto& w : group.weights)
                if (!floatsOnly || w.dtype == core::DType::Float32 || w.dtype == core::DType::Float16)
                    ++counts[std::string(core::dtypeName(w.quantization ? w.quantization->dtype : w.dtype))];
        if (!counts.empty())
            break;
    }
    if (counts.empty())
        return QStringLiteral("none");
    if (counts.size() == 1)
        return QString::fromStdString(counts.begin()->first);
    std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    QStringList parts;
    for (const auto& [dtype, n] : sorted)
        parts << QStringLiteral("%1 (%2)").arg(QString::fromStdString(dtype)).arg(n);
    return parts.join(QStringLiteral(", "));
}

double roundMs(double ms)
{
    return roundTo(ms, 0.001);
}

QString msText(double ms)
{
    // Latencies span microseconds (toy graphs) to seconds (big models on the CPU oracle).
    return ms < 1000 ? QString::number(ms, 'f', 3) : ms < 10000 ? QString::number(ms, 'f', 1) : QString::number(ms, 'f', 0);
}

const std::vector<ComparedStat>& comparedStats()
{
    static const std::vector<ComparedStat> stats = {
        {"median", QStringLiteral("median"), [](const rt::BenchmarkResult& r) { return r.summary.median; }},
        {"mean", QStringLiteral("mean"), [](const rt::BenchmarkResult& r) { return r.summary.mean; }},
        {"p90", QStringLiteral("p90"), [](const rt::BenchmarkResult& r) { return r.summary.p90; }},
        {"p99", QStringLiteral("p99"), [](const rt::BenchmarkResult& r) { return r.summary.p99; }},
        {"min", QStringLiteral("min"), [](const rt::BenchmarkResult& r) { return r.summary.min; }},
        {"max", QStringLiteral("max"), [](const rt::BenchmarkResult& r) { return r.summary.max; }},
        {"stddev", QStringLiteral("stddev"), [](const rt::BenchmarkResult& r) { return r.summary.stddev; }},
        {"load", QStringLiteral("load"), [](const rt::BenchmarkResult& r) { return r.loadMs; }},
        {"firstRun", QStringLiteral("first run"), [](const rt::BenchmarkResult& r) { return r.firstRunMs; }},
    };
    return stats;
}

nlohmann::ordered_json reportJson(const BenchmarkRecord& record, const MachineInfo& machine)
{
    nlohmann::ordered_json report;
    report["model"] = record.modelPath.toStdString();
    report["freeDim"] = record.freeDim;
    report["weights"] = record.weights.toStdString();
    report["date"] = record.finished.toString(Qt::ISODate).toStdString();
    report["machine"] = machineJson(machine);
    report["studioVersion"] = STUDIO_VERSION;
    nlohmann::ordered_json body = rt::toJson(record.result);
    roundTimes(body, {}, false);
    for (auto it = body.begin(); it != body.end(); ++it)
        report[it.key()] = it.value();
    return report;
}

QByteArray reportCsv(const BenchmarkRecord& record, const MachineInfo& machine)
{
    const auto& r = record.result;
    QByteArray out = "section,name,detail,ms,flops,gflop_per_s\n";
    auto info = [&](const char* name, const QString& text) { out += QByteArray("info,") + name + ',' + csvField(text) + ",,,\n"; };
    auto row = [&](const char* section, const QString& name, const QString& detail, double ms, double flops) {
        out += QByteArray(section) + ',' + csvField(name) + ',' + csvField(detail) + ',' + csvMs(ms) + ','
            + (flops > 0 ? QByteArray::number(flops, 'f', 0) : QByteArray()) + ','
            + (flops > 0 && ms > 0 ? QByteArray::number(flops / ms / 1e6, 'f', 3) : QByteArray()) + '\n';
    };
    info("model", record.modelPath);
    info("backend", QString::fromStdString(r.backend));
    info("device", QString::fromStdString(r.device));
    info("cpuDevice", r.cpuDevice ? QStringLiteral("true") : QStringLiteral("false"));
    info("weights", record.weights);
    info("freeDim", QString::number(record.freeDim));
    info("date", record.finished.toString(Qt::ISODate));
    info("cpu", machine.cpu);
    info("cores", QString::number(machine.cores));
    info("os", machine.os);
    info("studioVersion", QStringLiteral(STUDIO_VERSION));
    info("timing", QString::fromStdString(r.timing));
    if (r.importMs)
        row("run", QStringLiteral("import"), {}, *r.importMs, 0);
    row("run", QStringLiteral("load"), {}, r.loadMs, 0);
    row("run", QStringLiteral("first"), {}, r.firstRunMs, 0);
    for (std::size_t k = 0; k < r.warmupMs.size(); ++k)
        row("run", QStringLiteral("warmup-%1").arg(k + 1), {}, r.warmupMs[k], 0);
    for (std::size_t k = 0; k < r.samplesMs.size(); ++k)
        row("run", QStringLiteral("timed-%1").arg(k + 1), {}, r.samplesMs[k], 0);
    for (const auto& s : comparedStats())
        if (std::string_view(s.key) != "load" && std::string_view(s.key) != "firstRun")
            row("summary", QString::fromLatin1(s.key), {}, s.value(r), 0);
    for (const auto& t : r.profile)
        row("node", QString::fromStdString(t.node), QString::fromStdString(t.op), t.meanMs, t.flops);
    for (const auto& o : rt::opTypeTotals(r.profile))
        row("op", QString::fromStdString(o.op), QString::number(o.nodes), o.ms, o.flops);
    return out;
}

nlohmann::ordered_json comparisonJson(const std::vector<const BenchmarkRecord*>& records, const MachineInfo& machine)
{
    nlohmann::ordered_json j;
    j["machine"] = machineJson(machine);
    j["studioVersion"] = STUDIO_VERSION;
    j["ratiosTo"] = records.empty() ? 0 : records.front()->id;
    auto& list = j["benchmarks"] = nlohmann::ordered_json::array();
    for (const BenchmarkRecord* rec : records) {
        const auto& r = rec->result;
        nlohmann::ordered_json e;
        e["id"] = rec->id;
        e["model"] = rec->modelPath.toStdString();
        e["backend"] = r.backend;
        e["device"] = r.device;
        e["cpuDevice"] = r.cpuDevice;
        e["weights"] = rec->weights.toStdString();
        e["freeDim"] = rec->freeDim;
        e["date"] = rec->finished.toString(Qt::ISODate).toStdString();
        e["timedRuns"] = r.summary.count;
        e["warmupRuns"] = r.warmupRuns;
        auto& ms = e["ms"] = nlohmann::ordered_json::object();
        auto& ratio = e["ratio"] = nlohmann::ordered_json::object();
        for (const auto& s : comparedStats()) {
            ms[s.key] = roundMs(s.value(r));
            const double first = s.value(records.front()->result);
            if (first > 0)
                ratio[s.key] = roundTo(s.value(r) / first, 0.001);
        }
        e["samplesMs"] = nlohmann::ordered_json::array();
        for (const double v : r.samplesMs)
            e["samplesMs"].push_back(roundMs(v));
        list.push_back(std::move(e));
    }
    return j;
}

QByteArray comparisonCsv(const std::vector<const BenchmarkRecord*>& records, const MachineInfo& machine)
{
    QByteArray out = "id,model,backend,device,cpu_device,weights,free_dim,date,timed_runs";
    for (const auto& s : comparedStats())
        out += QByteArray(",") + s.key + "_ms," + s.key + "_ratio";
    out += ",machine,studio_version\n";
    for (const BenchmarkRecord* rec : records) {
        const auto& r = rec->result;
        out += QByteArray::number(rec->id) + ',' + csvField(rec->modelPath) + ',' + csvField(QString::fromStdString(r.backend))
            + ',' + csvField(QString::fromStdString(r.device)) + ',' + (r.cpuDevice ? "true" : "false") + ','
            + csvField(rec->weights) + ',' + QByteArray::number(rec->freeDim) + ','
            + csvField(rec->finished.toString(Qt::ISODate)) + ',' + QByteArray::number(static_cast<qulonglong>(r.summary.count));
        for (const auto& s : comparedStats())
            out += ',' + csvMs(s.value(r)) + ',' + csvRatio(s.value(r), s.value(records.front()->result));
        out += ',' + csvField(machine.text()) + ',' + STUDIO_VERSION + '\n';
    }
    return out;
}

QStringList captionLines(const BenchmarkRecord* record, const MachineInfo& machine)
{
    QStringList lines;
    if (record)
        lines << QStringLiteral("%1 · %2 on %3 · weights %4 · %5")
                     .arg(record->modelName, QString::fromStdString(record->result.backend), record->deviceText(),
                         record->weights, record->finished.toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    lines << QStringLiteral("%1 · tfjs-studio %2").arg(machine.text(), QStringLiteral(STUDIO_VERSION));
    return lines;
}

} // namespace studio::ui
